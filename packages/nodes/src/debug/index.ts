import { defineNode, Type, getPath } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { truncateForDisplay } from "./truncate.js";

export default defineNode({
  type: "debug",
  category: "common",
  summary: "Shows messages in the editor's debug panel, on the event stream and optionally in the log.",
  docs: readDocs(import.meta.url),
  config: Type.Object({
    property: Type.String({ default: "payload", description: 'the message property to show, or "msg" for the whole message' }),
    toEvents: Type.Boolean({ default: true, description: "send to the debug panel / event stream" }),
    toLog: Type.Boolean({ default: false, description: "also write to the runtime log" }),
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
        if (c.toLog) node.log.info({ value: shown, msgid: msg._msgid }, "debug");
        count += 1;
        if (c.showCount) node.status({ fill: "grey", shape: "dot", text: `${count}` });
        done();
      },
    };
  },
});
