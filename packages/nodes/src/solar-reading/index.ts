import { defineNode, getPath, parsePath, setPath, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { fromDevice, fromFields, rounder } from "./shape.js";
import { dailyStats, monthlyStats } from "./days.js";
import { resolveParam } from "../store/params.js";

interface Row {
  time: number;
  fields: Record<string, unknown>;
}

const isRow = (v: unknown): v is Row =>
  v !== null && typeof v === "object" && typeof (v as Row).time === "number" && (v as Row).fields !== null && typeof (v as Row).fields === "object";

export default defineNode({
  type: "solar-reading",
  category: "energy",
  summary:
    "A charge controller's reading in the solar endpoints' shape: from the device (or an upload), from the store's latest values, or from the store's rows; or the daily or monthly statistics from calendar days.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    from: Type.Union([Type.Literal("device"), Type.Literal("latest"), Type.Literal("rows"), Type.Literal("days"), Type.Literal("months")], {
      default: "device",
      description:
        "device: a controller reading; latest: a store-query latest result { time, fields }; rows: store-query rows [{ time, fields }]; days: store-query calendar days { produced, consumed, peak } → the daily_stats answer; months: calendar days { produced, consumed } → the monthly_stats answer",
    }),
    property: Type.String({ default: "payload", minLength: 1, description: "where the input is, e.g. payload.latest or payload.rows" }),
    output: Type.String({ default: "payload", minLength: 1, description: "where the reading (or the list of readings) goes" }),
    stored: Type.Optional(Type.String({ minLength: 1, description: "from device: where the numeric form for store-write goes, e.g. reading" })),
    decimals: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: "from latest and rows: round values to this many decimal places" })),
    ratedWatts: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: "from days: the panels' rated power in W, for sunshine hours, e.g. ${PV_RATED_WATTS:-400}" })),
    count: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: "from months: how many months, newest first, e.g. {{req.query.months}}" })),
  }),
  checkConfig: (c) => [
    ...(c.stored !== undefined && c.from !== "device" ? [{ pointer: "/stored", message: 'stored is for from "device" only' }] : []),
    ...(c.decimals !== undefined && c.from !== "latest" && c.from !== "rows" ? [{ pointer: "/decimals", message: 'decimals is for from "latest" and "rows" only' }] : []),
    ...(c.ratedWatts !== undefined && c.from !== "days" ? [{ pointer: "/ratedWatts", message: 'ratedWatts is for from "days" only' }] : []),
    ...(c.ratedWatts === undefined && c.from === "days" ? [{ pointer: "/ratedWatts", message: 'from "days" needs ratedWatts (the panels\' rated power, for sunshine hours)' }] : []),
    ...(c.count !== undefined && c.from !== "months" ? [{ pointer: "/count", message: 'count is for from "months" only' }] : []),
    ...(c.count === undefined && c.from === "months" ? [{ pointer: "/count", message: 'from "months" needs count (how many months, e.g. "{{req.query.months}}")' }] : []),
  ],
  inputs: 1,
  outputs: ["reading"],
  create(_node, c) {
    const input = parsePath(c.property);
    const output = parsePath(c.output);
    const stored = c.stored !== undefined ? parsePath(c.stored) : undefined;
    const round = rounder(c.decimals);
    const where = `msg.${c.property}`;
    const ratedWatts = Number(c.ratedWatts);
    if (c.from === "days" && !(ratedWatts > 0)) throw new Error(`ratedWatts must be a power in W above 0 (got ${JSON.stringify(c.ratedWatts)})`);
    const convert = (msg: Message): Message => {
      const value = getPath(msg, input);
      if (c.from === "device") {
        const { reading, stored: numbers } = fromDevice(value, where);
        const out = setPath(msg, output, reading);
        return stored ? setPath(out, stored, numbers) : out;
      }
      if (c.from === "days") return setPath(msg, output, dailyStats(value, where, ratedWatts));
      if (c.from === "months") {
        const asked = resolveParam(c.count, msg);
        const count = Number(asked);
        if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a whole number of months from 1 (got ${JSON.stringify(asked)})`);
        return setPath(msg, output, monthlyStats(value, where, count));
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
