/**
 * Declarative flow tests: a `<flow>.test.json` beside a flow file names
 * messages to inject at nodes, HTTP requests to the flow's routes, and what
 * must reach which nodes. Each test runs the real flow in-process with the
 * installed node types (an in-memory store, routes called without a socket).
 *
 *   { "tests": [{ "name": "stamps the site",
 *                 "inject": [{ "node": "stamp", "message": { "payload": 1 } }],
 *                 "expect": [{ "node": "show", "count": 1, "contains": { "site": "home" } }] }] }
 */
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { Type, type Static } from "@sinclair/typebox";
import type { Message } from "../engine/message.js";
import { describeAjvErrors } from "../flow/ajv-issues.js";
import { formatIssue } from "../flow/compile.js";
import { parseFlowText } from "../flow/load.js";
import type { FlowNode, FlowSubflow } from "../flow/types.js";
import type { Registry } from "../registry/registry.js";
import type { AnyConnectionDefinition, AnyNodeDefinition } from "../registry/define.js";
import { FlowRejected, startTestFlow, type TestFlow } from "./index.js";

const Checks = {
  /** A dotted path into the message (`payload.site`); the whole message when absent. */
  property: Type.Optional(Type.String()),
  /** Deep equality. */
  equals: Type.Optional(Type.Unknown()),
  /** Every field given must be there with this value (objects recursively; arrays element by element). */
  contains: Type.Optional(Type.Unknown()),
  /** A JSON Schema the value must satisfy. */
  schema: Type.Optional(Type.Object({})),
};

const NodeExpectation = Type.Object(
  {
    node: Type.String({ minLength: 1 }),
    /** Exactly this many messages reach the node. */
    count: Type.Optional(Type.Integer({ minimum: 0 })),
    /** At least this many. */
    minCount: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Check only this message (0 is the first); every message otherwise. */
    index: Type.Optional(Type.Integer({ minimum: 0 })),
    /** How long to wait for the messages, in ms (default 2000). */
    timeout: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    ...Checks,
  },
  { additionalProperties: false },
);

const HttpCheck = Type.Object(
  {
    request: Type.Object(
      {
        method: Type.Optional(Type.String()),
        path: Type.String({ pattern: "^/" }),
        query: Type.Optional(Type.Record(Type.String(), Type.String())),
        headers: Type.Optional(Type.Record(Type.String(), Type.String())),
        body: Type.Optional(Type.Unknown()),
      },
      { additionalProperties: false },
    ),
    status: Type.Optional(Type.Integer()),
    /** Answer headers that must be there with these values (names in lower case). */
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    ...Checks,
  },
  { additionalProperties: false },
);

const TestCase = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** Messages put on nodes' inputs, in order; each is followed until it and what it caused are done. */
    inject: Type.Optional(Type.Array(Type.Object({ node: Type.String({ minLength: 1 }), message: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false }))),
    /** Requests to the flow's routes, after the injected messages, in order. */
    http: Type.Optional(Type.Array(HttpCheck)),
    expect: Type.Optional(Type.Array(NodeExpectation)),
  },
  { additionalProperties: false },
);

/** The JSON Schema of a `.test.json` file. */
export const FlowTestFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    /** The flow file, relative to this one (default: this file's name without `.test`). */
    flow: Type.Optional(Type.String()),
    /** Environment for every test (the process environment is not used, so results do not depend on the machine). */
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
    timezone: Type.Optional(Type.String()),
    tests: Type.Array(TestCase, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type FlowTestFile = Static<typeof FlowTestFileSchema>;
type TestCaseSpec = Static<typeof TestCase>;
type Expectation = Static<typeof NodeExpectation>;
type HttpSpec = Static<typeof HttpCheck>;
type CheckSpec = { property?: string; equals?: unknown; contains?: unknown; schema?: Record<string, unknown> };

export interface FlowTestResult {
  name: string;
  ok: boolean;
  ms: number;
  /** What went wrong, one line each, naming the node (or route) and the message. */
  failures: string[];
}

export interface FlowTestFileResult {
  file: string;
  flowFile?: string;
  flowId?: string;
  /** A problem with the file itself (unreadable, not valid, its flow refused): no test ran. */
  error?: string;
  tests: FlowTestResult[];
}

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;
// Built on first use: the runtime loads this module with the CLI, and most commands never check a test file.
let testAjv: { ajv: Ajv; validateTestFile: ValidateFunction } | undefined;
function testSchemas(): { ajv: Ajv; validateTestFile: ValidateFunction } {
  if (!testAjv) {
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    addFormats(ajv);
    testAjv = { ajv, validateTestFile: ajv.compile(FlowTestFileSchema) };
  }
  return testAjv;
}

const TEST_SUFFIX = ".test.json";

/** The `.test.json` files under the given files and folders (folders searched recursively, `node_modules` skipped). */
export async function findFlowTests(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string): Promise<void> => {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new Error(`${path}: no such file or folder`);
    if (info.isFile()) {
      if (path.endsWith(TEST_SUFFIX)) out.push(path);
      // A flow file given directly stands for its test file.
      else if (path.endsWith(".json") && (await stat(path.replace(/\.json$/, TEST_SUFFIX)).catch(() => undefined))) out.push(path.replace(/\.json$/, TEST_SUFFIX));
      return;
    }
    for (const entry of (await readdir(path)).sort()) {
      if (entry === "node_modules" || entry.startsWith(".")) continue;
      const child = join(path, entry);
      if (entry.endsWith(TEST_SUFFIX) || (await stat(child)).isDirectory()) await walk(child);
    }
  };
  for (const p of paths) await walk(p);
  return [...new Set(out)];
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** Runs every test of one test file against the node types of `registry`. */
export async function runFlowTestFile(file: string, registry: Registry): Promise<FlowTestFileResult> {
  const result: FlowTestFileResult = { file, tests: [] };
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    return { ...result, error: `cannot read: ${err instanceof Error ? err.message : String(err)}` };
  }
  const parsedTests = parseFlowText(text, file);
  if (!parsedTests.ok) return { ...result, error: parsedTests.errors.map(formatIssue).join("; ") };
  const { validateTestFile } = testSchemas();
  if (!validateTestFile(parsedTests.value)) {
    const problems = describeAjvErrors(validateTestFile.errors ?? [], parsedTests.value).map((p) => `${p.pointer || "/"}: ${p.message}`);
    return { ...result, error: `not a flow test file: ${problems.join("; ")}` };
  }
  const spec = parsedTests.value as FlowTestFile;
  const flowFile = resolve(dirname(file), spec.flow ?? basename(file).slice(0, -TEST_SUFFIX.length) + ".json");
  result.flowFile = flowFile;
  const flowText = await readFile(flowFile, "utf8").catch(() => undefined);
  if (flowText === undefined) return { ...result, error: `cannot read its flow ${flowFile}` };
  const parsedFlow = parseFlowText(flowText, flowFile);
  if (!parsedFlow.ok) return { ...result, error: parsedFlow.errors.map(formatIssue).join("; ") };
  const flow = parsedFlow.value;
  if (!isObject(flow) || !Array.isArray(flow.nodes)) return { ...result, error: `${flowFile} holds no flow (no "nodes")` };
  result.flowId = typeof flow.id === "string" ? flow.id : undefined;

  // Names a test gives must be nodes of the flow: a typo should not read as "0 messages arrived".
  const nodeIds = new Set(flow.nodes.filter(isObject).map((n) => n.id).filter((id): id is string => typeof id === "string"));
  const unknown: string[] = [];
  spec.tests.forEach((t, i) => {
    t.inject?.forEach((x, j) => !nodeIds.has(x.node) && unknown.push(`/tests/${i}/inject/${j}/node: no node "${x.node}" in flow ${result.flowId}`));
    t.expect?.forEach((x, j) => !nodeIds.has(x.node) && unknown.push(`/tests/${i}/expect/${j}/node: no node "${x.node}" in flow ${result.flowId}`));
  });
  if (unknown.length > 0) return { ...result, error: unknown.join("; ") };

  const definitions = {
    nodes: registry.nodeTypes().map((t) => registry.node(t)).filter((d): d is AnyNodeDefinition => d !== undefined),
    connections: registry.catalog().connections.map((c) => registry.connection(c.type)).filter((d): d is AnyConnectionDefinition => d !== undefined),
  };
  for (const test of spec.tests) result.tests.push(await runCase(test, spec, flow, definitions, dirname(flowFile)));
  return result;
}

/** The id of the collector that sees what reaches `nodeId`. */
const observerOf = (nodeId: string): string => `wattflow-test-observes-${nodeId}`;

/** The flow's nodes plus a collector beside each observed node, wired from everything that feeds it. */
function withObservers(nodes: FlowNode[], observed: ReadonlySet<string>): FlowNode[] {
  const wired = nodes.map((n) =>
    n.wires ? { ...n, wires: n.wires.map((port) => (Array.isArray(port) ? [...port, ...port.filter((t) => observed.has(t)).map(observerOf)] : port)) } : n,
  );
  return [...wired, ...[...observed].map((id): FlowNode => ({ id: observerOf(id), type: "test-collect" }))];
}

async function runCase(
  test: TestCaseSpec,
  spec: FlowTestFile,
  flow: Record<string, unknown>,
  definitions: { nodes: AnyNodeDefinition[]; connections: AnyConnectionDefinition[] },
  baseDir: string,
): Promise<FlowTestResult> {
  const started = Date.now();
  const failures: string[] = [];
  const observed = new Set((test.expect ?? []).map((e) => e.node));
  let t: TestFlow | undefined;
  // Each test gets a scratch folder of its own, so files a flow writes never carry over from an earlier run.
  const scratch = await mkdtemp(join(tmpdir(), "wattflow-flow-test-"));
  try {
    t = await startTestFlow(
      {
        id: typeof flow.id === "string" ? flow.id : "test",
        env: isObject(flow.env) ? (flow.env as Record<string, string>) : undefined,
        connections: Array.isArray(flow.connections) ? (flow.connections as { id: string; type: string }[]) : [],
        ...(Array.isArray(flow.subflows) ? { subflows: flow.subflows as FlowSubflow[] } : {}),
        nodes: withObservers(flow.nodes as FlowNode[], observed),
      },
      { ...definitions, baseDir, env: withScratch({ ...spec.env, ...test.env }, scratch), ...(spec.timezone ? { timezone: spec.timezone } : {}) },
    );
    for (const [i, x] of (test.inject ?? []).entries()) {
      // Followed to its end (stored, answered), so the requests after it see its effects.
      const done = t.injectTracked(x.node, x.message);
      const settled = await Promise.race([done.then(() => true), delay(5000).then(() => false)]);
      if (!settled) failures.push(`inject ${i + 1} at node "${x.node}": not finished within 5000 ms`);
    }
    for (const check of test.http ?? []) failures.push(...(await checkHttp(t, check)));
    for (const e of test.expect ?? []) failures.push(...(await checkNode(t, e)));
  } catch (err) {
    failures.push(err instanceof FlowRejected ? err.message : `failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await t?.stop().catch((err: unknown) => failures.push(`stopping the flow failed: ${err instanceof Error ? err.message : String(err)}`));
    await rm(scratch, { recursive: true, force: true });
  }
  return { name: test.name, ok: failures.length === 0, ms: Date.now() - started, failures };
}

/** The test's environment with WATTFLOW_TEST_DIR (its scratch folder) set, and `${WATTFLOW_TEST_DIR}` in values replaced by it. */
function withScratch(env: Record<string, string>, scratch: string): Record<string, string> {
  const out: Record<string, string> = { WATTFLOW_TEST_DIR: scratch };
  for (const [k, v] of Object.entries(env)) out[k] = v.replaceAll("${WATTFLOW_TEST_DIR}", scratch);
  return out;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

async function checkNode(t: TestFlow, e: Expectation): Promise<string[]> {
  const observer = observerOf(e.node);
  const wanted = e.count ?? e.minCount ?? (e.index !== undefined ? e.index + 1 : 1);
  const timeout = e.timeout ?? 2000;
  const deadline = Date.now() + timeout;
  while (t.received(observer).length < wanted && Date.now() < deadline) await delay(10);
  // An exact count also means nothing more arrives a moment later.
  if (e.count !== undefined) await delay(Math.min(100, timeout));
  const messages = t.received(observer);
  const where = `node "${e.node}"`;
  if (e.count !== undefined && messages.length !== e.count) return [`${where}: expected ${e.count} message(s), got ${messages.length}${listed(messages)}`];
  if (messages.length < wanted) return [`${where}: expected at least ${wanted} message(s) within ${timeout} ms, got ${messages.length}${listed(messages)}`];
  const checked = e.index !== undefined ? [e.index] : messages.map((_, i) => i);
  const out: string[] = [];
  for (const i of checked) {
    const problem = checkValue(plain(messages[i]!), e);
    if (problem) out.push(`${where}, message ${i + 1} of ${messages.length}${e.property ? ` (${e.property})` : ""}: ${problem}; the message: ${shown(plain(messages[i]!), 300)}`);
  }
  return out;
}

async function checkHttp(t: TestFlow, check: HttpSpec): Promise<string[]> {
  const method = (check.request.method ?? "GET").toUpperCase();
  const where = `${method} ${check.request.path}`;
  const reply = await t.request(method, check.request.path, {
    ...(check.request.query ? { query: check.request.query } : {}),
    ...(check.request.headers ? { headers: Object.fromEntries(Object.entries(check.request.headers).map(([k, v]) => [k.toLowerCase(), v])) } : {}),
    ...(check.request.body !== undefined ? { body: check.request.body } : {}),
  });
  const out: string[] = [];
  if (check.status !== undefined && reply.status !== check.status) out.push(`${where}: status ${reply.status}, expected ${check.status}; the body: ${shown(reply.body, 300)}`);
  for (const [name, value] of Object.entries(check.headers ?? {})) {
    const got = Object.entries(reply.headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    if (got !== value) out.push(`${where}: header ${name} is ${shown(got)}, expected ${shown(value)}`);
  }
  const problem = checkValue({ body: reply.body }, { ...check, property: check.property ? `body.${check.property}` : "body" });
  if (problem) out.push(`${where}: the body${check.property ? ` (${check.property})` : ""}: ${problem}; the body: ${shown(reply.body, 300)}`);
  return out;
}

/** The message as plain JSON without its internal id, as a person would write it in a test. */
function plain(msg: Message): Record<string, unknown> {
  const { _msgid: _, ...rest } = msg;
  return JSON.parse(JSON.stringify(rest) ?? "{}") as Record<string, unknown>;
}

function checkValue(subject: Record<string, unknown>, c: CheckSpec): string | undefined {
  const value = c.property ? c.property.split(".").reduce<unknown>((v, k) => (isObject(v) || Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined), subject) : subject;
  if (c.equals !== undefined) {
    const m = mismatch(c.equals, value, "", true);
    if (m) return m;
  }
  if (c.contains !== undefined) {
    const m = mismatch(c.contains, value, "", false);
    if (m) return m;
  }
  if (c.schema !== undefined) {
    let validate: ValidateFunction;
    try {
      validate = testSchemas().ajv.compile(c.schema);
    } catch (err) {
      return `its schema is not valid: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (!validate(value)) return `does not match the schema: ${describeAjvErrors(validate.errors ?? [], value).map((p) => `${p.pointer || "/"} ${p.message}`).join("; ")}`;
  }
  return undefined;
}

/** Where `actual` first differs from `expected`, or undefined. `exact` also refuses extra fields. */
function mismatch(expected: unknown, actual: unknown, pointer: string, exact: boolean): string | undefined {
  const at = pointer || "/";
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `at ${at}: expected an array, got ${shown(actual)}`;
    if (expected.length !== actual.length) return `at ${at}: expected ${expected.length} item(s), got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(expected[i], actual[i], `${pointer}/${i}`, exact);
      if (m) return m;
    }
    return undefined;
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return `at ${at}: expected an object, got ${shown(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      if (!Object.hasOwn(actual, k)) return `at ${pointer}/${k}: missing (expected ${shown(v)})`;
      const m = mismatch(v, actual[k], `${pointer}/${k}`, exact);
      if (m) return m;
    }
    if (exact) {
      const extra = Object.keys(actual).filter((k) => !Object.hasOwn(expected, k));
      if (extra.length > 0) return `at ${at}: unexpected field(s) ${extra.join(", ")}`;
    }
    return undefined;
  }
  return Object.is(expected, actual) ? undefined : `at ${at}: expected ${shown(expected)}, got ${shown(actual)}`;
}

function shown(value: unknown, max = 80): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function listed(messages: readonly Message[]): string {
  return messages.length === 0 ? "" : `: ${messages.slice(0, 3).map((m) => shown(plain(m), 200)).join(", ")}${messages.length > 3 ? ", ..." : ""}`;
}

/** A report a person reads: each file, each test, each failure under its test. */
export function formatFlowTestReport(results: readonly FlowTestFileResult[], relativeTo: (path: string) => string = (p) => p): { text: string[]; passed: number; failed: number } {
  const text: string[] = [];
  let passed = 0;
  let failed = 0;
  for (const r of results) {
    text.push(`${relativeTo(r.file)}${r.flowId ? ` (flow ${r.flowId})` : ""}`);
    if (r.error) {
      failed += 1;
      text.push(`  FAIL  ${r.error}`);
      continue;
    }
    for (const t of r.tests) {
      if (t.ok) passed += 1;
      else failed += 1;
      text.push(`  ${t.ok ? "ok  " : "FAIL"}  ${t.name} (${t.ms} ms)`);
      for (const f of t.failures) text.push(`        ${f}`);
    }
  }
  text.push(`${passed + failed} test(s): ${passed} passed, ${failed} failed`);
  return { text, passed, failed };
}
