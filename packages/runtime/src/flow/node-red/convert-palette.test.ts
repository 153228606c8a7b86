import { describe, expect, it } from "vitest";
import { convertNodeRed, type NodeRedNode } from "./convert.js";

/** Converts one Node-RED node on its own tab; returns its Wattflow type and config, and the import's warnings. */
function one(node: Omit<NodeRedNode, "id" | "z">) {
  const r = convertNodeRed([{ id: "t", type: "tab", label: "T" }, { id: "n1", z: "t", wires: [], ...node }]);
  const n = r.flows[0]!.nodes[0]!;
  return { type: n.type, config: n.config, warnings: r.warnings, unsupported: r.unsupported };
}

describe("Node-RED import of the core palette", () => {
  it("rbe → filter: each comparison, percent bands, input reference, start value", () => {
    expect(one({ type: "rbe", func: "rbe", gap: "", property: "payload", septopics: true })).toMatchObject({ type: "filter", config: { mode: "changed", perTopic: true } });
    expect(one({ type: "rbe", func: "rbei", septopics: false }).config).toMatchObject({ mode: "changed-ignore-first", perTopic: false });
    expect(one({ type: "rbe", func: "deadband", gap: "5", inout: "out" }).config).toMatchObject({ mode: "deadband", band: 5, bandUnit: "absolute", inclusive: false, compareTo: "last-output" });
    expect(one({ type: "rbe", func: "deadbandEq", gap: "10%", inout: "in" }).config).toMatchObject({ mode: "deadband", band: 10, bandUnit: "percent", inclusive: true, compareTo: "last-input" });
    expect(one({ type: "rbe", func: "narrowband", gap: "2", start: "20" }).config).toMatchObject({ mode: "narrowband", band: 2, inclusive: true, startValue: 20 });
    expect(one({ type: "rbe", func: "narrowbandEq", gap: "2" }).config).toMatchObject({ mode: "narrowband", inclusive: false });
  });

  it("delay: fixed, msg.delay, random, rate with drop, per topic", () => {
    expect(one({ type: "delay", pauseType: "delay", timeout: "5", timeoutUnits: "seconds" }).config).toEqual({ mode: "delay", delay: "5000ms" });
    expect(one({ type: "delay", pauseType: "delayv", timeout: "200", timeoutUnits: "milliseconds" }).config).toEqual({ mode: "delay", delay: "200ms", delayOverride: true });
    expect(one({ type: "delay", pauseType: "random", randomFirst: "1", randomLast: "2", randomUnits: "minutes" }).config).toEqual({ mode: "random", min: "60000ms", max: "120000ms" });
    expect(one({ type: "delay", pauseType: "rate", rate: "3", nbRateUnits: "2", rateUnits: "second", drop: true }).config).toEqual({ mode: "rate", rate: 3, per: "2000ms", drop: true });
    const queue = one({ type: "delay", pauseType: "queue", rate: "2", nbRateUnits: "1", rateUnits: "second" });
    expect(queue.config).toEqual({ mode: "rate-per-topic", per: "500ms", release: "each" });
    expect(queue.warnings.some((w) => w.includes("per topic"))).toBe(true);
    expect(one({ type: "delay", pauseType: "timed", rate: "1", nbRateUnits: "1", rateUnits: "minute" }).config).toEqual({ mode: "rate-per-topic", per: "60000ms", release: "all" });
  });

  it("trigger: values and messages, extend, reset, per topic; unsupported options are reported", () => {
    expect(one({ type: "trigger", op1: "1", op2: "0", op1type: "str", op2type: "str", duration: "250", units: "ms" }).config).toEqual({
      wait: "250ms",
      extend: false,
      perTopic: false,
      first: "value",
      firstValue: "1",
      second: "value",
      secondValue: "0",
    });
    const t = one({ type: "trigger", op1: "", op2: "5", op1type: "pay", op2type: "num", duration: "2", units: "min", extend: true, reset: "stop", bytopic: "topic" });
    expect(t.config).toEqual({ wait: "120000ms", extend: true, perTopic: true, first: "message", second: "value", secondValue: 5, resetPayload: "stop" });
    expect(one({ type: "trigger", op1type: "nul", op2type: "payl", duration: "0" }).config).toMatchObject({ first: "nothing", second: "latest", wait: "0ms" });
    expect(one({ type: "trigger", op1type: "flow", op1: "x", op2type: "nul", duration: "-5", units: "s" }).warnings.join("\n")).toMatch(/resend every[\s\S]*read at send time/);
  });

  it("split and join: delimiters, lengths, key names; manual and reduce joins", () => {
    expect(one({ type: "split", splt: "\\n", spltType: "str", arraySplt: 1, arraySpltType: "len", stream: false, addname: "topic" }).config).toEqual({ delimiter: "\\n", keyProperty: "topic" });
    expect(one({ type: "split", splt: "4", spltType: "len", arraySplt: 1 }).config).toEqual({ chunkLength: 4 });
    expect(one({ type: "split", splt: ",", spltType: "str", arraySplt: 3 }).config).toEqual({ chunkLength: 3, delimiter: "," });
    expect(one({ type: "join", mode: "auto", timeout: "" }).config).toEqual({ mode: "auto" });
    expect(one({ type: "join", mode: "custom", build: "object", property: "payload", key: "topic", joiner: ",", count: "4", timeout: "2" }).config).toEqual({
      mode: "manual",
      build: "object",
      count: 4,
      joiner: ",",
      timeout: "2000ms",
    });
    expect(one({ type: "join", mode: "reduce", reduceExp: "$A+payload", reduceFixup: "$A/$N" }).config).toEqual({ mode: "reduce", operation: "mean" });
    expect(one({ type: "join", mode: "reduce", reduceExp: "$max([$A,payload])", reduceFixup: "" }).config).toEqual({ mode: "reduce", operation: "max" });
    expect(one({ type: "join", mode: "reduce", reduceExp: "$A*payload" }).warnings.some((w) => w.includes("has no counterpart"))).toBe(true);
  });

  it("batch, sort, range, json, smooth, comment and complete", () => {
    expect(one({ type: "batch", mode: "count", count: 5, overlap: 1 }).config).toEqual({ mode: "count", count: 5, overlap: 1 });
    expect(one({ type: "batch", mode: "interval", interval: 30, allowEmpty: true }).config).toEqual({ mode: "interval", interval: "30000ms", allowEmpty: true });
    expect(one({ type: "sort", target: "payload", targetType: "msg", msgKey: "payload", msgKeyType: "elem", order: "descending", as_num: true }).config).toEqual({ order: "descending", numeric: true });
    expect(one({ type: "sort", target: "payload", targetType: "msg", msgKey: "watts", msgKeyType: "jsonata", order: "ascending" }).config).toEqual({ order: "ascending", numeric: false, key: "watts" });
    expect(one({ type: "sort", targetType: "seq", seqKey: "topic", seqKeyType: "msg" }).config).toEqual({ order: "ascending", numeric: false, target: "sequence", key: "topic" });
    expect(one({ type: "range", minin: "4", maxin: "20", minout: "0", maxout: "10", action: "roll", round: true, property: "payload" }).config).toEqual({
      action: "wrap",
      inMin: 4,
      inMax: 20,
      outMin: 0,
      outMax: 10,
      round: true,
      property: "payload",
    });
    expect(one({ type: "json", action: "obj", property: "payload", pretty: false }).config).toEqual({ action: "parse", property: "payload", pretty: false });
    expect(one({ type: "json", action: "", schema: "{}" }).warnings.some((w) => w.includes("validate"))).toBe(true);
    expect(one({ type: "smooth", action: "low", count: "5", round: "2", mult: "multi", reduce: false, property: "payload" }).config).toEqual({
      action: "low-pass",
      count: 5,
      reduce: false,
      perTopic: true,
      property: "payload",
      round: 2,
    });
    expect(one({ type: "comment", name: "note", info: "why" })).toMatchObject({ type: "comment", config: { text: "why" }, unsupported: [] });
    expect(one({ type: "complete", scope: ["w.1", "w.2"], uncaught: false }).config).toEqual({ scope: ["w_1", "w_2"] });
  });

  it("JSONata change and switch rules: a switch rule matches only on true, as it did; functions Wattflow lacks are named", () => {
    const sw = one({ type: "switch", property: "payload", rules: [{ t: "jsonata_exp", v: "payload.name", vt: "jsonata" }, { t: "else" }], checkall: "false" });
    expect(sw.config).toMatchObject({ rules: [{ op: "jsonata", value: "(payload.name) = true" }, { op: "else" }] });
    expect(sw.warnings).toEqual([]);
    const ch = one({ type: "change", rules: [{ t: "set", p: "payload.at", pt: "msg", to: "$moment().format()", tot: "jsonata" }] });
    expect(ch.config).toEqual({ rules: [{ action: "set", path: "payload.at", value: "$moment().format()", valueType: "jsonata" }] });
    expect(ch.warnings).toEqual(["n1: change rule setting payload.at uses $moment, which Wattflow's JSONata does not have; the expression fails when it runs"]);
  });
});
