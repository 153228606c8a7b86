/**
 * A heat pump controller that publishes readings at a steady rate, QoS 1,
 * from a persistent session: a reading the broker did not acknowledge is
 * sent again after a reconnect, so every reading it counts as published is
 * one the broker took responsibility for.
 */
import mqtt, { type MqttClient } from "mqtt";
import { heatpumpReading } from "../../packages/nodes/src/heatpump/simulator.js";

export interface PublisherOptions {
  url: string;
  deviceId: string;
  total: number;
  perSecond: number;
  /** Time of the first reading; each next one is a second later, so every reading has its own timestamp. */
  firstReading: number;
}

export interface Publisher {
  /** Readings the broker acknowledged so far. */
  readonly acknowledged: number;
  /** Readings handed to the client so far. */
  readonly sent: number;
  /** Resolves once every reading was sent and acknowledged. */
  finished(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPublisher(o: PublisherOptions): Promise<Publisher> {
  const client: MqttClient = await mqtt.connectAsync(o.url, {
    clientId: `fault-meter-${o.deviceId}-${process.pid}`,
    clean: false,
    reconnectPeriod: 200,
    connectTimeout: 5000,
  });
  let sent = 0;
  let acknowledged = 0;
  let failure: Error | null = null;
  const began = Date.now();
  const pending: Promise<void>[] = [];
  const tick = setInterval(() => {
    // As many as are due by now: a late timer catches up instead of slowing the rate.
    const due = Math.min(o.total, Math.floor(((Date.now() - began) / 1000) * o.perSecond));
    while (sent < due) {
      const time = new Date(o.firstReading + sent * 1000);
      const payload = JSON.stringify(heatpumpReading(time));
      sent += 1;
      pending.push(
        client.publishAsync(`heatpump/${o.deviceId}/data`, payload, { qos: 1 }).then(
          () => {
            acknowledged += 1;
          },
          (err: Error) => {
            failure = err;
          },
        ),
      );
    }
    if (sent >= o.total) clearInterval(tick);
  }, 5);

  return {
    get acknowledged() {
      return acknowledged;
    },
    get sent() {
      return sent;
    },
    async finished(timeoutMs) {
      const end = Date.now() + timeoutMs;
      while (sent < o.total || acknowledged < o.total) {
        if (failure) throw failure;
        if (Date.now() > end) throw new Error(`publisher: ${acknowledged} of ${o.total} readings acknowledged (${sent} sent) within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await Promise.all(pending);
    },
    async close() {
      clearInterval(tick);
      await client.endAsync(true).catch(() => undefined);
    },
  };
}
