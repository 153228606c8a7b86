// Runs one scenario on Wattflow's engine (the built runtime and node library) and reports the time.
import { Type, defineNode } from "../packages/runtime/dist/index.js";
import { openStore } from "../packages/runtime/dist/store/index.js";
import { deployBenchFlow } from "./wattflow-engine.mjs";
import { BATCH, MESSAGES, burstCode, noisyReading, scenario } from "./scenarios.mjs";

const name = process.argv[2];
const { nodes, expected } = scenario(name);
let received = 0;
let startedAt = 0;

const source = defineNode({
  type: "bench-source",
  category: "bench",
  summary: "emits the benchmark messages",
  config: Type.Object({ messages: Type.Integer({ default: MESSAGES }), stream: Type.String({ default: "counter" }) }),
  inputs: 0,
  outputs: ["out"],
  create(node, c) {
    const reading = c.stream === "noisy" ? noisyReading : (i) => i;
    return {
      trigger() {
        startedAt = performance.now();
        let i = 0;
        // A well-behaved source: it pauses while a queue downstream is full.
        const burst = () => {
          if (node.isBlocked()) return void node.whenUnblocked().then(burst);
          const end = Math.min(i + BATCH, c.messages);
          for (; i < end; i++) node.send(node.newMessage({ payload: reading(i) }));
          if (i < c.messages) setImmediate(burst);
        };
        burst();
      },
    };
  },
});

const sink = defineNode({
  type: "bench-sink",
  category: "bench",
  summary: "counts",
  config: Type.Object({}),
  inputs: 1,
  outputs: [],
  create() {
    return {
      input(_msg, _send, done) {
        received += 1;
        done();
        if (received === expected) finish();
      },
    };
  },
});

const doc = {
  format: "wattflow/flow@1",
  id: "bench",
  nodes: nodes.map((n) => ({
    id: n.id,
    type: { source: "bench-source", sink: "bench-sink", change: "change", function: "function", deadband: "filter" }[n.kind],
    ...(n.kind === "source" ? { config: { messages: n.messages ?? MESSAGES, stream: n.stream ?? "counter" } } : {}),
    ...(n.kind === "change" ? { config: { rules: [{ action: "set", path: n.prop, value: 1, valueType: "number" }] } } : {}),
    ...(n.kind === "function" ? { config: { code: burstCode("wattflow", n.loop), outputs: 1, messageTimeout: "120s" } } : {}),
    ...(n.kind === "deadband" ? { config: { mode: "deadband", band: n.band, inclusive: false, compareTo: "last-output", perTopic: false } } : {}),
    wires: n.wires.length ? [n.wires] : [],
  })),
};
const engine = await deployBenchFlow(doc, [source, sink], openStore({ memory: true }));

function finish() {
  const ms = performance.now() - startedAt;
  const stats = engine.stats();
  const dropped = stats.reduce((n, s) => n + s.dropped, 0);
  process.send?.({ system: "wattflow", scenario: name, ms, received, expected, dropped, rateOfSource: (MESSAGES / ms) * 1000 });
  setImmediate(() => process.exit(0));
}

process.on("beforeExit", () => {
  const dropped = engine.stats().reduce((n, s) => n + s.dropped, 0);
  process.send?.({ system: "wattflow", scenario: name, error: `stopped with ${received} of ${expected} messages (${dropped} dropped)` });
  process.exit(1);
});

setTimeout(() => {
  process.send?.({ system: "wattflow", scenario: name, error: `timed out with ${received} of ${expected}` });
  process.exit(1);
}, 120_000).unref();
await engine.trigger("bench", "src");
