import { deletePath, getPath, parsePath, setPath, type Message, type PathSegment } from "@wattflow/runtime";
import { compileExpression, type ExpressionScope } from "../shared/expression.js";
import { constantValue, type ValueTypeName } from "../shared/value.js";
import { setTopLevel } from "./set-top-level.js";

export interface RuleConfig {
  action: "set" | "delete" | "move" | "copy";
  path: string;
  to?: string;
  value?: unknown;
  valueType?: ValueTypeName | "jsonata" | "fields";
}

export type CompiledRule = (msg: Message) => Message;
/** A `set` from a JSONata expression: evaluation may await (context reads), so it is kept apart from the sync rules. */
export type AsyncRule = (msg: Message) => Promise<Message>;

/** Builds a `set` rule whose value is a JSONata expression over the whole message. */
export function compileExpressionRule(rule: RuleConfig, field: string, scope: ExpressionScope): AsyncRule {
  const path: PathSegment[] = parsePath(rule.path);
  const expression = compileExpression(String(rule.value), field, scope);
  return async (msg) => setPath(msg, path, await expression.evaluate(msg));
}

/**
 * Builds a `set` rule whose value is an object built field by field, each
 * field's value a JSONata expression: a shape reads as a table of short
 * expressions (one per line in the flow file, one row in the editor) rather
 * than one long object expression.
 */
export function compileFieldsRule(rule: RuleConfig, field: string, scope: ExpressionScope): AsyncRule {
  const path: PathSegment[] = parsePath(rule.path);
  const fields = Object.entries(rule.value as Record<string, string>).map(
    ([name, text]) => [name, compileExpression(text, `${field}.${name}`, scope)] as const,
  );
  return async (msg) => {
    const out: Record<string, unknown> = {};
    for (const [name, expression] of fields) {
      const value = await expression.evaluate(msg);
      // A field whose expression matches nothing is left out, as JSONata's own object constructor does.
      if (value !== undefined) out[name] = value;
    }
    return setPath(msg, path, out);
  };
}

/** Builds the per-message function for one rule; each returns a new message and leaves its input untouched. */
export function compileRule(rule: RuleConfig, env: (name: string) => string | undefined): CompiledRule {
  const path: PathSegment[] = parsePath(rule.path);
  switch (rule.action) {
    case "delete":
      return (msg) => deletePath(msg, path);
    case "move":
    case "copy": {
      const to = parsePath(rule.to!);
      const move = rule.action === "move";
      return (msg) => {
        const value = getPath(msg, path);
        const copied = setPath(msg, to, value);
        return move ? deletePath(copied, path) : copied;
      };
    }
    case "set": {
      const type = rule.valueType ?? "json";
      if (type === "jsonata" || type === "fields") throw new Error(`a ${type} rule is built by its own compiler`);
      const fixed = constantValue(rule.value, type, env);
      if (fixed.constant) {
        const value = fixed.value;
        // The hot path: a top-level property set with a constant.
        if (path.length === 1 && typeof path[0] === "string") return setTopLevel(path[0], value);
        return (msg) => setPath(msg, path, value);
      }
      if (type === "path") {
        const from = parsePath(String(rule.value));
        return (msg) => setPath(msg, path, getPath(msg, from));
      }
      if (type === "date") return (msg) => setPath(msg, path, new Date().toISOString());
      return (msg) => setPath(msg, path, Date.now());
    }
  }
}
