import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Engine } from "../engine/engine.js";
import { Registry } from "../registry/registry.js";
import { RouteTable } from "../server/route-table.js";
import { openStore, type Store } from "../store/index.js";
import { collectNode, MemoryWsHub } from "../testing/index.js";
import { FlowManager } from "./flow-manager.js";

const flow = (label: string) => ({ format: "wattflow/flow@1", id: "race", label, nodes: [{ id: "c", type: "test-collect" }] });

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("a deploy race decided by the store", () => {
  it("answers conflict (409 in the admin API) when another runtime recorded the next revision between our read and our write", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wattflow-race-"));
    const real = openStore({ memory: true });
    let raced = false;
    // Another runtime on the same database wins the race: its revision lands just before ours.
    const store: Store = Object.create(real) as Store;
    Object.defineProperty(store, "revisions", {
      value: {
        ...real.revisions,
        add: async (record: Parameters<Store["revisions"]["add"]>[0]) => {
          if (!raced && record.revision === 2) {
            raced = true;
            await real.revisions.add({ ...record, author: "runtime-b", document: { other: true } });
          }
          return real.revisions.add(record);
        },
      },
    });
    const log = pino({ level: "silent" });
    const registry = new Registry();
    registry.registerNode(collectNode, "@wattflow/runtime/testing");
    const engine = new Engine({ store, log, http: new RouteTable(), ws: new MemoryWsHub() });
    const manager = new FlowManager({ engine, registry, store, flowsDir: dir, log });
    cleanup = async () => {
      await manager.close();
      await engine.stop();
      await real.close();
      rmSync(dir, { recursive: true, force: true });
    };
    expect(await manager.deploy({ flowId: "race", flow: flow("one") })).toMatchObject({ ok: true, result: { revision: 1 } });
    expect(await manager.deploy({ flowId: "race", flow: flow("two"), expectedRevision: 1 })).toEqual({ ok: false, kind: "conflict", currentRevision: 2 });
    expect((await real.revisions.list("race")).map((r) => [r.revision, r.author])).toEqual([
      [1, "api"],
      [2, "runtime-b"],
    ]);
    // The next deploy, based on what the store now says, goes through.
    expect(await manager.deploy({ flowId: "race", flow: flow("three") })).toMatchObject({ ok: true, result: { revision: 3 } });
  });
});
