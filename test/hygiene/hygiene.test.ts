/**
 * Keeps the test suite honest (see scan.ts for the three shapes it refuses).
 * A finding fails unless it is listed below with why it is left; a new test
 * file or a new line of that shape fails here, naming the file and line.
 */
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { scanSource, scanTree, type Finding, type Rule } from "./scan.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface Known {
  rule: Rule;
  file: string;
  /** The trimmed offending line. */
  text: string;
  why: string;
}

/** Findings known and owned elsewhere: each names what is left to do. Remove an entry once its line is fixed. */
const KNOWN: Known[] = [
  {
    rule: "sleep-then-assert",
    file: "packages/nodes/src/function/worker.test.ts",
    text: "await new Promise((r) => setTimeout(r, 50));",
    why: "lets the worker start spinning before the HTTP call; should wait for a sign that it spins",
  },
  {
    rule: "elapsed-upper-bound",
    file: "packages/nodes/src/function/worker.test.ts",
    text: "expect(Date.now() - asked).toBeLessThan(200);",
    why: "the HTTP route answers while the worker is busy: an upper bound on a round trip",
  },
  {
    rule: "elapsed-upper-bound",
    file: "packages/nodes/src/function/worker.test.ts",
    text: "expect(took).toBeLessThan(1500);",
    why: "a spinning worker is stopped soon after its limit: an upper bound on when the error came",
  },
  {
    rule: "sleep-then-assert",
    file: "packages/nodes/src/mqtt/mqtt.test.ts",
    text: "await new Promise((r) => setTimeout(r, 300));",
    why: "nothing beyond Mosquitto's in-flight window of 20 arrives: negative after a fixed wait",
  },
  {
    rule: "sleep-then-assert",
    file: "packages/nodes/src/mqtt/shared-subscription.test.ts",
    text: "await new Promise((r) => setTimeout(r, 300));",
    why: "the $share member got none of the plain topic's messages: negative after a fixed wait; a later marker both receive would order it",
  },
  {
    rule: "sleep-then-assert",
    file: "test/cluster/coordination.test.ts",
    text: "await new Promise((r) => setTimeout(r, 200));",
    why: "no other member ran the job while the lock was held: negative after a fixed wait",
  },
  {
    rule: "sleep-then-assert",
    file: "test/cluster/scale-out.test.ts",
    text: "await new Promise((r) => setTimeout(r, 1000));",
    why: "the nightly job ran once in the cluster: negative after a fixed wait",
  },
];

const isKnown = (f: Finding) => KNOWN.some((k) => k.rule === f.rule && k.file === f.file && k.text === f.text);
const show = (f: Finding) => `${f.file}:${f.line} [${f.rule}] ${f.text}`;

describe("test hygiene", () => {
  it("no test sleeps a fixed time and then asserts, bounds elapsed time from above, or hard-codes a date near today", () => {
    const fresh = scanTree(root).filter((f) => !isKnown(f));
    expect(fresh.map(show), "wait on an event or poll with a deadline (until), use relative times or fake timers; see test/hygiene/scan.ts").toEqual([]);
  });

  it("the scan finds each shape, and leaves polling loops, input-shaping waits and old dates alone", () => {
    const now = Date.now();
    const day = (offset: number) => new Date(now + offset * 86_400_000).toISOString().slice(0, 10);
    const source = [
      "const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));",
      "await new Promise((r) => setTimeout(r, 100));",
      "expect(seen).toHaveLength(1);",
      "await pause(300);",
      "// a comment in between",
      "expect(t.received('out')).not.toContain(x);",
      "await sleep(50);",
      "await broker.start();",
      "for (const end = Date.now() + 5_000; !done() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));",
      "expect(done()).toBe(true);",
      "expect(Date.now() - began).toBeLessThan(200);",
      "expect(Date.now() - began).toBeGreaterThanOrEqual(90);",
      "expect(tookMs).toBeLessThan(1500);",
      `const at = Date.parse("${day(40)}T00:00:00Z");`,
      `const old = Date.parse("${day(-400)}T00:00:00Z");`,
      `const far = "${day(4 * 365)}";`,
      "await page.waitForTimeout(200);",
      "const seen = calls.get(page);",
      "expect(seen).toEqual([]);",
      "await pause(10);",
      "const x = await fetchIt();",
      "expect(x).toBe(1);",
    ].join("\n");
    expect(scanSource("x.test.ts", source, now).map((f) => [f.rule, f.line])).toEqual([
      ["sleep-then-assert", 2],
      ["sleep-then-assert", 4],
      ["elapsed-upper-bound", 11],
      ["elapsed-upper-bound", 13],
      ["near-date", 14],
      ["sleep-then-assert", 17],
    ]);
  });
});
