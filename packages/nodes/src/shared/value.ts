import { Type } from "@wattflow/runtime";

/** How a configured value is read: as JSON, text, number, boolean, a message path, an env variable or now. */
export const ValueType = Type.Union(
  [
    Type.Literal("json"),
    Type.Literal("string"),
    Type.Literal("number"),
    Type.Literal("boolean"),
    Type.Literal("path"),
    Type.Literal("env"),
    Type.Literal("timestamp"),
    Type.Literal("date"),
  ],
  { default: "json", description: "json: the value as written; path: another property of the message; env: an environment variable; timestamp: ms now; date: ISO time now" },
);
export type ValueTypeName = "json" | "string" | "number" | "boolean" | "path" | "env" | "timestamp" | "date";

/** Converts a configured value once, at create time, when it does not depend on the message. */
export function constantValue(value: unknown, type: ValueTypeName, env: (name: string) => string | undefined): { constant: true; value: unknown } | { constant: false } {
  switch (type) {
    case "json":
      return { constant: true, value };
    case "string":
      return { constant: true, value: value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value) };
    case "number": {
      const n = typeof value === "number" ? value : Number(value);
      if (!Number.isFinite(n)) throw new Error(`${JSON.stringify(value)} is not a number`);
      return { constant: true, value: n };
    }
    case "boolean":
      return { constant: true, value: value === true || value === "true" };
    case "env":
      return { constant: true, value: env(String(value)) };
    default:
      return { constant: false };
  }
}
