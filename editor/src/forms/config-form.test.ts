import { describe, expect, it } from "vitest";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import Form from "@rjsf/core";
import validator from "@rjsf/validator-ajv8";
import { ConfigForm } from "../components/NodeForm.js";

const render = (configSchema: Record<string, unknown>, value: Record<string, unknown> = {}): string => renderToStaticMarkup(createElement(ConfigForm, { configSchema, formKey: "k", value, onChange: () => undefined }));

describe("ConfigForm", () => {
  it("renders every kind of schema the conversion handles, with no unsupported field", () => {
    const html = render(
      {
        type: "object",
        properties: {
          method: { anyOf: [{ const: "GET", type: "string" }, { const: "POST", type: "string" }] },
          payload: { description: "anything" },
          hours: { anyOf: [{ type: "number" }, { type: "string" }] },
          password: { type: "string", "x-wattflow-secret": true },
          source: {
            oneOf: [
              { type: "object", properties: { kind: { const: "file" }, path: { type: "string", title: "file path" } }, required: ["kind"] },
              { type: "object", properties: { kind: { const: "url" }, url: { type: "string", title: "address" } }, required: ["kind"] },
            ],
          },
        },
      },
      { source: { kind: "url", url: "http://x" } },
    );
    expect(html).not.toMatch(/unsupported/i);
    expect(html).toContain("<option");
    expect(html).toMatch(/type="password"/);
    // The mode selector names the modes by their constant and shows the chosen mode's fields only.
    expect(html).toMatch(/>file<\/option>/);
    expect(html).toMatch(/>url<\/option>/);
    expect(html).toContain("address");
    expect(html).not.toContain("file path");
  });

  it("is needed: the form library alone shows a value of no type as unsupported", () => {
    const raw = renderToStaticMarkup(createElement(Form, { schema: { type: "object", properties: { payload: { description: "anything" } } }, validator }));
    expect(raw).toMatch(/unsupported field/i);
    expect(render({ type: "object", properties: { payload: { description: "anything" } } })).not.toMatch(/unsupported/i);
  });
});
