#!/usr/bin/env node
/**
 * Writes a tidy left-to-right position into every node of the shipped flows:
 * each connected group of nodes in columns by the longest path from its
 * sources (loops are cut where they turn back), rows within a column ordered
 * by where their inputs sit, groups stacked top to bottom in file order.
 * Run it after adding nodes: `node scripts/layout-flows.mjs [flow files…]` (default: every shipped flow).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MAX_NODE_WIDTH, nodeSize, shippedFlowFiles } from "./flow-stats.mjs";

const ORIGIN = { x: 80, y: 80 };
/** Every column as wide as the widest node box, so no two columns can touch. */
const COLUMN_PITCH = MAX_NODE_WIDTH + 60;
const ROW_GAP = 24;
const GROUP_GAP = 60;

/** Positions by node id for one flow document. */
export function layout(doc) {
  const nodes = doc.nodes ?? [];
  const order = new Map(nodes.map((n, i) => [n.id, i]));
  const targets = (n) => [...new Set((n.wires ?? []).flat())].filter((t) => order.has(t) && t !== n.id);
  const succ = new Map(nodes.map((n) => [n.id, targets(n)]));

  // Edges that close a loop (found by a depth-first walk in file order) are left out of the layering.
  const forward = new Map(nodes.map((n) => [n.id, []]));
  const state = new Map();
  const visit = (id) => {
    state.set(id, "open");
    for (const t of succ.get(id)) {
      if (state.get(t) === "open") continue;
      forward.get(id).push(t);
      if (!state.has(t)) visit(t);
    }
    state.set(id, "done");
  };
  for (const n of nodes) if (!state.has(n.id)) visit(n.id);
  const pred = new Map(nodes.map((n) => [n.id, []]));
  for (const [from, tos] of forward) for (const t of tos) pred.get(t).push(from);

  const layer = new Map();
  const layerOf = (id) => {
    if (!layer.has(id)) layer.set(id, Math.max(-1, ...pred.get(id).map(layerOf)) + 1);
    return layer.get(id);
  };
  nodes.forEach((n) => layerOf(n.id));

  // Connected groups, each starting at its first node in the file.
  const group = new Map();
  for (const n of nodes) {
    if (group.has(n.id)) continue;
    const stack = [n.id];
    group.set(n.id, n.id);
    while (stack.length) {
      const id = stack.pop();
      for (const next of [...succ.get(id), ...nodes.filter((m) => succ.get(m.id).includes(id)).map((m) => m.id)]) {
        if (!group.has(next)) (group.set(next, n.id), stack.push(next));
      }
    }
  }

  const positions = {};
  let top = ORIGIN.y;
  for (const head of [...new Set(nodes.map((n) => group.get(n.id)))]) {
    const members = nodes.filter((n) => group.get(n.id) === head);
    const columns = [];
    for (const n of members) (columns[layer.get(n.id)] ??= []).push(n);
    const row = new Map();
    let bottom = top;
    columns.forEach((column, c) => {
      // Rows follow the mean row of a node's inputs, so wires run as straight as they can.
      const weight = (n) => {
        const rows = pred.get(n.id).map((p) => row.get(p)).filter((r) => r !== undefined);
        return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : order.get(n.id) / nodes.length;
      };
      column.sort((a, b) => weight(a) - weight(b) || order.get(a.id) - order.get(b.id));
      let y = top;
      column.forEach((n, i) => {
        row.set(n.id, i);
        positions[n.id] = { x: ORIGIN.x + c * COLUMN_PITCH, y };
        y += nodeSize(n).height + ROW_GAP;
      });
      bottom = Math.max(bottom, y);
    });
    top = bottom - ROW_GAP + GROUP_GAP;
  }
  return positions;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Flow files given on the command line, or every shipped flow.
  const given = process.argv.slice(2).map((f) => resolve(f));
  const files = given.length ? given : shippedFlowFiles(join(dirname(fileURLToPath(import.meta.url)), "..", "flows"));
  for (const file of files) {
    const doc = JSON.parse(readFileSync(file, "utf8"));
    const positions = layout(doc);
    doc.nodes = (doc.nodes ?? []).map((n) => ({ ...n, position: positions[n.id] }));
    // Each subflow is laid out on its own canvas, as the editor shows it.
    if (doc.subflows) {
      doc.subflows = doc.subflows.map((s) => {
        const inner = layout(s);
        return { ...s, nodes: (s.nodes ?? []).map((n) => ({ ...n, position: inner[n.id] })) };
      });
    }
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`${file}: ${doc.nodes.length} nodes placed`);
  }
}
