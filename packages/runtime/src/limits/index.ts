export * from "./untrusted-json.js";
