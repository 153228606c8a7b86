/** Syntax checks of function code in the browser, so a typo is shown while typing and before a deploy is asked for. */
import type { FlowDocument, FlowNode } from "../../../packages/runtime/src/flow/types.js";

type Compile = new (...args: string[]) => unknown;
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor as Compile;
/** The parameters the runtime compiles function code with: a body that uses one of them must still parse. */
const PARAMS = ["msg", "node", "context", "env", "flow", "global"];

/** The syntax error of a function body, with its line when it can be found, or null when the body parses. */
export function javascriptSyntaxError(code: string): string | null {
  try {
    new AsyncFunction(...PARAMS, `"use strict";\n${code}`);
    return null;
  } catch (err) {
    if (!(err instanceof SyntaxError)) return null;
    const line = lineOf(code);
    return `syntax error${line ? ` near line ${line}` : ""}: ${err.message}`;
  }
}

/** Compiling growing prefixes finds the first line that no continuation can repair (engines do not report it). */
function lineOf(code: string): number | undefined {
  const lines = code.split("\n");
  for (let n = 1; n <= lines.length; n++) {
    try {
      new AsyncFunction(`"use strict";\n${lines.slice(0, n).join("\n")}\n}`);
    } catch (e) {
      const text = e instanceof Error ? e.message : "";
      if (!/Unexpected end of input|Unexpected token '}'|missing \) after|expected expression, got '}'|end of script/i.test(text)) return n;
    }
  }
  return undefined;
}

export interface CodeProblem {
  nodeId: string;
  pointer: string;
  message: string;
}

/** Syntax errors in the code of every function node of a flow, its subflows' inner nodes included. */
export function codeProblems(doc: FlowDocument): CodeProblem[] {
  type Located = [id: string, pointer: string, node: FlowNode];
  const inner = (doc.subflows ?? []).flatMap((s, si) => s.nodes.map((n, ni): Located => [`${s.id}/${n.id}`, `/subflows/${si}/nodes/${ni}`, n]));
  const all: Located[] = [...doc.nodes.map((n, i): Located => [n.id, `/nodes/${i}`, n]), ...inner];
  const out: CodeProblem[] = [];
  for (const [id, pointer, node] of all) {
    const code = node.config?.code;
    if (node.type !== "function" || typeof code !== "string" || node.config?.file !== undefined) continue;
    const error = javascriptSyntaxError(code);
    if (error) out.push({ nodeId: id, pointer: `${pointer}/config/code`, message: error });
  }
  return out;
}
