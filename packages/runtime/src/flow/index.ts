/** The flow format: schema, migration, interpolation, validation and compilation, diffs, secrets, files. */
export * from "./types.js";
export * from "./compiled.js";
export { FlowDocumentSchema, FlowNodeSchema, FlowConnectionSchema, FlowSubflowSchema, flowFileJsonSchema, type FlowDocumentShape } from "./schema.js";
export { migrateFlow, MIGRATIONS, LEGACY_FORMAT, type Migration, type MigrationResult } from "./migrate.js";
export { interpolateString, interpolateDeep, envReferences, lookupEnv, escapePointer, type InterpolationContext, type EnvReference } from "./interpolate.js";
export { validateDocumentShape, validateConfig, connectionFields, type ConnectionField, type Problem } from "./validate.js";
export { compileFlow, formatIssue, type CompileOptions, type CompileResult } from "./compile.js";
export { crossFlowProblems, type FlowNodesLookup } from "./cross-flow.js";
export { diffFlows, diffDocuments } from "./diff.js";
export { redactSecrets, restoreRedactedSecrets, literalSecretWarnings, secretFields, REDACTED } from "./secrets.js";
export { parseFlowText, loadFlowFile, writeFlowFileAtomic, type ParseResult } from "./load.js";
export { canonicalJson, hashDocument } from "./canonical.js";
export { expandSubflows, substituteParams, SUBFLOW_PREFIX, SUBFLOW_ID_SEPARATOR } from "./subflow.js";
