/**
 * The editor's model of one flow: the flow document itself (the same type
 * the runtime reads), with undo and redo. Every edit is a pure function
 * from one document to the next, so what is shown is what will be deployed.
 */
import type { FlowDocument, FlowNode } from "../../../packages/runtime/src/flow/types.js";

export type { FlowDocument, FlowNode };

export interface History {
  doc: FlowDocument;
  past: FlowDocument[];
  future: FlowDocument[];
}

export const emptyFlow = (id: string, label = id): FlowDocument => ({ format: "wattflow/flow@1", id, label, nodes: [] });

export function start(doc: FlowDocument): History {
  return { doc, past: [], future: [] };
}

/** Applies an edit; an edit that changes nothing leaves no undo step. */
export function apply(h: History, edit: (doc: FlowDocument) => FlowDocument): History {
  const next = edit(h.doc);
  if (next === h.doc) return h;
  return { doc: next, past: [...h.past.slice(-99), h.doc], future: [] };
}

export function undo(h: History): History {
  const prev = h.past[h.past.length - 1];
  return prev ? { doc: prev, past: h.past.slice(0, -1), future: [h.doc, ...h.future] } : h;
}

export function redo(h: History): History {
  const next = h.future[0];
  return next ? { doc: next, past: [...h.past, h.doc], future: h.future.slice(1) } : h;
}

/** A short id not used in the flow: `inject1`, `inject2`, … */
export function freshId(doc: FlowDocument, type: string, taken: Set<string> = new Set()): string {
  const used = new Set([...doc.nodes.map((n) => n.id), ...taken]);
  const base = type.replace(/[^A-Za-z0-9_-]/g, "") || "node";
  for (let i = 1; ; i++) if (!used.has(`${base}${i}`)) return `${base}${i}`;
}

/** A new node; `version` is its type's config version, recorded as `typeVersion` when above 1 (as the runtime expects of nodes written now). */
export function addNode(type: string, position: { x: number; y: number }, config: Record<string, unknown> = {}, version = 1) {
  return (doc: FlowDocument): FlowDocument => ({ ...doc, nodes: [...doc.nodes, { id: freshId(doc, type), type, ...(version > 1 ? { typeVersion: version } : {}), config, wires: [], position }] });
}

export function moveNodes(moves: Record<string, { x: number; y: number }>) {
  return (doc: FlowDocument): FlowDocument => {
    let changed = false;
    const nodes = doc.nodes.map((n) => {
      const to = moves[n.id];
      if (!to || (n.position && n.position.x === to.x && n.position.y === to.y)) return n;
      changed = true;
      return { ...n, position: { x: Math.round(to.x), y: Math.round(to.y) } };
    });
    return changed ? { ...doc, nodes } : doc;
  };
}

/** Removes nodes and every wire into them. */
export function removeNodes(ids: readonly string[]) {
  return (doc: FlowDocument): FlowDocument => {
    if (ids.length === 0) return doc;
    const gone = new Set(ids);
    return {
      ...doc,
      nodes: doc.nodes.filter((n) => !gone.has(n.id)).map((n) => (n.wires?.some((p) => p.some((t) => gone.has(t))) ? { ...n, wires: n.wires.map((p) => p.filter((t) => !gone.has(t))) } : n)),
    };
  };
}

/** Deletes nodes (with every wire into them) and wires as one edit, so one undo brings all of them back. */
export function removeElements(nodeIds: readonly string[], wires: readonly Pick<Edge, "source" | "port" | "target">[]) {
  return (doc: FlowDocument): FlowDocument => wires.reduce((d, w) => disconnect(w.source, w.port, w.target)(d), removeNodes(nodeIds)(doc));
}

/** Wires whose target is not a node of the flow (a typo in the file, or a node deleted elsewhere). */
export function danglingEdges(doc: FlowDocument): Edge[] {
  const ids = new Set(doc.nodes.map((n) => n.id));
  return edgesOf(doc).filter((e) => !ids.has(e.target));
}

export function connect(source: string, port: number, target: string) {
  return (doc: FlowDocument): FlowDocument => {
    const from = doc.nodes.find((n) => n.id === source);
    if (!from || from.wires?.[port]?.includes(target)) return doc;
    const wires = (from.wires ?? []).map((p) => [...p]);
    while (wires.length <= port) wires.push([]);
    wires[port]!.push(target);
    return { ...doc, nodes: doc.nodes.map((n) => (n === from ? { ...n, wires } : n)) };
  };
}

export function disconnect(source: string, port: number, target: string) {
  return (doc: FlowDocument): FlowDocument => ({
    ...doc,
    nodes: doc.nodes.map((n) => (n.id === source && n.wires?.[port]?.includes(target) ? { ...n, wires: n.wires.map((p, i) => (i === port ? p.filter((t) => t !== target) : p)) } : n)),
  });
}

export function updateNode(id: string, patch: Partial<Pick<FlowNode, "config" | "name" | "disabled">>) {
  return (doc: FlowDocument): FlowDocument => ({ ...doc, nodes: doc.nodes.map((n) => (n.id === id ? { ...n, ...patch } : n)) });
}

/** Copies of `nodes` with new ids, wires among them kept and wires to anything else dropped, moved by `offset`. */
export function paste(nodes: readonly FlowNode[], offset: { x: number; y: number }) {
  return (doc: FlowDocument): FlowDocument => {
    const rename = new Map<string, string>();
    const taken = new Set<string>();
    for (const n of nodes) {
      const id = freshId(doc, n.type, taken);
      taken.add(id);
      rename.set(n.id, id);
    }
    const copies = nodes.map((n) => ({
      ...n,
      id: rename.get(n.id)!,
      wires: (n.wires ?? []).map((p) => p.filter((t) => rename.has(t)).map((t) => rename.get(t)!)),
      position: { x: (n.position?.x ?? 0) + offset.x, y: (n.position?.y ?? 0) + offset.y },
    }));
    return { ...doc, nodes: [...doc.nodes, ...copies] };
  };
}

export interface Edge {
  id: string;
  source: string;
  port: number;
  target: string;
}

export function edgesOf(doc: FlowDocument): Edge[] {
  return doc.nodes.flatMap((n) => (n.wires ?? []).flatMap((p, port) => p.map((target) => ({ id: `${n.id}:${port}->${target}`, source: n.id, port, target }))));
}

export function freshConnectionId(doc: FlowDocument, type: string): string {
  const used = new Set((doc.connections ?? []).map((c) => c.id));
  for (let i = 1; ; i++) if (!used.has(`${type}${i}`)) return `${type}${i}`;
}

export function addConnection(id: string, type: string, config: Record<string, unknown> = {}) {
  return (doc: FlowDocument): FlowDocument => ({ ...doc, connections: [...(doc.connections ?? []), { id, type, config }] });
}

export function updateConnection(id: string, config: Record<string, unknown>) {
  return (doc: FlowDocument): FlowDocument => ({ ...doc, connections: (doc.connections ?? []).map((c) => (c.id === id ? { ...c, config } : c)) });
}
