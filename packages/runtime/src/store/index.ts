export * from "./types.js";
export { openStore, type StoreOptions } from "./sqlite-store.js";
export { deadLetterPreview, DEFAULT_DEAD_LETTER_CAPACITY } from "./dead-letters.js";
export { RecordQueryError } from "./records.js";
export { checkPoint, MAX_FUTURE_MS } from "./point-checks.js";
export { ContextViews } from "./context-views.js";
export type { PgStoreOptions } from "./pg-store.js";
export { openPgStore, openStoreFrom, parseStoreSpec, type StoreSpec } from "./open.js";
