// Node-RED side of the benchmark: a source that emits the messages once the flow starts, and a counting sink.
module.exports = function (RED) {
  const MESSAGES = 200000;
  const BATCH = 1000;

  function BenchSource(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    // Start after the flow is fully wired.
    const timer = setTimeout(() => {
      globalThis.__benchStart = performance.now();
      let i = 0;
      const burst = () => {
        const end = Math.min(i + BATCH, MESSAGES);
        for (; i < end; i++) node.send({ payload: i });
        if (i < MESSAGES) setImmediate(burst);
      };
      burst();
    }, 300);
    node.on("close", () => clearTimeout(timer));
  }
  RED.nodes.registerType("bench-source", BenchSource);

  let received = 0;
  function BenchSink(config) {
    RED.nodes.createNode(this, config);
    const expected = config.expected;
    this.on("input", (msg, send, done) => {
      received += 1;
      done();
      if (received === expected) {
        const ms = performance.now() - globalThis.__benchStart;
        globalThis.__benchReport({ ms, received, expected, dropped: 0, rateOfSource: (MESSAGES / ms) * 1000 });
      }
    });
  }
  RED.nodes.registerType("bench-sink", BenchSink);

  // The MQTT ingest benchmark: bench-first notes when the first message after the warm-up arrived,
  // bench-meter reports once `expected` messages have been written.
  let firstAt = 0;
  function BenchFirst(config) {
    RED.nodes.createNode(this, config);
    let arrived = 0;
    this.on("input", (msg, send, done) => {
      arrived += 1;
      if (arrived === config.warmup + 1) firstAt = performance.now();
      done();
    });
  }
  RED.nodes.registerType("bench-first", BenchFirst);

  function BenchMeter(config) {
    RED.nodes.createNode(this, config);
    const expected = config.expected;
    let count = 0;
    this.on("input", (msg, send, done) => {
      count += 1;
      done();
      if (count === expected) globalThis.__benchMeter({ received: count, ms: performance.now() - firstAt });
    });
  }
  RED.nodes.registerType("bench-meter", BenchMeter);
};
