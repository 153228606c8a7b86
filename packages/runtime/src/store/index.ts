export * from "./types.js";
export { openStore, type StoreOptions } from "./sqlite-store.js";
export { deadLetterPreview, DEFAULT_DEAD_LETTER_CAPACITY } from "./dead-letters.js";
export { RecordQueryError } from "./records.js";
export { ContextViews } from "./context-views.js";
export { openPgStore, type PgStoreOptions } from "./pg-store.js";
export { openStoreFrom, parseStoreSpec, type StoreSpec } from "./open.js";
