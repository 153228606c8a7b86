import type { Message, NodeContext } from "@wattflow/runtime";

type UserFunction = (
  msg: Message,
  node: object,
  context: NodeContext,
  env: (name: string) => string | undefined,
  flow: NodeContext,
  global: NodeContext,
) => Promise<unknown>;

const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor as new (...args: string[]) => UserFunction;

/** Compiles user code once at create time; a syntax error names the node and the line. */
export function compileUserCode(code: string, where: string): UserFunction {
  try {
    return new AsyncFunction("msg", "node", "context", "env", "flow", "global", `"use strict";\n${code}`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const line = lineOf(code, err);
    throw new Error(`${where}: syntax error in code${line ? ` near line ${line}` : ""}: ${message}`);
  }
}

/** V8 does not report the line of a syntax error from `new Function`; find it by compiling growing prefixes. */
function lineOf(code: string, _err: unknown): number | undefined {
  const lines = code.split("\n");
  for (let n = 1; n <= lines.length; n++) {
    try {
      new AsyncFunction(`${lines.slice(0, n).join("\n")}\n}`);
    } catch (e) {
      const text = e instanceof Error ? e.message : "";
      if (!/Unexpected end of input|Unexpected token '}'|missing \) after/.test(text)) return n;
    }
  }
  return undefined;
}
