/**
 * @wattflow/runtime — the public face for node authors and embedders.
 * Node plugins import `defineNode` and `Type` from here.
 */
export { Type, type Static, type TObject, type TSchema } from "@sinclair/typebox";
export {
  defineNode,
  defineConnection,
  Connection,
  Secret,
  CONNECTION_KEYWORD,
  SECRET_KEYWORD,
  RAW_KEYWORD,
  FILE_KEYWORD,
  Registry,
  type NodeDefinition,
  type AnyNodeDefinition,
  type ConnectionDefinition,
  type AnyConnectionDefinition,
  type ConnectionHandle,
  type ConnectionInstance,
  type ConnectionHealth,
  type PluginExports,
  type Simulator,
  type NodeListens,
} from "./registry/index.js";
export * from "./engine/index.js";
export * from "./limits/index.js";
export { getPath, setPath, deletePath, parsePath, PathError, type PathSegment } from "./util/path.js";
export { writeFileAtomic, keepCacheFile, type AtomicWriteOptions } from "./util/atomic-write.js";
export { isUtcZone } from "./util/utc.js";
export { MAX_TIMER_MS, longTimeout, longInterval, type LongTimer } from "./util/long-timer.js";
export { installedVersion } from "./flow/library-versions.js";
export { QuietTimer, noteCacheFileUsed, readJsonIfThere, shortHash } from "./util/cache-file.js";
export { ValidationResults, exactJson } from "./flow/validation-results.js";
/** JSON Schema validators kept on disk between starts (the validate node's schemas). */
export { ValidatorCache, COMPILER_KEPT_MS, defaultCacheDir, type ValidatorCacheOptions, type CachedValidator, type Annex } from "./flow/validator-cache.js";
export type * from "./store/types.js";
export { openStore, openStoreFrom, openPgStore, parseStoreSpec, STORE_LIMITS, checkPoint, MAX_FUTURE_MS, RecordQueryError, RevisionConflictError, ContextViews, type StoreOptions, type StoreSpec, type PgStoreOptions } from "./store/index.js";
export type * from "./flow/types.js";
export type * from "./flow/compiled.js";
export type * from "./api/types.js";
/** Password hashes for node authors (the `api-auth` connection): the same scrypt format as the admin users' `passwordHash`. */
export { hashPassword, unmatchableHash, verifyPassword } from "./server/auth.js";
