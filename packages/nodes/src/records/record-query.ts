import { defineNode, RecordQueryError, setPath, Type, type Message, type RecordPage } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { numberParam, paramName, ParamError, resolveParam } from "../store/params.js";

const Templated = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));

/** A time parameter: ISO 8601 or ms since the epoch; missing gives undefined (no bound). */
function timeParam(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : /^-?\d+$/.test(String(value)) ? Number(value) : Date.parse(String(value));
  if (!Number.isFinite(n)) throw new ParamError(`${name} must be an ISO 8601 time or milliseconds (got ${JSON.stringify(value)})`);
  return n;
}

/** Template values that found something; an optional filter whose template finds nothing filters nothing. */
function resolved<T>(entries: Record<string, T> | undefined, msg: Message): [string, unknown][] {
  if (!entries) return [];
  return Object.entries(entries)
    .map(([k, v]) => [k, resolveParam(v, msg)] as [string, unknown])
    .filter(([, v]) => v !== undefined && v !== null && v !== "");
}

export default defineNode({
  type: "record-query",
  category: "storage",
  summary: "Reads records of a collection by time range, tags and body fields, newest first, paged by page or cursor.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    collection: Type.String({ minLength: 1 }),
    tags: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "tag filter; values may be {{msg.path}} templates" })),
    fields: Type.Optional(Templated),
    from: Type.Optional(Type.String({ description: "start, ISO 8601 or ms, e.g. {{req.query.start_time}}; default: `hours` back, or no bound" })),
    to: Type.Optional(Type.String({ description: "end (exclusive), ISO 8601 or ms; default: no bound" })),
    hours: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: "without from: how far back, e.g. {{req.query.hours}}" })),
    key: Type.Optional(Type.String({ description: "one record by its key, e.g. {{req.params.key}}" })),
    page: Type.Union([Type.Number(), Type.String()], { default: 1, description: "1-based page, e.g. {{req.query.page|1}}" }),
    pageSize: Type.Union([Type.Number(), Type.String()], { default: 100, description: "records per page, e.g. {{req.query.page_size|100}} (at most maxPageSize)" }),
    maxPageSize: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
    cursor: Type.Optional(Type.String({ description: "continue after an earlier page's `next`, e.g. {{req.query.cursor}}" })),
    order: Type.Union([Type.Literal("desc"), Type.Literal("asc")], { default: "desc" }),
    output: Type.String({ default: "payload", description: "where the page goes" }),
  }),
  inputs: 1,
  outputs: ["result", "invalid request"],
  create(node, c) {
    const run = async (msg: Message): Promise<RecordPage & { page: number; pageSize: number }> => {
      const key = c.key !== undefined ? resolveParam(c.key, msg) : undefined;
      if (key !== undefined && key !== null && key !== "") {
        const record = await node.store.records.get(c.collection, String(key));
        return { count: record ? 1 : 0, page: 1, pageSize: 1, records: record ? [record] : [] };
      }
      const page = Math.floor(numberParam(paramName(c.page, "page"), resolveParam(c.page, msg), 1, 1_000_000));
      const pageSize = Math.floor(numberParam(paramName(c.pageSize, "page_size"), resolveParam(c.pageSize, msg), 1, c.maxPageSize));
      const to = timeParam(paramName(c.to, "to"), resolveParam(c.to, msg));
      let from = timeParam(paramName(c.from, "from"), resolveParam(c.from, msg));
      const hours = c.hours !== undefined ? resolveParam(c.hours, msg) : undefined;
      if (from === undefined && hours !== undefined && hours !== "") from = (to ?? Date.now()) - numberParam(paramName(c.hours, "hours"), hours, 0.001, 24 * 36_600) * 3_600_000;
      if (from !== undefined && to !== undefined && from >= to) throw new ParamError(`${paramName(c.from, "from")} must be before ${paramName(c.to, "to")}`);
      const cursor = c.cursor !== undefined ? resolveParam(c.cursor, msg) : undefined;
      const tags = resolved(c.tags, msg);
      const fields = resolved(c.fields, msg);
      const result = await node.store.records.query({
        collection: c.collection,
        order: c.order,
        page,
        pageSize,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(tags.length > 0 ? { tags: Object.fromEntries(tags.map(([k, v]) => [k, String(v)])) } : {}),
        ...(fields.length > 0 ? { fields: Object.fromEntries(fields.map(([k, v]) => [k, typeof v === "number" || typeof v === "boolean" ? v : String(v)])) } : {}),
        ...(typeof cursor === "string" && cursor !== "" ? { cursor } : {}),
      });
      return { ...result, page, pageSize };
    };
    return {
      async input(msg, send, done) {
        let result: Awaited<ReturnType<typeof run>>;
        try {
          result = await run(msg);
        } catch (err) {
          if (err instanceof ParamError || err instanceof RecordQueryError) {
            send([null, { ...msg, statusCode: 400, payload: { error: "invalid parameter", message: err.message } }]);
            done();
            return;
          }
          throw err;
        }
        send(setPath(msg, c.output, { count: result.count, page: result.page, pageSize: result.pageSize, next: result.next ?? null, records: result.records }));
        done();
      },
    };
  },
});
