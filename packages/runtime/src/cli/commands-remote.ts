import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { Conflict, DeployResult, FlowDetail, RevisionDiff, RevisionSummary, ValidationFailure } from "../api/types.js";
import type { FlowDiff } from "../flow/types.js";
import { formatIssue, parseFlowText } from "../flow/index.js";
import { api, type ServerOptions } from "./client.js";
import { UserError, type CliIo } from "./io.js";

const serverOption = (cmd: Command): Command =>
  cmd
    .option("--server <url>", "admin API of the runtime (env WATTFLOW_SERVER)", process.env.WATTFLOW_SERVER ?? "http://127.0.0.1:1880")
    .option("--token <token>", "admin token (env WATTFLOW_TOKEN)", process.env.WATTFLOW_TOKEN);

export function describeDiff(diff: FlowDiff): string {
  const parts = [
    diff.added.length && `added ${diff.added.join(", ")}`,
    diff.changed.length && `changed ${diff.changed.join(", ")}`,
    diff.removed.length && `removed ${diff.removed.join(", ")}`,
    diff.rewired.length && `rewired ${diff.rewired.join(", ")}`,
    diff.restartedByConnection.length && `restarted for a connection ${diff.restartedByConnection.join(", ")}`,
    diff.connections.added.length + diff.connections.changed.length + diff.connections.removed.length &&
      `connections +${diff.connections.added.length} ~${diff.connections.changed.length} -${diff.connections.removed.length}`,
  ].filter(Boolean);
  return parts.length ? parts.join("; ") : "no node changes";
}

function failDeploy(io: CliIo, status: number, body: unknown): never {
  if (status === 400 && (body as ValidationFailure)?.errors) {
    const failure = body as ValidationFailure;
    for (const issue of failure.errors) io.err(formatIssue(issue));
    throw new UserError(`refused: ${failure.errors.length} problem(s); the running flow is unchanged`);
  }
  if (status === 409) throw new UserError(`conflict: ${(body as Conflict).message}`, 2);
  throw new UserError(`the server answered ${status}: ${JSON.stringify(body)}`);
}

export function registerRemoteCommands(program: Command, io: CliIo): void {
  serverOption(
    program
      .command("deploy <file>")
      .description("deploy a flow file to a running runtime (refused with 409 if someone deployed since you read it)")
      .option("-m, --message <text>", "revision message", "")
      .option("--author <name>", "revision author", process.env.USER ?? "cli"),
  ).action(async (file: string, o: ServerOptions & { message: string; author: string }) => {
    const parsed = parseFlowText(await readFile(file, "utf8").catch(() => {
      throw new UserError(`cannot read ${file}`);
    }), file);
    if (!parsed.ok) {
      parsed.errors.forEach((e) => io.err(formatIssue(e)));
      throw new UserError(`${file} is not valid JSON`);
    }
    const flow = parsed.value as { id?: string };
    if (typeof flow.id !== "string") throw new UserError(`${file}: the flow has no "id"`);
    const current = await api<FlowDetail>(o, "GET", `api/flows/${encodeURIComponent(flow.id)}`);
    const expectedRevision = current.status === 200 ? current.body.revision : 0;
    const res =
      current.status === 200
        ? await api<DeployResult>(o, "PUT", `api/flows/${encodeURIComponent(flow.id)}`, { flow, expectedRevision, message: o.message, author: o.author })
        : await api<DeployResult>(o, "POST", "api/flows", { flow, message: o.message, author: o.author });
    if (res.status !== 200 && res.status !== 201) failDeploy(io, res.status, res.body);
    const r = res.body;
    io.out(r.unchanged ? `${r.flowId}: unchanged (revision ${r.revision})` : `${r.flowId}: deployed revision ${r.revision} — ${describeDiff(r.diff)}`);
  });

  serverOption(program.command("revisions <flow>").description("list a flow's revisions, newest first")).action(async (flow: string, o: ServerOptions) => {
    const res = await api<RevisionSummary[]>(o, "GET", `api/flows/${encodeURIComponent(flow)}/revisions`);
    if (res.status !== 200) throw new UserError(`the server answered ${res.status}`);
    if (res.body.length === 0) io.out(`${flow}: no revisions`);
    for (const r of res.body) io.out(`${String(r.revision).padStart(4)}  ${r.time}  ${r.hash.slice(0, 12)}  ${r.author}  ${r.message}`);
  });

  serverOption(program.command("diff <flow> <from> [to]").description("what changed between two revisions (to: the running one)")).action(
    async (flow: string, from: string, to: string | undefined, o: ServerOptions) => {
      const query = `from=${encodeURIComponent(from)}${to ? `&to=${encodeURIComponent(to)}` : ""}`;
      const res = await api<RevisionDiff>(o, "GET", `api/flows/${encodeURIComponent(flow)}/diff?${query}`);
      if (res.status !== 200) throw new UserError(`the server answered ${res.status}: ${JSON.stringify(res.body)}`);
      io.out(`${flow} ${res.body.from} → ${res.body.to}: ${describeDiff(res.body.diff)}`);
    },
  );

  serverOption(program.command("rollback <flow> <revision>").description("deploy an earlier revision again, as a new revision")).action(
    async (flow: string, revision: string, o: ServerOptions) => {
      const res = await api<DeployResult>(o, "POST", `api/flows/${encodeURIComponent(flow)}/rollback`, { revision: Number(revision) });
      if (res.status !== 200) failDeploy(io, res.status, res.body);
      io.out(`${flow}: rolled back to revision ${revision}, now revision ${res.body.revision} — ${describeDiff(res.body.diff)}`);
    },
  );

  serverOption(program.command("trigger <flow> <node>").description("fire a node now (inject, schedule)")).action(async (flow: string, node: string, o: ServerOptions) => {
    const res = await api(o, "POST", `api/flows/${encodeURIComponent(flow)}/nodes/${encodeURIComponent(node)}/trigger`);
    if (res.status !== 202) throw new UserError(`${flow}/${node} could not be triggered (${res.status})`);
    io.out(`${flow}/${node}: triggered`);
  });
}
