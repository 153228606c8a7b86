import { createRequire } from "node:module";

/**
 * The version of the library `name` as the module at `from` (its `import.meta.url`) resolves it: each package
 * keys its caches by the copy it loads itself.
 */
export function installedVersion(name: string, from: string): string {
  return (createRequire(from)(`${name}/package.json`) as { version: string }).version;
}

// Resolved from this package, as the validators' code and ajv itself are.
/** The installed version of ajv, whose code and results the on-disk caches keep (part of their keys). */
export const AJV_VERSION = installedVersion("ajv", import.meta.url);
/** The installed version of ajv-formats: what a format accepts, and so what validation made of a value, depends on it. */
export const AJV_FORMATS_VERSION = installedVersion("ajv-formats", import.meta.url);
