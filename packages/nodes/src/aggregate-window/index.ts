import { defineNode, Type, getPath, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { timeOf } from "../shared/flatten.js";
import { addUnits, isTimeZone, startOf, type CalendarUnit } from "../shared/calendar.js";
import { addReading, combine, emptyAcc, statOf, type Acc, type Stat } from "../shared/stats.js";

const StatName = Type.Union(["avg", "min", "max", "sum", "count", "first", "last", "energy"].map((s) => Type.Literal(s)));

const config = Type.Object({
  window: Type.String({ pattern: `${DURATION_PATTERN.slice(0, -1)}|^(day|month|year)$`, description: "window length (10m, 1h) or a calendar day, month or year in the time zone" }),
  every: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: "sliding: emit this often over the last `window` (omit for tumbling windows)" })),
  key: Type.Optional(Type.String({ description: "message path grouping readings (device, host, topic); one window per key" })),
  time: Type.String({ default: "payload.timestamp", description: "message path of the reading time (ms or ISO); arrival time when missing" }),
  fields: Type.Array(
    Type.Object({
      path: Type.String({ minLength: 1, description: "message path of a numeric value" }),
      as: Type.Optional(Type.String({ description: "output name (default: the path's last segment)" })),
      stats: Type.Array(StatName, { minItems: 1, description: "energy integrates the value as watts into Wh" }),
    }),
    { minItems: 1 },
  ),
  bare: Type.Optional(
    Type.Array(StatName, { description: "statistics named by the field alone, without the _<stat> suffix (a rollup's average as voltage, not voltage_avg); a field may have only one" }),
  ),
  maxGap: Type.String({ pattern: DURATION_PATTERN, default: "5m", description: "energy: readings further apart than this add no energy" }),
  timezone: Type.String({ default: "UTC", description: "IANA zone for calendar windows" }),
  emitEmpty: Type.Boolean({ default: false, description: "also emit windows with no readings" }),
  lateness: Type.String({ pattern: DURATION_PATTERN, default: "1m", description: "a window closes by the clock this long after its end once its key has been quiet as long (backfilled readings close windows by their own times)" }),
});

interface Pane {
  start: number;
  end: number;
  accs: Record<string, Acc>;
  closed: boolean;
}

interface KeyState {
  /** Closed panes a sliding window still covers, then the open pane (if any). */
  panes: Pane[];
  /** Each field's previous reading, carried across panes so energy spans window edges. */
  prev: Record<string, { t: number; v: number }>;
  /** When the key's last reading arrived (wall clock). */
  arrived?: number;
}

const CONTEXT_KEY = "windows";

export default defineNode({
  type: "aggregate-window",
  category: "time series",
  summary: "Groups readings into wall-clock windows per key and emits avg/min/max/sum/count/first/last and energy (Wh) per window.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config,
  inputs: 1,
  outputs: ["window", "late"],
  create(node, c) {
    if (!isTimeZone(c.timezone)) throw new Error(`unknown time zone "${c.timezone}"`);
    const calendarUnit = /^(day|month|year)$/.test(c.window) ? (c.window as CalendarUnit) : null;
    const windowMs = calendarUnit ? 0 : parseDuration(c.window);
    const paneMs = c.every ? parseDuration(c.every) : windowMs;
    if (calendarUnit && c.every) throw new Error("calendar windows are tumbling: remove `every`");
    if (c.every && (windowMs % paneMs !== 0 || paneMs > windowMs)) throw new Error(`window ${c.window} must be a whole multiple of every ${c.every}`);
    const panesPerWindow = calendarUnit ? 1 : windowMs / paneMs;
    const maxGapMs = parseDuration(c.maxGap);
    const latenessMs = parseDuration(c.lateness);
    const fieldNames = c.fields.map((f) => f.as ?? f.path.split(".").pop()!);
    const bare = new Set<string>(c.bare ?? []);
    c.fields.forEach((f, i) => {
      const named = f.stats.filter((s) => bare.has(s));
      if (named.length > 1) throw new Error(`fields[${i}] (${fieldNames[i]}): only one statistic can be bare, not ${named.join(" and ")}`);
    });
    const outputName = (i: number, stat: string): string => (bare.has(stat) ? fieldNames[i]! : `${fieldNames[i]}_${stat}`);

    const paneStart = (t: number): number => (calendarUnit ? startOf(calendarUnit, t, c.timezone) : Math.floor(t / paneMs) * paneMs);
    const paneEnd = (start: number): number => (calendarUnit ? addUnits(calendarUnit, start, 1, c.timezone) : start + paneMs);

    // Open windows live in the store, so a restart loses no partial window.
    const keys = new Map<string, KeyState>(Object.entries(node.context.get<Record<string, KeyState>>(CONTEXT_KEY) ?? {}));
    let late = 0;
    let dirty = false;
    let saveTimer: { cancel(): void } | null = null;
    let closeTimer: { cancel(): void } | null = null;

    const save = (): void => {
      saveTimer = null;
      if (!dirty) return;
      dirty = false;
      node.context.set(CONTEXT_KEY, Object.fromEntries(keys));
    };
    const markDirty = (): void => {
      dirty = true;
      if (!saveTimer) saveTimer = node.timers.setTimeout(save, 1000);
    };

    const emitWindow = (key: string, state: KeyState, closed: Pane): void => {
      const panes = calendarUnit ? [closed] : state.panes.filter((p) => p.end > closed.end - windowMs && p.end <= closed.end);
      const start = calendarUnit ? closed.start : closed.end - windowMs;
      const payload: Record<string, unknown> = {
        ...(c.key ? { key } : {}),
        start: new Date(start).toISOString(),
        end: new Date(closed.end).toISOString(),
        timestamp: new Date(start).toISOString(),
      };
      let count = 0;
      c.fields.forEach((f, i) => {
        const acc = combine(panes.map((p) => p.accs[fieldNames[i]!] ?? emptyAcc()));
        count = Math.max(count, acc.count);
        for (const stat of f.stats) payload[outputName(i, stat)] = statOf(acc, stat as Stat);
      });
      payload.count = count;
      if (count === 0 && !c.emitEmpty) return;
      node.send(node.newMessage({ topic: key, payload }));
    };

    /** Closes the key's open pane when it ended by `now`, emitting its window. */
    const closeKey = (key: string, state: KeyState, now: number): void => {
      for (;;) {
        const open = state.panes[state.panes.length - 1];
        if (!open || open.closed || open.end > now) return;
        open.closed = true;
        emitWindow(key, state, open);
        state.panes = state.panes.slice(-panesPerWindow);
        // A sliding window keeps moving while it still covers readings.
        if (panesPerWindow > 1 && state.panes.some((p) => Object.keys(p.accs).length > 0)) {
          state.panes.push({ start: open.end, end: paneEnd(open.end), accs: {}, closed: false });
        }
        markDirty();
      }
    };

    /** The clock closes a key's window only once the key has been quiet for `lateness` past the window's end. */
    const clockDue = (state: KeyState, now: number): number => {
      const open = state.panes[state.panes.length - 1];
      if (!open || open.closed) return Infinity;
      return Math.max(open.end, state.arrived ?? 0) + latenessMs;
    };

    const closeDue = (now: number): void => {
      for (const [key, state] of keys) if (clockDue(state, now) <= now) closeKey(key, state, Infinity);
      scheduleClose(now);
    };

    const scheduleClose = (now: number): void => {
      closeTimer?.cancel();
      let next = Infinity;
      for (const state of keys.values()) next = Math.min(next, clockDue(state, now));
      closeTimer = next === Infinity ? null : node.timers.setTimeout(() => closeDue(Date.now()), Math.max(0, next - now) + 5);
    };

    /** Adds a reading to its key's open pane; false when it is late (its window was already emitted). */
    const accept = (msg: Message): boolean => {
      const t = timeOf(getPath(msg, c.time));
      const key = c.key ? String(getPath(msg, c.key) ?? "") : "";
      let state = keys.get(key);
      if (!state) keys.set(key, (state = { panes: [], prev: {} }));
      state.arrived = Date.now();
      closeKey(key, state, t);
      const closedEnd = state.panes.filter((p) => p.closed).reduce((m, p) => Math.max(m, p.end), -Infinity);
      if (t < closedEnd) return false;
      let open = state.panes[state.panes.length - 1];
      if (!open || open.closed) {
        const start = paneStart(t);
        open = { start, end: paneEnd(start), accs: {}, closed: false };
        state.panes.push(open);
      }
      if (t < open.start) return false;
      const pane = open;
      c.fields.forEach((f, i) => {
        const v = getPath(msg, f.path);
        const num = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
        if (!Number.isFinite(num)) return;
        const name = fieldNames[i]!;
        const acc = (pane.accs[name] ??= emptyAcc());
        addReading(acc, t, num, state.prev[name], maxGapMs);
        state.prev[name] = { t, v: num };
      });
      markDirty();
      return true;
    };

    return {
      start() {
        // Windows that ended while the runtime was down are emitted now.
        closeDue(Date.now());
      },
      input(msg, send, done) {
        if (!accept(msg)) {
          late += 1;
          node.status({ fill: "yellow", shape: "ring", text: `${late} late reading(s) dropped` });
          send([null, msg]);
        } else {
          scheduleClose(Date.now());
        }
        done();
      },
      close() {
        dirty = true;
        save();
      },
    };
  },
});
