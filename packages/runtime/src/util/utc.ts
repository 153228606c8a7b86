/** Names Intl itself resolves to UTC. */
const UTC_NAMES = new Set(["utc", "etc/utc", "gmt", "etc/gmt"]);
/** Answers by the name as given: asked for every message a calendar groups, mostly with one or two names. */
const answered = new Map<string, boolean>();

/**
 * Whether a time-zone name is UTC, answered without Intl: the first Intl formatter with a time zone pages in
 * the time-zone database (about 6 MB of resident memory for the life of the process), and UTC, every shipped
 * flow's default, needs none of it.
 */
export function isUtcZone(name: string): boolean {
  let utc = answered.get(name);
  if (utc === undefined) {
    if (answered.size >= 256) answered.clear();
    answered.set(name, (utc = UTC_NAMES.has(name.toLowerCase())));
  }
  return utc;
}
