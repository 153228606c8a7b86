import { mkdir, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "@wattflow/runtime";

/** The seed's file shape: `{ "data_points": [...], "last_update": ... }`. */
export interface JsonDocument {
  data_points: Record<string, unknown>[];
  last_update: string | null;
}

export const emptyDocument = (): JsonDocument => ({ data_points: [], last_update: null });

export type LoadResult = { doc: JsonDocument; movedAside?: string; problem?: string };

/**
 * Reads a document. A missing file is an empty document; a corrupt one is
 * moved aside (`name.corrupt-<time>.json`) and reported, never overwritten.
 */
export async function loadDocument(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { doc: emptyDocument() };
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<JsonDocument>;
    if (!parsed || typeof parsed !== "object" || !Array.isArray(parsed.data_points)) throw new Error('no "data_points" array');
    return { doc: { data_points: parsed.data_points, last_update: parsed.last_update ?? null } };
  } catch (err) {
    const aside = path.replace(/\.json$/, "") + `.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
    await rename(path, aside);
    return { doc: emptyDocument(), movedAside: aside, problem: err instanceof Error ? err.message : String(err) };
  }
}

export async function saveDocument(path: string, doc: JsonDocument): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`);
}

/** The point's time: its `timestamp`, or its `date` (a local day). */
export function pointTime(p: Record<string, unknown>): number {
  const t = p.timestamp ?? p.date;
  return typeof t === "string" ? Date.parse(t) : typeof t === "number" ? t : Number.NaN;
}
