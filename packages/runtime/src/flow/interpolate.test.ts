import { describe, expect, it } from "vitest";
import { envReferences, interpolateDeep, interpolateString, type InterpolationContext } from "./index.js";
import { compiled, doc, errorLines } from "./__fixtures__/registry.js";

function context(env: Record<string, string | undefined>, defaults: Record<string, string> = {}): InterpolationContext & { issues: string[] } {
  const issues: string[] = [];
  return { env, defaults, issues, issue: (pointer, message) => issues.push(`${pointer}: ${message}`) };
}

describe("interpolation", () => {
  it("reads the process environment first, then the flow's env defaults", () => {
    const ctx = context({ A: "from-env" }, { A: "from-flow", B: "flow-only" });
    expect(interpolateString("${A}/${B}", "/x", ctx)).toBe("from-env/flow-only");
    expect(ctx.issues).toEqual([]);
  });

  it("uses ${NAME:-default} when the variable is unset or empty, as the shell does", () => {
    const ctx = context({ EMPTY: "" });
    expect(interpolateString("${NOPE:-5s}|${EMPTY:-x}|${NOPE:-}", "/x", ctx)).toBe("5s|x|");
    expect(ctx.issues).toEqual([]);
  });

  it("reads $${ as a literal ${", () => {
    const ctx = context({ X: "1" });
    expect(interpolateString("$${X} costs $5 ${X}", "/x", ctx)).toBe("${X} costs $5 1");
    expect(envReferences("$${X} ${Y:-2}")).toEqual([{ name: "Y", fallback: "2" }]);
  });

  it("names an unset variable and the JSON pointer of the string", () => {
    const ctx = context({});
    interpolateDeep({ a: ["ok", "${MISSING}"], "b/c": "${OTHER}" }, "/nodes/3/config", ctx);
    expect(ctx.issues).toEqual([
      "/nodes/3/config/a/1: environment variable MISSING is not set and the flow's env gives no default (write ${MISSING:-value} for one)",
      "/nodes/3/config/b~1c: environment variable OTHER is not set and the flow's env gives no default (write ${OTHER:-value} for one)",
    ]);
  });

  it("keeps an exact reference a string, whatever it looks like", () => {
    const ctx = context({ N: "60", B: "true" });
    expect(interpolateDeep({ n: "${N}", b: "${B}", keep: 3, nothing: null }, "", ctx)).toEqual({ n: "60", b: "true", keep: 3, nothing: null });
  });

  it("does not find names on Object.prototype, nor let __proto__ keys set a prototype", () => {
    const ctx = context({}, JSON.parse('{"A":"1"}') as Record<string, string>);
    expect(interpolateString("${constructor:-none}", "/x", ctx)).toBe("none");
    const out = interpolateDeep(JSON.parse('{"__proto__": {"polluted": "${A}"}}'), "", ctx) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__"]);
  });

  it("leaves strings that only look like references alone", () => {
    const ctx = context({});
    expect(interpolateString("${1abc} ${a b} ${", "/x", ctx)).toBe("${1abc} ${a b} ${");
    expect(ctx.issues).toEqual([]);
  });

  it("runs through compileFlow over node and connection configs", () => {
    const d = doc([{ id: "p", type: "poll", config: { interval: "${INTERVAL:-5s}", label: "$${LITERAL}", broker: "b" } }], {
      env: { URL: "mqtt://flow-default" },
      connections: [{ id: "b", type: "mqtt-broker", config: { url: "${URL}" } }],
    });
    const flow = compiled(d, { URL: "mqtt://process" });
    expect(flow.nodes[0]!.config).toMatchObject({ interval: "5s", label: "${LITERAL}" });
    expect(flow.connections[0]!.config.url).toBe("mqtt://process");
    expect(compiled(d).connections[0]!.config.url).toBe("mqtt://flow-default");
    expect(errorLines(doc([], { connections: [{ id: "b", type: "mqtt-broker", config: { url: "${BROKER_URL}" } }] }))).toEqual([
      "solar /connections/0/config/url: environment variable BROKER_URL is not set and the flow's env gives no default (write ${BROKER_URL:-value} for one)",
    ]);
  });
});
