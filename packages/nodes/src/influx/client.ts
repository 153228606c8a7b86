/** What the `influxdb` connection gives nodes: one small API over InfluxDB 1.x and 2.x/3.x. */
import type { InfluxHealth } from "./health.js";
import { httpFetch, type HttpHeaders, type HttpInit, type HttpResponse } from "../shared/http-client.js";

/** A query result row: `{ time, ...tags, ...fields }` (v1) or Flux's columns (v2). */
export type Row = Record<string, unknown>;

export interface InfluxClient {
  readonly version: "v1" | "v2";
  /** Where writes go, for messages: `http://host:8086 database "energy"` (never credentials). */
  readonly target: string;
  /** True for a connection with no URL: writers pass messages on without writing. */
  readonly off?: boolean;
  /** Writes line protocol lines (millisecond timestamps). Throws an `InfluxError`. */
  write(lines: readonly string[]): Promise<void>;
  /** InfluxQL (v1) or Flux (v2); rows of every result, in order. */
  query(q: string): Promise<Row[]>;
  /** True when the server answers its health endpoint. */
  ping(): Promise<boolean>;
  /** The connection's view of the server, where writers show their outboxes (absent on a connection that is off). */
  readonly health?: InfluxHealth;
}

/**
 * A failed request. `status` is the HTTP status, absent when no answer came
 * (refused, timed out). The message carries the server's own words but never
 * a token or password.
 */
export class InfluxError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly serverMessage?: string,
  ) {
    super(message);
    this.name = "InfluxError";
  }

  /**
   * The data itself was refused (bad line protocol, field type conflict,
   * points outside retention): sending it again cannot succeed, so it must
   * not hold up the queue. 401/403/404 are not here: they are configuration
   * (token, database) that someone can fix, so the points wait.
   */
  get rejectsData(): boolean {
    return this.status === 400 || this.status === 422;
  }

  get tooLarge(): boolean {
    return this.status === 413;
  }
}

/** Base URL without credentials or a trailing slash, for requests and messages alike. */
export function baseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`"${url.replace(/\/\/[^@/]*@/, "//…@")}" is not a URL (expected e.g. http://localhost:8086)`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`${u.protocol} is not supported: use http:// or https://`);
  return `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
}

/** The server's explanation from an error response: v1 `{error}`, v2 `{message}`, a header, or the text. */
export function serverMessageOf(text: string, headers: HttpHeaders): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof body.error === "string") return body.error;
    if (typeof body.message === "string") return body.message;
  } catch {
    // not JSON: use the header or the text as it is
  }
  return headers.get("x-influxdb-error") ?? text.trim().slice(0, 500);
}

/** One HTTP request with a timeout, turning every failure into an `InfluxError` that names the server. */
export async function request(what: string, url: string, init: HttpInit, timeoutMs: number): Promise<{ status: number; text: string }> {
  let res: HttpResponse;
  try {
    res = await httpFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new InfluxError(`${what}: ${networkReason(err, timeoutMs)}`);
  }
  const text = await res.text().catch(() => "");
  if (res.status >= 300) {
    const said = serverMessageOf(text, res.headers);
    throw new InfluxError(`${what}: HTTP ${res.status}${said ? ` ${said}` : ""}`, res.status, said);
  }
  return { status: res.status, text };
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  // fetch hides the socket error (ECONNREFUSED, ENOTFOUND) in `cause`.
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `unreachable (${cause})` : `unreachable (${e.message})`;
}
