/**
 * One broker connection of a flow, shared by its mqtt-in and mqtt-out nodes:
 * dispatches deliveries to the nodes whose patterns match, holds QoS 1 acks
 * until the flow is done with a message, and reconnects with backoff.
 *
 * The broker-side subscription outlives the node that asked for it when the
 * process stops or the node restarts: a persistent session then keeps
 * queueing, and the next run (or the restarted node) gets the backlog. Only a
 * node that leaves its flow gives its subscription up.
 */
import { createHash } from "node:crypto";
import type { Duplex, Writable } from "node:stream";
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from "mqtt";
import type { Logger } from "pino";
import type { CloseReason } from "@wattflow/runtime";
import { AckEntry, DeferredAcks, type AckPacket } from "./deferred-acks.js";
import { PublishReader } from "./publish-reader.js";
import { matchTopic, type TopicPattern } from "./topic.js";

export type QoS = 0 | 1 | 2;
export type BrokerState = "connecting" | "connected" | "reconnecting" | "offline" | "closed";

/** How the flow finished with a message: mqtt-in passes its completion straight through. */
export interface Handling {
  outcome: "ack" | "nack";
}

export interface Delivery {
  topic: string;
  payload: Buffer;
  params: Record<string, string>;
  qos: QoS;
  retain: boolean;
  /** 1 the first time; n when the same message (topic and payload) failed n − 1 times before in this process. */
  attempt: number;
  /**
   * Call once the flow is done with the message (any outcome); it releases the broker's ack.
   * A `nack` keeps the message (QoS 1) unacknowledged: the broker hands it over again when the
   * session resumes (see `redelivers`), or to the next run when the failure was the stop itself.
   */
  handled: (handling?: Handling) => void;
}

export interface Subscriber {
  pattern: TopicPattern;
  qos: QoS;
  /** Who subscribes (a node's `flow/node` key): a restarted node finds the subscription it left. */
  owner?: string;
  /** Runtimes sharing this stream each need a session of their own (a partitioned mqtt-in): as for `$share/`. */
  ownSession?: boolean;
  deliver(delivery: Delivery): void;
}

/** Ends a subscription; without a reason (or `removed`) the broker is told to forget it. */
export type Unsubscribe = (reason?: CloseReason) => Promise<void>;

export interface SessionOptions {
  url: string;
  client: IClientOptions;
  /** Longest wait between reconnect attempts; the wait doubles from `reconnectPeriod` up to it. */
  maxReconnectPeriod: number;
  log: Logger;
  /** How long a restarting node's subscription is kept for it before it is given up. */
  restartGraceMs?: number;
  /** First wait before reconnecting to have a failed message redelivered; doubles while failures go on, up to maxReconnectPeriod. */
  redeliveryDelayMs?: number;
  /**
   * The client id to connect with instead when a shared subscription (`$share/…`) is made before the
   * connection: runtimes sharing a group each need a session of their own at the broker.
   */
  sharedClientId?: string;
}

/** The parts of mqtt.js's client this module drives beyond its typed surface. */
interface PacketWriter {
  _sendPacket(packet: AckPacket, cb?: (err?: Error) => void, cbStorePut?: unknown, noStore?: boolean): void;
  /** Opens the connection's stream (each connect and reconnect); the client then pipes it into its parser. */
  streamBuilder: (client: MqttClient) => Duplex;
}

/** Protocols whose stream is a TCP or TLS socket carrying plain MQTT packets, which PublishReader can read. */
const SOCKET_PROTOCOLS = new Set(["mqtt", "tcp", "mqtts", "tls", "ssl"]);

/** A subscription whose node is restarting: kept at the broker, its messages held until the node is back. */
interface Parked {
  subscription: string;
  pattern: TopicPattern;
  owner: string | undefined;
  held: { topic: string; qos: QoS; retain: boolean; payload: Buffer; handled: (handling?: Handling) => void }[];
  timer: NodeJS.Timeout;
}

export class MqttSession {
  readonly client: MqttClient;
  private readonly subscribers = new Set<Subscriber>();
  /** The subscriber when there is exactly one (the usual case), read for every message without iterating the set. */
  private only: Subscriber | null = null;
  private readonly parked = new Map<string, Parked>();
  private readonly acks: DeferredAcks;
  private readonly listeners = new Set<(state: BrokerState, detail?: string) => void>();
  private current: BrokerState = "connecting";
  private lastError: string | undefined;
  private readonly basePeriod: number;
  private connectCalled = false;
  /** The process is stopping: nothing more goes to the flow, and nothing unfinished is acknowledged. */
  private stopping = false;
  /** When the connection was lost (null while connected or before the first connection). */
  private lostAt: number | null = null;
  private everConnected = false;
  private up = false;
  /** Whether this outage's (or the first connection's) failure to connect was logged already. */
  private failureLogged = false;
  /** Failed attempts so far of QoS 1 messages that failed, by topic and payload digest. */
  private readonly failures = new Map<string, number>();
  private redeliveryTimer: NodeJS.Timeout | null = null;
  private redeliveryDelay: number;
  received = 0;
  published = 0;

  constructor(private readonly options: SessionOptions) {
    this.basePeriod = options.client.reconnectPeriod ?? 1000;
    this.redeliveryDelay = options.redeliveryDelayMs ?? 1000;
    // mqtt.js traces every packet through `debug`; unless DEBUG asks for it, a no-op saves that per message.
    const trace = process.env.DEBUG ? {} : { log: noop };
    // writeCache: false spares the packet library's table of 65,536 two-byte buffers (about 8 MB resident, 27 ms to
    // build); the switch is process-wide, so the embedded broker in this process writes without it too.
    const client = mqtt.connect(options.url, { ...options.client, ...trace, manualConnect: true, writeCache: false });
    this.client = client;
    const writer = client as unknown as PacketWriter;
    const write = writer._sendPacket.bind(client);
    this.acks = new DeferredAcks(
      (bytes) => {
        // Acks of a connection that is gone are void: the broker hands those messages over again.
        const stream = client.stream;
        if (client.connected && stream?.writable) stream.write(bytes);
      },
      setImmediate,
      () => this.scheduleRedelivery(),
    );
    writer._sendPacket = (packet, cb, cbStorePut, noStore) => {
      if (this.acks.swallows(packet)) {
        cb?.();
        return;
      }
      write(packet, cb, cbStorePut, noStore);
    };
    client.handleMessage = (packet, callback) => {
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      this.dispatch(packet.topic, payload, packet.qos, packet.retain, packet.messageId);
      callback();
    };
    this.readPublishesHere(client, writer);
    client.on("connect", (connack: IConnackPacket) => {
      client.options.reconnectPeriod = this.basePeriod;
      this.lastError = undefined;
      this.logConnected(connack);
      this.up = true;
      this.failureLogged = false;
      this.setState("connected");
    });
    client.on("reconnect", () => this.setState("reconnecting", this.lastError));
    client.on("close", () => {
      this.acks.reset();
      // Backoff with jitter, so a fleet of runtimes does not reconnect in step; never beyond maxReconnectPeriod.
      const next = Math.min(options.maxReconnectPeriod, (client.options.reconnectPeriod ?? this.basePeriod) * 2);
      client.options.reconnectPeriod = Math.min(options.maxReconnectPeriod, Math.round(next * (0.8 + Math.random() * 0.4)));
      const wasUp = this.up;
      this.up = false;
      if (this.current === "closed") return;
      if (wasUp) {
        this.lostAt = Date.now();
        options.log.warn({ broker: redactUrl(options.url), err: this.lastError }, `MQTT connection lost${this.lastError ? `: ${this.lastError}` : ""}; reconnecting`);
        // This line stands for the whole outage: the retries' failures go to debug until it is back.
        this.failureLogged = true;
      }
      this.setState("offline", this.lastError);
    });
    client.on("error", (err) => {
      // A dropped connection is logged once, by "close" (with this error), and each retry would fail again:
      // only a first connection that cannot be made gets a line of its own.
      if (!this.up && !this.failureLogged) {
        this.failureLogged = true;
        options.log.warn({ broker: redactUrl(options.url), err: err.message }, `MQTT cannot connect: ${err.message}; retrying, at longest every ${options.maxReconnectPeriod / 1000} s`);
      } else {
        options.log.debug({ broker: redactUrl(options.url), err: err.message }, "MQTT connection error");
      }
      this.lastError = err.message;
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

  /**
   * Whether a failed QoS 1 message comes back: only a persistent session keeps it across the
   * reconnect that asks for it (a clean session would lose it and everything in flight with it).
   */
  get redelivers(): boolean {
    return this.client.options.clean === false;
  }

  onState(listener: (state: BrokerState, detail?: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async subscribe(sub: Subscriber): Promise<Unsubscribe> {
    const filter = sub.pattern.subscription;
    if (filter.startsWith("$share/") || sub.ownSession) this.useSharedClientId(filter);
    const resumed = this.parked.get(filter);
    this.subscribers.add(sub);
    this.only = this.subscribers.size === 1 ? sub : null;
    if (resumed) this.unpark(resumed, sub);
    // A restarted node that now listens elsewhere gives up what its former self kept.
    for (const p of [...this.parked.values()]) if (sub.owner !== undefined && p.owner === sub.owner) this.giveUp(p);
    // mqtt.js remembers subscriptions and sends them again after a reconnect that found no session.
    this.client.subscribe(filter, { qos: sub.qos }, (err, granted) => {
      if (err) this.options.log.warn({ topic: filter, err: err.message }, "MQTT subscribe failed");
      const refused = granted?.find((g) => g.qos === 128);
      if (refused) this.options.log.warn({ topic: filter }, "the broker refused the subscription");
    });
    return async (reason) => {
      this.subscribers.delete(sub);
      this.only = this.subscribers.size === 1 ? this.subscribers.values().next().value! : null;
      if (reason === "shutdown") {
        // The session outlives the process: the broker keeps the subscription and queues for the next run.
        this.beginStop();
        return;
      }
      if (this.stopping || this.current === "closed" || this.isUsed(filter)) return;
      if (reason === "restart") {
        this.park(sub.pattern, sub.owner);
        return;
      }
      await this.client.unsubscribeAsync(filter).catch(() => undefined);
    };
  }

  private useSharedClientId(filter: string): void {
    const shared = this.options.sharedClientId;
    if (shared === undefined || this.client.options.clientId === shared) return;
    if (this.connectCalled) {
      // The session is open under the plain id; renaming it now would drop what the broker keeps for it.
      this.options.log.warn(
        { topic: filter, clientId: this.client.options.clientId },
        `subscription ${filter}, shared with other runtimes, added to a running connection keeps client id ${this.client.options.clientId}: set WATTFLOW_INSTANCE, or a clientId per runtime, before runtimes share this group`,
      );
      return;
    }
    this.client.options.clientId = shared;
  }

  /** Resolves once the broker has the message (PUBACK/PUBCOMP for QoS 1/2; written for QoS 0). */
  async publish(topic: string, payload: Buffer | string, opts: { qos: QoS; retain: boolean }): Promise<void> {
    await this.client.publishAsync(topic, payload, opts);
    this.published += 1;
  }

  async close(): Promise<void> {
    this.beginStop();
    if (this.redeliveryTimer) clearTimeout(this.redeliveryTimer);
    this.redeliveryTimer = null;
    // Acks of messages the flow finished during the stop go out before the goodbye.
    this.acks.sendDueNow();
    for (const p of this.parked.values()) clearTimeout(p.timer);
    this.parked.clear();
    this.setState("closed");
    await this.client.endAsync(false).catch(() => undefined);
  }

  private beginStop(): void {
    this.stopping = true;
  }

  /**
   * MQTT has no negative acknowledgement: a failed message is redelivered only when the session
   * resumes. So after a failure the connection is renewed (after a wait that grows while failures go
   * on, so a store that is down is not hammered); what was in flight comes back, marked DUP.
   */
  private scheduleRedelivery(): void {
    if (this.stopping || this.redeliveryTimer || !this.redelivers) return;
    const delay = this.redeliveryDelay;
    this.redeliveryDelay = Math.min(this.options.maxReconnectPeriod, delay * 2);
    this.redeliveryTimer = setTimeout(() => {
      this.redeliveryTimer = null;
      if (this.stopping || this.current !== "connected" || !this.acks.blocked) return;
      this.options.log.info(
        { unacknowledged: this.acks.waiting, delayMs: delay },
        `reconnecting so that the broker redelivers ${this.acks.waiting} unacknowledged messages (a failed one holds back those after it)`,
      );
      this.client.stream?.destroy();
    }, delay);
    this.redeliveryTimer.unref();
  }

  private digest(topic: string, payload: Buffer): string {
    return `${topic}\0${createHash("sha1").update(payload).digest("base64")}`;
  }

  /** (For its deliveries.) A tracked message was handled: counts its failures (so the flow can park one that keeps failing), then releases its ack. */
  settle(d: TrackedDelivery, handling: Handling | undefined): void {
    const failed = handling?.outcome === "nack";
    if (failed && !this.stopping) {
      const k = d.key ?? this.digest(d.topic, d.payload);
      this.failures.set(k, (this.failures.get(k) ?? 0) + 1);
      // Bounded: the oldest entries go first (a Map iterates in insertion order).
      if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
    } else if (d.key !== undefined && !failed) {
      this.failures.delete(d.key);
      this.redeliveryDelay = this.options.redeliveryDelayMs ?? 1000;
    }
    this.acks.settle(d, failed);
  }

  private isUsed(filter: string): boolean {
    for (const s of this.subscribers) if (s.pattern.subscription === filter) return true;
    return false;
  }

  private park(pattern: TopicPattern, owner: string | undefined): void {
    const subscription = pattern.subscription;
    const parked: Parked = { subscription, pattern, owner, held: [], timer: setTimeout(() => this.giveUp(parked), this.options.restartGraceMs ?? 10_000) };
    parked.timer.unref();
    this.parked.set(subscription, parked);
  }

  private unpark(parked: Parked, sub: Subscriber): void {
    clearTimeout(parked.timer);
    this.parked.delete(parked.subscription);
    for (const h of parked.held) {
      const params = matchTopic(sub.pattern, h.topic);
      if (params) sub.deliver({ topic: h.topic, payload: h.payload, params, qos: h.qos, retain: h.retain, attempt: 1, handled: h.handled });
      else h.handled();
    }
  }

  /** The node did not come back for its subscription: the broker forgets it, and what waited for it is let go. */
  private giveUp(parked: Parked): void {
    clearTimeout(parked.timer);
    if (this.parked.get(parked.subscription) !== parked) return;
    this.parked.delete(parked.subscription);
    for (const h of parked.held) h.handled();
    if (!this.stopping && this.current !== "closed" && !this.isUsed(parked.subscription)) {
      this.client.unsubscribe(parked.subscription, () => undefined);
    }
  }

  /**
   * PUBLISH packets of a plain TCP or TLS connection are read off its bytes (see publish-reader.ts) rather than by
   * the client's parser, which gets every other packet, and any PUBLISH the reader leaves to it, in order.
   */
  private readPublishesHere(client: MqttClient, writer: PacketWriter): void {
    const options = client.options;
    if (!SOCKET_PROTOCOLS.has(options.protocol ?? "")) return;
    // The client refuses packets over an MQTT 5 maximum packet size, which the reader does not check.
    if (options.protocolVersion === 5 && options.properties?.maximumPacketSize !== undefined) return;
    const v5 = options.protocolVersion === 5;
    const build = writer.streamBuilder;
    const onPublish = (topic: string, payload: Buffer, qos: 0 | 1, retain: boolean, messageId: number): void => this.dispatch(topic, payload, qos, retain, messageId);
    writer.streamBuilder = (c) => {
      const stream = build(c);
      // The client pipes the stream into its parser: the reader sits between them instead.
      stream.pipe = <T extends NodeJS.WritableStream>(parser: T): T => {
        new PublishReader(stream, parser as unknown as Writable, () => client.connected, v5, onPublish);
        return parser;
      };
      return stream;
    };
  }

  private dispatch(topic: string, payload: Buffer, qos: QoS, retain: boolean, messageId: number | undefined): void {
    const tracked = qos === 1 && messageId !== undefined;
    if (this.stopping) {
      // Tracked and never released: its PUBACK is held, so the broker keeps the message for the next run.
      if (tracked) this.acks.track(new AckEntry(messageId));
      return;
    }
    this.received += 1;
    // The usual case, one subscriber and no node restarting: one delivery object, which is also the ack's entry.
    const sub = this.only;
    if (sub !== null && this.parked.size === 0) {
      const params = matchTopic(sub.pattern, topic);
      if (params) {
        if (!tracked) return sub.deliver(new UntrackedDelivery(topic, payload, params, qos, retain));
        const key = this.failures.size > 0 ? this.digest(topic, payload) : undefined;
        const attempt = key === undefined ? 1 : 1 + (this.failures.get(key) ?? 0);
        return sub.deliver(this.acks.track(new TrackedDelivery(this, messageId, topic, payload, params, qos, retain, attempt, key)));
      }
    }
    const matches: { sub: Subscriber; params: Record<string, string> }[] = [];
    for (const each of this.subscribers) {
      const params = matchTopic(each.pattern, topic);
      if (params) matches.push({ sub: each, params });
    }
    const waiting: Parked[] = [];
    if (this.parked.size > 0) {
      for (const p of this.parked.values()) if (matchTopic(p.pattern, topic)) waiting.push(p);
    }
    // Only while some message is failing is each arrival's digest worth computing.
    const key = tracked && this.failures.size > 0 ? this.digest(topic, payload) : undefined;
    const attempt = key === undefined ? 1 : 1 + (this.failures.get(key) ?? 0);
    // Every consumer's part settles one entry: the message's ack goes once all of them are done.
    const entry = tracked ? this.acks.track(new TrackedDelivery(this, messageId, topic, payload, {}, qos, retain, attempt, key)) : null;
    const release = (handling?: Handling): void => entry?.handled(handling);
    const consumers = matches.length + waiting.length;
    if (consumers === 0) return release();
    let outstanding = consumers;
    let failed = false;
    const part = (): ((handling?: Handling) => void) => {
      let once = false;
      return (handling) => {
        if (once) return;
        once = true;
        if (handling?.outcome === "nack") failed = true;
        outstanding -= 1;
        if (outstanding === 0) release(failed ? { outcome: "nack" } : undefined);
      };
    };
    for (const p of waiting) p.held.push({ topic, qos, retain, payload, handled: part() });
    for (const { sub, params } of matches) sub.deliver({ topic, payload, params, qos, retain, attempt, handled: part() });
  }

  private logConnected(connack: IConnackPacket): void {
    const broker = redactUrl(this.options.url);
    const session = this.options.client.clean === false ? (connack.sessionPresent ? "session resumed" : "new session") : "clean session";
    if (!this.everConnected) {
      this.everConnected = true;
      this.options.log.info({ broker, clientId: this.options.client.clientId, sessionPresent: connack.sessionPresent }, `MQTT connected (${session})`);
    } else {
      const downMs = this.lostAt === null ? 0 : Date.now() - this.lostAt;
      this.options.log.info({ broker, downMs, sessionPresent: connack.sessionPresent }, `MQTT reconnected after ${(downMs / 1000).toFixed(1)} s (${session})`);
    }
    this.lostAt = null;
  }

  private setState(state: BrokerState, detail?: string): void {
    this.current = state;
    for (const l of this.listeners) l(state, detail);
  }
}

const noop = (): void => undefined;

/** A QoS 0 or 2 message: nothing waits for it to be handled. */
class UntrackedDelivery implements Delivery {
  readonly attempt = 1;

  constructor(
    readonly topic: string,
    readonly payload: Buffer,
    readonly params: Record<string, string>,
    readonly qos: QoS,
    readonly retain: boolean,
  ) {}

  handled(): void {}
}

/** A QoS 1 message whose acknowledgement waits for `handled` (first call counts); it is its own entry in the ack queue. */
class TrackedDelivery extends AckEntry implements Delivery {
  constructor(
    private readonly session: MqttSession,
    messageId: number,
    readonly topic: string,
    readonly payload: Buffer,
    readonly params: Record<string, string>,
    readonly qos: QoS,
    readonly retain: boolean,
    readonly attempt: number,
    /** The message's digest while some message is failing (see `attempt`). */
    readonly key: string | undefined,
  ) {
    super(messageId);
  }

  handled(handling?: Handling): void {
    if (!this.settled) this.session.settle(this, handling);
  }
}

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
