import { defineNode, Type, getPath, type HttpRequest, type Message, type Store, type Tags } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { rowsUnder } from "../store/queries.js";
import { drfTime, one, pageRequest, parseDateTime, type FieldErrors } from "./params.js";
import { pageLinker } from "./links.js";

const config = Type.Object({
  source: Type.Union([Type.Literal("series"), Type.Literal("records")], { default: "series", description: "series: stored readings joined into rows; records: documents of a collection" }),
  series: Type.Optional(Type.String({ minLength: 1, description: "series: every series under this prefix (greenpower.rt → greenpower.rt.voltage, …), one row per reading" })),
  seriesFrom: Type.Optional(Type.String({ minLength: 1, description: "message path naming the prefix instead (a tier chosen upstream)" })),
  collection: Type.Optional(Type.String({ minLength: 1, description: "records: the collection" })),
  startParam: Type.String({ default: "start_time", description: "query parameter of the range start (ISO 8601)" }),
  endParam: Type.String({ default: "end_time", description: "query parameter of the range end (ISO 8601, inclusive)" }),
  defaultRange: Type.String({ pattern: DURATION_PATTERN, default: "24h", description: "without a start: this long before the end (the end defaults to now)" }),
  tags: Type.Array(
    Type.Object({
      param: Type.String({ minLength: 1, description: "query parameter, e.g. device_id" }),
      tag: Type.Optional(Type.String({ minLength: 1, description: "tag it filters on (default: the parameter's name)" })),
      maxLength: Type.Integer({ minimum: 1, default: 100 }),
    }),
    { default: [], description: "exact tag filters; each tag is also a column of the results" },
  ),
  fields: Type.Array(Type.Object({ param: Type.String({ minLength: 1 }), path: Type.String({ minLength: 1, description: "dotted path in the record body" }) }), {
    default: [],
    description: "records: text-equality filters on the body",
  }),
  pageParam: Type.String({ default: "page" }),
  pageSizeParam: Type.String({ default: "page_size" }),
  pageSize: Type.Integer({ minimum: 1, default: 50, description: "results per page when page_size is missing or not a positive integer" }),
  maxPageSize: Type.Integer({ minimum: 1, default: 1000 }),
  orderingParam: Type.String({ default: "ordering", description: "query parameter choosing the order: time (oldest first) or -time (newest first)" }),
  ordering: Type.Union([Type.Literal("-time"), Type.Literal("time")], { default: "-time" }),
  timeAs: Type.String({ default: "timestamp", description: "name of the time in each result" }),
});

type Config = {
  source: string;
  series?: string;
  seriesFrom?: string;
  collection?: string;
  tags: { param: string; tag?: string; maxLength: number }[];
  fields: { param: string; path: string }[];
  timeAs: string;
};

interface Slice {
  count: number;
  results: Record<string, unknown>[];
}

interface Range {
  from: number;
  to: number;
  tags: Tags;
  fields: Record<string, string>;
  order: "asc" | "desc";
  page: number;
  pageSize: number;
}

async function fromSeries(store: Store, c: Config, prefix: string, r: Range): Promise<Slice> {
  const { total, rows } = await rowsUnder(store, { prefix, from: r.from, to: r.to, ...(Object.keys(r.tags).length ? { tags: r.tags } : {}), offset: (r.page - 1) * r.pageSize, limit: r.pageSize, order: r.order });
  const results = rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const t of c.tags) out[t.tag ?? t.param] = row.tags[t.tag ?? t.param] ?? null;
    out[c.timeAs] = drfTime(row.time);
    return Object.assign(out, row.fields);
  });
  return { count: total, results };
}

async function fromRecords(store: Store, c: Config, r: Range): Promise<Slice> {
  const page = await store.records.query({
    collection: c.collection!,
    from: r.from,
    to: r.to,
    ...(Object.keys(r.tags).length ? { tags: r.tags } : {}),
    ...(Object.keys(r.fields).length ? { fields: r.fields } : {}),
    order: r.order,
    page: r.page,
    pageSize: r.pageSize,
  });
  const results = page.records.map((rec) => {
    const body = rec.body !== null && typeof rec.body === "object" && !Array.isArray(rec.body) ? rec.body : { value: rec.body };
    const out: Record<string, unknown> = { id: rec.id };
    for (const t of c.tags) out[t.tag ?? t.param] = rec.tags[t.tag ?? t.param] ?? null;
    return { ...out, ...body, [c.timeAs]: drfTime(rec.time) };
  });
  return { count: page.count, results };
}

export default defineNode({
  type: "paged-query",
  category: "storage",
  summary: "A paginated list endpoint: validated time range, tag filters, page, page_size and ordering answered DRF-style ({count, next, previous, results}) from series or records.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config,
  inputs: 1,
  outputs: ["answer"],
  create(node, c) {
    if (c.source === "series" && !c.series && !c.seriesFrom) throw new Error("source series needs `series` (a prefix) or `seriesFrom`");
    if (c.source === "records" && !c.collection) throw new Error("source records needs `collection`");
    if (c.source === "series" && c.fields.length) throw new Error("`fields` filters record bodies: use them with source records");
    const defaultRangeMs = parseDuration(c.defaultRange);

    const answer = (msg: Message, statusCode: number, payload: unknown): Message => ({ ...msg, statusCode, payload });

    return {
      async input(msg, send, done) {
        const req = msg.req as HttpRequest | undefined;
        if (!req || typeof req !== "object" || typeof req.path !== "string") {
          done(new Error("paged-query answers requests: wire it after an http-in (msg.req is missing)"));
          return;
        }
        const query = req.query ?? {};
        const errors: FieldErrors = {};
        const time = (name: string): number | undefined => {
          const s = one(query, name);
          if (s === undefined) return undefined;
          const t = parseDateTime(s);
          if (Number.isNaN(t)) errors[name] = ["Enter a valid date/time."];
          return Number.isNaN(t) ? undefined : t;
        };
        const start = time(c.startParam);
        const end = time(c.endParam);
        const tags: Record<string, string> = {};
        for (const t of c.tags) {
          const v = one(query, t.param);
          if (v === undefined) continue;
          if (v.length > t.maxLength) errors[t.param] = [`Ensure this field has no more than ${t.maxLength} characters.`];
          else tags[t.tag ?? t.param] = v;
        }
        const fields: Record<string, string> = {};
        for (const f of c.fields) {
          const v = one(query, f.param);
          if (v !== undefined) fields[f.path] = v;
        }
        const ordering = one(query, c.orderingParam) ?? c.ordering;
        if (ordering !== "time" && ordering !== "-time") errors[c.orderingParam] = [`"${ordering}" is not a valid choice.`];
        if (Object.keys(errors).length === 0 && start !== undefined && end !== undefined && start > end) errors.non_field_errors = [`${c.startParam} must be before ${c.endParam}.`];
        if (Object.keys(errors).length > 0) {
          send(answer(msg, 400, errors));
          done();
          return;
        }
        const paging = pageRequest(query, { pageParam: c.pageParam, sizeParam: c.pageSizeParam, defaultSize: c.pageSize, maxSize: c.maxPageSize });
        if (!paging) {
          send(answer(msg, 404, { detail: "Invalid page." }));
          done();
          return;
        }
        const to = (end ?? Date.now()) + 1; // the end is inclusive
        const range: Range = { from: start ?? to - 1 - defaultRangeMs, to, tags, fields, order: ordering === "time" ? "asc" : "desc", ...paging };
        let slice: Slice;
        try {
          if (c.source === "records") slice = await fromRecords(node.store, c, range);
          else {
            const prefix = c.seriesFrom ? getPath(msg, c.seriesFrom) : c.series;
            if (typeof prefix !== "string" || prefix === "") throw new Error(`no series prefix at msg.${c.seriesFrom}`);
            slice = await fromSeries(node.store, c, prefix, range);
          }
        } catch (err) {
          node.error(err, msg);
          send(answer(msg, 500, { detail: "A server error occurred." }));
          done();
          return;
        }
        const pages = Math.max(1, Math.ceil(slice.count / paging.pageSize));
        if (paging.page > pages) {
          send(answer(msg, 404, { detail: "Invalid page." }));
          done();
          return;
        }
        const link = pageLinker(req, c.pageParam);
        send(
          answer(msg, 200, {
            count: slice.count,
            next: paging.page < pages ? link(paging.page + 1) : null,
            previous: paging.page > 1 ? link(paging.page - 1) : null,
            results: slice.results,
          }),
        );
        done();
      },
    };
  },
});
