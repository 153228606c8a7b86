import { defineNode, getPath, parsePath, setPath, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { fromDevice, fromFields, rounder } from "./shape.js";

interface Row {
  time: number;
  fields: Record<string, unknown>;
}

const isRow = (v: unknown): v is Row =>
  v !== null && typeof v === "object" && typeof (v as Row).time === "number" && (v as Row).fields !== null && typeof (v as Row).fields === "object";

export default defineNode({
  type: "solar-reading",
  category: "energy",
  summary: "A charge controller's reading in the solar endpoints' shape: from the device (or an upload), from the store's latest values, or from the store's rows.",
  docs: readDocs(import.meta.url),
  config: Type.Object({
    from: Type.Union([Type.Literal("device"), Type.Literal("latest"), Type.Literal("rows")], {
      default: "device",
      description: "device: a controller reading; latest: a store-query latest result { time, fields }; rows: store-query rows [{ time, fields }]",
    }),
    property: Type.String({ default: "payload", minLength: 1, description: "where the input is, e.g. payload.latest or payload.rows" }),
    output: Type.String({ default: "payload", minLength: 1, description: "where the reading (or the list of readings) goes" }),
    stored: Type.Optional(Type.String({ minLength: 1, description: "from device: where the numeric form for store-write goes, e.g. reading" })),
    decimals: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: "from latest and rows: round values to this many decimal places" })),
  }),
  checkConfig: (c) => [
    ...(c.stored !== undefined && c.from !== "device" ? [{ pointer: "/stored", message: 'stored is for from "device" only' }] : []),
    ...(c.decimals !== undefined && c.from === "device" ? [{ pointer: "/decimals", message: 'decimals is for from "latest" and "rows" only' }] : []),
  ],
  inputs: 1,
  outputs: ["reading"],
  create(_node, c) {
    const input = parsePath(c.property);
    const output = parsePath(c.output);
    const stored = c.stored !== undefined ? parsePath(c.stored) : undefined;
    const round = rounder(c.decimals);
    const where = `msg.${c.property}`;
    const convert = (msg: Message): Message => {
      const value = getPath(msg, input);
      if (c.from === "device") {
        const { reading, stored: numbers } = fromDevice(value, where);
        const out = setPath(msg, output, reading);
        return stored ? setPath(out, stored, numbers) : out;
      }
      if (c.from === "latest") {
        if (!isRow(value)) throw new Error(`${where} is not a latest result ({ time, fields }) with a time`);
        return setPath(msg, output, fromFields(value.time, value.fields, round));
      }
      if (!Array.isArray(value)) throw new Error(`${where} is not a list of rows`);
      return setPath(
        msg,
        output,
        value.map((row, i) => {
          if (!isRow(row)) throw new Error(`${where}[${i}] is not a row ({ time, fields })`);
          return fromFields(row.time, row.fields, round);
        }),
      );
    };
    return {
      input(msg, send, done) {
        let out: Message;
        try {
          out = convert(msg);
        } catch (err) {
          done(err);
          return;
        }
        send(out);
        done();
      },
    };
  },
});
