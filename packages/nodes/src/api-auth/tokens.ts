import { randomUUID } from "node:crypto";
import { jwtVerify, SignJWT, type JWTPayload } from "jose";
import type { Revocations } from "./revocations.js";

export type TokenType = "access" | "refresh";

/** The claims of a token this connection issued, after verification (`msg.req.user` for access tokens). */
export interface TokenClaims extends JWTPayload {
  /** SimpleJWT's claim names, so clients written for a Django backend read the same token. */
  token_type: TokenType;
  user_id: string;
  sub: string;
  jti: string;
  exp: number;
  iat: number;
}

export interface TokenOptions {
  key: Uint8Array;
  issuer: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  revocations: Revocations;
}

/** A verified refresh token, or why it was refused (SimpleJWT answers the two differently). */
export type RefreshCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: "invalid" | "revoked" };

const ALGORITHM = "HS256";

/** Signs and verifies the access and refresh tokens (HS256 JWTs). */
export class Tokens {
  constructor(private readonly options: TokenOptions) {}

  async issue(username: string, type: TokenType): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const ttl = type === "access" ? this.options.accessTtlSeconds : this.options.refreshTtlSeconds;
    return new SignJWT({ token_type: type, user_id: username })
      .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
      .setSubject(username)
      .setIssuer(this.options.issuer)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .sign(this.options.key);
  }

  /** The claims of a valid, unexpired token of this type from this issuer; null for anything else. */
  async verify(token: string, type: TokenType): Promise<TokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.options.key, { algorithms: [ALGORITHM], issuer: this.options.issuer, requiredClaims: ["exp", "iat", "jti", "sub"] });
      // A refresh token must not open an API route, nor an access token refresh: the type claim is signed, so it decides.
      if (payload.token_type !== type || typeof payload.user_id !== "string") return null;
      return payload as TokenClaims;
    } catch {
      // Expired, tampered, another key, not a JWT at all: the client is told the same for each.
      return null;
    }
  }

  async verifyRefresh(token: string): Promise<RefreshCheck> {
    const claims = await this.verify(token, "refresh");
    if (!claims) return { ok: false, reason: "invalid" };
    if (this.options.revocations.isRevoked(claims.jti)) return { ok: false, reason: "revoked" };
    return { ok: true, claims };
  }

  revoke(claims: TokenClaims): void {
    this.options.revocations.revoke(claims.jti, claims.exp);
  }
}
