import { relative } from "node:path";
import type { Command } from "commander";
import type { FlowTestFileResult } from "../testing/flow-tests.js";
import { localRegistry } from "./commands-local.js";
import { UserError, type CliIo } from "./io.js";

export function registerTestCommand(program: Command, io: CliIo): void {
  program
    .command("test [paths...]")
    .description("run the declarative flow tests (<flow>.test.json) in files and folders (default: flows); exit 1 on a failure")
    .option("--nodes <dir>", "extra plugin folder (env WATTFLOW_NODES)", process.env.WATTFLOW_NODES)
    .action(async (paths: string[], o: { nodes?: string }) => {
      // Loaded by this command only: `wattflow start` never needs the test runner.
      const { findFlowTests, formatFlowTestReport, runFlowTestFile } = await import("../testing/flow-tests.js");
      let files: string[];
      try {
        files = await findFlowTests(paths.length > 0 ? paths : ["flows"]);
      } catch (err) {
        throw new UserError(err instanceof Error ? err.message : String(err));
      }
      if (files.length === 0) throw new UserError(`no flow tests (*.test.json) in ${(paths.length > 0 ? paths : ["flows"]).join(", ")}`);
      const registry = await localRegistry(o.nodes);
      const results: FlowTestFileResult[] = [];
      for (const file of files) results.push(await runFlowTestFile(file, registry));
      const report = formatFlowTestReport(results, (p) => relative(process.cwd(), p) || p);
      // One stream, so the failures stay under their tests when a terminal interleaves stdout and stderr.
      for (const line of report.text) io.out(line);
      if (report.failed > 0) throw new UserError(`${report.failed} flow test(s) failed`);
    });
}
