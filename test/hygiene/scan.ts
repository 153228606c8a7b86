/**
 * Finds test shapes that pass or fail for the wrong reason:
 *
 * - a fixed sleep as a statement of its own, directly followed by an
 *   assertion: a positive one fails when the machine is slow, a negative one
 *   passes when the code is merely slow (wait on an event, poll with a
 *   deadline, or send a later marker and assert on what came before it);
 * - an elapsed-time upper bound (`expect(Date.now() - t0).toBeLessThan(…)`):
 *   that is the bench's job;
 * - a literal date from a month ago to six months ahead: a date near today
 *   used as "now" or to size a query window stops working as today moves on
 *   (use times relative to Date.now(), or fake timers with a set system time).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export type Rule = "sleep-then-assert" | "elapsed-upper-bound" | "near-date";

export interface Finding {
  rule: Rule;
  /** Path relative to the scanned root, with forward slashes. */
  file: string;
  line: number;
  /** The offending line, trimmed: what a baseline entry names (line numbers move). */
  text: string;
}

const SKIP_DIRS = new Set(["node_modules", "dist", ".git", "artifacts"]);

export function testFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) out.push(...testFiles(root, join(dir, entry.name)));
    } else if (entry.name.endsWith(".test.ts")) {
      out.push(join(dir, entry.name));
    }
  }
  return out.sort();
}

/** Names of local helpers that only wait: `const pause = (ms) => new Promise((r) => setTimeout(r, ms))`. */
function sleepHelpers(source: string): string[] {
  const names = new Set(["sleep", "delay", "pause", "wait"]);
  const arrow = /(?:const|let)\s+(\w+)\s*=\s*(?:async\s*)?\([^)]*\)\s*(?::[^=]*)?=>\s*new Promise[^\n]*setTimeout/g;
  const fn = /function\s+(\w+)\s*\([^)]*\)[^{]*\{\s*(?:return\s+)?(?:await\s+)?new Promise[^\n]*setTimeout/g;
  for (const re of [arrow, fn]) for (const m of source.matchAll(re)) names.add(m[1]!);
  return [...names];
}

/** A statement that does nothing but wait a fixed time (a poll loop's wait is inside its `while`/`for` line). */
function fixedSleep(line: string, helpers: readonly string[]): boolean {
  const promise = /^await\s+new Promise(?:<\w+>)?\(\s*\(?\s*\w+\s*\)?\s*=>\s*setTimeout\(\s*\w+\s*,\s*[\d_]+\s*\)\s*\);?$/;
  const timersPromises = /^await\s+setTimeout\(\s*[\d_]+\s*\);?$/;
  const browser = /^await\s+\w+\.waitForTimeout\(\s*[\d_]+\s*\);?$/;
  const helper = new RegExp(`^await\\s+(?:${helpers.join("|")})\\(\\s*[\\d_]+\\s*\\);?$`);
  const code = line.replace(/\s*\/\/.*$/, "");
  return promise.test(code) || timersPromises.test(code) || browser.test(code) || helper.test(code);
}

const isNoise = (line: string) => line === "" || line.startsWith("//") || line.startsWith("/*") || line.startsWith("*");
const isAssertion = (line: string) => /^(?:await\s+)?expect(?:\.soft)?\(/.test(line);
/** Reads a value without waiting for anything (`const seen = calls.get(page)`), so the sleep still decides what it sees. */
const isPlainRead = (line: string) => /^(?:const|let)\s+[^=]+=(?!.*\bawait\b)/.test(line);

/** Whether an assertion follows, directly or after plain reads only. */
function assertsNext(rest: readonly string[]): boolean {
  for (const line of rest) {
    if (isNoise(line)) continue;
    if (isAssertion(line)) return true;
    if (!isPlainRead(line)) return false;
  }
  return false;
}

const ELAPSED_UPPER =
  /^(?:await\s+)?expect\((?:[^)]*(?:Date\.now\(\)|performance\.now\(\))\s*-\s*\w+[^)]*|took|elapsed|duration|\w+Ms|\w+\.ms)\)\.toBeLessThan(?:OrEqual)?\(/;
const DATE = /(?<!\d)(20\d\d)-(\d\d)-(\d\d)(?!\d)/g;
const DAY = 86_400_000;

export function scanSource(file: string, source: string, now: number): Finding[] {
  const found: Finding[] = [];
  const lines = source.split("\n").map((l) => l.trim());
  const helpers = sleepHelpers(source);
  lines.forEach((text, i) => {
    const at = { file, line: i + 1, text };
    if (fixedSleep(text, helpers) && assertsNext(lines.slice(i + 1))) found.push({ rule: "sleep-then-assert", ...at });
    if (ELAPSED_UPPER.test(text)) found.push({ rule: "elapsed-upper-bound", ...at });
    for (const m of text.matchAll(DATE)) {
      const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
      if (t >= now - 31 * DAY && t <= now + 183 * DAY) {
        found.push({ rule: "near-date", ...at });
        break;
      }
    }
  });
  return found;
}

export function scanTree(root: string, now = Date.now()): Finding[] {
  return testFiles(root).flatMap((path) => scanSource(relative(root, path).split("\\").join("/"), readFileSync(path, "utf8"), now));
}
