import { setFlagsFromString } from "node:v8";

/**
 * Keeps V8's young generation at its starting size (1 MB per semi-space) instead of letting it grow
 * to 16 MB per semi-space: measured with every shipped flow, 20–25 MB less resident memory, that V8 does
 * not give back once grown. The runtime's short-lived messages do not need more (the engine benchmark's
 * chain and fan-out ran no slower); a start pays about 150 ms more in scavenges with every flow. The size limit
 * itself (`--max-semi-space-size`) is only read when the heap is created, so it would need a command
 * line; the growth factor is read each time the young generation would grow, so the CLI can set it
 * here, first thing. An operator's own `--max-semi-space-size`/`--semi-space-growth-factor` (on the
 * command line or in NODE_OPTIONS) wins.
 *
 * Nothing else is set, by measurement (every shipped flow, RSS 1 s after ready): the heap then is live data,
 * so neither a memory-reducing GC after ready nor `--bytecode-old-age`/`--gc-memory-reducer-start-delay-ms`
 * lowered it; `--no-concurrent-marking`/`--no-parallel-scavenge` changed nothing measurable, and
 * `--single-threaded-gc` or `--no-parallel-marking` set after start abort the process. What varies from
 * one start to the next is malloc's per-thread arenas keeping freed compiler memory; glibc's
 * `MALLOC_TRIM_THRESHOLD_` or `MALLOC_ARENA_MAX` bound that, but only from the environment the process starts in:
 * `npm start` sets both (root package.json; about 2 MB less with every flow), and the README tells operators who
 * start the CLI otherwise to do the same. The process does not start itself again to set them.
 */
export function keepYoungGenerationSmall(): void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  if (given.some((arg) => /^--(max-semi-space-size|semi-space-growth-factor|min-semi-space-size)\b/.test(arg.replaceAll("_", "-")))) return;
  setFlagsFromString("--semi-space-growth-factor=1");
}
