import { defineNode, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { derive, newSequenceId, type Parts } from "../shared/parts.js";

export default defineNode({
  type: "split",
  category: "sequence",
  summary: "Splits an array, an object or a text into one message per element, key or piece, marked with msg.parts so `join` can put them back.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    delimiter: Type.String({ default: "\\n", description: "text: split at this string (\\n, \\t and \\r are understood)" }),
    chunkLength: Type.Optional(Type.Integer({ minimum: 1, description: "text: pieces of this many characters instead of a delimiter; arrays: groups of this many elements" })),
    keyProperty: Type.Optional(Type.String({ minLength: 1, description: "objects: also put each key in this message property (e.g. topic)" })),
  }),
  inputs: 1,
  outputs: ["parts"],
  create(node, c) {
    const delimiter = c.delimiter.replace(/\\n/g, "\n").replace(/\\t/g, "\t").replace(/\\r/g, "\r");
    return {
      input(msg: Message, send, done) {
        const value = msg.payload;
        const id = newSequenceId();
        // Each piece keeps the message's other properties; an enclosing sequence is kept as parts.parts.
        const piece = (payload: unknown, parts: Parts): Message =>
          node.newMessage(derive(msg, { payload, parts: msg.parts === undefined ? parts : { ...parts, parts: msg.parts } }));
        if (Array.isArray(value)) {
          const size = c.chunkLength ?? 1;
          const count = Math.ceil(value.length / size);
          for (let i = 0; i < count; i++) {
            const payload = size === 1 ? value[i] : value.slice(i * size, (i + 1) * size);
            send(piece(payload, { id, type: "array", index: i, count, ...(size > 1 ? { len: size } : {}) }));
          }
        } else if (typeof value === "string") {
          const pieces = c.chunkLength !== undefined ? chunk(value, c.chunkLength) : value.split(delimiter);
          pieces.forEach((p, index) =>
            send(piece(p, { id, type: "string", index, count: pieces.length, ...(c.chunkLength === undefined ? { ch: delimiter } : {}) })),
          );
        } else if (value !== null && typeof value === "object") {
          const keys = Object.keys(value);
          keys.forEach((key, index) => {
            const m = piece((value as Record<string, unknown>)[key], { id, type: "object", index, count: keys.length, key });
            send(c.keyProperty ? node.newMessage(derive(m, { [c.keyProperty]: key })) : m);
          });
        } else {
          // A number, boolean or nothing has no parts: it passes unchanged.
          send(msg);
        }
        done();
      },
    };
  },
});

function chunk(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
