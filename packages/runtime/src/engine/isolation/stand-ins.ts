import { Type } from "@sinclair/typebox";
import type { CompiledNode } from "../../flow/compiled.js";
import { DEFAULT_QUEUE_SIZE } from "../../flow/compiled.js";
import type { AnyNodeDefinition } from "../../registry/define.js";
import type { Completion, Done } from "../types.js";
import type { Message } from "../message.js";
import { RuntimeNode, type NodeHost } from "../runtime-node.js";
import type { Scheduler } from "../scheduler.js";
import { fromWireError, toWireError, withBufferPayload, type Channel, type WireError } from "./channel.js";

/**
 * A node on the other side of a thread boundary, as wires on this side see
 * it: a RuntimeNode (with its queue and `block` policy, so a full one holds
 * its senders as any node does) whose input hands the message across and is
 * done once the other side reports the message and everything derived from
 * it handled. The source's tracker on this side waits for that.
 */

/** Messages a stand-in has across the boundary at once; past it they wait in its queue. */
const IN_FLIGHT = 10_000;

/** Thrown-away type of stand-ins for nodes whose definition lives on the other side. */
const REMOTE_DEFINITION: AnyNodeDefinition = {
  type: "remote",
  category: "internal",
  summary: "A node of a flow in another thread.",
  config: Type.Object({}),
  inputs: 1,
  outputs: [],
  create: () => ({}),
};

/** A stand-in's compiled node: the real one's queue (size, policy), with room for what is across the boundary. */
export function standInCompiled(real: CompiledNode): CompiledNode {
  return { ...real, queue: { ...real.queue, concurrency: IN_FLIGHT } };
}

/** A stand-in for `flow/node` whose compiled node this side does not have. */
export function remoteCompiled(nodeId: string): CompiledNode {
  return {
    id: nodeId,
    type: "remote",
    name: undefined,
    config: {},
    wires: [],
    queue: { size: DEFAULT_QUEUE_SIZE, policy: "block", concurrency: IN_FLIGHT },
    disabled: false,
    definition: REMOTE_DEFINITION,
    ports: [],
    connections: [],
    hash: "",
  };
}

export interface StandInHooks {
  readonly scheduler: Scheduler;
  readonly freeze: boolean;
  /** A stand-in's delivery failed (the other side refused or lost it). */
  failed(node: RuntimeNode, err: unknown): void;
  /** A stand-in's queue filled up or drained: sources upstream pause or go on. */
  blockedChanged(): void;
  dropped(node: RuntimeNode): void;
}

/**
 * Messages handed across the boundary, each waiting for its completion from
 * the other side. What one turn hands over goes as one note of three arrays
 * (ids, targets, messages): a packet per message would cost as much to copy
 * as the messages themselves.
 */
export class Deliveries {
  private nextId = 0;
  private readonly open = new Map<number, Done>();
  private ids: number[] = [];
  private targets: string[] = [];
  private messages: Message[] = [];

  constructor(private readonly channel: Channel) {
    channel.handle("delivered", (acked: number[], failed: number[], errors: WireError[]) => {
      for (const id of acked) this.settle(id, undefined);
      for (let i = 0; i < failed.length; i++) this.settle(failed[i]!, fromWireError(errors[i]!));
    });
  }

  get size(): number {
    return this.open.size;
  }

  /** Hands `msg` to `target` (`flow/node`) on the other side; `done` hears its completion. */
  send(target: string, msg: Message, done: Done): void {
    const id = ++this.nextId;
    this.open.set(id, done);
    if (this.ids.push(id) === 1) queueMicrotask(this.flush);
    this.targets.push(target);
    this.messages.push(msg);
  }

  private readonly flush = (): void => {
    const { ids, targets, messages } = this;
    this.ids = [];
    this.targets = [];
    this.messages = [];
    this.post(ids, targets, messages, true);
  };

  /** A batch that cannot be copied goes again message by message; a message that cannot be copied fails. */
  private post(ids: number[], targets: string[], messages: Message[], batch: boolean): void {
    this.channel.noteOrElse(
      (err) => {
        if (batch && ids.length > 1) {
          for (let i = 0; i < ids.length; i++) this.post([ids[i]!], [targets[i]!], [messages[i]!], false);
          return;
        }
        this.settle(ids[0]!, new Error(`${targets[0]}: the message ${err.message}; an isolated flow takes plain data`));
      },
      "deliver",
      ids,
      targets,
      messages,
    );
  }

  private settle(id: number, error: Error | undefined): void {
    const done = this.open.get(id);
    if (!done) return;
    this.open.delete(id);
    done(error);
  }

  /** The other side is gone: every message across fails (its sources nack; MQTT redelivers). */
  failAll(err: Error): void {
    const all = [...this.open.values()];
    this.open.clear();
    for (const done of all) done(err);
  }
}

/** Makes stand-in nodes whose input crosses over `deliveries`. */
export class StandIns implements NodeHost {
  readonly scheduler: Scheduler;
  readonly freeze: boolean;

  constructor(
    private readonly hooks: StandInHooks,
    private readonly deliveries: () => Deliveries | null,
    /** Why a message cannot cross now (the other side is restarting), when `deliveries` gives null. */
    private readonly unavailable: () => string,
  ) {
    this.scheduler = hooks.scheduler;
    this.freeze = hooks.freeze;
  }

  create(flowId: string, compiled: CompiledNode): RuntimeNode {
    const node = new RuntimeNode(flowId, compiled, this);
    node.behaviour = {
      input: (msg, _send, done) => {
        const across = this.deliveries();
        if (!across) return done(new Error(`${node.key}: ${this.unavailable()}`));
        across.send(node.key, msg, done);
      },
    };
    return node;
  }

  reportError(node: RuntimeNode, err: unknown): void {
    this.hooks.failed(node, err);
  }

  queueFull(): void {
    this.hooks.blockedChanged();
  }

  queueRelieved(): void {
    this.hooks.blockedChanged();
  }

  messageDropped(node: RuntimeNode): void {
    this.hooks.dropped(node);
  }

  reaches(): boolean {
    return false;
  }

  messageCompleted(): void {}
}

/**
 * Takes deliveries from the other side: each message goes to the node it
 * names through `inject`, and its completion goes back (batched per turn,
 * like the deliveries).
 */
export function acceptDeliveries(
  channel: Channel,
  inject: (flowId: string, nodeId: string, msg: Message, onComplete: (c: Completion) => void) => boolean,
): void {
  let acked: number[] = [];
  let failed: number[] = [];
  let errors: WireError[] = [];
  const flush = (): void => {
    channel.note("delivered", acked, failed, errors);
    acked = [];
    failed = [];
    errors = [];
  };
  const answer = (id: number, c: Completion): void => {
    if (acked.length === 0 && failed.length === 0) queueMicrotask(flush);
    if (c.outcome === "ack") acked.push(id);
    else {
      failed.push(id);
      errors.push(toWireError(c.error));
    }
  };
  channel.handle("deliver", (ids: number[], targets: string[], messages: Message[]) => {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const target = targets[i]!;
      const slash = target.indexOf("/");
      let accepted = false;
      try {
        accepted = inject(target.slice(0, slash), target.slice(slash + 1), withBufferPayload(messages[i]!), (c) => answer(id, c));
      } catch (err) {
        answer(id, { outcome: "nack", error: err instanceof Error ? err : new Error(String(err)) });
        continue;
      }
      if (!accepted) answer(id, { outcome: "nack", error: new Error(`${target} is not running`) });
    }
  });
}
