import { defineNode, Type, Connection, setPath } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import type { ModbusDevice } from "./device.js";
import { BUILT_IN_MAPS } from "./epever-tracer.js";
import { decode, planReads, type RegisterDef } from "./registers.js";
import { OutageReport } from "../shared/outage.js";
import { PollCluster, startPolling } from "../shared/once-per-cluster.js";

const Register = Type.Object({
  name: Type.String({ minLength: 1, description: "output path, e.g. battery.voltage" }),
  address: Type.Integer({ minimum: 0, maximum: 0xffff }),
  function: Type.Union([Type.Literal("input"), Type.Literal("holding"), Type.Literal("coil"), Type.Literal("discrete")], { default: "holding" }),
  type: Type.Union(["int16", "uint16", "int32", "uint32", "float32", "string", "bool"].map((t) => Type.Literal(t)), { default: "uint16" }),
  length: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: "registers of a string" })),
  wordOrder: Type.Optional(Type.Union([Type.Literal("low-first"), Type.Literal("high-first")])),
  byteOrder: Type.Optional(Type.Union([Type.Literal("big"), Type.Literal("little")])),
  scale: Type.Optional(Type.Number({ description: "multiplier, e.g. 0.01" })),
  unit: Type.Optional(Type.String()),
});

export default defineNode({
  type: "modbus-read",
  category: "devices",
  summary: "Polls registers of Modbus devices on an interval and emits a typed reading with units.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    device: Connection("modbus-device", { description: "the modbus-device connection" }),
    unitIds: Type.Array(Type.Integer({ minimum: 0, maximum: 255 }), { default: [1], minItems: 1, description: "polled in turn, never concurrently" }),
    interval: Type.String({ pattern: DURATION_PATTERN, default: "60s" }),
    map: Type.String({ default: "epever-tracer", description: 'a built-in register map ("epever-tracer") or "custom"' }),
    registers: Type.Array(Register, { default: [], description: 'the map when map is "custom"' }),
    cluster: PollCluster,
  }),
  inputs: 1,
  outputs: ["reading"],
  create(node, c) {
    const defs: readonly RegisterDef[] = c.map === "custom" ? (c.registers as RegisterDef[]) : BUILT_IN_MAPS[c.map] ?? [];
    if (defs.length === 0) throw new Error(c.map === "custom" ? "custom map has no registers" : `unknown register map "${c.map}" (built in: ${Object.keys(BUILT_IN_MAPS).join(", ")})`);
    const blocks = planReads(defs);
    const units: Record<string, string> = {};
    for (const d of defs) if (d.unit) units[d.name] = d.unit;
    const device = node.connection<ModbusDevice>(c.device);
    const source = device.simulated ? " (simulated)" : "";
    let polling = false;
    let ok = 0;
    let failed = 0;

    const pollUnit = async (unitId: number): Promise<void> => {
      let payload: Record<string, unknown> = {};
      const time = Date.now();
      for (const block of blocks) {
        const data = await device.read(unitId, block.function, block.address, block.length);
        for (const def of block.defs) payload = setPath(payload, def.name, decode(def, block, data));
      }
      payload = { timestamp: new Date(time).toISOString(), unit_id: unitId, ...payload };
      node.send(node.newMessage({ topic: `modbus/${unitId}`, payload, units, device: { url: device.url, unitId, simulated: device.simulated } }));
    };

    // A device that stays unreachable is reported when its problem starts or changes, then every few minutes.
    const outages = new Map<number, OutageReport>();
    const outageOf = (unitId: number): OutageReport => {
      let o = outages.get(unitId);
      if (!o) outages.set(unitId, (o = new OutageReport(node, `${device.url} unit ${unitId}`)));
      return o;
    };

    const poll = async (): Promise<void> => {
      if (polling) {
        node.log.warn("previous poll still running; this tick is skipped");
        return;
      }
      if (node.isBlocked()) {
        node.status({ fill: "yellow", shape: "ring", text: `paused: downstream full${source}` });
        return;
      }
      polling = true;
      try {
        for (const unitId of c.unitIds) {
          try {
            await pollUnit(unitId);
            ok += 1;
            node.status({ fill: "green", shape: "dot", text: `read ${new Date().toISOString().slice(11, 19)}${source}` });
            outageOf(unitId).succeeded();
          } catch (err) {
            failed += 1;
            const message = err instanceof Error ? err.message : String(err);
            node.status({ fill: "red", shape: "ring", text: `${message}${source}` });
            outageOf(unitId).failed(err instanceof Error ? err : new Error(message), node.newMessage({ topic: `modbus/${unitId}`, payload: { unit_id: unitId, error: message } }));
          }
        }
      } finally {
        polling = false;
        await device.endPoll().catch(() => undefined);
      }
    };

    return {
      start() {
        node.status({ fill: "grey", shape: "ring", text: `polling ${device.url} every ${c.interval}${source}` });
        startPolling(node, { cluster: c.cluster, everyMs: parseDuration(c.interval), firstAfterMs: 200, poll });
      },
      // Any message on the input polls now.
      async input(_msg, _send, done) {
        await poll();
        done();
      },
      trigger: poll,
    };
  },
});
