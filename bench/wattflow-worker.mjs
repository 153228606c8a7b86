// Runs one scenario on Wattflow's engine (the built runtime and node library) and reports the time.
import { Type, defineNode } from "../packages/runtime/dist/index.js";
import { openStore } from "../packages/runtime/dist/store/index.js";
import { deployBenchFlow } from "./wattflow-engine.mjs";
import { BATCH, RUN_MESSAGES, burstCode, createTally, noisyReading, scenario } from "./scenarios.mjs";

const name = process.argv[2];
const messages = Number(process.argv[3] ?? RUN_MESSAGES.wattflow);
const { nodes, expected } = scenario(name, messages);
const tally = createTally(name, { messages });
let startedAt = 0;

const source = defineNode({
  type: "bench-source",
  category: "bench",
  summary: "emits the benchmark messages",
  config: Type.Object({ messages: Type.Integer({ default: messages }), stream: Type.String({ default: "counter" }) }),
  inputs: 0,
  outputs: ["out"],
  create(node, c) {
    // The noisy stream numbers its readings in `seq`, so the sink can tell which ones passed the filter.
    const message = c.stream === "noisy" ? (i) => ({ payload: noisyReading(i), seq: i }) : (i) => ({ payload: i });
    return {
      trigger() {
        startedAt = performance.now();
        let i = 0;
        // A well-behaved source: it pauses while a queue downstream is full.
        const burst = () => {
          if (node.isBlocked()) return void node.whenUnblocked().then(burst);
          const end = Math.min(i + BATCH, c.messages);
          for (; i < end; i++) node.send(node.newMessage(message(i)));
          if (i < c.messages) setImmediate(burst);
          else tally.sourceFinished();
        };
        burst();
      },
    };
  },
});

const sink = defineNode({
  type: "bench-sink",
  category: "bench",
  summary: "checks and counts what arrives",
  config: Type.Object({}),
  inputs: 1,
  outputs: [],
  create(node) {
    // A synchronous node: `transform` is Wattflow's API for it (Node-RED's sink does the same check in its input handler).
    return {
      transform(msg) {
        tally.accept(node.id, msg);
        return null;
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
    ...(n.kind === "source" ? { config: { messages: n.messages, stream: n.stream ?? "counter" } } : {}),
    ...(n.kind === "change" ? { config: { rules: [{ action: "set", path: n.prop, value: 1, valueType: "number" }] } } : {}),
    ...(n.kind === "function" ? { config: { code: burstCode("wattflow", n.loop), outputs: 1, messageTimeout: "120s" } } : {}),
    ...(n.kind === "deadband" ? { config: { mode: "deadband", band: n.band, inclusive: false, compareTo: "last-output", perTopic: false } } : {}),
    wires: n.wires.length ? [n.wires] : [],
  })),
};
const engine = await deployBenchFlow(doc, [source, sink], await openStore({ memory: true }));

// The run ends when every message arrived, or as soon as a loss is certain; run.js judges the counts.
tally.onEnd(({ endedAt, ...counts }) => {
  const ms = endedAt - startedAt;
  const dropped = engine.stats().reduce((n, s) => n + s.dropped, 0);
  process.send?.({ system: "wattflow", scenario: name, ms, ...counts, dropped, rateOfSource: (messages / ms) * 1000 });
  setImmediate(() => process.exit(0));
});

process.on("beforeExit", () => {
  const dropped = engine.stats().reduce((n, s) => n + s.dropped, 0);
  const { unique } = tally.summary();
  process.send?.({ system: "wattflow", scenario: name, error: `stopped with ${unique} of ${expected} messages (${dropped} dropped)` });
  process.exit(1);
});

setTimeout(() => {
  process.send?.({ system: "wattflow", scenario: name, error: `timed out with ${tally.summary().unique} of ${expected}` });
  process.exit(1);
}, 120_000).unref();
await engine.trigger("bench", "src");
