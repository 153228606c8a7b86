/** Durations as people write them in flow files: `500ms`, `10s`, `5m`, `1h`, `1d`. */
export const DURATION_PATTERN = "^\\d+(\\.\\d+)?(ms|s|m|h|d)$";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration (expected e.g. 500ms, 10s, 5m, 1h, 1d)`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}
