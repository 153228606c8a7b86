import type { Message } from "@wattflow/runtime";

/** The key a per-topic node keeps state under: the message's topic, or one shared key. */
export function topicOf(msg: Message, perTopic: boolean): string {
  return perTopic && msg.topic !== undefined ? String(msg.topic) : "";
}

/**
 * Per-topic state with a bound on how many topics are kept: past `max`, the
 * topic seen least recently is forgotten, so a stream of ever-new topics
 * (a device id in the topic) cannot grow memory without end.
 */
export class TopicMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(topic: string): V | undefined {
    return this.map.get(topic);
  }

  set(topic: string, value: V): void {
    this.map.delete(topic);
    this.map.set(topic, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  delete(topic: string): void {
    this.map.delete(topic);
  }

  clear(): void {
    this.map.clear();
  }

  keys(): string[] {
    return [...this.map.keys()];
  }

  get size(): number {
    return this.map.size;
  }
}
