/**
 * The editor in a real headless Chromium (Debian's, driven by playwright-core)
 * against a real runtime: build a flow by hand, deploy it, watch it, roll back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { chromium, type Browser, type Page } from "playwright-core";
import { startRuntime, type RunningRuntime } from "../../packages/runtime/src/start.js";

const CHROMIUM = "/usr/bin/chromium";
const editorDir = new URL("../dist", import.meta.url).pathname;
const haveBrowser = existsSync(CHROMIUM) && existsSync(join(editorDir, "index.html"));
if (!haveBrowser && process.env.REQUIRE_SERVICES === "1") throw new Error(`editor e2e needs ${CHROMIUM} (apt-get install chromium) and a built editor (npm run build)`);
const shots = new URL("../../artifacts/screenshots/", import.meta.url).pathname;

let rt: RunningRuntime;
let browser: Browser;
let page: Page;
let root: string;
const consoleErrors: string[] = [];

describe.skipIf(!haveBrowser)("editor (skipped: no /usr/bin/chromium or editor build)", () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "wattflow-editor-"));
    mkdirSync(join(root, "flows"));
    mkdirSync(shots, { recursive: true });
    rt = await startRuntime({ port: 0, host: "127.0.0.1", httpPort: 0, httpHost: "127.0.0.1", dataDir: join(root, "data"), flowsDir: join(root, "flows"), editorDir, logger: pino({ level: "silent" }) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    await page.goto(rt.adminUrl);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rt?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("builds inject → debug by drag and drop, deploys it, and shows the debug message", async () => {
    page.once("dialog", (d) => void d.accept("hello"));
    await page.getByTitle("new flow").click();
    const canvas = page.getByTestId("canvas");
    const box = (await canvas.boundingBox())!;
    await page.getByTestId("palette-inject").dragTo(canvas, { targetPosition: { x: 150, y: 150 } });
    await page.getByTestId("palette-debug").dragTo(canvas, { targetPosition: { x: 450, y: 150 } });
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(2);

    // Wire inject's output port to debug's input.
    const from = (await page.locator('[data-testid="node-inject1"] .react-flow__handle-right').boundingBox())!;
    const to = (await page.locator('[data-testid="node-debug1"] .react-flow__handle-left').boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 10 });
    await page.mouse.up();
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(1);

    // Configure the inject in its generated form: every second.
    await page.getByTestId("node-inject1").click();
    await page.getByTestId("node-form").locator("#root_interval").fill("1s");
    await page.screenshot({ path: join(shots, "editor-form.png") });

    await page.getByTestId("deploy").click();
    await expect.poll(() => page.getByTestId("dialog").innerText()).toContain("+ added inject1");
    await page.getByTestId("confirm-deploy").click();
    await expect.poll(() => page.getByTestId("dialog-text").innerText()).toBe("Deployed revision 1.");
    await page.getByRole("button", { name: "OK" }).click();

    await page.getByRole("button", { name: "debug" }).click();
    await expect.poll(() => page.getByTestId("debug-message").count(), { timeout: 8000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId("node-status").count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, "editor-running.png") });
    expect(rt.engine.running("hello")?.nodes.map((n) => n.id)).toEqual(["inject1", "debug1"]);
  });

  it("an invalid config shows its error on the node and the deploy is refused", async () => {
    await page.getByTestId("node-inject1").click();
    await page.getByTestId("node-form").locator("#root_interval").fill("often");
    await page.getByTestId("deploy").click();
    await expect.poll(() => page.getByTestId("dialog").innerText()).toContain("inject1 /nodes/0/config/interval: must match");
    expect(await page.getByTestId("confirm-deploy").isDisabled()).toBe(true);
    await expect.poll(() => page.getByTestId("node-error").first().innerText()).toContain("/config/interval");
    await page.screenshot({ path: join(shots, "editor-invalid.png") });
    await page.getByRole("button", { name: "Cancel" }).click();
    expect(rt.engine.running("hello")?.nodes.find((n) => n.id === "inject1")?.config.interval).toBe("1s");
  });

  it("lists the deploy as a revision and rolls back", async () => {
    await page.getByTestId("node-form").locator("#root_interval").fill("2s");
    await page.getByTestId("deploy").click();
    await page.getByTestId("confirm-deploy").click();
    await expect.poll(() => page.getByTestId("dialog-text").innerText()).toBe("Deployed revision 2.");
    await page.getByRole("button", { name: "OK" }).click();
    await page.getByRole("button", { name: "history" }).click();
    await expect.poll(() => page.getByTestId("revision").count()).toBe(2);
    await page.getByTestId("rollback-1").click();
    await expect.poll(() => page.getByTestId("dialog-text").innerText()).toBe("Rolled back to revision 1 (now revision 3).");
    await page.screenshot({ path: join(shots, "editor-history.png") });
    expect(rt.engine.running("hello")?.nodes.find((n) => n.id === "inject1")?.config.interval).toBe("1s");
    // Reload shows what the server runs.
    await page.reload();
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(2);
  });

  it("logged no console errors", () => {
    expect(consoleErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
