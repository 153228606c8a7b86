// The ceiling of the MQTT ingest benchmark: a bare mqtt.js subscriber that only counts what Mosquitto delivers,
// with the same protocol version and receive window as the systems it is compared with.
import mqtt from "mqtt";
import { FILTER, subscriptionClock, createMeter } from "./mqtt-scenario.mjs";

const { url, clientId, messages, warmup, broker = {} } = JSON.parse(process.argv[2]);
const v5 = broker.protocolVersion === 5;
const clock = subscriptionClock(url, warmup);
const client = mqtt.connect(url, { clientId, clean: false, protocolVersion: v5 ? 5 : 4, ...(v5 && broker.receiveMaximum ? { properties: { receiveMaximum: broker.receiveMaximum } } : {}) });
const meter = createMeter({
  warmup,
  total: messages,
  clock,
  onDone: (timing) =>
    client.end(false, () => {
      process.send?.({ ...timing, stored: null });
      process.exit(0);
    }),
});
client.on("message", () => meter(1));
client.subscribe(FILTER, { qos: 1 });
setTimeout(() => {
  process.send?.({ error: `timed out with ${meter(0)} of ${messages}` });
  process.exit(1);
}, 300_000).unref();
