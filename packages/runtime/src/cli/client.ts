import { UserError } from "./io.js";

export interface ServerOptions {
  server: string;
  token?: string;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/** A thin client of the admin API for the CLI's remote commands. */
export async function api<T>(options: ServerOptions, method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
  const url = new URL(path, options.server.endsWith("/") ? options.server : `${options.server}/`);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new UserError(`cannot reach ${url.origin}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
  }
  if (res.status === 401) throw new UserError(`${url.origin} requires a token: pass --token or set WATTFLOW_TOKEN`);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T };
}
