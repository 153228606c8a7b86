// Measures the in-flight window Mosquitto actually keeps to: a subscriber drains a preloaded persistent session
// and acknowledges each QoS 1 message 20 ms after it arrived; the most messages unacknowledged at once is the
// window the broker held to (the nominal one, if it enforces it).
import { createRequire } from "node:module";
import net from "node:net";
import mqtt from "mqtt";

// The packet codec mqtt.js itself uses: a raw connection is the only way to hold acknowledgements back freely.
const mqttPacket = createRequire(createRequire(import.meta.url).resolve("mqtt"))("mqtt-packet");

/** The most QoS 1 messages Mosquitto had unacknowledged at this subscriber while it drained `messages`. */
export async function measureWindow(url, { protocolVersion = 4, receiveMaximum, messages = 5000, ackDelayMs = 20 } = {}) {
  const clientId = `bench-window-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const session = await mqtt.connectAsync(url, { clientId, clean: false });
  await session.subscribeAsync("bench-window/#", { qos: 1 });
  await session.endAsync();
  const publisher = await mqtt.connectAsync(url);
  await Promise.all(Array.from({ length: messages }, () => publisher.publishAsync("bench-window/x", "x", { qos: 1 })));
  await publisher.endAsync();

  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  const opts = { protocolVersion };
  const parser = mqttPacket.parser(opts);
  let received = 0;
  let unacked = 0;
  let most = 0;
  const timers = new Set();
  try {
    await new Promise((resolve, reject) => {
      const deadline = setTimeout(resolve, 15_000);
      socket.once("error", reject);
      parser.on("packet", (p) => {
        if (p.cmd !== "publish") return;
        received += 1;
        unacked += 1;
        most = Math.max(most, unacked);
        const t = setTimeout(() => {
          timers.delete(t);
          unacked -= 1;
          socket.write(mqttPacket.generate({ cmd: "puback", messageId: p.messageId }, opts));
        }, ackDelayMs);
        timers.add(t);
        if (received === messages) {
          clearTimeout(deadline);
          resolve();
        }
      });
      socket.on("data", (d) => parser.parse(d));
      const props = protocolVersion === 5 && receiveMaximum ? { properties: { receiveMaximum } } : {};
      socket.write(mqttPacket.generate({ cmd: "connect", protocolId: "MQTT", protocolVersion, clean: false, clientId, keepalive: 60, ...props }, opts));
    });
  } finally {
    for (const t of timers) clearTimeout(t);
    socket.destroy();
  }
  return most;
}
