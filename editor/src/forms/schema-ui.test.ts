import { describe, expect, it } from "vitest";
import { formSchemas } from "./schema-ui.js";

describe("formSchemas", () => {
  it("turns a union of literals into a select of them", () => {
    const { schema, uiSchema } = formSchemas({ type: "object", properties: { qos: { anyOf: [{ const: 0, type: "number" }, { const: 1, type: "number" }], default: 0, description: "delivery" } } });
    expect(schema.properties!.qos).toEqual({ type: "number", enum: [0, 1], default: 0, description: "delivery" });
    expect(uiSchema.qos).toEqual({ "ui:enumNames": ["0", "1"] });
  });

  it("gives a value of no type the JSON editor and a number-or-text union one text field", () => {
    const { schema, uiSchema } = formSchemas({ type: "object", properties: { payload: { description: "anything" }, hours: { anyOf: [{ type: "number" }, { type: "string" }] } } });
    expect(uiSchema.payload).toMatchObject({ "ui:field": "json" });
    expect(schema.properties!.hours).toEqual({ type: ["number", "string"] });
    expect(uiSchema.hours).toMatchObject({ "ui:field": "scalar" });
  });

  it("titles the modes of a union of objects by their constant and hides it inside each mode", () => {
    const { schema, uiSchema } = formSchemas({
      type: "object",
      properties: {
        source: {
          oneOf: [
            { type: "object", properties: { kind: { const: "file" }, path: { type: "string" } } },
            { type: "object", properties: { kind: { const: "url" }, url: { type: "string" }, token: { type: "string", "x-wattflow-secret": true } } },
          ],
        },
      },
    });
    const modes = (schema.properties!.source as { oneOf: { title: string }[] }).oneOf;
    expect(modes.map((m) => m.title)).toEqual(["file", "url"]);
    const ui = uiSchema.source as { oneOf: Record<string, Record<string, unknown>>[] };
    expect(ui.oneOf[0]!.kind).toEqual({ "ui:widget": "hidden" });
    expect(ui.oneOf[1]!.token!["ui:widget"]).toBe("password");
  });

  it("reaches into list items and nested objects", () => {
    const { uiSchema } = formSchemas({ type: "object", properties: { rules: { type: "array", items: { type: "object", properties: { value: {}, op: { anyOf: [{ const: "eq" }, { const: "lt" }] } } } } } });
    const items = (uiSchema.rules as { items: Record<string, Record<string, unknown>> }).items;
    expect(items.value!["ui:field"]).toBe("json");
    expect(items.op!["ui:enumNames"]).toEqual(["eq", "lt"]);
  });
});
