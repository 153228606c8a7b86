/**
 * flows/powermonitor.json end to end: a real Home Assistant API (the simulator), a local
 * server speaking GitHub's Contents API, the nightly jobs triggered through the admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startRuntime, type RunningRuntime } from "../packages/runtime/src/start.js";
import { copyShippedFlow } from "../test/copy-flow.js";
import { testStore } from "../test/shipped-flow.js";
import { startHaSimulator, type RunningHaSimulator } from "../packages/nodes/src/home-assistant/simulator.js";
import { FakeGithub } from "../test/fakes/fake-github.js";
import { until } from "../packages/runtime/src/testing/index.js";

let rt: RunningRuntime;
let ha: RunningHaSimulator;
let gh: FakeGithub;
let root: string;
let data: string;
const DAY = 86_400_000;
const yesterday = new Date(Math.floor(Date.now() / DAY) * DAY - DAY);
const yesterdayKey = yesterday.toISOString().slice(0, 10);
const env = ["HA_URL", "HA_TOKEN", "GITHUB_REPO", "GITHUB_TOKEN", "GITHUB_API_URL", "POWER_DATA_DIR", "POWER_INTERVAL"] as const;

const file = (name: string) => JSON.parse(readFileSync(join(data, name), "utf8")) as { data_points: Record<string, unknown>[]; last_update: string | null };

/** On PostgreSQL (WATTFLOW_TEST_STORE) one database for the whole file, so a restarted runtime finds its store. */
let onPostgres: Promise<Awaited<ReturnType<typeof testStore>>> | undefined;
async function start(): Promise<RunningRuntime> {
  onPostgres ??= testStore();
  return startRuntime({ port: 0, host: "127.0.0.1", httpPort: 0, httpHost: "127.0.0.1", dataDir: join(root, "store"), flowsDir: join(root, "flows"), logger: pino({ level: "silent" }), ...(await onPostgres) });
}
const trigger = (node: string) => fetch(new URL(`api/flows/powermonitor/nodes/${node}/trigger`, rt.adminUrl), { method: "POST" });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "wattflow-power-"));
  data = join(root, "power");
  mkdirSync(join(root, "flows"));
  mkdirSync(data);
  copyShippedFlow(new URL("./powermonitor.json", import.meta.url), join(root, "flows"));
  ha = await startHaSimulator({ token: "ha-token" });
  gh = new FakeGithub();
  await gh.start();
  Object.assign(process.env, { HA_URL: ha.url, HA_TOKEN: "ha-token", GITHUB_REPO: "owner/repo", GITHUB_TOKEN: gh.token, GITHUB_API_URL: gh.url, POWER_DATA_DIR: data, POWER_INTERVAL: "1h" });
  // Yesterday, collected every 10 minutes at a steady 600 W, as daily.json's midnight rotation left it.
  const points = Array.from({ length: 144 }, (_, i) => ({ timestamp: new Date(yesterday.getTime() + i * 600_000).toISOString(), power_w: 600 }));
  writeFileSync(join(data, "daily.previous.json"), JSON.stringify({ data_points: points, last_update: points[143]!.timestamp }));
  rt = await start();
}, 30_000);

afterAll(async () => {
  await rt?.stop();
  await ha?.close();
  await gh?.close();
  for (const k of env) delete process.env[k];
  rmSync(root, { recursive: true, force: true });
});

describe("power monitor", () => {
  it("fills daily.json from the Home Assistant sensor", async () => {
    await until(() => existsSync(join(data, "daily.json")) && file("daily.json").data_points.length > 0);
    expect(file("daily.json").data_points[0]).toMatchObject({ power_w: expect.any(Number), timestamp: expect.any(String) });
  });

  it("the 00:02 job aggregates yesterday by hour into weekly.json", async () => {
    // On demand, as the CLI's `wattflow trigger powermonitor weekly-job` does (a start after 00:02 also catches it up).
    expect((await trigger("weekly-job")).status).toBe(202);
    await until(() => existsSync(join(data, "weekly.json")) && file("weekly.json").data_points.length === 24);
    const hours = file("weekly.json").data_points;
    expect(hours).toHaveLength(24);
    expect(hours[0]).toMatchObject({ timestamp: yesterday.toISOString(), avg_w: 600, min_w: 600, max_w: 600, samples: 6 });
    // The segment 00:50 → 01:00 belongs to the first hour: a whole hour of 600 W.
    expect(hours[0]!.energy_wh).toBe(600);
  });

  it("the 00:05 and 00:15 jobs add yesterday to monthly.json and yearly.json and push both to GitHub", async () => {
    expect((await trigger("monthly-job")).status).toBe(202);
    expect((await trigger("yearly-job")).status).toBe(202);
    await until(() => gh.files.has("data/monthly.json") && gh.files.has("data/yearly.json"));
    for (const name of ["monthly.json", "yearly.json"]) {
      const days = file(name).data_points;
      expect(days).toEqual([{ date: yesterdayKey, avg_w: 600, min_w: 600, max_w: 600, samples: 144, energy_kwh: 14.3 }]);
      expect(JSON.parse(gh.files.get(`data/${name}`)!.text)).toEqual(file(name));
    }
    // The hours of the day in weekly.json add up to the day in monthly.json (within 0.1 %).
    const hourSum = file("weekly.json").data_points.reduce((sum, h) => sum + Number(h.energy_wh), 0);
    const dayWh = Number(file("monthly.json").data_points[0]!.energy_kwh) * 1000;
    expect(Math.abs(hourSum - dayWh) / dayWh).toBeLessThan(0.001);
    // Running a job again for the same day changes nothing: the day is merged, not added twice.
    const asked = gh.requests.length;
    expect((await trigger("monthly-job")).status).toBe(202);
    // The job has written the file once it syncs it to GitHub again.
    await until(() => gh.requests.slice(asked).some((r) => r.path === "data/monthly.json"));
    expect(file("monthly.json").data_points).toHaveLength(1);
  });

  it("serves the four files and the dashboard", async () => {
    for (const name of ["daily", "weekly", "monthly", "yearly"]) {
      const res = await fetch(new URL(`/power/${name}.json`, rt.httpUrl));
      expect(res.status).toBe(200);
      expect(Object.keys((await res.json()) as object)).toEqual(["data_points", "last_update"]);
    }
    const page = await fetch(new URL("/power/", rt.httpUrl));
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    for (const tab of ["Today", "7 Days", "30 Days", "365 Days"]) expect(html).toContain(tab);
  });

  it("restores monthly.json and yearly.json from GitHub when they are lost", async () => {
    await rt.stop();
    rmSync(join(data, "monthly.json"));
    rmSync(join(data, "yearly.json"));
    rt = await start();
    await until(() => existsSync(join(data, "monthly.json")));
    expect(file("monthly.json").data_points).toHaveLength(1);
    expect(file("yearly.json").data_points[0]).toMatchObject({ date: yesterdayKey });
  });
});
