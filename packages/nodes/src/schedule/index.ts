import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { addUnits, isTimeZone, localParts, periodKey, startOf, zonedToUtc } from "../shared/calendar.js";

interface RunRecord {
  /** Local date of the last run that completed. */
  done?: string;
  /** Local date of a run that started and has not completed (a crash mid-job). */
  started?: string;
}

export default defineNode({
  type: "schedule",
  category: "common",
  summary: "Runs a job once a day at a wall-clock time in a time zone; never twice for the same day, and catches up a run missed while the runtime was down.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    at: Type.String({ pattern: "^([01]\\d|2[0-3]):[0-5]\\d$", description: "local time, HH:MM (e.g. 00:05)" }),
    timezone: Type.String({ default: "UTC", description: "IANA zone of `at`" }),
    job: Type.Optional(Type.String({ description: "name carried in msg.topic (default: the node id)" })),
    catchUp: Type.Boolean({ default: true, description: "at start, run today's job if its time passed while the runtime was down" }),
  }),
  inputs: 0,
  outputs: ["run"],
  create(node, c) {
    if (!isTimeZone(c.timezone)) throw new Error(`unknown time zone "${c.timezone}"`);
    const [hour, minute] = c.at.split(":").map(Number) as [number, number];
    const job = c.job ?? node.id;
    let running = false;

    const runTimeOn = (dayStart: number): number => {
      const p = localParts(dayStart, c.timezone);
      return zonedToUtc({ year: p.year, month: p.month, day: p.day, hour, minute, second: 0 }, c.timezone);
    };
    const record = (): RunRecord => node.context.get<RunRecord>("runs") ?? {};

    /** Runs the job for the local day `date`; the day counts as done only once the job's messages were all handled. */
    const run = (date: string, how: "scheduled" | "catch-up" | "manual"): void => {
      if (running) {
        node.log.warn({ job, date }, "job still running; not started twice");
        return;
      }
      running = true;
      const dayStart = zonedToUtc({ ...localParts(Date.parse(`${date}T12:00:00Z`), "UTC"), hour: 0, minute: 0, second: 0 }, c.timezone);
      const finished = (text: string, fill: "green" | "red" | "grey"): void => {
        running = false;
        node.status({ fill, shape: "dot", text });
      };
      if (how === "manual") {
        execute(date, dayStart, how).then(
          () => finished(`manual run for ${date} done; next ${new Date(nextRun()).toISOString()}`, "green"),
          (err: Error) => finished(`manual run for ${date} failed: ${err.message}`, "red"),
        );
        return;
      }
      // Once per cluster: runtimes sharing a store run the day's job once, on the holder of its lock.
      node.jobs.run(`${node.flowId}/${node.id}`, runTimeOn(dayStart), () => execute(date, dayStart, how)).then(
        (outcome) => {
          if (outcome === "ran") finished(`${how} run for ${date} done; next ${new Date(nextRun()).toISOString()}`, "green");
          else finished(`run for ${date} done by ${outcome === "elsewhere" ? "another runtime" : "an earlier run"}; next ${new Date(nextRun()).toISOString()}`, "grey");
        },
        (err: Error) => finished(`${how} run for ${date} failed: ${err.message}`, "red"),
      );
    };

    /** Sends the job's message; resolves once everything it started was handled, rejects when that failed. */
    const execute = (date: string, dayStart: number, how: "scheduled" | "catch-up" | "manual"): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        if (how !== "manual") node.context.set("runs", { ...record(), started: date });
        const previousDay = periodKey("day", addUnits("day", dayStart, -1, c.timezone), c.timezone);
        node.status({ fill: "blue", shape: "dot", text: `${how} run for ${date}…` });
        void node.send(node.newMessage({ topic: job, payload: { job, date, previousDay, how, startedAt: new Date().toISOString() } }), {
          onComplete: (result) => {
            if (result.outcome !== "ack") return reject(result.error);
            if (how !== "manual") node.context.set("runs", { done: date });
            resolve();
          },
        });
      });

    const nextRun = (): number => {
      const today = startOf("day", Date.now(), c.timezone);
      const t = runTimeOn(today);
      return t > Date.now() ? t : runTimeOn(addUnits("day", today, 1, c.timezone));
    };

    const arm = (): void => {
      const at = nextRun();
      node.timers.setTimeout(() => {
        const date = periodKey("day", at, c.timezone);
        if (record().done !== date) run(date, "scheduled");
        arm();
      }, Math.max(0, at - Date.now()));
    };

    return {
      start() {
        const now = Date.now();
        const today = periodKey("day", now, c.timezone);
        const due = runTimeOn(startOf("day", now, c.timezone));
        const r = record();
        if (c.catchUp && now >= due && r.done !== today) run(today, "catch-up");
        else node.status({ fill: "grey", shape: "dot", text: `next ${new Date(nextRun()).toISOString()}${r.done ? `; last ${r.done}` : ""}` });
        arm();
      },
      trigger() {
        run(periodKey("day", Date.now(), c.timezone), "manual");
      },
    };
  },
});
