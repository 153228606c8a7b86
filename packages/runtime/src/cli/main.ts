import { Command, CommanderError } from "commander";
import { processIo, UserError, type CliIo } from "./io.js";
import { registerStartCommand } from "./commands-start.js";
import { registerLocalCommands } from "./commands-local.js";
import { registerRemoteCommands } from "./commands-remote.js";
import { registerTestCommand } from "./commands-test.js";

export function buildProgram(io: CliIo): Command {
  const program = new Command("wattflow")
    .description("Wattflow: typed dataflows for energy and IoT monitoring")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.out(t.trimEnd()), writeErr: (t) => io.err(t.trimEnd()) })
    .showHelpAfterError("(run wattflow --help for the commands)")
    .addHelpText(
      "after",
      "\nStore: SQLite in the data folder by default (wattflow start --data DIR); PostgreSQL with\n" +
        "  wattflow start --store postgres://user:password@host:5432/db   (or WATTFLOW_STORE; ?schema=name for a schema of its own)\n" +
        "  a file path or sqlite:PATH names another SQLite file. See wattflow start --help.",
    );
  registerStartCommand(program, io);
  registerLocalCommands(program, io);
  registerTestCommand(program, io);
  registerRemoteCommands(program, io);
  return program;
}

/** Runs the CLI; returns the exit code (errors are printed, never thrown). */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof UserError) {
      io.err(`wattflow: ${err.message}`);
      return err.exitCode;
    }
    io.err(`wattflow: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
