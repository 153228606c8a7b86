/**
 * A heat pump controller (an ESP32 in the field) publishing over MQTT:
 * a reading on heatpump/{device_id}/data every interval, "online" on
 * heatpump/{device_id}/status/state (retained, with "offline" as its last
 * will), and an alert on heatpump/{device_id}/alerts when the outlet runs hot.
 */
import mqtt, { type MqttClient } from "mqtt";

export interface HeatpumpSimulatorOptions {
  url: string;
  deviceId: string;
  /** Seconds between readings. */
  interval: number;
  username?: string;
  password?: string;
  /** Noise source (tests pass a seeded one). */
  random?: () => number;
  /** Clock of the readings (tests move it). */
  now?: () => number;
}

export interface HeatpumpReading {
  timestamp: string;
  temperature: { inlet: number; outlet: number; ambient: number; tank: number };
  pressure: { high: number; low: number };
  electrical: { voltage: number; current: number; power: number };
  compressor: { running: boolean; frequency: number };
  flow_rate: number;
  cop: number;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;
const r2 = (v: number): number => Math.round(v * 100) / 100;

/** Minutes of one on/off cycle of the compressor. */
const CYCLE_MINUTES = 40;

/** Day of the year (0–365) of the coldest days in a temperate northern climate. */
const COLDEST_DAY = 15;

/** The outside temperature without noise: a yearly swing (about 1 °C mid-January, 17 °C mid-July) and a daily one of ±6 °C, warmest at 15:00 UTC. */
function outsideTemperature(time: Date): number {
  const dayOfYear = (time.getTime() - Date.UTC(time.getUTCFullYear(), 0, 1)) / 86_400_000;
  const seasonal = 9 - 8 * Math.cos(((dayOfYear - COLDEST_DAY) / 365) * 2 * Math.PI);
  const hour = time.getUTCHours() + time.getUTCMinutes() / 60;
  return seasonal + 6 * Math.sin(((hour - 9) / 24) * 2 * Math.PI);
}

/**
 * One plausible reading at `time`: the compressor cycles (40-minute cycles),
 * on for longer and working harder the colder it is outside, so the season
 * and the hour both show: nearly always on in a winter night, a quarter of
 * the time on a mild spring afternoon, and on a summer day only the hot
 * water's tenth. Whether it runs is a function of the clock (or of a boost
 * command); `random` only adds sensor noise.
 */
export function heatpumpReading(time: Date, random: () => number = Math.random, boost = false): HeatpumpReading {
  const smoothAmbient = outsideTemperature(time);
  const ambient = smoothAmbient + (random() - 0.5);
  const duty = Math.min(0.95, Math.max(0.1, (13 - smoothAmbient) / 10));
  const minuteOfCycle = (time.getTime() / 60_000) % CYCLE_MINUTES;
  const running = boost || minuteOfCycle < duty * CYCLE_MINUTES;
  const frequency = running ? 30 + (12 - ambient) * 2 + random() * 5 : 0;
  const inlet = 38 + random() * 4;
  const outlet = running ? inlet + 4 + frequency / 12 + random() : inlet - 0.5;
  const power = running ? 400 + frequency * 25 + random() * 50 : 15;
  const voltage = 228 + random() * 6;
  const heat = running ? power * (4.8 - (outlet - ambient) * 0.04) : 0;
  return {
    timestamp: time.toISOString(),
    temperature: { inlet: r1(inlet), outlet: r1(outlet), ambient: r1(ambient), tank: r1(47 + random() * 3) },
    pressure: { high: r1(running ? 18 + frequency / 10 + random() : 9), low: r1(running ? 6 + random() : 9) },
    electrical: { voltage: r1(voltage), current: r2(power / voltage), power: Math.round(power) },
    compressor: { running, frequency: r1(frequency) },
    flow_rate: r1(running ? 12 + random() * 2 : 0),
    cop: running ? r2(heat / power) : 0,
  };
}

export interface RunningHeatpumpSimulator {
  deviceId: string;
  client: MqttClient;
  /** Publishes one reading now. */
  publishReading(): Promise<HeatpumpReading>;
  close(): Promise<void>;
}

export async function startHeatpumpSimulator(o: HeatpumpSimulatorOptions): Promise<RunningHeatpumpSimulator> {
  const base = `heatpump/${o.deviceId}`;
  const client = await mqtt.connectAsync(o.url, {
    clientId: `heatpump-sim-${o.deviceId}-${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: 2000,
    ...(o.username ? { username: o.username } : {}),
    ...(o.password ? { password: o.password } : {}),
    will: { topic: `${base}/status/state`, payload: Buffer.from("offline"), qos: 1, retain: true },
  });
  const random = o.random ?? Math.random;
  await client.publishAsync(`${base}/status/state`, "online", { qos: 1, retain: true });
  await client.publishAsync(`${base}/status/firmware`, JSON.stringify({ version: "1.4.2", rssi: -61 }), { qos: 1, retain: true });
  const now = o.now ?? Date.now;
  // A `{"command": "boost", "minutes": 30}` on heatpump/{id}/commands runs the compressor that long (the surplus rule's command).
  let boostUntil = 0;
  await client.subscribeAsync(`${base}/commands`, { qos: 1 });
  client.on("message", (topic, body) => {
    if (topic !== `${base}/commands`) return;
    try {
      const cmd = JSON.parse(String(body)) as { command?: unknown; minutes?: unknown };
      if (cmd.command === "boost") boostUntil = now() + (typeof cmd.minutes === "number" ? cmd.minutes : 30) * 60_000;
    } catch {
      // A command that is not JSON is ignored, as the controller's firmware does.
    }
  });
  const publishReading = async (): Promise<HeatpumpReading> => {
    const t = now();
    const reading = heatpumpReading(new Date(t), random, t < boostUntil);
    await client.publishAsync(`${base}/data`, JSON.stringify(reading), { qos: 1 });
    if (reading.temperature.outlet > 60) {
      await client.publishAsync(`${base}/alerts`, JSON.stringify({ type: "high_outlet_temperature", severity: "warning", message: `outlet at ${reading.temperature.outlet} °C`, timestamp: reading.timestamp }), { qos: 1 });
    }
    return reading;
  };
  const timer = setInterval(() => void publishReading().catch(() => undefined), Math.max(100, o.interval * 1000));
  await publishReading();
  return {
    deviceId: o.deviceId,
    client,
    publishReading,
    async close() {
      clearInterval(timer);
      // The goodbye is best effort: with the broker gone it would wait for a reconnect that never comes.
      if (client.connected) {
        const goodbye = client.publishAsync(`${base}/status/state`, "offline", { qos: 1, retain: true }).catch(() => undefined);
        await Promise.race([goodbye, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      }
      await client.endAsync(true);
    },
  };
}
