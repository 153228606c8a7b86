export * from "./types.js";
export { openStore, type StoreOptions } from "./sqlite-store.js";
