// Node-RED side of the benchmark: a source that emits the messages once the flow starts, a checking sink, and the MQTT ingest meter.
module.exports = function (RED) {
  const MESSAGES = 200000;
  const BATCH = 1000;

  function BenchSource(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const total = config.messages ?? MESSAGES;
    // The filter scenario's noisy sensor: the same readings as noisyReading in scenarios.mjs, numbered in `seq`.
    const message =
      config.stream === "noisy" ? (i) => ({ payload: 20 + (Math.floor(i / 10) % 2) * 2 + (((i * 37) % 21) - 10) / 100, seq: i }) : (i) => ({ payload: i });
    // Start after the flow is fully wired.
    const timer = setTimeout(() => {
      globalThis.__benchStart = performance.now();
      let i = 0;
      const burst = () => {
        const end = Math.min(i + BATCH, total);
        for (; i < end; i++) node.send(message(i));
        if (i < total) setImmediate(burst);
        else globalThis.__benchTally.sourceFinished();
      };
      burst();
    }, 300);
    node.on("close", () => clearTimeout(timer));
  }
  RED.nodes.registerType("bench-source", BenchSource);

  // The worker's tally (scenarios.mjs) checks each message and ends the run; see nodered-worker.mjs.
  function BenchSink(config) {
    RED.nodes.createNode(this, config);
    const id = config.id;
    this.on("input", (msg, send, done) => {
      globalThis.__benchTally.accept(id, msg);
      done();
    });
  }
  RED.nodes.registerType("bench-sink", BenchSink);

  // The MQTT ingest benchmark's meter: counts the readings written (a batch's `lines`, else one) into the
  // worker's meter (mqtt-scenario.mjs), which times them. A failed POST still counts, so the run ends; its
  // readings are missing from InfluxDB's count and show as lost.
  function BenchMeter(config) {
    RED.nodes.createNode(this, config);
    this.on("input", (msg, send, done) => {
      done();
      if (msg.statusCode !== undefined && msg.statusCode !== 204) console.error(`bench: InfluxDB write failed: ${msg.statusCode} ${msg.payload}`);
      globalThis.__benchMeter(msg.lines ?? 1);
    });
  }
  RED.nodes.registerType("bench-meter", BenchMeter);
};
