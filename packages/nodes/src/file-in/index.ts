import { open } from "node:fs/promises";
import { defineNode, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { fileRoot, nodeLabel, resolveUnderRoot } from "../shared/file-root.js";
import { derive, newSequenceId } from "../shared/parts.js";

export default defineNode({
  type: "file-in",
  category: "storage",
  summary: "Reads a file under the file root into msg.payload: as text, as bytes, or one message per line.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    root: Type.Optional(Type.String({ description: "folder the node may read from; default: the runtime's WATTFLOW_FILE_ROOT, else the data folder" })),
    filename: Type.String({ default: "", description: "path relative to the root; empty: msg.filename" }),
    format: Type.Union([Type.Literal("utf8"), Type.Literal("buffer"), Type.Literal("lines")], {
      default: "utf8",
      description: "utf8: the text; buffer: the bytes; lines: one message per line, with msg.parts for join",
    }),
    maxBytes: Type.Integer({ minimum: 1, default: 10_485_760, description: "larger files are refused" }),
  }),
  inputs: 1,
  outputs: ["content"],
  create(node, c) {
    const root = fileRoot(node, c.root);
    const who = nodeLabel(node);
    return {
      async input(msg, send, done) {
        const name = c.filename || (typeof msg.filename === "string" ? msg.filename : "");
        let bytes: Buffer;
        try {
          const path = await resolveUnderRoot(root, name, who);
          const handle = await open(path, "r");
          try {
            const { size } = await handle.stat();
            if (size > c.maxBytes) throw new Error(`is ${size} bytes, over the ${c.maxBytes}-byte limit (config "maxBytes")`);
            bytes = await handle.readFile();
          } finally {
            await handle.close();
          }
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          return done(new Error(why.startsWith(who) ? why : `${who}: cannot read "${name}": ${why}`));
        }
        if (c.format === "buffer") send({ ...msg, filename: name, payload: bytes });
        else if (c.format === "utf8") send({ ...msg, filename: name, payload: bytes.toString("utf8") });
        else {
          const text = bytes.toString("utf8");
          const lines = text.split(/\r?\n/);
          // A final newline ends the last line; it does not start an empty one.
          if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
          const id = newSequenceId();
          lines.forEach((line, index) =>
            send(node.newMessage(derive(msg, { filename: name, payload: line, parts: { id, type: "string", index, count: lines.length, ch: "\n" } })) as Message),
          );
        }
        done();
      },
    };
  },
});
