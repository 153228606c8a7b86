/**
 * A local server speaking the part of the InfluxDB 2.x HTTP API Wattflow
 * uses, as InfluxDB documents it: `POST /api/v2/write` (token auth
 * `Authorization: Token …`, `org`, `bucket`, `precision` ns/us/ms/s, line
 * protocol body; 204 on success; 401, 404 and 400 with `{ code, message }`),
 * `GET /ping` (204) and `GET /health`. It parses every line, so a malformed
 * point fails the way the server fails it. No InfluxDB 2.x server can be
 * installed here (Debian ships 1.x), so this stands in for one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StoredPoint {
  org: string;
  bucket: string;
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | boolean | string>;
  /** Milliseconds since the epoch. */
  time: number;
}

export interface FakeInfluxV2 {
  url: string;
  points: StoredPoint[];
  /** Every write request with its status, in order. */
  writes: { status: number; lines: number }[];
  /** The token the server accepts; change it to make writes fail with 401 (or work again). */
  token: string;
  close(): Promise<void>;
}

const PRECISION_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000 };

/** Splits at `sep` outside quotes, honouring backslash escapes. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\\" && i + 1 < text.length) {
      current += ch + text[i + 1];
      i += 1;
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (ch === sep && !quoted) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  if (quoted) throw new Error("unterminated string");
  parts.push(current);
  return parts;
}

const unescape = (text: string): string => text.replace(/\\(.)/g, "$1");

function fieldValue(raw: string): number | boolean | string {
  if (raw.startsWith('"')) {
    if (!raw.endsWith('"') || raw.length < 2) throw new Error(`bad string field ${raw}`);
    return raw.slice(1, -1).replace(/\\(["\\])/g, "$1");
  }
  if (/^(t|T|true|True|TRUE)$/.test(raw)) return true;
  if (/^(f|F|false|False|FALSE)$/.test(raw)) return false;
  if (/^-?\d+[iu]$/.test(raw)) return Number(raw.slice(0, -1));
  const n = Number(raw);
  if (raw === "" || !Number.isFinite(n)) throw new Error(`bad field value ${raw}`);
  return n;
}

/** One line of line protocol: `measurement[,tag=v…] field=v[,…] [timestamp]`. */
export function parseLine(line: string, precision: number): Omit<StoredPoint, "org" | "bucket"> {
  const sections = splitUnescaped(line, " ");
  if (sections.length < 2 || sections.length > 3) throw new Error(`expected measurement, fields and a time: ${line}`);
  const [head, fieldText, timeText] = sections as [string, string, string | undefined];
  const [measurement, ...tagParts] = splitUnescaped(head, ",");
  if (!measurement) throw new Error(`missing measurement: ${line}`);
  const tags: Record<string, string> = {};
  for (const part of tagParts) {
    const [k, v, ...rest] = splitUnescaped(part, "=");
    if (!k || v === undefined || v === "" || rest.length > 0) throw new Error(`bad tag ${part}`);
    tags[unescape(k)] = unescape(v);
  }
  const fields: Record<string, number | boolean | string> = {};
  for (const part of splitUnescaped(fieldText, ",")) {
    const at = splitUnescaped(part, "=");
    if (at.length !== 2 || !at[0]) throw new Error(`bad field ${part}`);
    fields[unescape(at[0])] = fieldValue(at[1]!);
  }
  if (timeText !== undefined && !/^-?\d+$/.test(timeText)) throw new Error(`bad timestamp ${timeText}`);
  return { measurement: unescape(measurement), tags, fields, time: timeText === undefined ? Date.now() : Number(timeText) * precision };
}

export async function startFakeInfluxV2(options: { org: string; bucket: string; token: string }): Promise<FakeInfluxV2> {
  const state: FakeInfluxV2 = { url: "", points: [], writes: [], token: options.token, close: async () => undefined };
  const answer = (res: ServerResponse, status: number, body?: { code: string; message: string }): void => {
    if (body) res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
    else res.writeHead(status).end();
  };
  const write = (req: IncomingMessage, res: ServerResponse, u: URL, body: string): void => {
    const refuse = (status: number, code: string, message: string): void => {
      state.writes.push({ status, lines: 0 });
      answer(res, status, { code, message });
    };
    if (req.headers.authorization !== `Token ${state.token}`) return refuse(401, "unauthorized", "unauthorized access");
    const org = u.searchParams.get("org") ?? "";
    const bucket = u.searchParams.get("bucket") ?? "";
    if (org !== options.org) return refuse(404, "not found", `organization name "${org}" not found`);
    if (bucket !== options.bucket) return refuse(404, "not found", `bucket "${bucket}" not found`);
    const precision = PRECISION_MS[u.searchParams.get("precision") ?? "ns"];
    if (precision === undefined) return refuse(400, "invalid", `invalid precision "${u.searchParams.get("precision")}"`);
    const lines = body.split("\n").filter((l) => l.trim() !== "");
    const parsed: StoredPoint[] = [];
    for (const [i, line] of lines.entries()) {
      try {
        parsed.push({ org, bucket, ...parseLine(line, precision) });
      } catch (err) {
        return refuse(400, "invalid", `unable to parse '${line}' (line ${i + 1}): ${(err as Error).message}`);
      }
    }
    state.points.push(...parsed);
    state.writes.push({ status: 204, lines: lines.length });
    answer(res, 204);
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      const u = new URL(req.url ?? "/", "http://influx");
      if (req.method === "POST" && u.pathname === "/api/v2/write") write(req, res, u, body);
      else if (req.method === "GET" && u.pathname === "/ping") res.writeHead(204, { "x-influxdb-version": "v2.7.0 (stand-in)" }).end();
      else if (req.method === "GET" && u.pathname === "/health") res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: "influxdb", status: "pass" }));
      else answer(res, 404, { code: "not found", message: "path not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
