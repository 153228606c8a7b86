/**
 * One broker connection of a flow, shared by its mqtt-in and mqtt-out nodes:
 * dispatches deliveries to the nodes whose patterns match, holds QoS 1 acks
 * until the flow is done with a message, and reconnects with backoff.
 */
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { DeferredAcks, type AckPacket } from "./deferred-acks.js";
import { matchTopic, type TopicPattern } from "./topic.js";

export type QoS = 0 | 1 | 2;
export type BrokerState = "connecting" | "connected" | "reconnecting" | "offline" | "closed";

export interface Delivery {
  topic: string;
  payload: Buffer;
  params: Record<string, string>;
  qos: QoS;
  retain: boolean;
  /** Call once the flow is done with the message (any outcome); it releases the broker's ack. */
  handled: () => void;
}

export interface Subscriber {
  pattern: TopicPattern;
  qos: QoS;
  deliver(delivery: Delivery): void;
}

export interface SessionOptions {
  url: string;
  client: IClientOptions;
  /** Longest wait between reconnect attempts; the wait doubles from `reconnectPeriod` up to it. */
  maxReconnectPeriod: number;
  log: Logger;
}

/** The parts of mqtt.js's client this module drives beyond its typed surface. */
interface PacketWriter {
  _sendPacket(packet: AckPacket, cb?: (err?: Error) => void, cbStorePut?: unknown, noStore?: boolean): void;
}

export class MqttSession {
  readonly client: MqttClient;
  private readonly subscribers = new Set<Subscriber>();
  private readonly acks: DeferredAcks;
  private readonly listeners = new Set<(state: BrokerState, detail?: string) => void>();
  private current: BrokerState = "connecting";
  private lastError: string | undefined;
  private readonly basePeriod: number;
  private connectCalled = false;
  received = 0;
  published = 0;

  constructor(private readonly options: SessionOptions) {
    this.basePeriod = options.client.reconnectPeriod ?? 1000;
    // mqtt.js traces every packet through `debug`; unless DEBUG asks for it, a no-op saves that per message.
    const trace = process.env.DEBUG ? {} : { log: noop };
    const client = mqtt.connect(options.url, { ...options.client, ...trace, manualConnect: true });
    this.client = client;
    const writer = client as unknown as PacketWriter;
    const write = writer._sendPacket.bind(client);
    this.acks = new DeferredAcks((packet) => write(packet));
    writer._sendPacket = (packet, cb, cbStorePut, noStore) => {
      if (this.acks.hold(packet)) {
        cb?.();
        return;
      }
      write(packet, cb, cbStorePut, noStore);
    };
    client.handleMessage = (packet, callback) => {
      this.dispatch(packet);
      callback();
    };
    client.on("connect", () => {
      client.options.reconnectPeriod = this.basePeriod;
      this.lastError = undefined;
      this.setState("connected");
    });
    client.on("reconnect", () => this.setState("reconnecting", this.lastError));
    client.on("close", () => {
      this.acks.reset();
      // Backoff with jitter, so a fleet of runtimes does not reconnect in step.
      const next = Math.min(options.maxReconnectPeriod, (client.options.reconnectPeriod ?? this.basePeriod) * 2);
      client.options.reconnectPeriod = Math.round(next * (0.8 + Math.random() * 0.4));
      if (this.current !== "closed") this.setState("offline", this.lastError);
    });
    client.on("error", (err) => {
      this.lastError = err.message;
      options.log.warn({ broker: redactUrl(options.url), err: err.message }, "MQTT connection error");
      if (this.current !== "closed") this.setState(this.current === "connected" ? "offline" : this.current, err.message);
    });
  }

  /** Connects (once); the flow calls this after its nodes subscribed, so a persistent session's backlog finds them. */
  connect(): void {
    if (this.connectCalled) return;
    this.connectCalled = true;
    this.client.connect();
  }

  get state(): BrokerState {
    return this.current;
  }

  get error(): string | undefined {
    return this.lastError;
  }

  /** QoS 1 messages delivered to the flow and not yet acknowledged. */
  get unacknowledged(): number {
    return this.acks.waiting;
  }

  onState(listener: (state: BrokerState, detail?: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async subscribe(sub: Subscriber): Promise<() => Promise<void>> {
    this.subscribers.add(sub);
    // mqtt.js remembers subscriptions and sends them again after every reconnect.
    this.client.subscribe(sub.pattern.subscription, { qos: sub.qos }, (err, granted) => {
      if (err) this.options.log.warn({ topic: sub.pattern.subscription, err: err.message }, "MQTT subscribe failed");
      const refused = granted?.find((g) => g.qos === 128);
      if (refused) this.options.log.warn({ topic: sub.pattern.subscription }, "the broker refused the subscription");
    });
    return async () => {
      this.subscribers.delete(sub);
      const stillUsed = [...this.subscribers].some((s) => s.pattern.subscription === sub.pattern.subscription);
      if (!stillUsed && this.current !== "closed") await this.client.unsubscribeAsync(sub.pattern.subscription).catch(() => undefined);
    };
  }

  /** Resolves once the broker has the message (PUBACK/PUBCOMP for QoS 1/2; written for QoS 0). */
  async publish(topic: string, payload: Buffer | string, opts: { qos: QoS; retain: boolean }): Promise<void> {
    await this.client.publishAsync(topic, payload, opts);
    this.published += 1;
  }

  async close(): Promise<void> {
    this.setState("closed");
    await this.client.endAsync(false).catch(() => undefined);
  }

  private dispatch(packet: IPublishPacket): void {
    this.received += 1;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const matches: { sub: Subscriber; params: Record<string, string> }[] = [];
    for (const sub of this.subscribers) {
      const params = matchTopic(sub.pattern, packet.topic);
      if (params) matches.push({ sub, params });
    }
    const release = packet.qos === 1 && packet.messageId !== undefined ? this.acks.track(packet.messageId) : noop;
    if (matches.length === 0) return release();
    // The usual case, one subscriber: its handled() is the release itself (which ignores a second call).
    if (matches.length === 1) return matches[0]!.sub.deliver(this.delivery(packet, payload, matches[0]!.params, release));
    let outstanding = matches.length;
    for (const { sub, params } of matches) {
      let once = false;
      const handled = (): void => {
        if (once) return;
        once = true;
        outstanding -= 1;
        if (outstanding === 0) release();
      };
      sub.deliver(this.delivery(packet, payload, params, handled));
    }
  }

  private delivery(packet: IPublishPacket, payload: Buffer, params: Record<string, string>, handled: () => void): Delivery {
    return { topic: packet.topic, payload, params, qos: packet.qos, retain: packet.retain, handled };
  }

  private setState(state: BrokerState, detail?: string): void {
    this.current = state;
    for (const l of this.listeners) l(state, detail);
  }
}

const noop = (): void => undefined;

/** A broker URL fit for logs: credentials in it are masked. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}
