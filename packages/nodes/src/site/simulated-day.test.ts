/**
 * The simulators make one coherent day for the site picture: the sun rises
 * and sets, the battery fills by day and gives back at night about what it
 * took, the house has its morning and evening, and the heat pump cycles,
 * longer in the cold night than on a mild afternoon, and runs when boosted.
 */
import { describe, expect, it } from "vitest";
import { epeverModel } from "../modbus/simulator.js";
import { householdWatts } from "../home-assistant/simulator.js";
import { heatpumpReading } from "../heatpump/simulator.js";
import { energyWh } from "../shared/energy.js";

const DAY = Date.parse("2025-03-10T00:00:00Z");
const MIN = 60_000;
const minutes = (from: number, to: number) => Array.from({ length: (to - from) / MIN }, (_, i) => from + i * MIN);

describe("a simulated day", () => {
  const day = minutes(DAY, DAY + 24 * 60 * MIN);

  it("the sun rises at six and sets at six; the battery fills by day and gives back at night what it took, within 15 %", () => {
    const at = (hhmm: string) => epeverModel(Date.parse(`2025-03-10T${hhmm}:00Z`));
    expect(at("05:30").pvPower).toBe(0);
    expect(at("12:00").pvPower).toBeGreaterThan(250);
    expect(at("18:30").pvPower).toBe(0);
    // The state of charge has no jumps: it is a curve, not a schedule.
    const soc = day.map((t) => epeverModel(t).soc);
    expect(Math.max(...soc.slice(1).map((s, i) => Math.abs(s - soc[i]!)))).toBeLessThan(1);
    expect(Math.min(...soc)).toBeGreaterThanOrEqual(49);
    expect(Math.max(...soc)).toBe(100);
    const charged = energyWh(day.map((t) => ({ t, v: epeverModel(t).chargingPower })), 5 * MIN);
    const drawn = energyWh(day.map((t) => ({ t, v: epeverModel(t).loadPower })), 5 * MIN);
    expect(Math.abs(charged - drawn) / drawn).toBeLessThan(0.15);
  });

  it("the house boils a kettle at seven, cooks at six and is quieter while everyone is out", () => {
    const avg = (from: string, to: string) => {
      const ts = minutes(Date.parse(`2025-03-10T${from}:00Z`), Date.parse(`2025-03-10T${to}:00Z`));
      return ts.reduce((a, t) => a + householdWatts(t), 0) / ts.length;
    };
    expect(avg("07:00", "07:15")).toBeGreaterThan(1800);
    expect(avg("18:00", "19:30")).toBeGreaterThan(1200);
    expect(avg("11:00", "15:00")).toBeLessThan(avg("20:00", "23:59"));
  });

  it("the heat pump cycles, on longer in the cold night than on the mild afternoon and in winter than in summer, and runs when boosted", () => {
    const share = (from: string, to: string) => {
      const ts = minutes(Date.parse(`2025-03-10T${from}:00Z`), Date.parse(`2025-03-10T${to}:00Z`));
      return ts.filter((t) => heatpumpReading(new Date(t), () => 0.5).compressor.running).length / ts.length;
    };
    expect(share("02:00", "04:00")).toBeGreaterThan(0.8);
    expect(share("14:00", "16:00")).toBeLessThan(0.35);
    expect(share("14:00", "16:00")).toBeGreaterThan(0.1);
    const summerDay = minutes(Date.parse("2025-06-21T00:00:00Z"), Date.parse("2025-06-22T00:00:00Z"));
    const winterDay = minutes(Date.parse("2025-01-15T00:00:00Z"), Date.parse("2025-01-16T00:00:00Z"));
    const dailyShare = (ts: number[]) => ts.filter((t) => heatpumpReading(new Date(t), () => 0.5).compressor.running).length / ts.length;
    expect(dailyShare(summerDay)).toBeLessThan(0.2);
    expect(dailyShare(winterDay)).toBeGreaterThan(0.75);
    const off = day.find((t) => !heatpumpReading(new Date(t), () => 0.5).compressor.running)!;
    expect(heatpumpReading(new Date(off), () => 0.5, true)).toMatchObject({ compressor: { running: true } });
    expect(heatpumpReading(new Date(off), () => 0.5, true).electrical.power).toBeGreaterThan(1000);
  });
});
