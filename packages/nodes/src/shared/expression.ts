import { createRequire } from "node:module";
import { join } from "node:path";
import type jsonataLibrary from "jsonata";
import { MessageError, defaultCacheDir, installedVersion, type Message, type NodeContext } from "@wattflow/runtime";
import { isUtc } from "./calendar.js";
import { KnownExpressions } from "./known-expressions.js";
import { distinct } from "./jsonata-distinct.js";

// Required at the first expression compiled, so flows without JSONata never load the library. The package's
// minified build of the same version: V8 keeps a loaded script's source in the heap, and the readable build's
// 300 KB (stored as two-byte text: 600 KB) cost about 450 KB more heap than the minified one.
let library: typeof jsonataLibrary | undefined;
function jsonata(...args: Parameters<typeof jsonataLibrary>): ReturnType<typeof jsonataLibrary> {
  library ??= createRequire(import.meta.url)("jsonata/jsonata.min.js") as typeof jsonataLibrary;
  const expr = library(...args);
  detachFromParser(expr.ast());
  return expr;
}

/**
 * JSONata builds its syntax tree from objects whose prototypes are the parser's token symbols, and those
 * symbols' functions hold the whole parser of that one expression (its symbol table, lexer and source): about
 * 11 KB per compiled expression that evaluation never reads (180 expressions in the shipped flows: ~2 MB of
 * heap). Evaluation reads only the tree nodes' own fields, so each node becomes a plain object and the parser
 * can be collected.
 */
export function detachFromParser(ast: object): void {
  const seen = new Set<object>();
  const pending: object[] = [ast];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (seen.has(node)) continue;
    seen.add(node);
    const proto: unknown = Object.getPrototypeOf(node);
    if (proto !== null && proto !== Object.prototype && !Array.isArray(node) && typeof proto === "object" && "nud" in proto) {
      const record = node as Record<string, unknown>;
      // The symbol's own fields (`id`, `value`, `lbp`) stay readable where the node has none of its own.
      for (const key in record) if (!Object.hasOwn(record, key) && typeof record[key] !== "function") record[key] = record[key];
      Object.setPrototypeOf(node, Object.prototype);
    }
    for (const value of Object.values(node)) {
      if (value !== null && typeof value === "object" && (Array.isArray(value) || isTreeNode(value))) pending.push(value);
    }
  }
}

/** A syntax tree node or plain record (not a RegExp, Date or other built-in object the tree may carry). */
function isTreeNode(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || (typeof proto === "object" && "nud" in proto);
}

/** What an expression may read besides the message: `$env`, `$flowContext`, `$globalContext`. */
export interface ExpressionScope {
  env(name: string): string | undefined;
  readonly flowContext: NodeContext;
  readonly globalContext: NodeContext;
}

/** A JSONata expression compiled once; `evaluate` gets the whole message as `$`. */
export interface CompiledExpression {
  evaluate(msg: Message): Promise<unknown>;
}

/** JSONata reports errors as plain objects: `{ code, position, token, message }`. */
interface JsonataError {
  code?: string;
  position?: number;
  message?: string;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  const e = err as JsonataError;
  const at = typeof e.position === "number" ? ` (at character ${e.position})` : "";
  return `${e.message ?? String(err)}${at}${e.code ? ` [${e.code}]` : ""}`;
}

/**
 * Expressions the deploy-time check has parsed, kept for the node created right after it: a flow's
 * expressions are parsed once per deploy, not twice (parsing is most of their cost at start). Each is handed
 * out once, since a node binds its own functions into it; a check not followed by a compile (an editor's
 * validation) leaves its entry here, so the map is capped.
 */
const checked = new Map<string, ReturnType<typeof jsonata>>();
const CHECKED_LIMIT = 500;

let knownList: KnownExpressions | undefined;
/**
 * Expressions that parsed at an earlier deploy (see KnownExpressions); kept beside the validators, one list per
 * JSONata and V8 version: a regular expression literal is parsed by V8, whose syntax grows between versions.
 */
function known(): KnownExpressions {
  if (!knownList) {
    const dir = defaultCacheDir();
    const version = installedVersion("jsonata", import.meta.url);
    knownList = new KnownExpressions(dir === null ? null : join(dir, "expressions", `jsonata-${version}-v8-${process.versions.v8}.json`));
  }
  return knownList;
}

/** Writes the list of expressions known to parse now (tests; a runtime writes it shortly after a deploy). */
export async function keepKnownExpressions(): Promise<void> {
  await knownList?.flush();
}

/** The syntax problem of an expression, in words, or undefined when it compiles. For deploy-time checks. */
export function expressionProblem(text: unknown, field: string): string | undefined {
  if (typeof text !== "string" || text.trim() === "") return `${field}: a JSONata expression (a non-empty string) is required`;
  // Parsed at an earlier deploy: it parses; its node parses it when it first evaluates it.
  if (known().has(text)) return undefined;
  try {
    const expr = jsonata(text);
    known().add(text);
    if (!checked.has(text)) {
      if (checked.size >= CHECKED_LIMIT) checked.clear();
      checked.set(text, expr);
    }
    return undefined;
  } catch (err) {
    return `${field}: JSONata syntax error: ${describe(err)}`;
  }
}

/**
 * Past this an evaluation is stopped (checked at each step of it): every flow shares one event loop, and an
 * expression that loops would otherwise stall them all. JSONata itself has no time option; its evaluator calls
 * the `__evaluate_entry`/`__evaluate_exit` hooks at every step, which is where the guard sits.
 */
export const EXPRESSION_TIMEOUT_MS = 5000;

/**
 * Past this many steps under way at once an evaluation is stopped. Each costs about 1.8 KB of pending promises,
 * so this bounds what one evaluation holds (about 110 MB): JSONata's evaluation is asynchronous, so a function
 * calling itself without end never overflows the stack (it nests about 3 steps per call), and grouping evaluates
 * every group at once (3 steps per key for one sum, 13 for an object of four statistics). Recursion about 20,000
 * calls deep fits, and so does a day of 30-second readings grouped by time with four statistics each (37,000).
 */
export const EXPRESSION_MAX_PENDING_STEPS = 60_000;

/** One evaluation's budget, handed to the hooks through the call's bindings (the hooks are shared by every call). */
interface EvaluationGuard {
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Steps entered and not yet left. */
  pending: number;
}
const GUARD_BINDING = "__wattflowEvaluationGuard";
const ENTRY_HOOK = Symbol.for("jsonata.__evaluate_entry");
const EXIT_HOOK = Symbol.for("jsonata.__evaluate_exit");

interface HookEnvironment {
  lookup(name: string): unknown;
}

/**
 * Every step is counted and timed. JSONata's own flag for side-by-side branches (`isParallelCall`) is not a
 * guide: it is shared by the branches and stays set on the frame afterwards, so skipping the steps it marks
 * both lost count (valid expressions over long arrays failed) and let a loop after an array constructor run
 * unchecked for good.
 */
function checkGuard(environment: HookEnvironment, step: 1 | -1): void {
  const guard = environment.lookup(GUARD_BINDING) as EvaluationGuard | undefined;
  if (!guard) return;
  guard.pending += step;
  if (guard.pending > EXPRESSION_MAX_PENDING_STEPS) {
    throw new Error(`stopped with ${EXPRESSION_MAX_PENDING_STEPS} steps under way at once (a function that calls itself without end, or grouping into too many keys?)`);
  }
  if (Date.now() > guard.deadline) throw new Error(`stopped after ${guard.timeoutMs} ms (the time limit of an expression)`);
}

/** Installs the per-step hooks that stop an evaluation past its time or nesting budget. */
function guarded(expr: ReturnType<typeof jsonata>): ReturnType<typeof jsonata> {
  // The library's typings name bindings by string; its evaluator looks these two up by symbol.
  expr.assign(ENTRY_HOOK as unknown as string, (_node: unknown, _input: unknown, environment: HookEnvironment) => checkGuard(environment, 1));
  expr.assign(EXIT_HOOK as unknown as string, (_node: unknown, _input: unknown, environment: HookEnvironment) => checkGuard(environment, -1));
  return expr;
}

/**
 * Compiles at deploy (the config check has already refused syntax errors); an expression that parsed at an
 * earlier deploy (KnownExpressions) is parsed when it first runs instead. An evaluation error rejects with an
 * Error naming the field, so the node can hand it to `done` and the flow's catch nodes see it.
 */
export function compileExpression(text: string, field: string, scope: ExpressionScope, timeoutMs = EXPRESSION_TIMEOUT_MS): CompiledExpression {
  let expr: ReturnType<typeof jsonata> | undefined;
  if (timeoutMs === EXPRESSION_TIMEOUT_MS) {
    expr = checked.get(text);
    checked.delete(text);
  }
  const parse = (): ReturnType<typeof jsonata> => withScope(jsonata(text), scope);
  let ready = expr ? withScope(expr, scope) : undefined;
  if (!ready && !known().has(text)) {
    // Not known to parse: parsed now, so a syntax error fails the deploy rather than the first message.
    try {
      ready = parse();
    } catch (err) {
      throw new Error(`${field}: JSONata syntax error: ${describe(err)}`);
    }
    known().add(text);
  }
  return {
    async evaluate(msg) {
      try {
        // An expression known to parse is parsed when it first runs.
        ready ??= parse();
        const guard: EvaluationGuard = { deadline: Date.now() + timeoutMs, timeoutMs, pending: 0 };
        return toPlain(await ready.evaluate(msg, { [GUARD_BINDING]: guard }));
      } catch (err) {
        // The same message gives the same failure again: a source parks it rather than asking for it again.
        throw new MessageError(`${field}: JSONata evaluation failed: ${describe(err)}`);
      }
    },
  };
}

/** The expression with the functions it may call besides JSONata's own. */
function withScope(expr: ReturnType<typeof jsonata>, scope: ExpressionScope): ReturnType<typeof jsonata> {
  guarded(expr);
  expr.assign("env", (name: unknown) => scope.env(String(name)));
  expr.assign("localDate", localDate);
  // With JSONata's own signature for it, so a call with the wrong arguments fails as it would.
  expr.registerFunction("distinct", distinct, "<x:x>");
  // Awaited so a store whose context reads are asynchronous works the same.
  expr.assign("flowContext", async (key: unknown) => toPlain(await scope.flowContext.get(String(key))));
  expr.assign("globalContext", async (key: unknown) => toPlain(await scope.globalContext.get(String(key))));
  return expr;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
const FIRST_4_DIGIT_YEAR = Date.UTC(1000, 0, 1);
const FIRST_5_DIGIT_YEAR = Date.UTC(10000, 0, 1);

/**
 * `$localDate(millis, timeZone)`: the calendar day ("2026-01-15") of a time in
 * a named time zone (JSONata's own `$fromMillis` knows only fixed offsets).
 */
function localDate(millis: unknown, timeZone?: unknown): string | undefined {
  if (typeof millis !== "number" || !Number.isFinite(millis)) return undefined;
  const zone = typeof timeZone === "string" && timeZone !== "" ? timeZone : "UTC";
  // UTC without Intl (see isUtc): the ISO date is the same text for four-digit years.
  if (isUtc(zone) && millis >= FIRST_4_DIGIT_YEAR && millis < FIRST_5_DIGIT_YEAR) return new Date(millis).toISOString().slice(0, 10);
  let format = dateFormats.get(zone);
  if (!format) {
    // Throws a RangeError naming the zone when it is unknown: an evaluation error the node reports.
    format = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
    dateFormats.set(zone, format);
  }
  return format.format(new Date(millis));
}

/** The properties JSONata puts on the arrays it builds. */
const SEQUENCE_MARKS = ["sequence", "keepSingleton", "outerWrapper", "tupleStream"];
const isMarked = (a: unknown[]): boolean => SEQUENCE_MARKS.some((k) => Object.hasOwn(a, k));

/**
 * JSONata marks the arrays it builds with extra properties (`sequence`,
 * `keepSingleton`) and may return functions; a message carries plain data
 * only. What needs no change is returned as it is (parts taken unchanged from
 * the message are shared); only what does is copied.
 */
export function toPlain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return typeof value === "function" ? undefined : value;
  if (Object.isFrozen(value)) return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    let out: unknown[] | undefined = isMarked(value) ? value.slice() : undefined;
    for (let i = 0; i < value.length; i++) {
      const plain = toPlain(value[i]);
      if (plain !== value[i]) (out ??= value.slice())[i] = plain;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const plain = toPlain(v);
    if (plain === v) continue;
    out ??= copyOf(value as Record<string, unknown>);
    if (plain === undefined) delete out[k];
    else out[k] = plain;
  }
  return out ?? value;
}

/** A shallow copy, keeping a parsed "__proto__" key as data (assigning it would set the copy's prototype). */
function copyOf(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "__proto__") Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

/** JSONata's own truthiness (`$boolean`): empty strings, arrays, objects, 0, null and functions are false. */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.some(isTruthy);
  switch (typeof value) {
    case "string":
      return value.length > 0;
    case "number":
      return value !== 0;
    case "boolean":
      return value;
    case "object":
      return Object.keys(value).length > 0;
    default:
      return false;
  }
}
