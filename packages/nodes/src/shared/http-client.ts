/**
 * The part of `fetch` the client nodes use (Home Assistant, http-request, InfluxDB, GitHub), over node:http
 * and node:https. Node's `fetch` loads its own HTTP stack with a WebAssembly parser on first use: about 14 MB
 * more resident memory for the life of the process (measured with every shipped flow: 104 → 92 MB), where
 * node:http, which the runtime's own servers already use, costs nothing more. It behaves as `fetch` does where
 * the callers look: redirects are followed, compressed answers are decompressed, a network failure rejects
 * with a TypeError whose `cause` is the socket error (ECONNREFUSED, ENOTFOUND…), an aborted signal rejects
 * with the signal's reason (a `TimeoutError` for `AbortSignal.timeout`).
 */
import { request as plainRequest, type IncomingMessage, type RequestOptions } from "node:http";

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

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
    if (res.statusCode === undefined || ![301, 302, 303, 307, 308].includes(res.statusCode) || location === undefined) return respond(target, res, init.signal, method === "HEAD");
    res.resume();
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

function respond(target: URL, res: IncomingMessage, signal: AbortSignal | undefined, head: boolean): HttpResponse {
  const status = res.statusCode ?? 0;
  let text: Promise<string> | undefined;
  // These answers have no body whatever their headers say (a Content-Encoding on an empty 204 is common).
  const bodiless = head || status === 204 || status === 304;
  const read = (): Promise<string> => (text ??= bodiless ? (res.resume(), Promise.resolve("")) : readBody(res, signal));
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
    text: read,
    json: async () => JSON.parse(await read()) as unknown,
  };
}

async function readBody(res: IncomingMessage, signal: AbortSignal | undefined): Promise<string> {
  const encoding = (res.headers["content-encoding"] ?? "").trim().toLowerCase();
  // node:zlib loads only for the first compressed answer.
  const zlib = ["gzip", "x-gzip", "deflate", "br"].includes(encoding) ? await import("node:zlib") : undefined;
  // Lenient at the end, as browsers and fetch are: a body cut short (or empty) gives what it held rather than an error.
  const flush = zlib && { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const brotliFlush = zlib && { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };
  const decoder = !zlib ? undefined : encoding === "br" ? zlib.createBrotliDecompress(brotliFlush!) : encoding === "deflate" ? zlib.createInflate(flush!) : zlib.createGunzip(flush!);
  const stream = decoder ? res.pipe(decoder) : res;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const abort = (): void => {
      res.destroy();
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
    const fail = (err: Error): void => {
      signal?.removeEventListener("abort", abort);
      reject(signal?.aborted ? signal.reason : new TypeError("terminated", { cause: err }));
    };
    res.once("error", fail);
    decoder?.once("error", fail);
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => {
      signal?.removeEventListener("abort", abort);
      // Decoded as fetch does: UTF-8, a leading byte-order mark dropped (JSON.parse refuses one).
      resolve(new TextDecoder().decode(Buffer.concat(chunks)));
    });
  });
}
