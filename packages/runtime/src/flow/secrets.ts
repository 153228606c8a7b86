import type { TObject } from "@sinclair/typebox";
import { SECRET_KEYWORD } from "../registry/define.js";
import type { Registry } from "../registry/registry.js";
import { envReferences, escapePointer } from "./interpolate.js";
import type { FlowDocument, FlowIssue } from "./types.js";
import { documentOrder } from "./validate.js";

/**
 * Secrets belong in the environment: a secret field should hold `${TOKEN}`.
 * A secret can still end up in the file three ways, and each is warned about
 * on compile and masked in API answers:
 *  - a literal value (`"token": "hunter2"`),
 *  - the default of a reference (`"${TOKEN:-hunter2}"`),
 *  - the flow's `env` default for a referenced name (`"env": {"TOKEN": "hunter2"}`).
 */
export const REDACTED = "***";

type Item = { id: string; type: string; config?: Record<string, unknown> };

export function secretFields(schema: TObject | undefined): string[] {
  if (!schema) return [];
  return Object.entries(schema.properties ?? {})
    .filter(([, prop]) => (prop as Record<string, unknown>)[SECRET_KEYWORD] === true)
    .map(([name]) => name);
}

/** Every secret field's string value in a document, with where it is. */
function secretValues(doc: FlowDocument, registry: Registry): { kind: "nodes" | "connections"; index: number; item: Item; field: string; value: string }[] {
  const out: { kind: "nodes" | "connections"; index: number; item: Item; field: string; value: string }[] = [];
  const visit = (kind: "nodes" | "connections", items: readonly Item[] | undefined, schemaOf: (type: string) => TObject | undefined): void =>
    (items ?? []).forEach((item, index) => {
      for (const field of secretFields(schemaOf(item.type))) {
        const value = item.config?.[field];
        if (typeof value === "string" && value !== "") out.push({ kind, index, item, field, value });
      }
    });
  visit("nodes", doc.nodes, (t) => registry.node(t)?.config);
  visit("connections", doc.connections, (t) => registry.connection(t)?.config);
  return out;
}

const hasEnvDefault = (doc: FlowDocument, name: string): boolean => doc.env !== undefined && Object.hasOwn(doc.env, name) && doc.env[name] !== "";

/** Masks the default part of `${NAME:-default}`, keeping which variable is read. */
const maskDefaults = (value: string): string => value.replace(/(\$\{[A-Za-z_][A-Za-z0-9_]*:-)([^}]+)\}/g, (whole, head: string, _d: string, offset: number) =>
  // `$${` is an escape, not a reference: leave it.
  offset > 0 && value[offset - 1] === "$" ? whole : `${head}${REDACTED}}`,
);

/** A copy fit for API answers: secrets written into the file become `***`; `${ENV}` references stay visible. */
export function redactSecrets(doc: FlowDocument, registry: Registry): FlowDocument {
  const found = secretValues(doc, registry).filter(({ value }) => {
    const refs = envReferences(value);
    return refs.length === 0 || refs.some((r) => (r.fallback ?? "") !== "" || hasEnvDefault(doc, r.name));
  });
  // Nothing to mask: the caller gets its own document back, not a copy.
  if (found.length === 0) return doc;
  const copy = structuredClone(doc);
  for (const { kind, index, field, value } of found) {
    const refs = envReferences(value);
    const item = (kind === "nodes" ? copy.nodes : copy.connections ?? [])[index];
    if (!item?.config) continue;
    item.config[field] = refs.length === 0 ? REDACTED : maskDefaults(value);
    for (const { name } of refs) if (copy.env && hasEnvDefault(doc, name)) copy.env[name] = REDACTED;
  }
  return copy;
}

/**
 * Undoes `redactSecrets` for a document that came back from an API client
 * (the editor saves what it was shown): wherever `next` still holds exactly
 * the masked form of `previous`'s secret, the stored value is put back, so
 * saving a flow does not replace its token with "***". Items are matched by
 * id and type; anything the client actually changed is kept.
 */
export function restoreRedactedSecrets(next: FlowDocument, previous: FlowDocument, registry: Registry): FlowDocument {
  const masked = redactSecrets(previous, registry);
  if (masked === previous) return next;
  const copy = structuredClone(next);
  const restore = (items: Item[] | undefined, before: Item[] | undefined, shown: Item[] | undefined): void => {
    for (const item of items ?? []) {
      const i = (before ?? []).findIndex((b) => b.id === item.id && b.type === item.type);
      const original = before?.[i]?.config;
      const mask = shown?.[i]?.config;
      if (!item.config || !original || !mask) continue;
      for (const [field, value] of Object.entries(item.config)) {
        if (value === mask[field] && mask[field] !== original[field]) item.config[field] = original[field];
      }
    }
  };
  restore(copy.nodes, previous.nodes, masked.nodes);
  restore(copy.connections, previous.connections, masked.connections);
  const env = copy.env;
  const originalEnv = previous.env;
  if (env && originalEnv) {
    for (const [name, value] of Object.entries(env)) {
      const original = originalEnv[name];
      if (value === REDACTED && masked.env?.[name] === REDACTED && original !== undefined) env[name] = original;
    }
  }
  return copy;
}

/** Warnings for secrets written into the file instead of read from the environment. */
export function literalSecretWarnings(doc: FlowDocument, registry: Registry, file?: string): FlowIssue[] {
  const out: FlowIssue[] = [];
  const warned = new Set<string>();
  const warn = (pointer: string, message: string, nodeId?: string): void => {
    if (warned.has(pointer)) return;
    warned.add(pointer);
    out.push({ ...(file !== undefined ? { file } : {}), flowId: doc.id, ...(nodeId !== undefined ? { nodeId } : {}), pointer, message });
  };
  for (const { kind, index, item, field, value } of secretValues(doc, registry)) {
    const pointer = `/${kind}/${index}/config/${escapePointer(field)}`;
    const nodeId = kind === "nodes" ? item.id : undefined;
    const refs = envReferences(value);
    const suggested = field.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^A-Za-z0-9_]/g, "_").toUpperCase();
    if (refs.length === 0) {
      warn(pointer, `holds a secret written into the file; read it from the environment instead, e.g. "\${${suggested}}"`, nodeId);
      continue;
    }
    for (const { name, fallback } of refs) {
      if (fallback !== undefined && fallback !== "") warn(pointer, `writes a secret into the file as the default of \${${name}}; drop the ":-..." part and set ${name} in the environment`, nodeId);
      if (hasEnvDefault(doc, name)) warn(`/env/${escapePointer(name)}`, `holds a secret (read by ${pointer}) written into the file; set ${name} in the environment instead`);
    }
  }
  return documentOrder(out);
}
