import { scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { unmatchableHash } from "@wattflow/runtime";

/** `scrypt$N$r$p$salt$hash`, as the runtime's `hashPassword` writes it (the admin users' format). */
const HASH_FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+=*)\$([A-Za-z0-9+/]+=*)$/;

interface ParsedHash {
  options: ScryptOptions;
  salt: Buffer;
  hash: Buffer;
}

/** The parts of a stored hash, or a message saying what is wrong with it. */
export function parseHash(stored: string): ParsedHash | string {
  const m = HASH_FORMAT.exec(stored);
  if (!m) return "is not a scrypt hash (expected scrypt$N$r$p$salt$hash, as hashPassword from @wattflow/runtime writes it)";
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || (N & (N - 1)) !== 0) return `has an scrypt cost N=${N} that is not a power of two`;
  const hash = Buffer.from(m[5]!, "base64");
  if (hash.length < 16) return "holds a hash shorter than 16 bytes";
  // Room for the configured cost: 128·N·r bytes, plus slack; Node's default cap (32 MB) would refuse N=32768.
  return { options: { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, salt: Buffer.from(m[4]!, "base64"), hash };
}

function scryptAsync(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * Username → parsed hash, checked in constant time. Unlike the runtime's
 * `verifyPassword` (synchronous, fine for an admin login), this runs scrypt
 * on the thread pool: a burst of logins to a flow endpoint must not stall
 * every other flow for ~50 ms each.
 */
export class PasswordTable {
  private readonly users = new Map<string, ParsedHash>();
  // Unknown names are checked against this, so the answer takes as long as for a real user.
  private readonly dummy = parseHash(unmatchableHash()) as ParsedHash;

  add(username: string, stored: string): void {
    const parsed = parseHash(stored);
    if (typeof parsed === "string") throw new Error(parsed);
    this.users.set(username, parsed);
  }

  has(username: string): boolean {
    return this.users.has(username);
  }

  get size(): number {
    return this.users.size;
  }

  async verify(username: string, password: string): Promise<boolean> {
    const user = this.users.get(username);
    const entry = user ?? this.dummy;
    const actual = await scryptAsync(password, entry.salt, entry.hash.length, entry.options);
    const match = timingSafeEqual(actual, entry.hash);
    return match && user !== undefined;
  }
}
