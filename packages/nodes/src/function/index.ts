import { defineNode, RAW_KEYWORD, Type, type Message, type Output } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { compileUserCode } from "./compile.js";

export default defineNode({
  type: "function",
  category: "function",
  summary: "Runs your JavaScript on each message. Not a sandbox: the code has the runtime's full privileges.",
  docs: readDocs(import.meta.url),
  config: Type.Object({
    code: Type.String({ default: "return msg;", description: "body of async function (msg, node, context, env, flow, global)", [RAW_KEYWORD]: true }),
    outputs: Type.Integer({ minimum: 0, maximum: 32, default: 1, description: "output ports; return an array with one entry per port" }),
  }),
  inputs: 1,
  outputs: ["output 1"],
  outputsFor: (c) => Array.from({ length: c.outputs }, (_, i) => `output ${i + 1}`),
  create(node, c) {
    const run = compileUserCode(c.code, `${node.flowId}/${node.id}`);
    const api = {
      id: node.id,
      name: node.name,
      log: (text: unknown) => node.log.info({ value: text }, "function log"),
      warn: (text: unknown) => node.log.warn({ value: text }, "function warning"),
      status: node.status,
      send: (out: Output) => node.send(out),
      newMessage: node.newMessage,
    };
    const env = (name: string) => node.env(name);
    return {
      async input(msg: Message, send, done) {
        const result = await run(msg, api, node.context, env, node.flowContext, node.globalContext);
        send(result as Output);
        done();
      },
    };
  },
});
