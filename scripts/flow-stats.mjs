#!/usr/bin/env node
/**
 * Measures the shipped flows against the budgets of a flow made of typed
 * nodes: how much custom JavaScript they hold, whether it is copied, and
 * whether every node has a tidy place on the editor's canvas.
 * `npm run flow-stats` prints the figures; flows/budgets.test.ts enforces them.
 *
 * Code lines: non-blank lines of function bodies (inline or in their files).
 * Duplicated lines: lines of at least MIN_DUPLICATE_LENGTH characters (trimmed)
 * that appear in more than one function body, in any shipped flow, each
 * occurrence counted.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Budgets from the project's plan; the test enforces those that hold. */
export const BUDGET = { functionNodes: 12, linesPerFunction: 20 };

/**
 * The longest expression that still reads as configuration. A longer one is a
 * program in a string: it belongs in one rule per field, a node, or a file.
 */
export const MAX_EXPRESSION_LENGTH = 160;

/**
 * The box the editor draws a node in, by the same rule as its layout
 * (editor/src/layout/auto-layout.ts): wide enough for the label, 130 to 240 px,
 * taller with more output ports.
 */
export const MAX_NODE_WIDTH = 240;
export function nodeSize(node) {
  const label = node.name ?? node.id;
  const width = Math.min(MAX_NODE_WIDTH, Math.max(130, Math.max(label.length * 7.6, node.type.length * 6) + 32));
  return { width, height: Math.max(42, Math.max(1, (node.wires ?? []).length) * 18 + 12) };
}

/** Markup that means a page was pasted into a string. */
const HTML = /<\s*(!doctype|html|head|body|script|style|div|table)\b/i;
/** Lines shorter than this (`}`, `return msg;`) are too common to count as copies. */
const MIN_DUPLICATE_LENGTH = 12;

/** The shipped flow files: flows/*.json and flows/agents/*.json, without the editor's *.test.json fixtures. */
export function shippedFlowFiles(flowsDir) {
  const out = [];
  for (const dir of [flowsDir, join(flowsDir, "agents")]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith(".json") && !f.endsWith(".test.json")) out.push(join(dir, f));
  }
  return out;
}

const codeLines = (text) => text.split("\n").filter((l) => l.trim() !== "");

/** Whether the string at `pointer` is a JSONata expression (a change rule's value or a switch rule's test). */
function isExpression(node, pointer) {
  const m = /^\/rules\/(\d+)\/value(\/[^/]+)?$/.exec(pointer);
  if (!m) return false;
  const rule = node.config?.rules?.[Number(m[1])];
  return m[2] ? rule?.valueType === "fields" : rule?.valueType === "jsonata" || rule?.op === "jsonata";
}

/** Every string in a config that is a program or a page, with where it is. */
function inlineCode(node) {
  const found = [];
  const walk = (value, pointer) => {
    if (typeof value === "string") {
      const isFunctionCode = node.type === "function" && pointer === "/code";
      if (value.includes("\n")) found.push({ pointer, why: isFunctionCode ? "a function body longer than one line (move it to a file)" : "a string of several lines" });
      else if (isExpression(node, pointer) && value.length > MAX_EXPRESSION_LENGTH)
        found.push({ pointer, why: `an expression of ${value.length} characters (over ${MAX_EXPRESSION_LENGTH}: one rule per field, a node, or a file)` });
      else if (HTML.test(value)) found.push({ pointer, why: "HTML markup (serve a page file with http-file)" });
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, `${pointer}/${k}`);
    }
  };
  walk(node.config ?? {}, "");
  return found;
}

/** Every node written in a flow file: its own and, once each, those of the subflows it defines (`<subflow>/<id>`). */
function writtenNodes(doc) {
  return [...(doc.nodes ?? []), ...(doc.subflows ?? []).flatMap((s) => (s.nodes ?? []).map((n) => ({ ...n, id: `${s.id}/${n.id}` })))];
}

/** Function bodies of one flow: inline code or the file it names (relative to the flow file). */
function functionBodies(file, doc) {
  return writtenNodes(doc)
    .filter((n) => n.type === "function")
    .map((n) => {
      const ref = n.config?.file;
      const text = typeof ref === "string" ? readFileSync(resolve(dirname(file), ref), "utf8") : String(n.config?.code ?? "return msg;");
      return { node: n.id, source: typeof ref === "string" ? ref : "inline", lines: codeLines(text) };
    });
}

/** Pairs of nodes whose boxes overlap at the editor's node size. */
function overlaps(doc) {
  const boxes = (doc.nodes ?? [])
    .filter((n) => n.position)
    .map((n) => ({ id: n.id, x: n.position.x, y: n.position.y, ...nodeSize(n) }));
  const out = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) out.push([a.id, b.id]);
    }
  }
  return out;
}

/** Wires drawn right to left that do not close a loop (a loop has to turn back somewhere). */
function backwardWires(doc) {
  const nodes = new Map((doc.nodes ?? []).map((n) => [n.id, n]));
  const reaches = (from, to) => {
    const seen = new Set([from]);
    const stack = [from];
    while (stack.length) {
      const id = stack.pop();
      if (id === to) return true;
      for (const next of (nodes.get(id)?.wires ?? []).flat()) if (!seen.has(next)) (seen.add(next), stack.push(next));
    }
    return false;
  };
  const out = [];
  for (const n of nodes.values()) {
    for (const target of (n.wires ?? []).flat()) {
      const t = nodes.get(target);
      if (!t?.position || !n.position || t.position.x > n.position.x) continue;
      if (!reaches(target, n.id)) out.push([n.id, target]);
    }
  }
  return out;
}

/** Figures and problems for every shipped flow under `flowsDir`. */
export function flowStats(flowsDir) {
  const flows = shippedFlowFiles(flowsDir).map((file) => {
    const doc = JSON.parse(readFileSync(file, "utf8"));
    return { file, name: relative(flowsDir, file), doc, bodies: functionBodies(file, doc) };
  });
  // A line is a copy when it appears in more than one function body, in any flow.
  const bodiesPerLine = new Map();
  for (const f of flows) {
    for (const b of f.bodies) {
      for (const line of new Set(b.lines.map((l) => l.trim()).filter((l) => l.length >= MIN_DUPLICATE_LENGTH))) {
        bodiesPerLine.set(line, (bodiesPerLine.get(line) ?? 0) + 1);
      }
    }
  }
  const seenBodies = new Map();
  const alike = [];
  for (const f of flows) {
    for (const b of f.bodies) {
      const key = b.lines.map((l) => l.trim()).join("\n");
      const where = `${f.name}#${b.node}`;
      if (seenBodies.has(key)) alike.push([seenBodies.get(key), where]);
      else seenBodies.set(key, where);
    }
  }
  const perFlow = flows.map((f) => ({
    flow: f.name,
    nodes: writtenNodes(f.doc).length,
    functionNodes: f.bodies.length,
    codeLines: f.bodies.reduce((sum, b) => sum + b.lines.length, 0),
    longestFunction: Math.max(0, ...f.bodies.map((b) => b.lines.length)),
    duplicatedLines: f.bodies.reduce((sum, b) => sum + b.lines.filter((l) => (bodiesPerLine.get(l.trim()) ?? 0) > 1).length, 0),
    inlineCode: writtenNodes(f.doc).flatMap((n) => inlineCode(n).map((p) => ({ node: n.id, ...p }))),
    withoutPosition: writtenNodes(f.doc).filter((n) => !n.position).map((n) => n.id),
    // A subflow is drawn on its own canvas.
    overlapping: [f.doc, ...(f.doc.subflows ?? [])].flatMap(overlaps),
    backwardWires: backwardWires(f.doc),
    functions: f.bodies.map((b) => ({ node: b.node, source: b.source, lines: b.lines.length })),
  }));
  const sum = (k) => perFlow.reduce((s, f) => s + f[k], 0);
  return {
    flows: perFlow,
    total: {
      nodes: sum("nodes"),
      functionNodes: sum("functionNodes"),
      codeLines: sum("codeLines"),
      longestFunction: Math.max(0, ...perFlow.map((f) => f.longestFunction)),
      duplicatedLines: sum("duplicatedLines"),
    },
    alikeBodies: alike,
  };
}

function print(stats) {
  const cols = ["flow", "nodes", "functionNodes", "codeLines", "longestFunction", "duplicatedLines"];
  const heads = ["flow", "nodes", "function nodes", "code lines", "longest function", "duplicated lines"];
  const rows = [...stats.flows.map((f) => cols.map((c) => String(f[c]))), cols.map((c) => (c === "flow" ? "all" : String(stats.total[c])))];
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ");
  console.log(line(heads));
  for (const r of rows) console.log(line(r));
  const t = stats.total;
  console.log(
    `\nbudget: function nodes ${t.functionNodes}/${BUDGET.functionNodes} ${t.functionNodes <= BUDGET.functionNodes ? "ok" : "over"}, ` +
      `longest function ${t.longestFunction}/${BUDGET.linesPerFunction} lines ${t.longestFunction <= BUDGET.linesPerFunction ? "ok" : "over"}`,
  );
  const problems = stats.flows.flatMap((f) => [
    ...f.inlineCode.map((p) => `${f.flow}: node ${p.node} config${p.pointer}: ${p.why}`),
    ...(f.withoutPosition.length ? [`${f.flow}: ${f.withoutPosition.length} nodes without a position`] : []),
    ...f.overlapping.map(([a, b]) => `${f.flow}: nodes ${a} and ${b} overlap`),
    ...f.backwardWires.map(([a, b]) => `${f.flow}: wire ${a} -> ${b} runs right to left`),
  ]);
  problems.push(...stats.alikeBodies.map(([a, b]) => `function bodies alike: ${a} and ${b}`));
  console.log(problems.length ? `\n${problems.length} problems:\n  ${problems.join("\n  ")}` : "\nno inline code or pages, no copied bodies, every node placed without overlap");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const flowsDir = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "flows"));
  print(flowStats(flowsDir));
}
