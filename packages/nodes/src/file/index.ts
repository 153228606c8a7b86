import { appendFile, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { fileRoot, nodeLabel, resolveUnderRoot } from "../shared/file-root.js";

/** What is written for a payload: bytes as they are, text as UTF-8, any other value as JSON. */
function contentOf(payload: unknown): string | Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (payload instanceof Uint8Array) return Buffer.from(payload);
  if (typeof payload === "string") return payload;
  if (payload === undefined) return "";
  return JSON.stringify(payload);
}

export default defineNode({
  type: "file",
  category: "storage",
  summary: "Writes msg.payload to a file under the file root: append, overwrite, or delete the file.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    root: Type.Optional(Type.String({ description: "folder the node may write in; default: the runtime's WATTFLOW_FILE_ROOT, else the data folder" })),
    filename: Type.String({ default: "", description: "path relative to the root; empty: msg.filename" }),
    action: Type.Union([Type.Literal("append"), Type.Literal("overwrite"), Type.Literal("delete")], { default: "append" }),
    newline: Type.Boolean({ default: true, description: "append/overwrite: add a newline after each payload" }),
    createDir: Type.Boolean({ default: true, description: "create missing folders under the root" }),
  }),
  inputs: 1,
  outputs: ["written"],
  // Writes to one file happen in arrival order.
  concurrency: 1,
  create(node, c) {
    const root = fileRoot(node, c.root);
    const who = nodeLabel(node);
    return {
      async input(msg, send, done) {
        const name = c.filename || (typeof msg.filename === "string" ? msg.filename : "");
        try {
          const path = await resolveUnderRoot(root, name, who);
          if (c.action === "delete") {
            await rm(path, { force: true });
          } else {
            if (c.createDir) await mkdir(dirname(path), { recursive: true });
            const body = contentOf(msg.payload);
            const data = c.newline ? (typeof body === "string" ? body + "\n" : Buffer.concat([body, Buffer.from("\n")])) : body;
            await (c.action === "append" ? appendFile(path, data) : writeFile(path, data));
          }
          send({ ...msg, filename: name });
          done();
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          done(new Error(why.startsWith(who) ? why : `${who}: cannot ${c.action} "${name}": ${why}`));
        }
      },
    };
  },
});
