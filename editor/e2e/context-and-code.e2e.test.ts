/**
 * The editor's context viewer, code files, node versions, dark code style,
 * minimap toggle and Node-RED subflow import, in a real headless Chromium
 * against a real runtime.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { chromium, type Browser, type Page } from "playwright-core";
import { startRuntime, type RunningRuntime } from "../../packages/runtime/src/start.js";
import { writePlugin } from "../../test/fakes/plugin.js";

const CHROMIUM = "/usr/bin/chromium";
const editorDir = new URL("../dist", import.meta.url).pathname;
const haveBrowser = existsSync(CHROMIUM) && existsSync(join(editorDir, "index.html"));
if (!haveBrowser && process.env.REQUIRE_SERVICES === "1") throw new Error(`editor e2e needs ${CHROMIUM} (apt-get install chromium) and a built editor (npm run build)`);
const shots = new URL("../../artifacts/screenshots/", import.meta.url).pathname;

/** Counts its messages in node context, keeps the last payload in flow context and marks global context. */
const COUNTER = `context.set("count", (context.get("count") ?? 0) + 1);
flow.set("lastPayload", msg.payload);
global.set("contextTest", { ok: true });
return msg;`;

let rt: RunningRuntime;
let browser: Browser;
let page: Page;
let root: string;

describe.skipIf(!haveBrowser)("context viewer and code files (needs /usr/bin/chromium and npm run build)", () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "wattflow-editor-context-"));
    const flowsDir = join(root, "flows");
    mkdirSync(join(flowsDir, "ctx"), { recursive: true });
    mkdirSync(shots, { recursive: true });
    writeFileSync(join(flowsDir, "ctx", "counter.js"), COUNTER);
    // A node type at config version 2, as a plugin would ship it after changing its config's shape.
    writePlugin(
      join(root, "plugins"),
      "versioned",
      `export default { nodes: [{ type: "meter-v2", category: "test", summary: "a node type at version 2", version: 2,
         migrate(config) { return { ...config }; },
         config: { type: "object", properties: { scale: { type: "number", default: 1 } } }, inputs: 1, outputs: ["out"],
         create() { return { input(msg, send, done) { send(msg); done(); } }; } }] };`,
    );
    writeFileSync(
      join(flowsDir, "ctx.json"),
      JSON.stringify({
        format: "wattflow/flow@1",
        id: "ctx",
        nodes: [
          { id: "tick", type: "inject", config: { once: true, onceDelay: "10ms", payload: 7, payloadType: "number" }, wires: [["counter"]], position: { x: 0, y: 0 } },
          { id: "counter", type: "function", config: { code: COUNTER }, wires: [["from-file"]], position: { x: 250, y: 0 } },
          { id: "from-file", type: "function", config: { file: "ctx/counter.js" }, position: { x: 500, y: 0 } },
        ],
      }),
    );
    rt = await startRuntime({ port: 0, host: "127.0.0.1", httpPort: 0, httpHost: "127.0.0.1", dataDir: join(root, "data"), flowsDir, nodesDir: join(root, "plugins"), editorDir, watch: false, logger: pino({ level: "silent" }) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(rt.adminUrl);
    await page.locator('.react-flow__node[data-id="counter"]').waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rt?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("shows the selected node's, the flow's and the global context, and refreshes", async () => {
    await page.locator('.react-flow__node[data-id="counter"]').click();
    await page.getByRole("button", { name: "context", exact: true }).click();
    const panel = page.getByTestId("context-panel");
    const entry = (key: string) => panel.getByTestId("context-entry").filter({ hasText: key });
    await expect.poll(() => entry("count").innerText()).toMatch(/count\s.*\n?1$/s);
    await page.screenshot({ path: join(shots, "editor-context.png") });

    expect(await page.getByTestId("context-scope").inputValue()).toBe("node:counter");
    await page.getByTestId("context-scope").selectOption("flow");
    await expect.poll(() => entry("lastPayload").innerText()).toMatch(/7$/);
    await page.getByTestId("context-scope").selectOption("global");
    await expect.poll(() => entry("contextTest").innerText()).toContain('"ok": true');

    // Another message counts again: Refresh shows it.
    await page.getByTestId("context-scope").selectOption("node:counter");
    await expect.poll(() => entry("count").innerText()).toMatch(/1$/);
    expect((await fetch(new URL("api/flows/ctx/nodes/tick/trigger", rt.adminUrl), { method: "POST" })).status).toBe(202);
    await expect
      .poll(async () => {
        await page.getByTestId("context-refresh").click();
        return entry("count").innerText();
      })
      .toMatch(/2$/);
  });

  it("opens the code file a function node references, read-only", async () => {
    await page.locator('.react-flow__node[data-id="from-file"]').click();
    const form = page.getByTestId("node-form");
    await form.getByRole("button", { name: "Open ctx/counter.js" }).click();
    const code = form.locator("#file_file .cm-content");
    await expect.poll(() => code.evaluate((el) => Array.from(el.querySelectorAll(".cm-line"), (l) => l.textContent ?? "").join("\n"))).toBe(COUNTER);
    expect(await code.getAttribute("contenteditable")).toBe("false");
    await page.screenshot({ path: join(shots, "editor-function-file.png") });
  });

  it("records typeVersion on a node added of a type above version 1, and deploys it", async () => {
    await page.getByLabel("search nodes").fill("meter-v2");
    await page.getByTestId("palette-meter-v2").focus();
    await page.keyboard.press("Enter");
    await page.locator('.react-flow__node[data-id="meter-v21"]').waitFor();
    await page.getByTestId("deploy").click();
    await page.getByTestId("confirm-deploy").click();
    await page.getByTestId("dialog-text").waitFor();
    const deployed = (await (await fetch(new URL("api/flows/ctx", rt.adminUrl))).json()) as { flow: { nodes: { id: string; type: string; typeVersion?: number }[] } };
    expect(deployed.flow.nodes.filter((n) => n.type !== "meter-v2").map((n) => n.typeVersion)).toEqual([undefined, undefined, undefined]);
    expect(deployed.flow.nodes.find((n) => n.type === "meter-v2")).toMatchObject({ id: "meter-v21", typeVersion: 2 });
    await page.getByRole("button", { name: "OK" }).click();
  });

  it("shows and hides the minimap from the zoom controls (off at first, so it covers no node), remembered", async () => {
    expect(await page.locator(".react-flow__minimap").count()).toBe(0);
    await page.getByTestId("minimap-toggle").click();
    expect(await page.locator(".react-flow__minimap").count()).toBe(1);
    await page.reload();
    await page.locator('.react-flow__node[data-id="counter"]').waitFor();
    expect(await page.locator(".react-flow__minimap").count()).toBe(1);
    await page.getByTestId("minimap-toggle").click();
    expect(await page.locator(".react-flow__minimap").count()).toBe(0);
  });

  it("highlights code with a dark style in the dark theme (no colour inversion)", async () => {
    const dark = await browser.newPage({ viewport: { width: 1024, height: 768 }, colorScheme: "dark" });
    try {
      await dark.goto(rt.adminUrl);
      await dark.locator('.react-flow__node[data-id="counter"]').click();
      const editor = dark.getByTestId("node-form").locator("#root_code");
      const keyword = editor.locator(".cm-line span").filter({ hasText: /^return$/ }).first();
      await keyword.waitFor();
      const look = await editor.evaluate((el) => ({ filter: getComputedStyle(el).filter, background: getComputedStyle(el.querySelector(".cm-editor")!).backgroundColor }));
      expect(look.filter).toBe("none");
      const sum = (rgb: string) => (rgb.match(/\d+/g) ?? []).slice(0, 3).reduce((a, v) => a + Number(v), 0);
      expect(sum(look.background)).toBeLessThan(200);
      // Keywords in the dark style's light red; strings light blue: readable on the dark background.
      expect(await keyword.evaluate((el) => getComputedStyle(el).color)).toBe("rgb(255, 123, 114)");
      const string = editor.locator(".cm-line span").filter({ hasText: /^"count"$/ }).first();
      expect(await string.evaluate((el) => getComputedStyle(el).color)).toBe("rgb(165, 214, 255)");
      await dark.screenshot({ path: join(shots, "editor-dark-code.png") });
    } finally {
      await dark.close();
    }
  });

  it("imports a Node-RED export with a subflow as a Wattflow subflow, deploys it, and it runs", async () => {
    const exported = readFileSync(new URL("../../packages/runtime/src/flow/node-red/__fixtures__/subflow.json", import.meta.url), "utf8");
    await page.getByRole("button", { name: "Import" }).click();
    await page.getByLabel("flow JSON").fill(exported);
    await page.getByRole("dialog").getByRole("button", { name: "Import" }).click();
    await expect.poll(() => page.getByTestId("dialog-text").innerText()).toContain("into 1 flow(s), each in its own tab: meters");
    expect(await page.getByTestId("dialog-text").innerText()).not.toContain("Not imported");
    await page.getByRole("button", { name: "OK" }).click();
    // Drawn as written: the two instances are one node each.
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(6);
    await page.getByTestId("deploy").click();
    await page.getByTestId("confirm-deploy").click();
    await expect.poll(() => page.getByTestId("dialog-text").innerText()).toBe("Deployed revision 1.");
    await page.getByRole("button", { name: "OK" }).click();
    await page.screenshot({ path: join(shots, "editor-import-subflow.png") });
    // It runs: the instances' copies scale the reading each with its own parameters.
    await page.getByRole("button", { name: "debug", exact: true }).click();
    expect((await fetch(new URL("api/flows/meters/nodes/9a8b7c6d5e4f0001/trigger", rt.adminUrl), { method: "POST" })).status).toBe(202);
    const debug = page.getByTestId("debug-message");
    await expect.poll(async () => (await debug.allTextContents()).join("\n")).toMatch(/"payload": 1\.5/);
    const text = (await debug.allTextContents()).join("\n");
    expect(text).toMatch(/"payload": 3000/);
    expect(text).toContain('"unit": "kW"');
  });
});
