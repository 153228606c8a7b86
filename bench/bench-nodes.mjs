// The source and sink the isolation benches share (they run in the benchmark's own process, never in a worker).

const BATCH = 1000;

/**
 * `bench-source` sends `perFlow` messages when triggered, `BATCH` per turn, pausing while a queue downstream is
 * full; `bench-sink` counts, and `allIn` resolves once `total` messages arrived.
 */
export function sourceAndSink({ Type, defineNode }, { perFlow, total }) {
  let received = 0;
  let finished;
  const allIn = new Promise((resolve) => (finished = resolve));
  const source = defineNode({
    type: "bench-source",
    category: "bench",
    summary: "emits the benchmark messages",
    config: Type.Object({}),
    inputs: 0,
    outputs: ["out"],
    create(node) {
      return {
        trigger() {
          let i = 0;
          const burst = () => {
            if (node.isBlocked()) return void node.whenUnblocked().then(burst);
            const end = Math.min(i + BATCH, perFlow);
            for (; i < end; i++) node.send(node.newMessage({ payload: i }));
            if (i < perFlow) setImmediate(burst);
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
          if (received === total) finished();
        },
      };
    },
  });
  return { source, sink, allIn };
}
