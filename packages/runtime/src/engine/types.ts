import type { Logger } from "pino";
import type { Message, MessageInit } from "./message.js";
import type { Store } from "../store/types.js";
import type { ConnectionHealth } from "../registry/define.js";

export type { Logger };

/** A node's visible state, shown as a badge in the editor and sent to `status` nodes. */
export interface NodeStatus {
  fill?: "red" | "green" | "yellow" | "blue" | "grey";
  shape?: "dot" | "ring";
  text?: string;
}

/**
 * What a node sends: one message to its first output, or one entry per output
 * port, each a message, an array of messages, or nothing.
 */
export type Output = Message | null | undefined | ReadonlyArray<Message | readonly Message[] | null | undefined>;

export type Send = (out: Output) => void;
/** Marks the input message handled (or failed, with an error). Call exactly once per input. */
export type Done = (err?: unknown) => void;

export type Completion = { outcome: "ack" } | { outcome: "nack"; error: Error };

export interface SendOptions {
  /**
   * Called once when the message and everything derived from it was handled
   * (`ack`) or when any part of it failed or was dropped (`nack`).
   */
  onComplete?: (completion: Completion) => void;
}

export interface TimerHandle {
  cancel(): void;
}

/** Timers owned by a node; all stop when the node closes. */
export interface NodeTimers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
  /** A cron schedule (croner syntax, seconds optional) in an IANA time zone (default: the runtime's). */
  cron(expression: string, fn: () => void, options?: { timezone?: string }): TimerHandle & { nextRun(): Date | null };
}

export interface HttpRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type HttpHandler = (req: HttpRequest) => Promise<HttpReply> | HttpReply;

/** A query parameter a route reads, for generated API documents. */
export interface RouteQueryParam {
  name: string;
  description?: string;
  required?: boolean;
}

/**
 * What a route says about itself, for generated API documents (OpenAPI).
 * Apart from `cors`, it changes nothing about how the route is served: a node
 * that checks tokens says so with `auth`, it is not enforced by the router.
 */
export interface RouteMeta {
  /** One line shown as the operation's summary. */
  summary?: string;
  description?: string;
  /** The route answers 401 without a valid bearer token. */
  auth?: boolean;
  /**
   * Origins (exact, e.g. `https://dash.example`) whose pages may call the route
   * from a browser. Unlike the rest, the flow server enforces it: without it,
   * no CORS headers are sent and preflights are refused.
   */
  cors?: readonly string[];
  query?: readonly RouteQueryParam[];
  /** Groups in the document (e.g. the flow id). */
  tags?: readonly string[];
  /** JSON Schema of the request body, when the route reads one. */
  body?: Readonly<Record<string, unknown>>;
  /** Status code → description of the answers the route gives. */
  responses?: Readonly<Record<string, string>>;
  /** Left out of generated documents (the document's own routes). */
  hidden?: boolean;
}

/** A registered route as `HttpRouter.routes()` lists it. */
export interface RouteInfo {
  /** Upper case; `ALL` matches any method. */
  method: string;
  path: string;
  meta: RouteMeta;
}

/** The flow HTTP server that `http-in` routes and `ws-out` endpoints live on. */
export interface HttpRouter {
  /** Registers a route; the returned function removes it. Paths use `:name` parameters; a trailing slash is significant. */
  route(method: string, path: string, handler: HttpHandler, meta?: RouteMeta): () => void;
  /** Every route currently served, by every flow on the server, in registration order. */
  routes(): RouteInfo[];
}

export interface WsEndpoint {
  readonly path: string;
  /** Sends one JSON text frame to every connected client; returns how many received it. */
  broadcast(data: unknown): number;
  readonly clientCount: number;
  /** Called for every text message a client sends. */
  onMessage(handler: (data: string, clientId: string) => void): void;
  close(): void;
}

/** WebSocket endpoints on the flow HTTP server (exact path match). */
export interface WsHub {
  endpoint(path: string, options?: { heartbeatMs?: number; maxBufferedBytes?: number }): WsEndpoint;
}

export interface NodeContext {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  keys(): string[];
}

/** A message a node parks instead of handling it (see `NodeHandle.deadLetter`). */
export interface DeadLetterInit {
  /** Why it was refused or failed, for a person: "nests deeper than 64 levels". */
  reason: string;
  /** Where it came from: an MQTT topic, a TCP client and line, a path. */
  source?: string;
  /** What arrived: bytes, text or a value; about its first 1 KB is kept. */
  payload?: unknown;
  /** Size in bytes when `payload` is not given (an oversize line that was never buffered). */
  size?: number;
}

/** How a gated job went: run here, already done by some runtime for this slot, or left to the runtime holding it. */
export type JobOutcome = "ran" | "already-done" | "elsewhere";

/** What a job's work learns: the slot it runs for and the last slot the cluster completed (null: never). */
export interface JobRun {
  slot: number;
  lastRun: number | null;
}

/**
 * Once-per-cluster jobs. Alone, a runtime runs every job itself; several runtimes over one
 * PostgreSQL store run each slot of a job once, on the runtime holding the job's lock, and a
 * runtime takes over (and runs the slot its holder left unfinished) when the holder dies.
 */
export interface JobGate {
  /**
   * Whether other runtimes share the jobs (a cluster over PostgreSQL). A runtime on its own runs every slot
   * it is asked for in order, so work that is only gated to be done once per cluster (a poll) can skip it.
   */
  readonly shared: boolean;
  /**
   * Runs `work` for `slot` (a schedule time, ms) unless the job is done for it; the slot counts as done once
   * `work` resolves. A runtime that does not hold the job waits until the slot is done or `signal` aborts
   * (a node's gate aborts when the node closes; a caller that asks for a newer slot aborts its older wait itself).
   */
  run(job: string, slot: number, work: (run: JobRun) => Promise<void>, options?: { signal?: AbortSignal }): Promise<JobOutcome>;
  /**
   * This runtime no longer runs the job (its node closed): a lock it holds for it is let go, once a run under
   * way ends, so another runtime can take the job over. Absent where there is nothing to let go.
   */
  release?(job: string): Promise<void>;
}

/** The handle a node gets from the runtime: everything it may touch. */
export interface NodeHandle {
  readonly id: string;
  readonly flowId: string;
  readonly type: string;
  readonly name: string | undefined;
  readonly log: Logger;
  status(status: NodeStatus | string): void;
  /** Reports an error to the flow's `catch` nodes (or the log, when none catches it). */
  error(err: unknown, msg?: Message): void;
  /**
   * Parks a message that was refused at ingress (bad JSON, too deep, too big,
   * not UTF-8) or whose handling failed: stored in the store's bounded
   * dead-letter table (admin API `/api/dead-letters`) and counted in the
   * node's stats. Never throws. Resolves true once the letter is stored;
   * false when it was only counted (over the per-second limit) or the store
   * refused it, so a source that can keep the message elsewhere (an
   * unacknowledged MQTT message stays with the broker) does so.
   */
  deadLetter(letter: DeadLetterInit): Promise<boolean>;
  /**
   * Builds a message with a fresh `_msgid`: a new object with the init's own enumerable properties (a
   * message is data: symbol-keyed ones may be left out). An init that already has a string `_msgid` is
   * returned as it is.
   */
  newMessage(init: MessageInit): Message;
  /**
   * Sends from a source (a node without input, or outside any input handler).
   * Never drops under `block`: when a queue downstream is full, the message
   * waits in this node's outbox and the returned promise resolves once it
   * (and everything sent before it) was accepted. Await it in a loop that
   * sends many, so what waits stays one message.
   */
  send(out: Output, options?: SendOptions): Promise<void>;
  /** True while messages this node sent wait for room in a full `block` queue downstream. */
  isHeld(): boolean;
  /** Resolves when everything this node sent (from a source or its input handler) was accepted downstream. */
  whenSent(): Promise<void>;
  readonly timers: NodeTimers;
  /** Scheduled work that must run once per cluster (nightly jobs, retention): see JobGate. */
  readonly jobs: JobGate;
  readonly store: Store;
  /** Context kept in the store, scoped to this node; survives restarts. */
  readonly context: NodeContext;
  /** Context shared by every node of this flow (in the store). */
  readonly flowContext: NodeContext;
  /** Context shared by every flow (in the store). */
  readonly globalContext: NodeContext;
  /** A started shared connection by id (as referenced in the node's config). */
  connection<T = unknown>(id: string): T;
  /** A connection's health (down with the reason when it failed to start); undefined when its type does not report any. */
  connectionHealth(id: string): Promise<ConnectionHealth | undefined>;
  /** Counts input this node refused (undecodable, invalid, over a bound), for /api/stats and /metrics. */
  countRejected(count?: number): void;
  readonly http: HttpRouter;
  readonly ws: WsHub;
  /** Environment lookup: the process environment, then the flow's `env` defaults. */
  env(name: string): string | undefined;
  /** Shows a value in the editor's debug panel and on the event stream. */
  debug(value: unknown): void;
  /** True while a queue downstream with the `block` policy is full: sources should pause. */
  isBlocked(): boolean;
  /** Resolves when nothing downstream blocks any more. */
  whenUnblocked(): Promise<void>;
}

/** Why a node closes: the runtime stops, the node left its flow, or it restarts in a redeploy. */
export type CloseReason = "shutdown" | "removed" | "restart";

/** What `create` returns: the node's behaviour. */
export interface NodeBehaviour {
  input?(msg: Message, send: Send, done: Done): void | Promise<void>;
  /**
   * For a node whose work on a message is a synchronous function of it (used instead of `input` when
   * given): what it returns is sent as by `send` and the input is done when it returns; a throw fails
   * the input. It spares the engine a send and a done function per message on the hot path.
   */
  transform?(msg: Message): Output;
  /**
   * Set when every message `transform` returns is its input or a copy keeping the input's `_msgid`: the
   * engine then skips looking for an id on each result (a look-up that costs more than the rest of a hand-over).
   */
  readonly transformKeepsId?: boolean;
  /** Called once every node of the flow is created and wired; sources start here. */
  start?(): void | Promise<void>;
  /**
   * Stops the node. `reason` tells a process that is stopping (keep what outlives it, such as a broker
   * session) from a node removed from its flow or restarting with a new config (give those up).
   */
  close?(reason: CloseReason): void | Promise<void>;
  /** Fires the node now, on demand from the editor, the CLI or the admin API (`inject`, `schedule`). */
  trigger?(): void | Promise<void>;
}

/** A node's view of another node's status change or error (for `status`/`catch` nodes). */
export interface StatusEvent {
  flowId: string;
  nodeId: string;
  type: string;
  status: NodeStatus;
}

export interface ErrorEvent {
  flowId: string;
  nodeId: string;
  type: string;
  message: string;
  msg?: Message;
}
