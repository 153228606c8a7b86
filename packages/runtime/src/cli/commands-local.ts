import { resolve } from "node:path";
import type { Command } from "commander";
import pino from "pino";
import { formatIssue, loadFlowFile, writeFlowFileAtomic } from "../flow/index.js";
import type { convertNodeRed } from "../flow/node-red/convert.js";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { Registry } from "../registry/registry.js";
import { discoverPlugins, nodeModulesChain } from "../registry/discover.js";
import { scaffoldNode } from "./scaffold.js";
import { UserError, type CliIo } from "./io.js";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));

/** A registry with every plugin reachable from the working folder and from this runtime. */
export async function localRegistry(nodesDir?: string): Promise<Registry> {
  const registry = new Registry();
  await discoverPlugins({
    registry,
    searchDirs: [...nodeModulesChain(process.cwd()), ...nodeModulesChain(here)],
    nodesDir,
    log: pino({ level: "silent" }),
  });
  return registry;
}

export function registerLocalCommands(program: Command, io: CliIo): void {
  program
    .command("validate <files...>")
    .description("check flow files against the installed node types; prints every problem")
    .option("--nodes <dir>", "extra plugin folder (env WATTFLOW_NODES)", process.env.WATTFLOW_NODES)
    .action(async (files: string[], o: { nodes?: string }) => {
      const registry = await localRegistry(o.nodes);
      let bad = 0;
      for (const file of files) {
        const result = await loadFlowFile(resolve(file), { registry, env: process.env });
        if (result.ok) {
          io.out(`ok    ${file} (${result.flow.id}: ${result.flow.nodes.length} nodes)`);
          for (const w of result.warnings) io.err(`warn  ${formatIssue(w)}`);
        } else {
          bad += 1;
          io.err(`error ${file}: ${result.errors.length} problem(s)`);
          for (const e of result.errors) io.err(`  ${formatIssue(e)}`);
        }
      }
      if (bad > 0) throw new UserError(`${bad} of ${files.length} file(s) invalid`);
    });

  program
    .command("import")
    .description("convert flows from another tool")
    .command("node-red <file>")
    .description("convert a Node-RED flow export into Wattflow flow files; reports every node it could not convert")
    .option("--out <dir>", "where to write the flow files", "flows")
    .option("--nodes <dir>", "extra plugin folder the flows are checked against (env WATTFLOW_NODES)", process.env.WATTFLOW_NODES)
    .action(async (file: string, o: { out: string; nodes?: string }) => {
      const text = await readFile(file, "utf8").catch(() => {
        throw new UserError(`cannot read ${file}`);
      });
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new UserError(`${file} is not JSON: ${(err as Error).message}`);
      }
      // Loaded by this command only: `wattflow start` never needs the converter.
      const { convertNodeRed: convert } = await import("../flow/node-red/convert.js");
      let result: ReturnType<typeof convertNodeRed>;
      try {
        result = convert(parsed);
      } catch (err) {
        throw new UserError(`${file}: ${(err as Error).message}`);
      }
      // One file per tab; all or none, so a second import never leaves half an export behind.
      const targets = result.flows.map((flow) => ({ flow, target: join(o.out, `${flow.id}.json`) }));
      for (const { target } of targets) {
        if (await stat(target).then(() => true, () => false)) throw new UserError(`${target} exists; not overwriting it (use --out)`);
      }
      await mkdir(o.out, { recursive: true });
      const registry = await localRegistry(o.nodes);
      let invalid = 0;
      for (const { flow, target } of targets) {
        await writeFlowFileAtomic(target, flow);
        // Checked as a deploy would check it; references to unset variables fall back to their ${NAME:-default}.
        const checked = await loadFlowFile(resolve(target), { registry, env: process.env });
        io.out(`wrote ${target} (${flow.nodes.length} nodes, ${flow.connections?.length ?? 0} connections)${checked.ok ? "" : `: ${checked.errors.length} problem(s) to fix before it deploys`}`);
        if (!checked.ok) {
          invalid += 1;
          for (const e of checked.errors) io.err(`  ${formatIssue(e)}`);
        }
      }
      for (const w of result.warnings) io.err(`note  ${w}`);
      io.out(`${result.flows.reduce((n, f) => n + f.nodes.length, 0)} nodes converted into ${result.flows.length} flow(s), ${result.unsupported.length} not converted${invalid ? `; ${invalid} flow(s) need fixing before they deploy` : ""}`);
    });

  program
    .command("simulate [name]")
    .description("run a device simulator from an installed plugin (e.g. epever: a Modbus TCP charge controller); no name lists them")
    .option("--port <port>", "port to listen on (0: a free one)", "0")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--arg <key=value...>", "simulator options, e.g. --arg device-id=site1", [])
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText("after", "\nOther options go to the simulator: --device-id site1 --interval 10 is --arg device-id=site1 --arg interval=10.")
    .action(async (name: string | undefined, o: { port: string; host: string; arg: string[] }, command: { args: string[] }) => {
      const registry = await localRegistry();
      if (!name) {
        for (const [n, s] of registry.simulators) io.out(`${n.padEnd(16)} ${s.summary} (${s.module})`);
        return;
      }
      const sim = registry.simulators.get(name);
      if (!sim) throw new UserError(`no simulator "${name}" (installed: ${[...registry.simulators.keys()].join(", ") || "none"})`);
      const args = { ...simulatorOptions(command.args.slice(1)), ...Object.fromEntries(o.arg.map((a) => [a.split("=")[0]!, a.split("=").slice(1).join("=")])) };
      const running = await sim.start({ port: Number(o.port), host: o.host, args });
      io.out(`${name} simulator running at ${running.url} (Ctrl-C stops it)`);
      const stop = (): void => void running.close().then(() => process.exit(0));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });

  program
    .command("new-node <name>")
    .description("scaffold a node plugin package with a passing test: plugins/NAME inside a checkout (a workspace), else wattflow-node-NAME")
    .option("--dir <dir>", "create wattflow-node-NAME in this folder instead (depends on this runtime by path)")
    .action(async (name: string, o: { dir?: string }) => {
      const created = await scaffoldNode(name, { dir: o.dir });
      io.out(`created ${created.path} (@wattflow/runtime ${created.runtime === "workspace" ? "from the workspace" : "from this installed runtime, by path"})`);
      io.out(created.next);
    });
}

/** `--device-id site1 --fast --interval=10` → { "device-id": "site1", fast: "true", interval: "10" }. */
export function simulatorOptions(words: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith("--")) throw new UserError(`unexpected "${word}": simulator options look like --name value`);
    const [key, inline] = word.slice(2).split(/=(.*)/s);
    const next = words[i + 1];
    if (inline !== undefined) out[key!] = inline;
    else if (next !== undefined && !next.startsWith("--")) {
      out[key!] = next;
      i += 1;
    } else out[key!] = "true";
  }
  return out;
}
