import { FLOW_FORMAT } from "./types.js";

/**
 * One migration per older format, each taking a document of that format to
 * the next. Loading runs them in turn until the document is format 1.
 */
type Migration = { to: string; migrate(doc: Record<string, unknown>): Record<string, unknown> };

const LEGACY = "wattflow/flow@0";

const migrations: Record<string, Migration> = {
  // Format 0 (early drafts): nodes carried `x`/`y` at the top level and `wires` could be a flat list for port 0.
  [LEGACY]: {
    to: FLOW_FORMAT,
    migrate(doc) {
      const nodes = Array.isArray(doc.nodes) ? doc.nodes : [];
      return {
        ...doc,
        format: FLOW_FORMAT,
        nodes: nodes.map((raw: unknown) => {
          if (raw === null || typeof raw !== "object") return raw;
          const { x, y, wires, ...node } = raw as Record<string, unknown>;
          const out: Record<string, unknown> = { ...node };
          if (typeof x === "number" && typeof y === "number" && out.position === undefined) out.position = { x, y };
          if (Array.isArray(wires)) out.wires = wires.length > 0 && wires.every((w) => typeof w === "string") ? [wires] : wires;
          return out;
        }),
      };
    },
  },
};

export type MigrationResult =
  | { ok: true; document: unknown; migratedFrom?: string }
  | { ok: false; message: string };

export function migrateFlow(raw: unknown): MigrationResult {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { ok: true, document: raw };
  let doc = raw as Record<string, unknown>;
  const original = typeof doc.format === "string" ? doc.format : doc.format === undefined ? LEGACY : undefined;
  if (original === undefined) return { ok: true, document: raw };
  let format = original;
  let steps = 0;
  while (format !== FLOW_FORMAT) {
    const m = migrations[format];
    if (!m) return { ok: false, message: `unsupported format "${format}" (this runtime reads ${FLOW_FORMAT})` };
    doc = m.migrate(doc);
    format = m.to;
    if (++steps > 20) return { ok: false, message: "migration loop" };
  }
  return steps > 0 ? { ok: true, document: doc, migratedFrom: original } : { ok: true, document: doc };
}
