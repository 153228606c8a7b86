// The ceiling of the MQTT ingest benchmark: a bare mqtt.js subscriber that only counts what Mosquitto delivers.
import mqtt from "mqtt";
import { FILTER } from "./mqtt-scenario.mjs";

const { url, clientId, messages, warmup } = JSON.parse(process.argv[2]);
let received = 0;
let firstAt = 0;
const client = mqtt.connect(url, { clientId, clean: false });
client.on("message", () => {
  received += 1;
  if (received === warmup + 1) firstAt = performance.now();
  if (received === messages) {
    const ms = performance.now() - firstAt;
    client.end(false, () => {
      process.send?.({ received, stored: null, ms });
      process.exit(0);
    });
  }
});
client.subscribe(FILTER, { qos: 1 });
setTimeout(() => {
  process.send?.({ error: `timed out with ${received} of ${messages}` });
  process.exit(1);
}, 300_000).unref();
