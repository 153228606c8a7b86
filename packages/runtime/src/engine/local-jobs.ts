import type { JobGate, JobOutcome, JobRun } from "./types.js";

/** A runtime on its own runs every job itself; it only remembers, while it runs, which slot each job last completed. */
export function createLocalJobs(): JobGate {
  const lastRuns = new Map<string, number>();
  return {
    shared: false,
    async run(job: string, slot: number, work: (run: JobRun) => Promise<void>): Promise<JobOutcome> {
      const lastRun = lastRuns.get(job) ?? null;
      if (lastRun !== null && lastRun >= slot) return "already-done";
      await work({ slot, lastRun });
      lastRuns.set(job, Math.max(slot, lastRuns.get(job) ?? slot));
      return "ran";
    },
  };
}
