import { defineNode, Type, getPath, setPath } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { OutageReport } from "../shared/outage.js";
import { httpFetch } from "../shared/http-client.js";

export default defineNode({
  type: "http-request",
  category: "network",
  summary: "Calls an HTTP API for each message (or on an interval), with timeouts, retries with backoff, and keys from the environment.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    method: Type.Union(["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => Type.Literal(m)), { default: "GET" }),
    url: Type.String({ minLength: 1, description: "may use ${ENV}; msg.url overrides" }),
    headers: Type.Record(Type.String(), Type.String(), { default: {}, description: 'e.g. { "Authorization": "Bearer ${API_KEY}" }' }),
    body: Type.String({ default: "payload", description: "message path sent as the JSON body (POST/PUT/PATCH)" }),
    timeout: Type.String({ pattern: DURATION_PATTERN, default: "10s" }),
    retries: Type.Integer({ minimum: 0, maximum: 10, default: 2, description: "extra attempts on network errors, 429 and 5xx" }),
    interval: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: "also call on this schedule, without an input message" })),
    output: Type.String({ default: "payload", description: "where the parsed response goes" }),
  }),
  inputs: 1,
  outputs: ["response"],
  create(node, c) {
    const timeoutMs = parseDuration(c.timeout);
    const call = async (url: string, body: unknown): Promise<{ status: number; data: unknown }> => {
      let lastError: Error = new Error("no attempt made");
      for (let attempt = 0; attempt <= c.retries; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** (attempt - 1)) * (0.5 + Math.random())));
        try {
          const res = await httpFetch(url, {
            method: c.method,
            headers: { accept: "application/json", ...(body !== undefined && c.method !== "GET" ? { "content-type": "application/json" } : {}), ...c.headers },
            body: body !== undefined && c.method !== "GET" && c.method !== "DELETE" ? JSON.stringify(body) : undefined,
            signal: AbortSignal.timeout(timeoutMs),
          });
          const text = await res.text();
          let data: unknown = text;
          if ((res.headers.get("content-type") ?? "").includes("json")) data = text ? (JSON.parse(text) as unknown) : null;
          if (res.status === 429 || res.status >= 500) {
            lastError = new Error(`${c.method} ${new URL(url).origin}${new URL(url).pathname}: HTTP ${res.status}`);
            continue;
          }
          return { status: res.status, data };
        } catch (err) {
          const e = err as Error;
          // fetch says only "fetch failed"; its cause says why (connect ECONNREFUSED 127.0.0.1:8080, getaddrinfo ENOTFOUND …).
          const why = e.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : e.cause instanceof Error && e.cause.message ? e.cause.message : e.message;
          lastError = new Error(`${c.method} ${new URL(url).origin}${new URL(url).pathname}: ${why}`);
        }
      }
      throw lastError;
    };
    // A polled URL that stays unreachable is reported when the problem starts or changes, then every few minutes.
    const outage = new OutageReport(node, `${c.method} ${c.url}`);
    const fire = async (): Promise<void> => {
      let r: Awaited<ReturnType<typeof call>>;
      try {
        r = await call(c.url, undefined);
      } catch (err) {
        node.status({ fill: "red", shape: "ring", text: err instanceof Error ? err.message : String(err) });
        outage.failed(err);
        return;
      }
      outage.succeeded();
      node.send(node.newMessage({ statusCode: r.status, payload: r.data, topic: c.url }));
      node.status({ fill: r.status < 400 ? "green" : "yellow", shape: "dot", text: `${r.status} at ${new Date().toISOString().slice(11, 19)}` });
    };
    return {
      start() {
        if (c.interval) {
          node.timers.setTimeout(() => void fire(), 100);
          node.timers.setInterval(() => void fire(), parseDuration(c.interval));
        }
      },
      async input(msg, send, done) {
        const url = typeof msg.url === "string" ? msg.url : c.url;
        const r = await call(url, getPath(msg, c.body));
        node.status({ fill: r.status < 400 ? "green" : "yellow", shape: "dot", text: `${r.status}` });
        send({ ...setPath(msg, c.output, r.data), statusCode: r.status });
        done();
      },
      trigger: fire,
    };
  },
});
