/**
 * Node-RED's template, csv, yaml, xml, html and link call nodes imported as Wattflow's:
 * each mapping gives a config the real node accepts, and the imported node
 * does what the Node-RED one did on a sample message.
 */
import { describe, expect, it } from "vitest";
import { nodes } from "@wattflow/nodes";
import { startTestFlow } from "../../testing/index.js";
import { convertNodeRed, type NodeRedNode } from "./convert.js";

/** Imports one Node-RED node, runs it on `input` and returns its config, the import's warnings and what it sent. */
async function importAndRun(node: Omit<NodeRedNode, "id" | "z" | "wires">, input: Record<string, unknown>, count = 1) {
  const r = convertNodeRed([{ id: "t", type: "tab", label: "T" }, { id: "n1", z: "t", wires: [], ...node }]);
  const imported = r.flows[0]!.nodes[0]!;
  const t = await startTestFlow(
    { id: "t", nodes: [{ ...imported, wires: [["out"]] }, { id: "out", type: "test-collect" }] },
    { nodes, flowId: "t" },
  );
  try {
    t.inject(imported.id, input);
    const out = await t.waitFor("out", count, 2000);
    return { type: imported.type, config: imported.config, warnings: r.warnings, out: out.map((m) => m.payload) };
  } finally {
    await t.stop();
  }
}

describe("Node-RED import of the parsers and template", () => {
  it("template → template: mustache with sections and context, output parsed as JSON", async () => {
    const r = await importAndRun(
      { type: "template", field: "payload", fieldType: "msg", syntax: "mustache", output: "json", template: '{"rows":[{{#payload}}{"kw":{{kw}}},{{/payload}}{"kw":0}]}' },
      { payload: [{ kw: 1 }, { kw: 2 }] },
    );
    expect(r).toMatchObject({ type: "template", config: { syntax: "mustache", output: "json", property: "payload", target: "msg" } });
    expect(r.out).toEqual([{ rows: [{ kw: 1 }, { kw: 2 }, { kw: 0 }] }]);
  });

  it("csv → csv: tab separator, column template, header in and out, one message per row, empty strings kept", async () => {
    const r = await importAndRun(
      { type: "csv", sep: "\\t", temp: '"site",kw', hdrin: false, hdrout: "none", multi: "one", ret: "\\r\\n", skip: "1", strings: true, include_empty_strings: true },
      { payload: "exported\nroof\t1.5\nshed\t\n" },
      2,
    );
    expect(r).toMatchObject({ type: "csv", config: { separator: "\t", columns: "site,kw", headerRow: false, skipLines: 1, numbers: true, emptyFields: "empty", output: "messages", lineEnding: "\r\n" } });
    expect(r.warnings).toEqual([]);
    expect(r.out).toEqual([{ site: "roof", kw: 1.5 }, { site: "shed", kw: "" }]);
  });

  it("yaml → yaml: toggles on the property", async () => {
    const r = await importAndRun({ type: "yaml", property: "payload" }, { payload: "kw: 1.5\nsites: [roof]" });
    expect(r).toMatchObject({ type: "yaml", config: { action: "toggle", property: "payload" } });
    expect(r.out).toEqual([{ kw: 1.5, sites: ["roof"] }]);
  });

  it("xml → xml: Node-RED's shape (children as arrays, text values, attributes under the configured key)", async () => {
    const r = await importAndRun({ type: "xml", property: "payload", attr: "", chr: "" }, { payload: '<meter id="7"><kw>1.5</kw></meter>' });
    expect(r).toMatchObject({ type: "xml", config: { attributesKey: "$", textKey: "_", alwaysArray: true, numbers: false } });
    expect(r.out).toEqual([{ meter: { $: { id: "7" }, kw: ["1.5"] } }]);
  });

  it("html → html: selector, text, one message per match; the whole-element output is reported", async () => {
    const r = await importAndRun({ type: "html", property: "payload", outproperty: "payload", tag: "td.kw", ret: "text", as: "multi" }, { payload: "<table><tr><td class=kw>1</td><td class=kw>2</td></tr></table>" }, 2);
    expect(r).toMatchObject({ type: "html", config: { selector: "td.kw", extract: "text", output: "messages" } });
    expect(r.out).toEqual(["1", "2"]);
    const whole = convertNodeRed([{ id: "t", type: "tab", label: "T" }, { id: "h", z: "t", type: "html", tag: "p", ret: "compl", wires: [] }]);
    expect(whole.flows[0]!.nodes[0]!.config).toMatchObject({ extract: "html", output: "array" });
    expect(whole.warnings.some((w) => w.includes("whole element"))).toBe(true);
  });

  it("link call → link-call and link out in return mode → link-out return: the imported tab calls and answers", async () => {
    const r = convertNodeRed([
      { id: "t", type: "tab", label: "T" },
      { id: "s", type: "tab", label: "Svc" },
      { id: "lc", z: "t", type: "link call", links: ["li"], linkType: "static", timeout: "5", wires: [["dbg"]] },
      { id: "dbg", z: "t", type: "debug", wires: [] },
      { id: "li", z: "t", type: "link in", wires: [["ret"]] },
      { id: "ret", z: "t", type: "link out", mode: "return", links: [], wires: [] },
      { id: "far", z: "s", type: "link call", links: ["li"], timeout: "0.5", wires: [] },
    ]);
    const [tab, svc] = r.flows;
    expect(tab!.nodes.find((n) => n.id === "lc")).toMatchObject({ type: "link-call", config: { target: "li", timeout: "5s" } });
    expect(tab!.nodes.find((n) => n.id === "ret")).toMatchObject({ type: "link-out", config: { mode: "return" } });
    expect(svc!.nodes[0]).toMatchObject({ type: "link-call", config: { target: "t/li", timeout: "0.5s" } });
    const t = await startTestFlow({ ...tab!, nodes: tab!.nodes.map((n) => (n.id === "dbg" ? { id: "dbg", type: "test-collect" } : n)) }, { nodes, flowId: tab!.id });
    try {
      t.inject("lc", { payload: 42 });
      expect((await t.waitFor("dbg", 1, 2000))[0]).toMatchObject({ payload: 42 });
    } finally {
      await t.stop();
    }
  });
});
