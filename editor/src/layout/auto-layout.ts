/**
 * A layered left-to-right layout for flows whose nodes have no positions:
 * each weakly connected group of nodes is laid out in columns by the longest
 * path from its sources, rows ordered to keep wires short, and the groups are
 * packed onto shelves so a large flow stays roughly as wide as it is tall.
 * Small on purpose: flows are tens to a few hundred nodes and wires mostly run
 * one way, so nothing heavier is needed.
 */
import type { FlowDocument, FlowNode } from "../../../packages/runtime/src/flow/types.js";

export interface Point {
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

/** The widest a node box is drawn (its label is cut off beyond it, see styles.css). */
export const MAX_NODE_WIDTH = 240;
const COLUMN_GAP = 70;
const ROW_GAP = 34;
const GROUP_GAP = 70;

/** Size of a node box as drawn, from its label and port count, so a layout needs no rendering first. */
export function estimateSize(node: FlowNode, ports: number): Size {
  const label = node.name ?? node.id;
  const width = Math.min(MAX_NODE_WIDTH, Math.max(130, Math.max(label.length * 7.6, node.type.length * 6) + 32));
  return { width, height: Math.max(42, ports * 18 + 12) };
}

type Sizer = (node: FlowNode) => Size;

/** Positions for every node of `nodes` (wires to nodes outside it are ignored), starting at `origin`. */
export function layeredLayout(nodes: readonly FlowNode[], sizeOf: Sizer, origin: Point = { x: 0, y: 0 }): Record<string, Point> {
  const ids = new Set(nodes.map((n) => n.id));
  const succ = new Map<string, string[]>();
  const pred = new Map<string, string[]>();
  for (const n of nodes) {
    succ.set(n.id, []);
    pred.set(n.id, pred.get(n.id) ?? []);
  }
  for (const n of nodes) {
    for (const target of (n.wires ?? []).flat()) {
      if (!ids.has(target) || target === n.id) continue;
      succ.get(n.id)!.push(target);
      pred.set(target, [...(pred.get(target) ?? []), n.id]);
    }
  }
  const groups = components(nodes, succ, pred);
  const laid = groups.map((g) => layoutGroup(g, succ, pred, sizeOf));
  return packShelves(laid, origin);
}

function components(nodes: readonly FlowNode[], succ: Map<string, string[]>, pred: Map<string, string[]>): FlowNode[][] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const out: FlowNode[][] = [];
  for (const n of nodes) {
    if (seen.has(n.id)) continue;
    const group: FlowNode[] = [];
    const stack = [n.id];
    seen.add(n.id);
    while (stack.length) {
      const id = stack.pop()!;
      group.push(byId.get(id)!);
      for (const next of [...succ.get(id)!, ...pred.get(id)!]) if (!seen.has(next)) (seen.add(next), stack.push(next));
    }
    // Keep the flow file's order inside a group: it is usually the order the author thought in.
    const order = new Map(nodes.map((x, i) => [x.id, i]));
    out.push(group.sort((a, b) => order.get(a.id)! - order.get(b.id)!));
  }
  return out;
}

interface LaidGroup {
  positions: Record<string, Point>;
  width: number;
  height: number;
}

function layoutGroup(group: FlowNode[], succ: Map<string, string[]>, pred: Map<string, string[]>, sizeOf: Sizer): LaidGroup {
  // Columns: longest path from a source, over the wires that are not part of a cycle (found by a depth-first search).
  const back = new Set<string>();
  const state = new Map<string, 1 | 2>();
  const visit = (id: string): void => {
    state.set(id, 1);
    for (const next of succ.get(id)!) {
      if (state.get(next) === 1) back.add(`${id}->${next}`);
      else if (!state.has(next)) visit(next);
    }
    state.set(id, 2);
  };
  const sources = group.filter((n) => pred.get(n.id)!.length === 0);
  for (const n of [...sources, ...group]) if (!state.has(n.id)) visit(n.id);
  const layer = new Map<string, number>();
  const layerOf = (id: string, guard: Set<string>): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    guard.add(id);
    let l = 0;
    for (const p of pred.get(id)!) if (!back.has(`${p}->${id}`) && !guard.has(p)) l = Math.max(l, layerOf(p, guard) + 1);
    layer.set(id, l);
    return l;
  };
  for (const n of group) layerOf(n.id, new Set());
  const columns: FlowNode[][] = [];
  for (const n of group) (columns[layer.get(n.id)!] ??= []).push(n);

  // Rows: each column ordered by the mean row of its predecessors, so wires cross less.
  const row = new Map<string, number>();
  columns.forEach((col, c) => {
    if (c > 0) {
      const key = (n: FlowNode): number => {
        const rows = pred.get(n.id)!.flatMap((p) => (row.has(p) ? [row.get(p)!] : []));
        return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Number.MAX_SAFE_INTEGER;
      };
      col.sort((a, b) => key(a) - key(b));
    }
    col.forEach((n, i) => row.set(n.id, i));
  });

  const positions: Record<string, Point> = {};
  let x = 0;
  let height = 0;
  for (const col of columns) {
    if (!col) continue;
    const sizes = col.map(sizeOf);
    let y = 0;
    col.forEach((n, i) => {
      positions[n.id] = { x, y };
      y += sizes[i]!.height + ROW_GAP;
    });
    height = Math.max(height, y - ROW_GAP);
    x += Math.max(...sizes.map((s) => s.width)) + COLUMN_GAP;
  }
  return { positions, width: x - COLUMN_GAP, height };
}

/** Puts groups left to right on shelves no wider than about the square root of their total area (times 1.6, for wide screens). */
function packShelves(groups: LaidGroup[], origin: Point): Record<string, Point> {
  const area = groups.reduce((a, g) => a + (g.width + GROUP_GAP) * (g.height + GROUP_GAP), 0);
  const limit = Math.max(Math.sqrt(area) * 1.6, ...groups.map((g) => g.width));
  const out: Record<string, Point> = {};
  let x = 0;
  let y = 0;
  let shelf = 0;
  for (const g of groups) {
    if (x > 0 && x + g.width > limit) {
      x = 0;
      y += shelf + GROUP_GAP;
      shelf = 0;
    }
    for (const [id, p] of Object.entries(g.positions)) out[id] = { x: Math.round(origin.x + x + p.x), y: Math.round(origin.y + y + p.y) };
    x += g.width + GROUP_GAP;
    shelf = Math.max(shelf, g.height);
  }
  return out;
}

/**
 * Where to draw every node: where the flow file puts it, the nodes without a
 * position laid out below the others, and any node that would lie on top of
 * one above it moved down just enough (saved layouts from elsewhere often have
 * nodes closer than their boxes are wide). Only what is shown: the document
 * changes when the user moves a node or tidies.
 */
export function arrange(doc: FlowDocument, sizeOf: Sizer): Record<string, Point> {
  const unplaced = doc.nodes.filter((n) => !n.position);
  const placed = doc.nodes.filter((n) => n.position);
  const top = placed.length ? Math.max(...placed.map((n) => n.position!.y + sizeOf(n).height)) + GROUP_GAP * 2 : 0;
  const left = placed.length ? Math.min(...placed.map((n) => n.position!.x)) : 0;
  const at: Record<string, Point> = unplaced.length ? layeredLayout(unplaced, sizeOf, { x: left, y: top }) : {};
  for (const n of placed) at[n.id] = n.position!;
  return separate(doc.nodes, at, sizeOf);
}

const MARGIN = 8;

/** Moves nodes down, top to bottom, until no box overlaps one already settled. */
function separate(nodes: readonly FlowNode[], at: Record<string, Point>, sizeOf: Sizer): Record<string, Point> {
  const order = [...nodes].sort((a, b) => at[a.id]!.y - at[b.id]!.y || at[a.id]!.x - at[b.id]!.x);
  const settled: { x: number; y: number; right: number; bottom: number }[] = [];
  const out: Record<string, Point> = {};
  for (const n of order) {
    const size = sizeOf(n);
    const p = { ...at[n.id]! };
    for (let moved = true; moved; ) {
      moved = false;
      for (const s of settled) {
        if (p.x < s.right + MARGIN && s.x < p.x + size.width + MARGIN && p.y < s.bottom + MARGIN && s.y < p.y + size.height + MARGIN) {
          p.y = s.bottom + MARGIN;
          moved = true;
        }
      }
    }
    settled.push({ x: p.x, y: p.y, right: p.x + size.width, bottom: p.y + size.height });
    out[n.id] = p;
  }
  return out;
}

/** The "Tidy" edit: every node laid out afresh. */
export function tidy(sizeOf: Sizer) {
  return (doc: FlowDocument): FlowDocument => {
    const at = layeredLayout(doc.nodes, sizeOf);
    return { ...doc, nodes: doc.nodes.map((n) => ({ ...n, position: at[n.id]! })) };
  };
}
