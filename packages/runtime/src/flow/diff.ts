import type { CompiledFlow } from "./compiled.js";
import { canonicalJson } from "./canonical.js";
import type { FlowDiff, FlowDocument, FlowNode } from "./types.js";

interface Comparable {
  /** What a restart depends on. */
  hash: string;
  /** Wiring and placement: a change here rewires only. */
  layout: string;
  connections: string[];
}

function diffMaps(
  before: Map<string, Comparable>,
  after: Map<string, Comparable>,
  connBefore: Map<string, string>,
  connAfter: Map<string, string>,
  flowChanged: boolean,
): FlowDiff {
  const diff: FlowDiff = {
    added: [],
    removed: [],
    changed: [],
    rewired: [],
    connections: { added: [], removed: [], changed: [] },
    restartedByConnection: [],
    flowChanged,
  };
  for (const [id, hash] of connAfter) {
    const old = connBefore.get(id);
    if (old === undefined) diff.connections.added.push(id);
    else if (old !== hash) diff.connections.changed.push(id);
  }
  for (const id of connBefore.keys()) if (!connAfter.has(id)) diff.connections.removed.push(id);
  const touched = new Set([...diff.connections.changed, ...diff.connections.removed]);

  for (const [id, node] of after) {
    const old = before.get(id);
    if (!old) diff.added.push(id);
    else if (old.hash !== node.hash) diff.changed.push(id);
    else if (node.connections.some((c) => touched.has(c))) diff.restartedByConnection.push(id);
    else if (old.layout !== node.layout) diff.rewired.push(id);
  }
  for (const id of before.keys()) if (!after.has(id)) diff.removed.push(id);
  return diff;
}

/** What deploying `next` over `previous` restarts, rewires, adds and removes. */
export function diffFlows(previous: CompiledFlow | undefined, next: CompiledFlow): FlowDiff {
  const toMap = (flow: CompiledFlow | undefined): Map<string, Comparable> => {
    if (!flow) return new Map();
    const positions = new Map(flow.document.nodes.map((d) => [d.id, d.position]));
    return new Map(flow.nodes.map((n) => [n.id, { hash: n.hash, layout: canonicalJson({ wires: n.wires, position: positions.get(n.id) }), connections: n.connections }]));
  };
  const conns = (flow: CompiledFlow | undefined): Map<string, string> => new Map((flow?.connections ?? []).map((c) => [c.id, c.hash]));
  const flowChanged =
    previous !== undefined &&
    canonicalJson([previous.document.label, previous.document.description, previous.document.env]) !==
      canonicalJson([next.document.label, next.document.description, next.document.env]);
  return diffMaps(toMap(previous), toMap(next), conns(previous), conns(next), flowChanged);
}

/** The same diff from two documents alone (revision history), without compiling either. */
export function diffDocuments(a: FlowDocument, b: FlowDocument): FlowDiff {
  const nodeMap = (doc: FlowDocument): Map<string, Comparable> => {
    const connIds = new Set((doc.connections ?? []).map((c) => c.id));
    return new Map(
      (doc.nodes ?? []).map((n: FlowNode) => {
        const { wires, position, ...rest } = n;
        // Without the registry, any config string equal to a connection id counts as a reference to it.
        const refs = Object.values(n.config ?? {}).filter((v): v is string => typeof v === "string" && connIds.has(v));
        // Absent and empty mean the same to the compiler, so they must not show up as changes here.
        const hash = canonicalJson({ ...rest, config: rest.config ?? {}, disabled: rest.disabled === true });
        return [n.id, { hash, layout: canonicalJson({ wires: wires ?? [], position }), connections: refs }];
      }),
    );
  };
  // Like the compiled hash: a connection's name is a label, so renaming one changes nothing.
  const connMap = (doc: FlowDocument): Map<string, string> => new Map((doc.connections ?? []).map((c) => [c.id, canonicalJson({ type: c.type, config: c.config ?? {} })]));
  const flowChanged = canonicalJson([a.label, a.description, a.env]) !== canonicalJson([b.label, b.description, b.env]);
  return diffMaps(nodeMap(a), nodeMap(b), connMap(a), connMap(b), flowChanged);
}
