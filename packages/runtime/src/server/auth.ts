import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

export interface AdminUser {
  username: string;
  /** `scrypt$N$r$p$salt$hash` from `hashPassword`. */
  passwordHash: string;
}

export interface AuthOptions {
  token?: string;
  users?: AdminUser[];
}

const N = 16384;
const R = 8;
const P = 1;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/**
 * A hash in `hashPassword`'s format that no password matches (its hash is random bytes): checking a
 * password against it costs what a real check costs, without spending a scrypt run to make it.
 */
export function unmatchableHash(): string {
  return `scrypt$${N}$${R}$${P}$${randomBytes(16).toString("base64")}$${randomBytes(32).toString("base64")}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, "base64");
  const actual = scryptSync(password, Buffer.from(salt, "base64"), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "[::1]";
}

/** The runtime refuses to listen beyond loopback with an open admin API. */
export function assertSafeBinding(host: string, auth: AuthOptions): void {
  if (isLoopback(host)) return;
  if (auth.token || (auth.users && auth.users.length > 0)) return;
  throw new Error(
    `refusing to serve the admin API on ${host} without access control: set WATTFLOW_TOKEN (or --token), or configure users, or listen on 127.0.0.1`,
  );
}

const SESSION_MS = 12 * 60 * 60 * 1000;

/** Admin access: a static token, and login sessions for configured users. */
export class AdminAuth {
  private readonly sessions = new Map<string, { username: string; expiresAt: number }>();

  constructor(private readonly options: AuthOptions) {}

  get enabled(): boolean {
    return Boolean(this.options.token) || (this.options.users?.length ?? 0) > 0;
  }

  login(username: string, password: string): { token: string; expiresAt: string } | null {
    const user = this.options.users?.find((u) => u.username === username);
    // Verify against a dummy hash for unknown users so timing does not reveal which names exist.
    const ok = verifyPassword(password, user?.passwordHash ?? DUMMY_HASH) && user !== undefined;
    if (!ok) return null;
    const token = randomBytes(32).toString("base64url");
    const expiresAt = Date.now() + SESSION_MS;
    this.sessions.set(token, { username, expiresAt });
    return { token, expiresAt: new Date(expiresAt).toISOString() };
  }

  logout(token: string): void {
    this.sessions.delete(token);
  }

  check(token: string | undefined): boolean {
    if (!this.enabled) return true;
    if (!token) return false;
    if (this.options.token && safeEqual(token, this.options.token)) return true;
    const session = this.sessions.get(token);
    if (!session) return false;
    if (session.expiresAt < Date.now()) {
      this.sessions.delete(token);
      return false;
    }
    return true;
  }
}

const DUMMY_HASH = unmatchableHash();
