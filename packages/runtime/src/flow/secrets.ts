import type { TObject } from "@sinclair/typebox";
import { SECRET_KEYWORD } from "../registry/define.js";
import type { Registry } from "../registry/registry.js";
import type { FlowDocument, FlowIssue } from "./types.js";

export const REDACTED = "***";

function secretFields(schema: TObject | undefined): string[] {
  if (!schema) return [];
  return Object.entries(schema.properties ?? {})
    .filter(([, prop]) => (prop as Record<string, unknown>)[SECRET_KEYWORD] === true)
    .map(([name]) => name);
}

const isReference = (value: string): boolean => /^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$/.test(value);

/** A copy fit for API answers: literal secrets (not `${ENV}` references) become `***`. */
export function redactSecrets(doc: FlowDocument, registry: Registry): FlowDocument {
  const redact = <T extends { type: string; config?: Record<string, unknown> }>(item: T, schema: TObject | undefined): T => {
    const fields = secretFields(schema).filter((f) => typeof item.config?.[f] === "string" && !isReference(item.config[f] as string));
    if (fields.length === 0) return item;
    const config = { ...item.config };
    for (const f of fields) config[f] = REDACTED;
    return { ...item, config };
  };
  return {
    ...doc,
    nodes: doc.nodes.map((n) => redact(n, registry.node(n.type)?.config)),
    ...(doc.connections ? { connections: doc.connections.map((c) => redact(c, registry.connection(c.type)?.config)) } : {}),
  };
}

/** Warnings for secrets written into the file instead of read from the environment. */
export function literalSecretWarnings(doc: FlowDocument, registry: Registry, file?: string): FlowIssue[] {
  const out: FlowIssue[] = [];
  const check = (kind: "nodes" | "connections", i: number, item: { id: string; type: string; config?: Record<string, unknown> }, schema: TObject | undefined): void => {
    for (const f of secretFields(schema)) {
      const v = item.config?.[f];
      if (typeof v === "string" && v !== "" && !isReference(v)) {
        out.push({
          ...(file ? { file } : {}),
          flowId: doc.id,
          ...(kind === "nodes" ? { nodeId: item.id } : {}),
          pointer: `/${kind}/${i}/config/${f}`,
          message: `holds a secret written into the file; use an environment reference such as "\${${f.toUpperCase()}}"`,
        });
      }
    }
  };
  doc.nodes.forEach((n, i) => check("nodes", i, n, registry.node(n.type)?.config));
  (doc.connections ?? []).forEach((c, i) => check("connections", i, c, registry.connection(c.type)?.config));
  return out;
}
