import { Ajv, type ErrorObject, type Options, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { Logger } from "@wattflow/runtime";
import { describeErrors, MESSAGE_KEYWORD } from "./errors.js";

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

export interface SchemaOptions {
  coerceTypes: boolean;
  useDefaults: boolean;
  strict: boolean;
}

/** A compiled schema; `errors` describes the last failed check (ajv's own list, not copied). */
export interface CompiledSchema {
  /** Checks a value without changing it (neither coercion nor defaults configured). */
  test(value: unknown): boolean;
  /** Checks `holder.value`, which coercion may replace: ajv cannot coerce a bare root value in place. */
  testInPlace(holder: { value: unknown }): boolean;
  readonly errors: readonly ErrorObject[];
  /** Whether checking may change the value (coercion, defaults), so it must get a copy. */
  readonly mutates: boolean;
}

const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;
const DRAFT_2019 = /^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/;

/** The ajv flavour the schema asks for with `$schema`; draft-07 when it does not say. */
function ajvFor(schema: Record<string, unknown>, options: Options): Ajv {
  const declared = typeof schema.$schema === "string" ? schema.$schema : "";
  if (DRAFT_2020.test(declared)) return new Ajv2020(options);
  if (DRAFT_2019.test(declared)) return new Ajv2019(options);
  return new Ajv(options);
}

/**
 * Compiles once, at deploy. Throws with the schema's problem in words
 * (`/properties/value/type must be one of …`, `unknown keyword "requierd"`).
 */
export function compileSchema(schema: Record<string, unknown>, options: SchemaOptions, log: Pick<Logger, "info" | "warn" | "error">): CompiledSchema {
  const ajv = ajvFor(schema, {
    allErrors: true,
    // Errors carry the schema they came from, for its MESSAGE_KEYWORD.
    verbose: true,
    coerceTypes: options.coerceTypes,
    useDefaults: options.useDefaults,
    // Unknown keywords and formats are usually typos; ajv's stricter type checks reject valid schemas, so they only log.
    strictSchema: options.strict,
    strictTypes: "log",
    strictTuples: "log",
    strictRequired: false,
    logger: {
      log: (...args: unknown[]) => log.info(args.map(String).join(" ")),
      warn: (...args: unknown[]) => log.warn(args.map(String).join(" ")),
      error: (...args: unknown[]) => log.error(args.map(String).join(" ")),
    },
  });
  addFormats(ajv);
  // An annotation only: the message that replaces ajv's for errors of the schema it sits in (see errors.ts).
  ajv.addKeyword({ keyword: MESSAGE_KEYWORD, schemaType: "string" });
  const invalid = (reason: string): Error => new Error(`config.schema is not a valid JSON Schema: ${reason}`);
  let fn: ValidateFunction;
  try {
    // The meta-schema check first: its errors point into the schema, where compile's only say "schema is invalid".
    if (!ajv.validateSchema(schema)) throw new Error(describeErrors(ajv.errors ?? [], "schema", true).map((i) => i.message).join("; "));
    fn = ajv.compile(schema);
  } catch (err) {
    throw invalid(err instanceof Error ? err.message : String(err));
  }
  return {
    test: (value) => fn(value),
    testInPlace: (holder) => fn(holder.value, { instancePath: "", parentData: holder, parentDataProperty: "value", rootData: holder, dynamicAnchors: {} }),
    get errors() {
      return fn.errors ?? [];
    },
    mutates: options.coerceTypes || options.useDefaults,
  };
}
