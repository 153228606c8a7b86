import { readFileSync } from "node:fs";
import { defineNode, FILE_KEYWORD, getPath, parsePath, RAW_KEYWORD, setPath, Type, type Message, type TimerHandle } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { compileSchema } from "./compile-schema.js";
import { describeErrors, detailsAnswer, drfAnswer, messageAnswer, plainIssues } from "./errors.js";

/** The status changes with every message; the editor needs it at most this often. */
const STATUS_INTERVAL_MS = 1000;

const quiet = (): void => undefined;
/** Deploy-time checks compile the schema only to find its problems; ajv's notes are logged when the node starts. */
const QUIET = { info: quiet, warn: quiet, error: quiet };

export default defineNode({
  type: "validate",
  category: "function",
  summary: "Checks a message property against a JSON Schema: valid messages go to output 1, invalid ones with readable errors to output 2.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    // Raw: patterns such as "^\\$\\{" are regular expressions, not flow variables.
    schema: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: "JSON Schema (draft-07; 2019-09 or 2020-12 when its $schema says so)", [RAW_KEYWORD]: true }),
    ),
    schemaFile: Type.Optional(
      Type.String({ minLength: 1, description: "a JSON Schema file instead of `schema`, relative to the flow file (e.g. solar/reading.schema.json); read at each deploy", [FILE_KEYWORD]: true }),
    ),
    property: Type.String({ default: "payload", minLength: 1, description: "the message property checked, e.g. payload or payload.reading" }),
    path: Type.Optional(Type.String({ minLength: 1, description: "the same as property (either name may be used)" })),
    answer: Type.Optional(
      Type.Union([Type.Literal("drf"), Type.Literal("details"), Type.Literal("message")], {
        description:
          "the invalid output's payload becomes a 400 answer body. drf: { detail, errors: { field: [message] } }; details: { error: answerError, details: [\"field message\"] }; message: { error: answerError, message: \"field message; …\" }",
      }),
    ),
    answerError: Type.String({ default: "invalid input", description: "the error text of answer details, e.g. invalid reading" }),
    coerceTypes: Type.Boolean({ default: false, description: "convert values to the schema's types (\"21.5\" → 21.5); the valid output carries the converted value" }),
    useDefaults: Type.Boolean({ default: false, description: "fill in the schema's defaults for missing properties; the valid output carries them" }),
    strict: Type.Boolean({ default: true, description: "refuse schemas with unknown keywords or formats (usually typos); off for schemas written for other tools" }),
  }),
  inputs: 1,
  outputs: ["valid", "invalid"],
  checkConfig(c) {
    if ((c.schema === undefined) === (c.schemaFile === undefined)) return [{ pointer: "/schema", message: "give either schema or schemaFile (exactly one)" }];
    if (c.path !== undefined && c.property !== "payload" && c.path !== c.property) return [{ pointer: "/path", message: "path and property name the same setting: give one" }];
    // A schemaFile is read when the node starts (its folder is known only then); a broken one fails the node, naming it.
    if (c.schema === undefined) return [];
    try {
      compileSchema(c.schema, { coerceTypes: c.coerceTypes, useDefaults: c.useDefaults, strict: c.strict }, QUIET);
      return [];
    } catch (err) {
      return [{ pointer: "/schema", message: err instanceof Error ? err.message : String(err) }];
    }
  },
  create(node, c) {
    const property = c.path ?? c.property;
    const path = parsePath(property);
    const rootName = property;
    const compiled = compileSchema(c.schema ?? readSchemaFile(c.schemaFile!), { coerceTypes: c.coerceTypes, useDefaults: c.useDefaults, strict: c.strict }, node.log);
    const read = path.length === 1 && path[0] === "payload" ? (msg: Message) => msg.payload : (msg: Message) => getPath(msg, path);
    let valid = 0;
    let invalid = 0;
    let statusTimer: TimerHandle | null = null;

    const showStatus = (): void => {
      statusTimer = null;
      node.status({ fill: invalid > 0 ? "yellow" : "green", shape: "dot", text: `${valid} valid · ${invalid} invalid` });
    };

    const rejected = (msg: Message): Message => {
      invalid += 1;
      node.countRejected();
      // The input message is immutable, so its payload is the original even when coercion changed the copy.
      const errors = describeErrors(compiled.errors, rootName);
      const issues = plainIssues(compiled.errors);
      const error = { message: `${property} is invalid: ${errors.map((e) => e.message).join("; ")}`, errors: issues };
      if (c.answer === undefined) return Object.assign({}, msg, { errors, error });
      const payload = c.answer === "drf" ? drfAnswer(issues) : c.answer === "details" ? detailsAnswer(issues, c.answerError) : messageAnswer(issues, c.answerError);
      return Object.assign({}, msg, { errors, error, statusCode: 400, payload });
    };

    return {
      input(msg, send, done) {
        const value = read(msg);
        if (!compiled.mutates) {
          // The hot path: nothing is allocated for a valid message.
          if (compiled.test(value)) {
            valid += 1;
            send(msg);
          } else {
            send([null, rejected(msg)]);
          }
        } else {
          // Frozen messages cannot be changed, and sharing one would let coercion leak into other branches.
          const holder = { value: value === undefined ? undefined : structuredClone(value) };
          if (compiled.testInPlace(holder)) {
            valid += 1;
            send(setPath(msg, path, holder.value));
          } else {
            send([null, rejected(msg)]);
          }
        }
        if (!statusTimer) statusTimer = node.timers.setTimeout(showStatus, STATUS_INTERVAL_MS);
        done();
      },
    };
  },
});

/** The compiler made the path absolute and checked it can be read; it is parsed here, as deployed. */
function readSchemaFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`config.schemaFile ${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(`config.schemaFile ${file} must hold a JSON Schema object`);
  return parsed as Record<string, unknown>;
}
