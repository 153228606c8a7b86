/**
 * A flow's subflows as the editor sees them: each one is a node type of that
 * flow (`subflow:<id>`), with ports from its input and outputs and a form
 * from its parameters, so an instance is drawn, wired and edited like any node.
 */
import type { NodeCatalogEntry } from "../../../packages/runtime/src/api/types.js";
import type { FlowDocument } from "../../../packages/runtime/src/flow/types.js";

export const SUBFLOW_PREFIX = "subflow:";

export function subflowEntries(doc: FlowDocument): NodeCatalogEntry[] {
  return (doc.subflows ?? []).map((s) => {
    const params = s.params ?? {};
    const required = Object.entries(params)
      .filter(([, schema]) => !("default" in schema))
      .map(([name]) => name);
    const paramList = Object.entries(params).map(([name, schema]) => `- \`${name}\`${typeof schema.description === "string" ? `: ${schema.description}` : ""}`);
    return {
      type: `${SUBFLOW_PREFIX}${s.id}`,
      category: "subflows",
      summary: s.label ?? s.description ?? `subflow ${s.id}`,
      docs: [`# ${s.label ?? s.id}`, s.description ?? "", paramList.length > 0 ? `Parameters:\n\n${paramList.join("\n")}` : "", `Defined in this flow's \`subflows\` (${s.nodes.length} nodes).`]
        .filter((part) => part !== "")
        .join("\n\n"),
      inputs: (s.input ?? []).length > 0 ? 1 : 0,
      outputs: (s.outputs ?? []).map((_, i) => `output ${i + 1}`),
      version: 1,
      configSchema: { type: "object", properties: params, required, additionalProperties: false },
      module: "this flow",
    };
  });
}
