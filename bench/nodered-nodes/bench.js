// Node-RED side of the benchmark: a source that emits the messages once the flow starts, and a counting sink.
module.exports = function (RED) {
  const MESSAGES = 200000;
  const BATCH = 1000;

  function BenchSource(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const total = config.messages ?? MESSAGES;
    // The filter scenario's noisy sensor: the same readings as noisyReading in scenarios.mjs.
    const reading = config.stream === "noisy" ? (i) => 20 + (Math.floor(i / 10) % 2) * 2 + (((i * 37) % 21) - 10) / 100 : (i) => i;
    // Start after the flow is fully wired.
    const timer = setTimeout(() => {
      globalThis.__benchStart = performance.now();
      let i = 0;
      const burst = () => {
        const end = Math.min(i + BATCH, total);
        for (; i < end; i++) node.send({ payload: reading(i) });
        if (i < total) setImmediate(burst);
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
