import { defineNode, Type, getPath, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";

const match = Type.Object({ path: Type.String({ minLength: 1 }), equals: Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]) });

const config = Type.Object({
  key: Type.String({ default: "payload.device_id", description: "message path of the device key" }),
  keyAs: Type.Optional(Type.String({ minLength: 1, description: "name of the key in events and answers (default: the key path's last segment)" })),
  after: Type.String({ pattern: DURATION_PATTERN, default: "60s", description: "a device is offline once it has been silent this long" }),
  offline: Type.Optional(Type.Array(match, { description: "a message where any of these paths holds the value (compared as text) says the device is offline now, e.g. its last will; it is no sign of life" })),
  lookup: Type.String({ default: "lookup", description: "a message with a value at this path is a question: a key answers that device, \"*\" lists all" }),
  remember: Type.Optional(
    Type.Array(
      Type.Object({
        path: Type.String({ minLength: 1, description: "message path of a value to keep per device" }),
        as: Type.String({ minLength: 1, description: "name in the device's answer" }),
        merge: Type.Boolean({ default: false, description: "merge objects into what is kept instead of replacing it" }),
        count: Type.Boolean({ default: false, description: "keep how many messages had a value at the path instead of the value (readings among status messages)" }),
        default: Type.Optional(Type.Unknown({ description: "shown in answers until a message has had a value at the path (0 readings, an empty status {})" })),
      }),
      { description: "values kept per device and shown in answers (status topics, firmware)" },
    ),
  ),
  notFound: Type.Optional(Type.String({ description: "detail of the 404 answer for an unknown key; {key} is filled in (default: \"<keyAs> {key} not found\")" })),
  listAs: Type.String({ default: "devices", description: "name of the list in an answer for \"*\"" }),
});

interface Device {
  firstSeen: number;
  lastSeen: number | null;
  online: boolean;
  /** When `online` last changed. */
  since: number;
  messages: number;
  kept: Record<string, unknown>;
}

const CONTEXT_KEY = "devices";
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

export default defineNode({
  type: "presence",
  category: "monitoring",
  summary: "Device presence: online while heard from, offline after a silence, per device key; a status event on each change, lookups of one device or all; kept across restarts.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config,
  inputs: 1,
  outputs: ["changes", "answers"],
  create(node, c) {
    const afterMs = parseDuration(c.after);
    const keyAs = c.keyAs ?? c.key.split(".").pop()!;
    const notFound = c.notFound ?? `${keyAs} {key} not found`;
    // Kept values an answer shows before a device has sent any, so every device answers with the same fields.
    const defaults = Object.fromEntries((c.remember ?? []).filter((r) => r.default !== undefined).map((r) => [r.as, r.default]));
    const devices = new Map<string, Device>(Object.entries(node.context.get<Record<string, Device>>(CONTEXT_KEY) ?? {}));
    let saveTimer: { cancel(): void } | null = null;
    let silenceTimer: { cancel(): void } | null = null;

    const save = (): void => {
      saveTimer?.cancel();
      saveTimer = null;
      node.context.set(CONTEXT_KEY, Object.fromEntries(devices));
    };
    // Signs of life are saved at most once a second; changes of state at once.
    const saveSoon = (): void => {
      saveTimer ??= node.timers.setTimeout(save, 1000);
    };
    const showStatus = (): void => {
      const online = [...devices.values()].filter((d) => d.online).length;
      node.status({ fill: online === devices.size ? "green" : "yellow", shape: "dot", text: `${online} of ${devices.size} online` });
    };

    const summary = (key: string, d: Device): Record<string, unknown> => ({
      [keyAs]: key,
      online: d.online,
      first_seen: iso(d.firstSeen),
      last_seen: iso(d.lastSeen),
      since: iso(d.since),
      messages: d.messages,
      ...defaults,
      ...d.kept,
    });
    const changeEvent = (key: string, d: Device, previous: boolean | null): Message =>
      node.newMessage({ topic: key, payload: { [keyAs]: key, online: d.online, previous, last_seen: iso(d.lastSeen), since: iso(d.since) } });

    /** Marks every device silent for longer than `after` offline; emits their events; re-arms the timer for the next one due. */
    const checkSilence = (): void => {
      silenceTimer?.cancel();
      silenceTimer = null;
      const now = Date.now();
      const changes: Message[] = [];
      let next = Infinity;
      for (const [key, d] of devices) {
        if (!d.online) continue;
        const due = (d.lastSeen ?? d.since) + afterMs;
        if (due <= now) {
          d.online = false;
          d.since = now;
          changes.push(changeEvent(key, d, true));
        } else next = Math.min(next, due);
      }
      if (changes.length) {
        save();
        showStatus();
        node.send([changes, null]);
      }
      if (next !== Infinity) silenceTimer = node.timers.setTimeout(checkSilence, next - now + 1);
    };

    const answer = (msg: Message, asked: unknown): Message => {
      if (asked === "*") {
        const list = [...devices.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, d]) => summary(k, d));
        return { ...msg, payload: { count: list.length, online: list.filter((d) => d.online).length, [c.listAs]: list } };
      }
      const key = String(asked);
      const d = devices.get(key);
      return d ? { ...msg, payload: summary(key, d) } : { ...msg, statusCode: 404, payload: { detail: notFound.replace(/\{key\}/g, key) } };
    };

    return {
      start() {
        showStatus();
        // Devices that fell silent while the runtime was down go offline now, once.
        checkSilence();
      },
      input(msg, send, done) {
        const asked = getPath(msg, c.lookup);
        if (asked !== undefined && asked !== null && asked !== "") {
          send([null, answer(msg, asked)]);
          done();
          return;
        }
        const rawKey = getPath(msg, c.key);
        if (rawKey === undefined || rawKey === null || rawKey === "") {
          done(new Error(`presence: no device key at msg.${c.key}`));
          return;
        }
        const key = String(rawKey);
        const now = Date.now();
        const saysOffline = c.offline?.some((m) => String(getPath(msg, m.path)) === String(m.equals)) ?? false;
        let d = devices.get(key);
        const previous = d ? d.online : null;
        if (!d) devices.set(key, (d = { firstSeen: now, lastSeen: null, online: false, since: now, messages: 0, kept: {} }));
        d.messages += 1;
        for (const r of c.remember ?? []) {
          const v = getPath(msg, r.path);
          if (v === undefined) continue;
          if (r.count) {
            const seen = d.kept[r.as];
            d.kept[r.as] = (typeof seen === "number" ? seen : 0) + 1;
            continue;
          }
          d.kept[r.as] = r.merge && isRecord(v) && isRecord(d.kept[r.as]) ? { ...(d.kept[r.as] as Record<string, unknown>), ...v } : v;
        }
        if (!saysOffline) d.lastSeen = now;
        const online = !saysOffline;
        if (previous === null || previous !== online) {
          d.online = online;
          d.since = now;
          save();
          showStatus();
          send([changeEvent(key, d, previous), null]);
        } else saveSoon();
        if (online && !silenceTimer) checkSilence();
        done();
      },
      close() {
        silenceTimer?.cancel();
        save();
      },
    };
  },
});
