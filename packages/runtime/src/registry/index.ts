export * from "./define.js";
export { Registry } from "./registry.js";
