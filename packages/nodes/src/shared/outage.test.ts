/**
 * A source that stays unreachable is reported when the problem starts or changes, then at a slow
 * interval, and once when it works again: the rule itself on a clock the test moves, and the
 * http-request poller against a real port that refuses, then answers, then refuses again.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import pino from "pino";
import { startTestFlow, until, type TestFlow } from "@wattflow/runtime/testing";
import type { Message } from "@wattflow/runtime";
import catchNode from "../catch/index.js";
import httpRequest from "../http-request/index.js";
import { OutageReport } from "./outage.js";

function recorder() {
  const errors: string[] = [];
  const logs: string[] = [];
  const node = {
    error: (err: unknown, _msg?: Message) => void errors.push(err instanceof Error ? err.message : String(err)),
    log: { info: (text: string) => void logs.push(text) } as unknown as import("@wattflow/runtime").Logger,
  };
  return { node, errors, logs };
}

describe("OutageReport", () => {
  it("reports the first failure and each change at once, the same problem every repeat interval, and the recovery once", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const { node, errors, logs } = recorder();
    const outage = new OutageReport(node, "meter", 60_000, () => now);
    const poll = (problem: string | null) => {
      now += 10_000;
      if (problem) outage.failed(new Error(problem));
      else outage.succeeded();
    };
    for (let i = 0; i < 6; i++) poll("connect ECONNREFUSED");
    expect(errors).toEqual(["connect ECONNREFUSED"]);
    poll("connect ECONNREFUSED"); // 60 s after the first report
    expect(errors).toEqual(["connect ECONNREFUSED", "connect ECONNREFUSED (still failing: 7 polls since 2026-01-01T00:00:10.000Z)"]);
    poll("timed out after 1000 ms");
    expect(errors.at(-1)).toBe("timed out after 1000 ms");
    expect(outage.failing).toBe(true);
    poll(null);
    poll(null);
    expect(logs).toEqual(["meter works again after 1 failed poll(s) since 2026-01-01T00:01:20.000Z (timed out after 1000 ms)"]);
    expect(outage.failing).toBe(false);
    poll("connect ECONNREFUSED");
    expect(errors).toHaveLength(4);
  });
});

describe("http-request polling an unreachable URL", () => {
  let t: TestFlow | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  it("reports the outage once rather than on every poll, and says when the URL answers again", async () => {
    // A port that was just free: nothing listens there until the server below takes it.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));

    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push((JSON.parse(line) as { msg: string }).msg) });
    t = await startTestFlow(
      {
        nodes: [
          { id: "poll", type: "http-request", config: { url: `http://127.0.0.1:${port}/status`, interval: "50ms", retries: 0 }, wires: [["out"]] },
          { id: "errors", type: "catch", config: {}, wires: [["caught"]] },
          { id: "out", type: "test-collect" },
          { id: "caught", type: "test-collect" },
        ],
      },
      { nodes: [httpRequest, catchNode], log },
    );
    // Each failed poll turns the node's status red: wait for five of them, not for a time.
    const failedPolls = () => t!.events.filter((e) => e.type === "status" && e.nodeId === "poll" && e.status.fill === "red").length;
    await until(() => failedPolls() >= 5, 10_000, "five failed polls");
    const caught = t.received("caught");
    expect(caught.length).toBe(1);
    expect((caught[0]!.error as { message: string }).message).toMatch(/ECONNREFUSED/);

    server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
    await new Promise<void>((r) => server!.listen(port, "127.0.0.1", r));
    await t.waitFor("out", 1);
    const back = lines.map((l) => /GET http:\/\/127\.0\.0\.1:\d+\/status works again after (\d+) failed poll\(s\)/.exec(l)).find((m) => m !== null);
    expect(Number(back?.[1])).toBeGreaterThanOrEqual(4);
    expect(t.received("caught")).toHaveLength(1);
  });
});
