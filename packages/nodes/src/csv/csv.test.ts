import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import csv from "./index.js";
import join from "../join/index.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function start(config: Record<string, unknown>) {
  t = await startTestFlow(
    {
      nodes: [
        { id: "csv", type: "csv", config, wires: [["out", "join"]] },
        { id: "join", type: "join", config: {}, wires: [["joined"]] },
        { id: "out", type: "test-collect" },
        { id: "joined", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [csv, join, catchNode] },
  );
  return t;
}

describe("csv", () => {
  it("parses a header row into one message per row (typed numbers, quoted text kept) that join puts back together", async () => {
    const tf = await start({});
    tf.inject("csv", { payload: 'time,kw,id\n1700000000,1.5,"007"\n1700000060,-2e3,"a,b"\n\n1700000120,,x\n' });
    const rows = (await tf.waitFor("out", 3)).map((m) => m.payload);
    expect(rows).toEqual([
      { time: 1700000000, kw: 1.5, id: "007" },
      { time: 1700000060, kw: -2000, id: "a,b" },
      { time: 1700000120, id: "x" },
    ]);
    const [joined] = await tf.waitFor("joined", 1);
    expect(joined!.payload).toEqual(rows);
  });

  it("parses with given columns, a separator, skipped lines and no header into an array; empty fields as null", async () => {
    const tf = await start({ columns: "site, kw", separator: ";", headerRow: false, skipLines: 1, output: "array", emptyFields: "null", numbers: false });
    tf.inject("csv", { payload: Buffer.from("exported by meter\nroof;3.5;extra\nshed;\n") });
    const [msg] = await tf.waitFor("out", 1);
    expect(msg!.payload).toEqual([
      { site: "roof", kw: "3.5", col3: "extra" },
      { site: "shed", kw: null },
    ]);
  });

  it("builds CSV from objects with a header, quoting where needed", async () => {
    const tf = await start({ lineEnding: "\r\n" });
    tf.inject("csv", { payload: [{ site: "roof", kw: 1.5, note: 'say "hi", ok' }, { site: "shed", kw: 0, note: "" }] });
    const [msg] = await tf.waitFor("out", 1);
    expect(msg!.payload).toBe('site,kw,note\r\nroof,1.5,"say ""hi"", ok"\r\nshed,0,\r\n');
  });

  it("fails an unclosed quote and text over maxBytes with the reason", async () => {
    const tf = await start({ maxBytes: 50 });
    tf.inject("csv", { payload: 'a,b\n1,"open\n' });
    tf.inject("csv", { payload: "a\n" + "1\n".repeat(40) });
    const errors = (await tf.waitFor("caught", 2)).map((m) => (m.error as { message: string }).message);
    expect(errors[0]).toMatch(/payload is not valid CSV: .*quote/i);
    expect(errors[1]).toBe('payload is 82 bytes, over the 50-byte limit (config "maxBytes")');
    expect(tf.received("out")).toEqual([]);
  });
});
