import { getPath, type NodeBehaviour, type NodeHandle } from "@wattflow/runtime";
import { periodKey } from "../shared/calendar.js";
import { timeOf } from "../shared/flatten.js";
import { catchUpDays, forgetRollups, rollUpDay, type DayRollup } from "../store/day-rollups.js";

export interface StoredConfig {
  prefix: string;
  time: string;
  series: DayRollup[];
}

/**
 * calendar-rollup with `stored`: keeps daily rollups of stored series. Each
 * message says a time was written; its local day is rolled up again from the
 * store. At start the rollups are caught up (built whole the first time or
 * after the zone changed), without holding up the flow's start.
 */
export function storedRollups(node: NodeHandle, stored: StoredConfig, timeZone: string): NodeBehaviour {
  let caughtUp: Promise<void> = Promise.resolve();
  return {
    start() {
      node.status({ fill: "blue", shape: "ring", text: "catching up daily rollups" });
      caughtUp = catchUpDays(node.store, stored.prefix, stored.series, timeZone).then(
        (days) => node.status({ fill: "green", shape: "dot", text: `caught up: ${days} day rollup(s) written` }),
        (err: unknown) => {
          node.status({ fill: "red", shape: "ring", text: "catch-up failed" });
          node.error(new Error(`calendar-rollup: catching up the daily rollups failed: ${err instanceof Error ? err.message : String(err)}`));
        },
      );
    },
    async input(msg, _send, done) {
      const raw = getPath(msg, stored.time);
      const time = timeOf(raw, Number.NaN);
      if (!Number.isFinite(time)) {
        done(new Error(`calendar-rollup: msg.${stored.time} must be the time written, ms or ISO 8601 (got ${raw === undefined ? "nothing" : JSON.stringify(raw)})`));
        return;
      }
      await caughtUp;
      try {
        const day = await rollUpDay(node.store, stored.prefix, stored.series, timeZone, time);
        node.status({ fill: "green", shape: "dot", text: `rolled up ${periodKey("day", day, timeZone)}` });
        done();
      } catch (err) {
        await forgetRollups(node.store, stored.prefix, stored.series, timeZone).catch(() => undefined);
        node.status({ fill: "red", shape: "ring", text: "a day's roll-up failed: queries read the series until the next start rebuilds" });
        done(err);
      }
    },
    async close() {
      await caughtUp;
    },
  };
}
