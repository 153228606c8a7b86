import { Type, type Static } from "@sinclair/typebox";
import { FLOW_FORMAT } from "./types.js";

const Id = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_-]*$", description: "letters, digits, _ and -; starts with a letter or digit" });
const Config = Type.Record(Type.String(), Type.Unknown(), { description: "validated against the node type's own schema" });

export const FlowNodeSchema = Type.Object(
  {
    id: Id,
    type: Type.String({ minLength: 1 }),
    typeVersion: Type.Optional(
      Type.Integer({ minimum: 1, description: "the version of the node type this config was written for (absent: 1); older ones are migrated on load" }),
    ),
    name: Type.Optional(Type.String()),
    config: Type.Optional(Config),
    wires: Type.Optional(Type.Array(Type.Array(Type.String({ minLength: 1 })))),
    position: Type.Optional(Type.Object({ x: Type.Number(), y: Type.Number() }, { additionalProperties: false })),
    queue: Type.Optional(
      Type.Object(
        {
          size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
          policy: Type.Optional(Type.Union([Type.Literal("block"), Type.Literal("drop-oldest"), Type.Literal("drop-newest")])),
          concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const FlowConnectionSchema = Type.Object(
  { id: Id, type: Type.String({ minLength: 1 }), name: Type.Optional(Type.String()), config: Type.Optional(Config) },
  { additionalProperties: false },
);

/** A fragment defined once and used by nodes of type `subflow:<id>`; each use is expanded into its own copies. */
export const FlowSubflowSchema = Type.Object(
  {
    id: Id,
    label: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    params: Type.Optional(
      Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }), Type.Record(Type.String(), Type.Unknown()), {
        description: "a JSON Schema per parameter, used inside the subflow as ${name}; a parameter without a default is required",
      }),
    ),
    input: Type.Optional(Type.Array(Id, { description: "the inner nodes that receive what is wired into an instance" })),
    outputs: Type.Optional(
      Type.Array(Type.Object({ node: Id, port: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }), {
        description: "an instance's output ports, each an inner node's output port",
      }),
    ),
    nodes: Type.Array(FlowNodeSchema),
  },
  { additionalProperties: false },
);

/** The JSON Schema of a flow file, format 1. */
export const FlowDocumentSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    format: Type.Literal(FLOW_FORMAT),
    id: Id,
    label: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
    isolate: Type.Optional(
      Type.Boolean({ description: "run this flow in a worker thread of its own, so its nodes' work cannot hold up the other flows or the admin API" }),
    ),
    connections: Type.Optional(Type.Array(FlowConnectionSchema)),
    subflows: Type.Optional(Type.Array(FlowSubflowSchema)),
    nodes: Type.Array(FlowNodeSchema),
  },
  { additionalProperties: false, $id: "https://wattflow.dev/schema/flow@1.json", title: "Wattflow flow (format 1)" },
);

export type FlowDocumentShape = Static<typeof FlowDocumentSchema>;

/** The schema as plain JSON (for editors and `$schema` references). */
export function flowFileJsonSchema(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(FlowDocumentSchema)) as Record<string, unknown>;
}
