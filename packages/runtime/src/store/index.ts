export * from "./types.js";
export { openStore, type StoreOptions } from "./sqlite-store.js";
export { deadLetterPreview, DEFAULT_DEAD_LETTER_CAPACITY } from "./dead-letters.js";
export { RecordQueryError } from "./records.js";
