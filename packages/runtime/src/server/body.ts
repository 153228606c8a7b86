import type { IncomingMessage } from "node:http";
import { DEFAULT_MAX_JSON_DEPTH, decodeUtf8Strict, parseUntrustedJson } from "../limits/untrusted-json.js";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a request body up to a limit; JSON is parsed (nested at most
 * `maxDepth` levels), text stays text, anything else stays bytes. JSON and
 * text must be valid UTF-8: a body that is not is refused (400), never
 * decoded with replacement characters.
 */
export async function readBody(req: IncomingMessage, limitBytes: number, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): Promise<unknown> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limitBytes) {
    req.resume();
    throw new HttpError(413, "body too large", `request body of ${declared} bytes is over the limit of ${limitBytes}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) {
      req.resume();
      throw new HttpError(413, "body too large", `request body is over the limit of ${limitBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const raw = Buffer.concat(chunks);
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  const json = type.includes("json");
  if (!json && !(type.startsWith("text/") || type.includes("urlencoded") || type === "")) return raw;
  const text = decodeUtf8Strict(raw);
  if (text === undefined) throw new HttpError(400, "invalid body", `request body (${json ? "JSON" : "text"}, ${size} bytes) is not valid UTF-8`);
  if (!json) return text;
  const parsed = parseUntrustedJson(text, maxDepth);
  if (!parsed.ok) throw new HttpError(400, parsed.kind === "too-deep" ? "body too deep" : "invalid JSON body", `request body ${parsed.reason}`);
  return parsed.value;
}
