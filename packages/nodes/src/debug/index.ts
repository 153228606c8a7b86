import { defineNode, Type, getPath } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { truncateForDisplay } from "./truncate.js";

export default defineNode({
  type: "debug",
  category: "common",
  summary: "Shows messages in the editor's debug panel, on the event stream and optionally in the log.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    property: Type.String({ default: "payload", description: 'the message property to show, or "msg" for the whole message' }),
    toEvents: Type.Boolean({ default: true, description: "send to the debug panel / event stream" }),
    toLog: Type.Boolean({ default: false, description: "also write to the runtime log" }),
    level: Type.Union([Type.Literal("auto"), Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")], {
      default: "auto",
      description: "log level with toLog; auto: error for a message carrying msg.error (from a catch node), else info",
    }),
    showCount: Type.Boolean({ default: true, description: "show how many messages arrived as the node's status" }),
  }),
  inputs: 1,
  outputs: [],
  create(node, c) {
    let count = 0;
    return {
      input(msg, _send, done) {
        const value = c.property === "msg" ? msg : getPath(msg, c.property);
        const shown = truncateForDisplay(value);
        if (c.toEvents) node.debug(shown);
        if (c.toLog) {
          const level = c.level !== "auto" ? c.level : msg.error !== undefined && msg.error !== null ? "error" : "info";
          node.log[level]({ value: shown, msgid: msg._msgid }, level === "error" ? errorText(msg.error) : "debug");
        }
        count += 1;
        if (c.showCount) node.status({ fill: "grey", shape: "dot", text: `${count}` });
        done();
      },
    };
  },
});

/** The log line's message for an error a catch node passed on: its text, so a log reader sees what failed. */
function errorText(error: unknown): string {
  if (error !== null && typeof error === "object" && "message" in error && typeof error.message === "string") {
    // As the engine logs an error no catch node hears: "node: message".
    const source = "source" in error && error.source !== null && typeof error.source === "object" && "id" in error.source ? `${String(error.source.id)}: ` : "";
    return `${source}${error.message}`;
  }
  return "debug";
}
