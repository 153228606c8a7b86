import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { collectInventory, collectMetrics, machineKey, stableUuid, type HostInventory } from "./collect.js";

export default defineNode({
  type: "host-metrics",
  category: "devices",
  summary: "Measures this host (CPU, load, memory, swap, disks, network, temperatures, uptime) with its inventory, on an interval.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    interval: Type.String({ pattern: DURATION_PATTERN, default: "10s" }),
    hostId: Type.Optional(Type.String({ description: "fixed host id; default: a UUID derived from the machine id, stable across restarts" })),
    inventoryEvery: Type.String({ pattern: DURATION_PATTERN, default: "1h", description: "how often the inventory (OS, CPU, disks, interfaces) is re-read" }),
  }),
  inputs: 1,
  outputs: ["metrics"],
  create(node, c) {
    let hostId = c.hostId ?? "";
    let inventory: HostInventory | null = null;
    let inventoryAt = 0;
    let busy = false;

    const sample = async (): Promise<void> => {
      if (busy || node.isBlocked()) return;
      busy = true;
      try {
        if (!hostId) hostId = stableUuid("wattflow-host", await machineKey());
        const now = Date.now();
        if (!inventory || now - inventoryAt > parseDuration(c.inventoryEvery)) {
          inventory = await collectInventory(hostId);
          inventoryAt = now;
        }
        const metrics = await collectMetrics(now);
        node.send(node.newMessage({ topic: `hosts/${hostId}`, payload: { host: inventory, timestamp: new Date(now).toISOString(), metrics } }));
        node.status({ fill: "green", shape: "dot", text: `${inventory.hostname}: cpu ${metrics.cpu_usage?.value ?? "?"}%` });
      } catch (err) {
        node.status({ fill: "red", shape: "ring", text: err instanceof Error ? err.message : String(err) });
        node.error(err);
      } finally {
        busy = false;
      }
    };

    return {
      start() {
        node.timers.setTimeout(() => void sample(), 100);
        node.timers.setInterval(() => void sample(), parseDuration(c.interval));
      },
      async input(_msg, _send, done) {
        await sample();
        done();
      },
      trigger: sample,
    };
  },
});
