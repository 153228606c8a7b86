import type { IncomingMessage } from "node:http";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a request body up to a limit; JSON is parsed, text stays text, anything else stays bytes. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
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
  if (type.includes("json")) {
    const text = raw.toString("utf8");
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new HttpError(400, "invalid JSON body", err instanceof Error ? err.message : String(err));
    }
  }
  if (type.startsWith("text/") || type.includes("urlencoded") || type === "") return raw.toString("utf8");
  return raw;
}
