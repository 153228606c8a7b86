import { defineNode, getPath, parsePath, parseUntrustedJson, setPath, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { ConvertAction, MaxBytes } from "../shared/parser-text.js";

export default defineNode({
  type: "json",
  category: "parser",
  summary: "Converts between JSON text and a value: parses text, stringifies anything else (or always one way).",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    action: ConvertAction,
    property: Type.String({ default: "payload", minLength: 1 }),
    pretty: Type.Boolean({ default: false, description: "indent stringified JSON by 2 spaces" }),
    maxBytes: MaxBytes,
    maxDepth: Type.Integer({ minimum: 1, maximum: 1000, default: 64, description: "deepest nesting parsed" }),
  }),
  inputs: 1,
  outputs: ["converted"],
  create(node, c) {
    const path = parsePath(c.property);
    return {
      input(msg: Message, send, done) {
        const value = getPath(msg, path);
        if (typeof value === "string") {
          if (c.action === "stringify") return send(msg), done();
          // Text from outside (a device, a request) is untrusted: size and depth are checked before parsing.
          const bytes = Buffer.byteLength(value, "utf8");
          if (bytes > c.maxBytes) {
            node.countRejected();
            return done(new Error(`${c.property} is ${bytes} bytes, over the ${c.maxBytes}-byte limit (config "maxBytes")`));
          }
          const parsed = parseUntrustedJson(value, c.maxDepth);
          if (!parsed.ok) {
            node.countRejected();
            return done(new Error(`${c.property} ${parsed.reason}`));
          }
          send(setPath(msg, path, parsed.value));
          return done();
        }
        if (c.action === "parse" || value === undefined) return send(msg), done();
        let text: string;
        try {
          text = JSON.stringify(value, null, c.pretty ? 2 : undefined);
        } catch (err) {
          return done(new Error(`${c.property} cannot be stringified: ${err instanceof Error ? err.message : String(err)}`));
        }
        send(setPath(msg, path, text));
        done();
      },
    };
  },
});
