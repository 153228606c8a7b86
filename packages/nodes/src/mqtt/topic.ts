/**
 * Topic patterns of `mqtt-in`: MQTT filters (`+`, `#`, `$share/group/…`)
 * plus named single-level segments, `heatpump/{device_id}/data`, whose
 * values land in `msg.params`.
 */
export interface TopicPattern {
  /** What is sent to the broker in SUBSCRIBE (names replaced by `+`). */
  readonly subscription: string;
  /** The filter without any `$share/group/` prefix: what delivered topics are matched against. */
  readonly filter: string;
  /** Level index → param name. */
  readonly names: ReadonlyMap<number, string>;
  /** `filter` split at `/`, kept so matching splits only the delivered topic. */
  readonly levels: readonly string[];
  /** The param name of each level (`names` as an array, read for every delivered message). */
  readonly nameAt: readonly (string | undefined)[];
}

const NAMED = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Parses a pattern; throws with the reason when it is not a valid filter. */
export function parseTopicPattern(pattern: string): TopicPattern {
  if (pattern.length === 0) throw new Error("topic is empty");
  let share = "";
  let rest = pattern;
  if (pattern.startsWith("$share/")) {
    const parts = pattern.split("/");
    if (parts.length < 3 || parts[1] === "" || /[+#]/.test(parts[1]!)) throw new Error(`"${pattern}": a shared subscription is $share/<group>/<filter>`);
    share = `$share/${parts[1]}/`;
    rest = parts.slice(2).join("/");
  }
  const levels = rest.split("/");
  const names = new Map<number, string>();
  const out = levels.map((level, i) => {
    const named = NAMED.exec(level);
    if (named) {
      if ([...names.values()].includes(named[1]!)) throw new Error(`"${pattern}": {${named[1]}} is named twice`);
      names.set(i, named[1]!);
      return "+";
    }
    if (level === "#" && i !== levels.length - 1) throw new Error(`"${pattern}": # must be the last level`);
    if (level !== "#" && level !== "+" && /[+#{}]/.test(level)) throw new Error(`"${pattern}": level "${level}" mixes a wildcard with text`);
    return level;
  });
  const filter = out.join("/");
  return { subscription: share + filter, filter, names, levels: out, nameAt: out.map((_, i) => names.get(i)) };
}

/**
 * Matches a delivered topic against a filter; returns the named params, or
 * null when it does not match. Topics starting with `$` never match a
 * leading wildcard, as MQTT requires.
 */
export function matchTopic(pattern: TopicPattern, topic: string): Record<string, string> | null {
  const f = pattern.levels;
  if ((f[0] === "+" || f[0] === "#") && topic.startsWith("$")) return null;
  const params: Record<string, string> = {};
  // Walks the topic level by level in place: this runs for every delivered message.
  let from = 0;
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === "#") return params;
    if (from > topic.length) return null;
    const slash = topic.indexOf("/", from);
    const to = slash === -1 ? topic.length : slash;
    if (level === "+") {
      const name = pattern.nameAt[i];
      if (name) params[name] = topic.slice(from, to);
    } else if (to - from !== level.length || !topic.startsWith(level, from)) {
      return null;
    }
    from = to + 1;
  }
  return from === topic.length + 1 ? params : null;
}

/** A topic for publishing: `{name}` is filled from params; wildcards are refused. */
export function fillTopic(template: string, values: (name: string) => string | undefined): string {
  const topic = template.replace(/\{([A-Za-z_][A-Za-z0-9_.]*)\}/g, (_m, name: string) => {
    const v = values(name);
    if (v === undefined || v === "") throw new Error(`topic "${template}": {${name}} has no value in the message`);
    if (/[+#/]/.test(v)) throw new Error(`topic "${template}": {${name}} is "${v}", which holds a wildcard or a slash`);
    return v;
  });
  if (/[+#]/.test(topic)) throw new Error(`cannot publish to "${topic}": wildcards are for subscriptions`);
  return topic;
}
