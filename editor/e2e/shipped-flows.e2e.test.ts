/**
 * The editor with every shipped flow loaded, in a real headless Chromium:
 * the toolbar stays on screen at small window sizes, every node and
 * connection type gets a form that renders, and every flow opens laid out
 * with no node on top of another.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pino from "pino";
import { chromium, type Browser, type Page } from "playwright-core";
import { startRuntime, type RunningRuntime } from "../../packages/runtime/src/start.js";
import type { FlowSummary, NodeCatalog } from "../../packages/runtime/src/api/types.js";
import { copyShippedFlow } from "../../test/copy-flow.js";

const CHROMIUM = "/usr/bin/chromium";
const editorDir = new URL("../dist", import.meta.url).pathname;
const shippedDir = new URL("../../flows/", import.meta.url).pathname;
const haveBrowser = existsSync(CHROMIUM) && existsSync(join(editorDir, "index.html"));
if (!haveBrowser && process.env.REQUIRE_SERVICES === "1") throw new Error(`editor e2e needs ${CHROMIUM} (apt-get install chromium) and a built editor (npm run build)`);
const shots = new URL("../../artifacts/screenshots/", import.meta.url).pathname;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const overlaps = (a: Box, b: Box): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

let rt: RunningRuntime;
let browser: Browser;
let root: string;
let flows: FlowSummary[];

/** API calls the editor made, by method and path. */
const calls = new WeakMap<Page, string[]>();

async function openEditor(width: number, height: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  const list: string[] = [];
  calls.set(page, list);
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith("/api/")) list.push(`${r.method()} ${url.pathname}`);
  });
  await page.goto(rt.adminUrl);
  await page.getByTestId("palette-inject").waitFor();
  await page.locator(".react-flow__node").first().waitFor();
  return page;
}

async function openFlow(page: Page, id: string): Promise<void> {
  await page.getByRole("button", { name: "all flows" }).click();
  await page.getByRole("menuitem").filter({ hasText: id }).first().click();
  // The editor draws the flow as written: a subflow instance is one node, though it runs as its copies.
  const detail = (await (await fetch(new URL(`api/flows/${id}`, rt.adminUrl))).json()) as { flow: { nodes: unknown[] } };
  const expected = detail.flow.nodes.length;
  await page.waitForFunction((n) => document.querySelectorAll(".react-flow__node").length === n, expected);
}

describe.skipIf(!haveBrowser)("editor with every shipped flow (needs /usr/bin/chromium and npm run build)", () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "wattflow-editor-shipped-"));
    mkdirSync(join(root, "flows"));
    mkdirSync(shots, { recursive: true });
    // Flow files (with the folder of code and pages beside each); `<flow>.test.json` files are test cases, not flows.
    for (const f of readdirSync(shippedDir)) if (f.endsWith(".json") && !f.endsWith(".test.json")) copyShippedFlow(new URL(f, pathToFileURL(shippedDir)), join(root, "flows"));
    rt = await startRuntime({ port: 0, host: "127.0.0.1", httpPort: 0, httpHost: "127.0.0.1", dataDir: join(root, "data"), flowsDir: join(root, "flows"), editorDir, logger: pino({ level: "silent" }) });
    flows = (await (await fetch(new URL("api/flows", rt.adminUrl))).json()) as FlowSummary[];
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rt?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  for (const [width, height] of [
    [1280, 800],
    [1024, 768],
  ] as const) {
    it(`keeps every toolbar button inside a ${width}×${height} window`, async () => {
      expect(flows.length).toBeGreaterThanOrEqual(5);
      expect(flows.filter((f) => f.state === "failed").map((f) => f.id)).toEqual([]);
      const page = await openEditor(width, height);
      try {
        // Each startup request is made once.
        await page.waitForTimeout(300);
        const startup = calls.get(page)!.filter((c) => c.startsWith("GET"));
        expect({ startup, repeated: startup.filter((c, i) => startup.indexOf(c) !== i) }).toEqual({ startup, repeated: [] });
        const buttons = page.locator("header button:not([role=tab])");
        expect(await buttons.count()).toBeGreaterThanOrEqual(11);
        for (const b of await buttons.all()) {
          const box = (await b.boundingBox())!;
          const name = (await b.getAttribute("title")) ?? (await b.innerText());
          expect({ name, inside: box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height }).toEqual({ name, inside: true });
        }
        // The canvas keeps a useful share of the window with the side panel open…
        const canvas = (await page.getByTestId("canvas").boundingBox())!;
        expect(canvas.width).toBeGreaterThan(width * 0.4);
        await page.screenshot({ path: join(shots, `editor-${width}x${height}.png`) });
        // …and gets it back when the panel is hidden.
        await page.getByRole("button", { name: "side panel" }).click();
        await expect.poll(async () => (await page.getByTestId("canvas").boundingBox())!.width).toBeGreaterThan(width * 0.7);
        await page.getByRole("button", { name: "side panel" }).click();
        await expect.poll(async () => (await page.getByTestId("canvas").boundingBox())!.width).toBeCloseTo(canvas.width, 0);
      } finally {
        await page.close();
      }
    });
  }

  it("drags the side panel wider by its edge", async () => {
    const page = await openEditor(1280, 800);
    try {
      const panel = (await page.getByTestId("side-panel").boundingBox())!;
      await page.mouse.move(panel.x + 2, panel.y + 200);
      await page.mouse.down();
      await page.mouse.move(panel.x - 150, panel.y + 200, { steps: 5 });
      await page.mouse.up();
      await expect.poll(async () => (await page.getByTestId("side-panel").boundingBox())!.width).toBeGreaterThan(panel.width + 100);
    } finally {
      await page.evaluate(() => localStorage.clear());
      await page.close();
    }
  });

  it("renders the form of every registered node and connection type, with no unsupported field and no sideways scrolling", async () => {
    const catalog = (await (await fetch(new URL("api/nodes", rt.adminUrl))).json()) as NodeCatalog;
    expect(catalog.nodes.length).toBeGreaterThan(20);
    const doc = {
      format: "wattflow/flow@1",
      id: "every-type",
      nodes: catalog.nodes.map((n) => ({ id: `t-${n.type}`, type: n.type, config: {} })),
      connections: catalog.connections.map((c) => ({ id: `c-${c.type}`, type: c.type, config: {} })),
    };
    const page = await openEditor(1280, 800);
    try {
      await page.getByRole("button", { name: "Import" }).click();
      await page.getByLabel("flow JSON").fill(JSON.stringify(doc));
      await page.getByRole("dialog").getByRole("button", { name: "Import" }).click();
      await expect.poll(() => page.locator(".react-flow__node").count()).toBe(catalog.nodes.length);
      // This test is about forms: keep the minimap and zoom buttons from covering nodes it clicks.
      await page.addStyleTag({ content: ".react-flow__minimap, .react-flow__controls { display: none; }" });
      const problems: string[] = [];
      for (const n of catalog.nodes) {
        await page.getByTestId(`node-t-${n.type}`).click();
        const form = page.getByTestId("node-form");
        await expect.poll(() => form.locator("h2").innerText()).toContain(n.type);
        // Connections are listed (collapsed) under every node form: open them so they render visibly too.
        for (const d of await form.locator("details").all()) await d.evaluate((el) => ((el as HTMLDetailsElement).open = true));
        const text = await form.innerText();
        if (/unsupported field/i.test(text)) problems.push(`${n.type}: ${text.match(/unsupported field[^\n]*/i)![0]}`);
        const overflow = await page.getByTestId("side-panel").evaluate((el) => el.scrollWidth - el.clientWidth);
        if (overflow > 0) problems.push(`${n.type}: the form is ${overflow} px wider than the panel`);
        if (n.type === "aggregate-window" || n.type === "store-query" || n.type === "inject") await page.screenshot({ path: join(shots, `editor-form-${n.type}.png`) });
      }
      expect(problems).toEqual([]);
      // Every connection type's form was drawn (one per type) and secrets are password fields.
      const connectionForms = await page.getByTestId("node-form").locator(".connections form").count();
      expect(connectionForms).toBe(catalog.connections.length);
      const passwordLike = catalog.connections.flatMap((c) => Object.entries((c.configSchema.properties ?? {}) as Record<string, Record<string, unknown>>).filter(([, p]) => p["x-wattflow-secret"]).map(([k]) => `#root_${k}`));
      for (const sel of passwordLike) expect(await page.getByTestId("node-form").locator(`${sel}[type=password]`).count()).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  }, 60_000);

  it("opens every shipped flow laid out, fitted in the view, with no two nodes overlapping", async () => {
    const page = await openEditor(1280, 800);
    try {
      for (const f of flows) {
        await openFlow(page, f.id);
        // Let the fit-to-view run.
        await page.waitForTimeout(300);
        const boxes = await page.locator(".react-flow__node").evaluateAll((els) => els.map((el) => ({ id: el.getAttribute("data-id") ?? "", ...JSON.parse(JSON.stringify(el.getBoundingClientRect())) as { x: number; y: number; width: number; height: number } })));
        const clashes: string[] = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlaps(boxes[i]!, boxes[j]!)) clashes.push(`${boxes[i]!.id} × ${boxes[j]!.id}`);
        expect({ flow: f.id, clashes }).toEqual({ flow: f.id, clashes: [] });
        const canvas = (await page.getByTestId("canvas").boundingBox())!;
        const outside = boxes.filter((b) => b.x < canvas.x - 1 || b.y < canvas.y - 1 || b.x + b.width > canvas.x + canvas.width + 1 || b.y + b.height > canvas.y + canvas.height + 1).map((b) => b.id);
        expect({ flow: f.id, outside }).toEqual({ flow: f.id, outside: [] });
        await page.screenshot({ path: join(shots, `flow-${f.id}.png`) });
      }
    } finally {
      await page.close();
    }
  }, 60_000);

  describe("help, code and inject", () => {
    let page: Page;
    beforeAll(async () => {
      page = await openEditor(1280, 800);
      await openFlow(page, "demo");
    });
    afterAll(async () => {
      await page?.close();
    });

    it("shows the selected node's help as formatted text", async () => {
      await page.getByTestId("node-every 10 s").click();
      const help = page.getByTestId("node-help");
      await help.waitFor();
      expect(await help.locator("h3").first().innerText()).toBe("inject");
      expect(await help.locator("code").count()).toBeGreaterThan(0);
      expect(await help.innerText()).not.toContain("```");
      await page.screenshot({ path: join(shots, "editor-help.png") });
    });

    it("fires a deployed inject node from its button", async () => {
      await page.getByRole("button", { name: "debug", exact: true }).click();
      const before = await page.getByTestId("debug-message").count();
      const answer = page.waitForResponse((r) => r.url().endsWith("/api/flows/demo/nodes/heartbeat/trigger"));
      await page.getByRole("button", { name: "trigger every 10 s" }).click();
      expect((await answer).status()).toBe(202);
      await expect.poll(() => page.getByTestId("debug-message").count(), { timeout: 3000 }).toBeGreaterThan(before);
    });

    it("edits function code in a monospace area where Tab indents", async () => {
      const doc = { format: "wattflow/flow@1", id: "code-test", nodes: [{ id: "fn", type: "function", config: { code: "return msg;" } }] };
      await page.getByRole("button", { name: "Import" }).click();
      await page.getByLabel("flow JSON").fill(JSON.stringify(doc));
      await page.getByRole("dialog").getByRole("button", { name: "Import" }).click();
      await page.getByTestId("node-fn").click();
      const code = page.getByTestId("node-form").locator("#root_code");
      expect(await code.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/mono/i);
      await code.click();
      await page.keyboard.press("Control+End");
      await page.keyboard.press("Enter");
      await page.keyboard.press("Tab");
      await page.keyboard.type("// indented");
      await expect.poll(() => code.inputValue()).toBe("return msg;\n  // indented");
      expect(await code.evaluate((el) => document.activeElement === el)).toBe(true);
      await page.keyboard.press("Shift+Tab");
      await expect.poll(() => code.inputValue()).toBe("return msg;\n// indented");
      await page.screenshot({ path: join(shots, "editor-function-code.png") });
    });
  });

  describe("safe editing", () => {
    let page: Page;
    beforeAll(async () => {
      page = await openEditor(1280, 800);
      await openFlow(page, "demo");
    });
    afterAll(async () => {
      await page?.close();
    });

    const tab = (id: string) => page.getByRole("tab").filter({ hasText: flows.find((f) => f.id === id)!.label.slice(0, 12) });

    it("selecting a node does not modify the flow", async () => {
      // Their forms fill in defaults the flow file leaves out: that is no edit.
      for (const label of ["every 10 s", "show", "add site"]) {
        await page.getByTestId(`node-${label}`).click();
        await page.getByTestId("node-form").waitFor();
      }
      await page.waitForTimeout(200);
      expect(await page.getByRole("button", { name: "Undo" }).isDisabled()).toBe(true);
      expect(await tab("demo").innerText()).not.toContain("●");
    });

    it("deleting a wired node and pressing Ctrl+Z once restores the node with its wires", async () => {
      expect(await page.locator(".react-flow__edge").count()).toBe(2);
      await page.getByTestId("node-add site").click();
      await page.keyboard.press("Delete");
      await expect.poll(() => page.locator(".react-flow__node").count()).toBe(2);
      expect(await page.locator(".react-flow__edge").count()).toBe(0);
      await page.keyboard.press("Control+z");
      await expect.poll(() => page.locator(".react-flow__node").count()).toBe(3);
      await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(2);
      // One step: nothing is left to undo, and the flow is as the server runs it again.
      expect(await page.getByRole("button", { name: "Undo" }).isDisabled()).toBe(true);
      expect(await tab("demo").innerText()).not.toContain("●");
    });

    it("keeps unsaved edits per tab and marks the tab modified", async () => {
      await page.getByTestId("node-add site").click();
      await page.getByTestId("node-form").getByRole("textbox").first().fill("add site renamed");
      await expect.poll(() => tab("demo").innerText()).toContain("●");
      await openFlow(page, "system");
      expect(await tab("demo").innerText()).toContain("●");
      expect(await tab("system").innerText()).not.toContain("●");
      await openFlow(page, "demo");
      await page.getByTestId("node-add site renamed").waitFor();
      await page.screenshot({ path: join(shots, "editor-modified-tab.png") });
    });

    it("refuses a new flow id that exists already", async () => {
      const tabs = await page.getByRole("tab").count();
      page.once("dialog", (d) => void d.accept("demo"));
      await page.getByTitle("new flow").click();
      await expect.poll(() => page.getByTestId("dialog-text").innerText()).toContain('A flow with id "demo" exists already');
      await page.getByRole("button", { name: "OK" }).click();
      expect(await page.getByRole("tab").count()).toBe(tabs);
    });

    it("draws a wire to a missing node in red and deletes it", async () => {
      const doc = { format: "wattflow/flow@1", id: "broken", nodes: [{ id: "a", type: "inject", config: {}, wires: [["gone", "b"]] }, { id: "b", type: "debug", config: {} }] };
      await page.getByRole("button", { name: "Import" }).click();
      await page.getByLabel("flow JSON").fill(JSON.stringify(doc));
      await page.getByRole("dialog").getByRole("button", { name: "Import" }).click();
      await page.getByTestId("missing-gone").waitFor();
      expect(await page.locator(".react-flow__edge.dangling").count()).toBe(1);
      expect(await page.locator(".react-flow__edge").count()).toBe(2);
      await page.screenshot({ path: join(shots, "editor-dangling-wire.png") });
      const wire = (await page.locator(".react-flow__edge.dangling .react-flow__edge-interaction").boundingBox())!;
      await page.mouse.click(wire.x + wire.width / 2, wire.y + wire.height / 2);
      await page.keyboard.press("Delete");
      await expect.poll(() => page.locator(".react-flow__edge.dangling").count()).toBe(0);
      expect(await page.locator(".react-flow__edge").count()).toBe(1);
      expect(await page.getByTestId("missing-gone").count()).toBe(0);
      // The other tabs' drafts are still there.
      expect(await tab("demo").innerText()).toContain("●");
    });

    it("asks before leaving the page with edits not deployed", async () => {
      let asked = "";
      page.once("dialog", (d) => {
        asked = d.type();
        void d.dismiss();
      });
      // Leaving for another page: the browser asks, the user stays, the edits stay.
      await page.goto("about:blank").catch(() => undefined);
      await expect.poll(() => asked).toBe("beforeunload");
      expect(page.url()).toBe(rt.adminUrl);
      expect(await page.getByRole("tab").first().innerText()).toContain("●");
    });
  });
});
