import type { ContextView, Store } from "@wattflow/runtime";

/**
 * Logged-out refresh tokens, by `jti`, until they would have expired anyway.
 * Kept in memory and in the store's context (one key per token), so a
 * logout survives a restart and is seen by every api-auth connection that
 * shares the signing key (the scope is derived from it, and connections of
 * one process share the scope's context view).
 */
export class Revocations {
  private readonly memory = new Map<string, number>();

  static async open(store: Store, scope: string, now?: () => number): Promise<Revocations> {
    return new Revocations(await store.openContext(scope), now);
  }

  constructor(
    private readonly context: ContextView,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    for (const jti of context.keys()) {
      const exp = context.get<number>(jti);
      if (typeof exp === "number" && exp > this.now()) this.memory.set(jti, exp);
      else context.delete(jti);
    }
  }

  /** `exp` is the token's expiry (seconds since the epoch): after it the entry is useless and is dropped. */
  revoke(jti: string, exp: number): void {
    this.prune();
    this.memory.set(jti, exp);
    this.context.set(jti, exp);
  }

  isRevoked(jti: string): boolean {
    if (this.memory.has(jti)) return true;
    // Another connection with the same key may have revoked it since we loaded.
    const exp = this.context.get<number>(jti);
    if (typeof exp !== "number") return false;
    this.memory.set(jti, exp);
    return true;
  }

  get size(): number {
    return this.memory.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [jti, exp] of this.memory) {
      if (exp > now) continue;
      this.memory.delete(jti);
      this.context.delete(jti);
    }
  }
}
