import { join } from "node:path";
import { defineNode, Type, getPath } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { isTimeZone, startOf, addUnits } from "../shared/calendar.js";
import { emptyDocument, loadDocument, pointTime, saveDocument, type JsonDocument } from "./document.js";

export default defineNode({
  type: "json-file",
  category: "storage",
  summary: "Keeps a JSON document of data points on disk: append, replace or read, a rolling window by age or count, rotation at local midnight; atomic writes.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    file: Type.String({ minLength: 1, description: "path of the file; relative paths are under the DATA_DIR environment variable or the working folder" }),
    mode: Type.Union([Type.Literal("append"), Type.Literal("replace"), Type.Literal("merge"), Type.Literal("read")], {
      default: "append",
      description: "append: msg.payload is one point; replace: msg.payload is the points; merge: points replace those with the same timestamp/date; read: send the document",
    }),
    keepFor: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: "drop points older than this (rolling window), e.g. 7d" })),
    keepCount: Type.Optional(Type.Integer({ minimum: 1, description: "keep at most this many newest points" })),
    rotate: Type.Union([Type.Literal("none"), Type.Literal("midnight")], { default: "none", description: "midnight: at local midnight the day's points move to <file>.previous.json and the file starts empty" }),
    timezone: Type.String({ default: "UTC", description: "IANA zone for midnight" }),
    serve: Type.Optional(Type.String({ pattern: "^/", description: "also serve the document at this path on the flow server (e.g. /daily.json)" })),
    property: Type.String({ default: "payload", description: "where the incoming point(s) are, and where read puts the document" }),
  }),
  inputs: 1,
  outputs: ["document"],
  concurrency: 1,
  async create(node, c) {
    if (!isTimeZone(c.timezone)) throw new Error(`unknown time zone "${c.timezone}"`);
    const base = node.env("DATA_DIR") ?? process.cwd();
    const path = c.file.startsWith("/") ? c.file : join(base, c.file);
    const previousPath = path.replace(/\.json$/, "") + ".previous.json";

    let doc: JsonDocument = emptyDocument();
    let unsaved = false;
    // The file is read at start, after every node was created: a github-sync node restores missing files in its create.
    const load = async (): Promise<void> => {
      const loaded = await loadDocument(path);
      doc = loaded.doc;
      if (loaded.movedAside) {
        node.log.error({ file: path, movedTo: loaded.movedAside }, `${path} was corrupt (${loaded.problem}); moved aside, starting empty`);
        node.status({ fill: "red", shape: "ring", text: `corrupt file moved aside: ${loaded.movedAside}` });
        node.error(new Error(`${path} was corrupt (${loaded.problem}); moved to ${loaded.movedAside}`));
      } else node.status({ fill: "grey", shape: "dot", text: `${doc.data_points.length} points` });
      await rotate(Date.now());
    };
    let ready: Promise<void> | null = null;

    const trim = (d: JsonDocument, now: number): JsonDocument => {
      let points = d.data_points;
      if (c.keepFor) {
        const cutoff = now - parseDuration(c.keepFor);
        points = points.filter((p) => !(pointTime(p) < cutoff));
      }
      if (c.keepCount && points.length > c.keepCount) points = points.slice(points.length - c.keepCount);
      return points === d.data_points ? d : { ...d, data_points: points };
    };

    /** Writes the document; on failure the data stays in memory and the next write retries. */
    const persist = async (): Promise<boolean> => {
      try {
        await saveDocument(path, doc);
        unsaved = false;
        node.status({ fill: "green", shape: "dot", text: `${doc.data_points.length} points` });
        return true;
      } catch (err) {
        unsaved = true;
        const e = err as NodeJS.ErrnoException;
        node.error(new Error(`cannot write ${path}: ${e.message}; the data is kept and written on the next change`));
        // After the error, so this more useful status is the one shown.
        node.status({ fill: "red", shape: "ring", text: `write failed (${e.code ?? e.message}); ${doc.data_points.length} points kept in memory` });
        return false;
      }
    };

    /** At local midnight the finished day moves to the .previous file; the live file keeps only today. */
    const rotate = async (now: number): Promise<void> => {
      if (c.rotate !== "midnight") return;
      const today = startOf("day", now, c.timezone);
      const older = doc.data_points.filter((p) => pointTime(p) < today);
      if (older.length === 0) return;
      const yesterday = addUnits("day", today, -1, c.timezone);
      const previous: JsonDocument = { data_points: older.filter((p) => pointTime(p) >= yesterday), last_update: doc.last_update };
      try {
        await saveDocument(previousPath, previous);
      } catch (err) {
        node.error(new Error(`cannot write ${previousPath}: ${(err as Error).message}; rotation retried at the next reading`));
        return;
      }
      doc = { ...doc, data_points: doc.data_points.filter((p) => pointTime(p) >= today) };
      await persist();
      node.log.info({ file: path, moved: older.length }, `rotated ${path} at local midnight`);
    };

    const scheduleRotation = (): void => {
      if (c.rotate !== "midnight") return;
      const next = addUnits("day", startOf("day", Date.now(), c.timezone), 1, c.timezone);
      node.timers.setTimeout(() => {
        void rotate(Date.now()).finally(scheduleRotation);
      }, Math.max(0, next - Date.now()) + 50);
    };

    return {
      async start() {
        ready = load();
        await ready;
        scheduleRotation();
        if (c.serve) {
          node.http.route("GET", c.serve, () => ({ status: 200, headers: { "cache-control": "no-cache" }, body: doc }));
        }
      },
      async input(msg, send, done) {
        await (ready ??= load());
        const mode = (typeof msg.mode === "string" ? msg.mode : c.mode) as typeof c.mode;
        const now = Date.now();
        if (mode === "read") {
          const which = msg.file === "previous" ? (await loadDocument(previousPath)).doc : doc;
          send({ ...msg, [c.property]: which });
          done();
          return;
        }
        await rotate(now);
        const value = getPath(msg, c.property);
        if (mode === "append") {
          if (value === null || typeof value !== "object" || Array.isArray(value)) {
            done(new Error("append needs msg.payload to be one data point (an object)"));
            return;
          }
          doc = { data_points: [...doc.data_points, value as Record<string, unknown>], last_update: new Date(now).toISOString() };
        } else {
          if (!Array.isArray(value)) {
            done(new Error(`${mode} needs msg.payload to be an array of data points`));
            return;
          }
          const incoming = value as Record<string, unknown>[];
          if (mode === "replace") doc = { data_points: incoming, last_update: new Date(now).toISOString() };
          else {
            const keys = new Set(incoming.map((p) => String(p.timestamp ?? p.date)));
            const kept = doc.data_points.filter((p) => !keys.has(String(p.timestamp ?? p.date)));
            doc = { data_points: [...kept, ...incoming].sort((a, b) => pointTime(a) - pointTime(b)), last_update: new Date(now).toISOString() };
          }
        }
        doc = trim(doc, now);
        await persist();
        send({ ...msg, [c.property]: doc, file: path, saved: !unsaved });
        done();
      },
      async close() {
        if (unsaved) await persist();
      },
    };
  },
});

export { emptyDocument };
