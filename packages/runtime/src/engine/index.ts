export * from "./types.js";
export { createMessage, newMessageId, deepFreeze, freezeByDefault, type Message, type MessageInit } from "./message.js";
export { Engine, type EngineOptions, type NodeStats } from "./engine.js";
