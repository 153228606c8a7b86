import type { HttpReply, HttpRequest } from "@wattflow/runtime";
import type { ApiAuth, RequestUser } from "./connection.js";

/**
 * The answers Django REST framework with SimpleJWT gives, word for word:
 * the flows replace such a backend, and its clients match on `detail`/`code`.
 */
export const NOT_PROVIDED = "Authentication credentials were not provided.";
export const TOKEN_NOT_VALID = "Given token not valid for any token type";
export const BAD_CREDENTIALS = "No active account found with the given credentials";
export const REFRESH_NOT_VALID = "Token is invalid or expired";
export const REFRESH_REVOKED = "Token is blacklisted";

const CHALLENGE = { "www-authenticate": 'Bearer realm="api"' };

export const unauthorized = (detail: string, code?: string): HttpReply => ({
  status: 401,
  headers: CHALLENGE,
  body: code ? { detail, code } : { detail },
});

/** A header by name in any case: the server lowercases them, in-process test callers may not. */
export function header(headers: HttpRequest["headers"], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== wanted || v === undefined) continue;
    return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/** Who a request is (a static token or verified access-token claims), or the 401 to answer it with. */
export async function authenticate(auth: ApiAuth, headers: HttpRequest["headers"]): Promise<{ user: RequestUser } | { reply: HttpReply }> {
  const value = header(headers, "authorization");
  const parts = value?.trim().split(/\s+/) ?? [];
  // Another scheme (Basic, Token) is "no credentials" for this authenticator, as in SimpleJWT.
  if (parts.length === 0 || parts[0]!.toLowerCase() !== "bearer") return { reply: unauthorized(NOT_PROVIDED) };
  if (parts.length !== 2) return { reply: unauthorized(TOKEN_NOT_VALID, "token_not_valid") };
  const user = await auth.authenticate(parts[1]!);
  if (!user) return { reply: unauthorized(TOKEN_NOT_VALID, "token_not_valid") };
  return { user };
}

/**
 * A request body's string fields: JSON objects, and form posts (the flow
 * server leaves `application/x-www-form-urlencoded` as text), which DRF
 * views accept too.
 */
export function bodyFields(req: HttpRequest): Record<string, unknown> {
  const body = req.body;
  if (typeof body === "string") {
    if ((header(req.headers, "content-type") ?? "").includes("urlencoded")) return Object.fromEntries(new URLSearchParams(body));
    try {
      const parsed: unknown = JSON.parse(body);
      return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return body !== null && typeof body === "object" && !Array.isArray(body) && !Buffer.isBuffer(body) ? (body as Record<string, unknown>) : {};
}

/** DRF's 400 for missing fields: `{ "username": ["This field is required."] }`. */
export function requireFields(fields: Record<string, unknown>, names: readonly string[]): { values: string[] } | { reply: HttpReply } {
  const errors: Record<string, string[]> = {};
  const values: string[] = [];
  for (const name of names) {
    const v = fields[name];
    if (v === undefined || v === null) errors[name] = ["This field is required."];
    else if (typeof v !== "string") errors[name] = ["Not a valid string."];
    else if (v === "") errors[name] = ["This field may not be blank."];
    else values.push(v);
  }
  return Object.keys(errors).length > 0 ? { reply: { status: 400, body: errors } } : { values };
}
