export const OPERATORS = ["eq", "neq", "lt", "lte", "gt", "gte", "between", "contains", "regex", "true", "false", "null", "nnull", "empty", "type", "jsonata", "else"] as const;
export type Operator = (typeof OPERATORS)[number];

export interface SwitchRule {
  op: Operator;
  value?: unknown;
  value2?: unknown;
}

export interface CompiledTest {
  otherwise: boolean;
  matches(value: unknown): boolean;
}

const typeOf = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** Numbers compare as numbers when both sides are numeric, else as strings (what a flow author expects of "10" vs 9). */
function compare(a: unknown, b: unknown): number {
  const na = typeof a === "number" ? a : Number(a);
  const nb = typeof b === "number" ? b : Number(b);
  if (a !== "" && b !== "" && a !== null && b !== null && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

export function compileTest(rule: SwitchRule, index: number): CompiledTest {
  const test = (matches: (v: unknown) => boolean): CompiledTest => ({ otherwise: false, matches });
  switch (rule.op) {
    case "eq":
      return test((v) => v === rule.value || (typeof v !== "object" && compare(v, rule.value) === 0 && typeOf(v) !== "undefined"));
    case "neq":
      return test((v) => !(v === rule.value || (typeof v !== "object" && compare(v, rule.value) === 0)));
    case "lt":
      return test((v) => v !== undefined && compare(v, rule.value) < 0);
    case "lte":
      return test((v) => v !== undefined && compare(v, rule.value) <= 0);
    case "gt":
      return test((v) => v !== undefined && compare(v, rule.value) > 0);
    case "gte":
      return test((v) => v !== undefined && compare(v, rule.value) >= 0);
    case "between":
      return test((v) => v !== undefined && compare(v, rule.value) >= 0 && compare(v, rule.value2) <= 0);
    case "contains":
      return test((v) => (Array.isArray(v) ? v.includes(rule.value) : typeof v === "string" && v.includes(String(rule.value))));
    case "regex": {
      let re: RegExp;
      try {
        re = new RegExp(String(rule.value));
      } catch (err) {
        throw new Error(`rule ${index + 1}: invalid regular expression: ${err instanceof Error ? err.message : String(err)}`);
      }
      return test((v) => typeof v === "string" && re.test(v));
    }
    case "true":
      return test((v) => v === true);
    case "false":
      return test((v) => v === false);
    case "null":
      return test((v) => v === null || v === undefined);
    case "nnull":
      return test((v) => v !== null && v !== undefined);
    case "empty":
      return test((v) => v === "" || (Array.isArray(v) && v.length === 0) || (typeOf(v) === "object" && Object.keys(v as object).length === 0));
    case "type":
      return test((v) => typeOf(v) === rule.value);
    case "jsonata":
      // Evaluated by the node (asynchronously, over the whole message), not here.
      return test(() => false);
    case "else":
      return { otherwise: true, matches: () => false };
  }
}
