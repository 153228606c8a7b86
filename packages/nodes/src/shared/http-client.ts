/**
 * The part of `fetch` the client nodes use (Home Assistant, http-request, InfluxDB, GitHub), over node:http
 * and node:https. Node's `fetch` loads its own HTTP stack with a WebAssembly parser on first use: about 14 MB
 * more resident memory for the life of the process (measured with every shipped flow: 104 → 92 MB), where
 * node:http, which the runtime's own servers already use, costs nothing more. It behaves as `fetch` does where
 * the callers look: redirects are followed, compressed answers are decompressed, a network failure rejects
 * with a TypeError whose `cause` is the socket error (ECONNREFUSED, ENOTFOUND…), an aborted signal rejects
 * with the signal's reason (a `TimeoutError` for `AbortSignal.timeout`).
 *
 * Unlike `fetch`, the answer's body is read before `httpFetch` resolves, up to `maxBodyBytes` decompressed:
 * every caller reads it anyway, a caller that throws on a status without reading it cannot leave the
 * connection open, and a server cannot make the process hold more than that (a small compressed answer can
 * expand to gigabytes).
 */
import { request as plainRequest, type IncomingMessage, type RequestOptions } from "node:http";
import type { Readable, Transform } from "node:stream";

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** The largest body read, in bytes after decompression (`MAX_BODY_BYTES` when not given); a larger answer fails the call. */
  maxBodyBytes?: number;
}

export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface HttpHeaders {
  get(name: string): string | null;
  has(name: string): boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly url: string;
  readonly headers: HttpHeaders;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

const MAX_REDIRECTS = 20;

export async function httpFetch(url: string | URL, init: HttpInit = {}): Promise<HttpResponse> {
  let target = new URL(url);
  let method = (init.method ?? "GET").toUpperCase();
  let body = init.body;
  let headers = withDefaults(init.headers ?? {});
  for (let redirects = 0; ; redirects++) {
    if (target.protocol !== "http:" && target.protocol !== "https:") throw new TypeError(`fetch failed: ${target.protocol} is not supported`);
    const res = await send(target, method, headers, body, init.signal);
    const location = res.headers.location;
    if (res.statusCode === undefined || ![301, 302, 303, 307, 308].includes(res.statusCode) || location === undefined) return respond(target, res, init.signal, init.maxBodyBytes ?? MAX_BODY_BYTES, method === "HEAD");
    // A redirect's body is not wanted: its connection is closed rather than drained (a body that never ends would be read for good).
    res.destroy();
    if (redirects >= MAX_REDIRECTS) throw new TypeError("fetch failed", { cause: new Error(`more than ${MAX_REDIRECTS} redirects`) });
    const next = new URL(location, target);
    // As fetch does: a 303, or a 301/302 after a POST, continues as a GET without the body.
    if (res.statusCode === 303 ? method !== "HEAD" : (res.statusCode === 301 || res.statusCode === 302) && method === "POST") {
      method = "GET";
      body = undefined;
      headers = without(headers, ["content-type", "content-length"]);
    }
    // Credentials are not handed to another origin.
    if (next.origin !== target.origin) headers = without(headers, ["authorization", "cookie"]);
    target = next;
  }
}

function withDefaults(given: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) headers[k.toLowerCase()] = v;
  headers.accept ??= "*/*";
  headers["accept-encoding"] ??= "gzip, deflate, br";
  headers["user-agent"] ??= "wattflow";
  return headers;
}

function without(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k)));
}

async function send(target: URL, method: string, headers: Record<string, string>, body: string | Buffer | undefined, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  signal?.throwIfAborted();
  // node:https (and TLS with it) loads only for the first https:// address.
  const request = target.protocol === "https:" ? (await import("node:https")).request : plainRequest;
  const options: RequestOptions = { method, headers: body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) } };
  return new Promise((resolve, reject) => {
    const req = request(target, options, resolve);
    const abort = (): void => {
      req.destroy();
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
    req.once("response", () => signal?.removeEventListener("abort", abort));
    req.once("error", (err) => {
      signal?.removeEventListener("abort", abort);
      reject(signal?.aborted ? signal.reason : new TypeError("fetch failed", { cause: err }));
    });
    req.end(body);
  });
}

async function respond(target: URL, res: IncomingMessage, signal: AbortSignal | undefined, maxBytes: number, head: boolean): Promise<HttpResponse> {
  const status = res.statusCode ?? 0;
  // These answers have no body whatever their headers say (a Content-Encoding on an empty 204 is common).
  const bodiless = head || status === 204 || status === 304;
  let body = "";
  if (bodiless) res.resume();
  else body = await readBody(res, signal, maxBytes);
  return {
    status,
    ok: status >= 200 && status < 300,
    url: target.href,
    headers: {
      get(name) {
        const value = res.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
      has(name) {
        return res.headers[name.toLowerCase()] !== undefined;
      },
    },
    text: async () => body,
    json: async () => JSON.parse(body) as unknown,
  };
}

const CODINGS = new Set(["gzip", "x-gzip", "deflate", "br"]);

/** The decompressors for a Content-Encoding list, the last coding applied first; none when a coding is unknown (the body is then read as sent, as fetch does). */
async function decodersFor(header: string | undefined): Promise<Transform[]> {
  const codings = (header ?? "")
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  if (codings.length === 0 || !codings.every((c) => CODINGS.has(c))) return [];
  // node:zlib loads only for the first compressed answer.
  const zlib = await import("node:zlib");
  // Lenient at the end, as browsers and fetch are: a compressed body whose stream ends early (or is empty) gives what it held rather than an error.
  const flush = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const brotliFlush = { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };
  return codings.reverse().map((c) => (c === "br" ? zlib.createBrotliDecompress(brotliFlush) : c === "deflate" ? zlib.createInflate(flush) : zlib.createGunzip(flush)));
}

async function readBody(res: IncomingMessage, signal: AbortSignal | undefined, maxBytes: number): Promise<string> {
  const decoders = await decodersFor(res.headers["content-encoding"]);
  let stream: Readable = res;
  for (const decoder of decoders) stream = stream.pipe(decoder);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (err: unknown, text?: string): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", abort);
      if (err === undefined) return resolve(text!);
      // The connection is closed, not left open with an unread rest.
      res.destroy();
      for (const decoder of decoders) decoder.destroy();
      reject(err);
    };
    const abort = (): void => settle(signal!.reason);
    signal?.addEventListener("abort", abort, { once: true });
    const fail = (err: Error): void => settle(signal?.aborted ? signal.reason : new TypeError("terminated", { cause: err }));
    res.once("error", fail);
    // A connection closed before the body's end: what fetch calls "terminated", at once rather than at the caller's timeout.
    res.once("close", () => {
      if (!res.complete) fail(new Error("the connection closed before the end of the answer"));
    });
    for (const decoder of decoders) decoder.once("error", fail);
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) settle(new TypeError("fetch failed", { cause: new Error(`the answer is larger than ${maxBytes} bytes`) }));
      else chunks.push(chunk);
    });
    stream.once("end", () => {
      try {
        // Decoded as fetch does: UTF-8, a leading byte-order mark dropped (JSON.parse refuses one).
        settle(undefined, new TextDecoder().decode(Buffer.concat(chunks)));
      } catch (err) {
        settle(new TypeError("terminated", { cause: err }));
      }
    });
  });
}
