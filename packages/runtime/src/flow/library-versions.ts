import { createRequire } from "node:module";

// Resolved from this package, as the validators' code and ajv itself are.
const requireHere = createRequire(import.meta.url);

/** The installed version of ajv, whose code and results the on-disk caches keep (part of their keys). */
export const AJV_VERSION = versionOf("ajv");
/** The installed version of ajv-formats: what a format accepts, and so what validation made of a value, depends on it. */
export const AJV_FORMATS_VERSION = versionOf("ajv-formats");

function versionOf(name: string): string {
  return (requireHere(`${name}/package.json`) as { version: string }).version;
}
