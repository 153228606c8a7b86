import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { defineConnection, hashPassword, Secret, Type, type ConnectionHandle, type ConnectionInstance, type Static } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { PasswordTable } from "./passwords.js";
import { Revocations } from "./revocations.js";
import type { RefreshCheck, TokenClaims } from "./tokens.js";

export type { TokenClaims };

/** A request that carried one of the connection's static tokens (`msg.req.user`); never the token itself. */
export interface StaticTokenUser {
  token_type: "static";
  /** `token-1`, `token-2`, …: which entry of `tokens` matched, counting the non-empty ones. */
  sub: string;
  user_id: string;
}

/** Who a request is: the claims of an access token, or a static token. */
export type RequestUser = TokenClaims | StaticTokenUser;

/** What nodes get from `node.connection<ApiAuth>(id)`. */
export interface ApiAuth {
  readonly id: string;
  /** Both tokens for a user whose password matches; null otherwise (without saying which part was wrong). */
  login(username: string, password: string): Promise<{ access: string; refresh: string } | null>;
  /** A new access token for a valid refresh token that was not logged out, whose user still exists. */
  refresh(refreshToken: string): Promise<{ ok: true; access: string } | Extract<RefreshCheck, { ok: false }>>;
  /** Revokes a refresh token until it expires. */
  logout(refreshToken: string): Promise<{ ok: true } | Extract<RefreshCheck, { ok: false }>>;
  /** A static token's user, or the claims of a valid access token; null when it is neither. */
  authenticate(bearerToken: string): Promise<RequestUser | null>;
}

/** 256 bits: HS256's key should be at least as long as its hash (RFC 7518 §3.2). */
const MIN_KEY_BYTES = 32;
const GENERATE = "generate";
/** Static tokens are compared, not derived: they need enough entropy of their own. */
const MIN_STATIC_TOKEN_CHARS = 16;

const User = Type.Object({
  username: Type.String({ minLength: 1 }),
  passwordHash: Type.Optional(Type.String({ description: "scrypt$N$r$p$salt$hash from hashPassword (@wattflow/runtime)" })),
  password: Type.Optional(Secret({ description: "instead of passwordHash: the password from the environment, e.g. ${API_PASSWORD}; hashed when the connection starts" })),
  skipWithoutPassword: Type.Boolean({ default: false, description: "an empty password leaves this user out (with a warning) instead of stopping the connection: for shipped flows whose admin password comes from the environment" }),
});

const config = Type.Object({
  users: Type.Array(User, { default: [], description: "who may log in" }),
  tokens: Type.Array(Secret({ description: "a bearer token from the environment, e.g. ${SENSORS_API_TOKEN:-}" }), {
    default: [],
    description: `static bearer tokens accepted besides login tokens (for devices, agents and scripts); empty entries are ignored, others need at least ${MIN_STATIC_TOKEN_CHARS} characters`,
  }),
  tokenHint: Type.Optional(
    Type.String({ description: "what the warning tells the operator to set when neither users nor tokens are configured, e.g. SENSORS_API_TOKEN" }),
  ),
  signingKey: Secret({
    default: "",
    description: `HS256 key, at least ${MIN_KEY_BYTES} bytes: use \${JWT_SIGNING_KEY}; "${GENERATE}" makes a random one per start (tokens die with every restart)`,
  }),
  whenKeyUnset: Type.Union([Type.Literal("refuse"), Type.Literal("generate")], {
    default: "refuse",
    description: "an empty signingKey stops the connection (refuse) or uses a random key for this run (generate: for flows that must start with nothing configured)",
  }),
  accessTtl: Type.String({ pattern: DURATION_PATTERN, default: "5m", description: "lifetime of an access token" }),
  refreshTtl: Type.String({ pattern: DURATION_PATTERN, default: "1d", description: "lifetime of a refresh token" }),
  issuer: Type.String({ minLength: 1, default: "wattflow", description: "the iss claim; tokens from another issuer are refused" }),
});

type Config = Static<typeof config>;

/** The non-empty tokens as SHA-256 digests: equal lengths, so they compare in constant time. */
function staticTokens(tokens: readonly string[]): Buffer[] {
  tokens.forEach((t, i) => {
    if (t !== "" && t.length < MIN_STATIC_TOKEN_CHARS) {
      throw new Error(`tokens[${i}] is ${t.length} characters; use at least ${MIN_STATIC_TOKEN_CHARS} random ones (e.g. openssl rand -hex 32)`);
    }
  });
  return tokens.filter((t) => t !== "").map(digest);
}

const digest = (text: string): Buffer => createHash("sha256").update(text).digest();

/** Which static token matches, 1-based, or 0; every entry is compared so timing does not tell which. */
function matchStatic(digests: readonly Buffer[], candidate: string): number {
  const d = digest(candidate);
  let found = 0;
  digests.forEach((t, i) => {
    if (timingSafeEqual(t, d) && found === 0) found = i + 1;
  });
  return found;
}

function signingKey(handle: ConnectionHandle, value: string, whenUnset: Config["whenKeyUnset"]): Uint8Array {
  if (value === GENERATE || (value === "" && whenUnset === "generate")) {
    handle.log.warn(
      `api-auth ${handle.id}: signingKey is "${GENERATE}": using a random key for this run only. Every token becomes invalid on restart or redeploy; set JWT_SIGNING_KEY (e.g. openssl rand -base64 48) for production`,
    );
    return randomBytes(MIN_KEY_BYTES);
  }
  if (value === "") throw new Error(`signingKey is empty: set JWT_SIGNING_KEY to at least ${MIN_KEY_BYTES} random bytes (e.g. openssl rand -base64 48), or "${GENERATE}" for a throwaway key`);
  const key = new TextEncoder().encode(value);
  if (key.length < MIN_KEY_BYTES) throw new Error(`signingKey is ${key.length} bytes; HS256 needs at least ${MIN_KEY_BYTES} (e.g. openssl rand -base64 48)`);
  return key;
}

function passwords(handle: ConnectionHandle, users: Config["users"]): PasswordTable {
  const table = new PasswordTable();
  users.forEach((u, i) => {
    const where = `users[${i}] (${u.username})`;
    if (table.has(u.username)) throw new Error(`${where}: username is listed twice`);
    const hash = u.passwordHash ?? "";
    const password = u.password ?? "";
    if (hash === "" && password === "" && u.skipWithoutPassword) {
      handle.log.warn(`api-auth ${handle.id}: ${where} has no password, so nobody can log in as ${u.username}; set its password in the environment`);
      return;
    }
    if (hash !== "" && password !== "") throw new Error(`${where}: give passwordHash or password, not both`);
    if (hash === "" && password === "") throw new Error(`${where}: needs passwordHash or password (e.g. "\${API_PASSWORD}"); an empty password is refused`);
    try {
      table.add(u.username, hash !== "" ? hash : hashPassword(password));
    } catch (err) {
      throw new Error(`${where}: passwordHash ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return table;
}

const seconds = (field: string, text: string): number => {
  const s = Math.floor(parseDuration(text) / 1000);
  if (s < 1) throw new Error(`${field} must be at least 1s, got "${text}"`);
  return s;
};

export default defineConnection({
  type: "api-auth",
  summary: "Users and JWT settings for flow HTTP endpoints: login, refresh and logout tokens (SimpleJWT's shapes), checked by http-in's auth.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config,
  async create(handle, c): Promise<ConnectionInstance<ApiAuth>> {
    const statics = staticTokens(c.tokens);
    // Without users no token is ever issued, so a token-only connection needs no key of its own.
    const key = c.users.length === 0 && c.signingKey === "" ? randomBytes(MIN_KEY_BYTES) : signingKey(handle, c.signingKey, c.whenKeyUnset);
    const table = passwords(handle, c.users);
    // Users configured without passwords were warned about one by one above; this is for a connection given nothing at all.
    if (c.users.length === 0 && statics.length === 0) {
      const what = c.tokenHint ? `set ${c.tokenHint} (e.g. openssl rand -hex 32)` : 'add a token (tokens: ["${MY_API_TOKEN}"]) or users';
      handle.log.warn(`api-auth ${handle.id}: no users and no tokens configured, so every route it protects answers 401: ${what}`);
    } else if (table.size === 0 && c.users.length > 0) {
      handle.log.warn(`api-auth ${handle.id}: no users configured: nobody can log in`);
    }
    // Connections sharing a key share logouts; the scope names the key by an HMAC, never the key itself.
    const scope = `api-auth:revoked:${createHmac("sha256", key).update("api-auth revocations").digest("hex").slice(0, 24)}`;
    // The JWT library loads when a flow first opens an api-auth connection, not with the node catalog.
    const { Tokens } = await import("./tokens.js");
    const tokens = new Tokens({
      key,
      issuer: c.issuer,
      accessTtlSeconds: seconds("accessTtl", c.accessTtl),
      refreshTtlSeconds: seconds("refreshTtl", c.refreshTtl),
      revocations: await Revocations.open(handle.store, scope),
    });
    const value: ApiAuth = {
      id: handle.id,
      async login(username, password) {
        if (!(await table.verify(username, password))) return null;
        return { access: await tokens.issue(username, "access"), refresh: await tokens.issue(username, "refresh") };
      },
      async refresh(refreshToken) {
        const check = await tokens.verifyRefresh(refreshToken);
        if (!check.ok) return check;
        // A user removed from the config loses access at the next refresh, not only when the refresh token expires.
        if (!table.has(check.claims.sub)) return { ok: false, reason: "invalid" };
        return { ok: true, access: await tokens.issue(check.claims.sub, "access") };
      },
      async logout(refreshToken) {
        const check = await tokens.verifyRefresh(refreshToken);
        if (!check.ok) return check;
        tokens.revoke(check.claims);
        return { ok: true };
      },
      async authenticate(bearerToken) {
        const which = matchStatic(statics, bearerToken);
        if (which > 0) return { token_type: "static", sub: `token-${which}`, user_id: `token-${which}` };
        const claims = await tokens.verify(bearerToken, "access");
        // As SimpleJWT looks the user up: a user removed from the config is locked out at once.
        return claims && table.has(claims.sub) ? claims : null;
      },
    };
    return { value };
  },
});
