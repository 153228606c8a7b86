/**
 * Turns a node type's JSON Schema into one the form library always renders,
 * and the matching UI schema: unions of literals become selects, unions of
 * objects told apart by a constant property become a mode selector titled by
 * that constant, values of no type become a JSON editor, secrets a password
 * field. Pure, so it is tested without a browser (schema-ui.test.ts).
 */
import type { RJSFSchema, UiSchema } from "@rjsf/utils";

type Schema = Record<string, unknown>;
type Literal = string | number | boolean | null;

const isSchema = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

function literalOf(s: unknown): { value: Literal; title?: string } | undefined {
  if (!isSchema(s)) return undefined;
  if ("const" in s) return { value: s.const as Literal, ...(typeof s.title === "string" ? { title: s.title } : {}) };
  if (Array.isArray(s.enum) && s.enum.length === 1) return { value: s.enum[0] as Literal };
  return undefined;
}

function typeOfLiteral(v: Literal): string {
  return v === null ? "null" : typeof v;
}

/** The property whose constant tells the alternatives of a union of objects apart, if there is one. */
function discriminator(alts: Schema[]): string | undefined {
  if (alts.length < 2 || !alts.every((a) => isSchema(a.properties))) return undefined;
  const first = alts[0]!.properties as Record<string, unknown>;
  return Object.keys(first).find((key) => {
    const values = alts.map((a) => literalOf((a.properties as Record<string, unknown>)[key])?.value);
    return values.every((v) => v !== undefined) && new Set(values).size === values.length;
  });
}

/** A schema that has nothing the form library can draw a field from (no type, no choices, no union). */
function isUntyped(s: Schema): boolean {
  return !("type" in s) && !("enum" in s) && !("const" in s) && !("anyOf" in s) && !("oneOf" in s) && !("$ref" in s) && !("properties" in s) && !("items" in s) && !("allOf" in s);
}

export interface FormSchemas {
  schema: RJSFSchema;
  uiSchema: UiSchema;
}

/** The renderable schema and UI schema for a config schema. */
export function formSchemas(source: Record<string, unknown>): FormSchemas {
  const ui: UiSchema = {};
  const schema = normalize(source, ui, "") as RJSFSchema;
  return { schema, uiSchema: ui };
}

function normalize(s: Schema, ui: UiSchema, name: string): Schema {
  if (s["x-wattflow-connection"]) {
    ui["ui:widget"] = "connection";
    return s;
  }
  if (s["x-wattflow-secret"]) {
    ui["ui:widget"] = "password";
    ui["ui:help"] = "A secret: write ${ENV_VAR} to take it from the environment, so it stays out of the flow file.";
    ui["ui:placeholder"] = "${ENV_VAR}";
    return s;
  }

  const alts = (Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined)?.filter(isSchema);
  if (alts) {
    const rest = Object.fromEntries(Object.entries(s).filter(([k]) => k !== "anyOf" && k !== "oneOf"));
    const literals = alts.map(literalOf);
    // A union of literals: a select of them.
    if (literals.every((l) => l !== undefined)) {
      const values = literals.map((l) => l!.value);
      const types = [...new Set(values.map(typeOfLiteral))];
      ui["ui:enumNames"] = literals.map((l) => l!.title ?? String(l!.value));
      return { ...rest, ...(types.length === 1 ? { type: types[0] } : {}), enum: values };
    }
    // A union of plain types (a number or a string, say): one text field, a number when it reads as one.
    if (alts.every((a) => typeof a.type === "string" && ["string", "number", "integer", "boolean"].includes(a.type as string) && !a.properties && !a.enum && !a.const)) {
      ui["ui:field"] = "scalar";
      ui["ui:label"] = false;
      return { ...rest, type: [...new Set(alts.map((a) => (a.type === "integer" ? "number" : (a.type as string))))] };
    }
    // A union of objects told apart by one constant: a mode selector named after it, showing that mode's fields only.
    const key = discriminator(alts);
    const options = alts.map((a, i) => {
      const optionUi: UiSchema = {};
      const normalized = normalize(a, optionUi, `${name}|${i}`);
      const mode = key ? literalOf((a.properties as Record<string, unknown>)[key])?.value : undefined;
      const title = typeof a.title === "string" ? a.title : mode !== undefined ? String(mode) : labelForType(a, i);
      if (key && isSchema(normalized.properties) && isSchema(optionUi[key] ?? {})) optionUi[key] = { ...(optionUi[key] as UiSchema), "ui:widget": "hidden" };
      return { schema: { ...normalized, title }, ui: optionUi };
    });
    const keyword = Array.isArray(s.anyOf) ? "anyOf" : "oneOf";
    ui[keyword] = options.map((o) => o.ui);
    return { ...rest, [keyword]: options.map((o) => o.schema) };
  }

  if (isUntyped(s)) {
    ui["ui:field"] = "json";
    ui["ui:label"] = false;
    return s;
  }

  const out: Schema = { ...s };
  if (isSchema(s.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(s.properties).map(([key, prop]) => {
        if (!isSchema(prop)) return [key, prop];
        const child: UiSchema = {};
        const normalized = normalize(prop, child, key);
        if (Object.keys(child).length) ui[key] = child;
        return [key, normalized];
      }),
    );
  }
  if (isSchema(s.items)) {
    const child: UiSchema = {};
    out.items = normalize(s.items, child, `${name}[]`);
    if (Object.keys(child).length) ui.items = child;
  }
  if (isSchema(s.additionalProperties)) {
    const child: UiSchema = {};
    out.additionalProperties = normalize(s.additionalProperties, child, `${name}{}`);
    if (Object.keys(child).length) ui.additionalProperties = child;
  }
  // Code is edited in a monospace area where Tab indents.
  if (s.type === "string" && (name === "code" || s["x-wattflow-code"] || s.contentMediaType === "application/javascript")) ui["ui:widget"] = "code";
  return out;
}

function labelForType(a: Schema, i: number): string {
  if (a.type === "object") return "object";
  if (typeof a.type === "string") return a.type === "string" ? "text" : a.type;
  return `option ${i + 1}`;
}
