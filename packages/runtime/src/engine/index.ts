export * from "./types.js";
export { createMessage, newMessageId, deepFreeze, freezeByDefault, type Message, type MessageInit } from "./message.js";
export { Engine, type EngineOptions, type NodeStats, type ConnectionStats } from "./engine.js";
export { enterHandler, leaveHandler, currentHandler, restoreHandler, handlersRan, handlersEntered, handlerEntries, type HandlerOwner } from "./running-handler.js";
export { MessageError, isMessageError } from "./message-error.js";
export { acquireInMainThread, offerToIsolatedFlows } from "./isolation/main-thread.js";
