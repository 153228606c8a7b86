/** The heat pump simulator against the embedded (aedes) broker: its goodbye, and stopping when the broker is gone. */
import { afterEach, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { acquireEmbeddedBroker, type EmbeddedBroker } from "../mqtt/embedded-broker.js";
import { startHeatpumpSimulator } from "./simulator.js";

let broker: EmbeddedBroker | null = null;
afterEach(async () => {
  await broker?.release();
  broker = null;
});

describe("heat pump simulator", () => {
  it("says it is offline (retained) when it stops", async () => {
    broker = await acquireEmbeddedBroker({ host: "127.0.0.1", port: 0, wsPort: null });
    const sim = await startHeatpumpSimulator({ url: broker.url, deviceId: "site9", interval: 3600 });
    await sim.close();
    const watcher = await mqtt.connectAsync(broker.url);
    const state = new Promise<string>((resolve) => watcher.on("message", (_t, p) => resolve(String(p))));
    await watcher.subscribeAsync("heatpump/site9/status/state", { qos: 1 });
    expect(await state).toBe("offline");
    await watcher.endAsync();
  });

  it("stops promptly when the broker has gone away", async () => {
    broker = await acquireEmbeddedBroker({ host: "127.0.0.1", port: 0, wsPort: null });
    const sim = await startHeatpumpSimulator({ url: broker.url, deviceId: "site9", interval: 3600 });
    await broker.release();
    broker = null;
    const closed = await Promise.race([sim.close().then(() => "closed"), new Promise((r) => setTimeout(() => r("still running"), 4000))]);
    expect(closed).toBe("closed");
  });
});
