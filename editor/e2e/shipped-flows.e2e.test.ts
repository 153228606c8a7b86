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

async function openEditor(width: number, height: number, colorScheme: "light" | "dark" = "light"): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme });
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


/** Waits until the canvas viewport's transform has stayed the same over five polls 50 ms apart (a fit-to-view has settled). */
async function waitForSteadyViewport(page: Page): Promise<void> {
  // What an earlier wait saw (another flow's view) does not count.
  await page.evaluate(() => {
    const seen = window as unknown as { steadyTransform?: string; steadyPolls?: number };
    delete seen.steadyTransform;
    delete seen.steadyPolls;
  });
  await page.waitForFunction(
    () => {
      const viewport = document.querySelector<HTMLElement>(".react-flow__viewport");
      const seen = window as unknown as { steadyTransform?: string; steadyPolls?: number };
      const transform = viewport?.style.transform ?? "";
      if (transform !== "" && transform === seen.steadyTransform) seen.steadyPolls = (seen.steadyPolls ?? 0) + 1;
      else {
        seen.steadyTransform = transform;
        seen.steadyPolls = 0;
      }
      return seen.steadyPolls >= 5;
    },
    undefined,
    { polling: 50, timeout: 10_000 },
  );
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
        // Each startup request is made once: counted once the page has made no request for a while.
        await page.waitForLoadState("networkidle");
        const startup = calls.get(page)!.filter((c) => c.startsWith("GET"));
        expect({ startup, repeated: startup.filter((c, i) => startup.indexOf(c) !== i) }).toEqual({ startup, repeated: [] });
        const buttons = page.locator("header button:not([role=tab]):visible");
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

  /** The page's background, as the sum of its red, green and blue (0 black to 765 white). */
  const brightness = (page: Page, selector: string) =>
    page.locator(selector).first().evaluate((el) => (getComputedStyle(el).backgroundColor.match(/\d+/g) ?? []).slice(0, 3).reduce((a, v) => a + Number(v), 0));

  for (const [width, height] of [
    [1280, 800],
    [1024, 768],
  ] as const) {
    it(`follows a dark system theme at ${width}×${height}, and the header toggle overrides it and is remembered`, async () => {
      const page = await openEditor(width, height, "dark");
      try {
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
        expect(await brightness(page, "body")).toBeLessThan(200);
        expect(await brightness(page, ".palette")).toBeLessThan(200);
        expect(await brightness(page, ".react-flow__node .wf-node")).toBeLessThan(200);
        const toggle = page.getByTestId("theme-toggle");
        const box = (await toggle.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(width);
        await page.locator(".react-flow__node").first().click();
        await page.screenshot({ path: join(shots, `editor-dark-${width}x${height}.png`) });
        // system (dark) → dark → light, and light stays after a reload though the system is dark.
        await toggle.click();
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
        await toggle.click();
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
        await page.reload();
        await page.getByTestId("palette-inject").waitFor();
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
        expect(await brightness(page, ".palette")).toBeGreaterThan(600);
        // Back to following the system.
        await page.getByTestId("theme-toggle").click();
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
      } finally {
        await page.close();
      }
    });
  }

  it("finds a node of another flow with Ctrl+F and opens it selected, in the middle of the view", async () => {
    const page = await openEditor(1280, 800);
    try {
      const shown = await page.getByRole("tab", { selected: true }).innerText();
      const other = flows.find((f) => !shown.includes(f.label.slice(0, 12)) && f.id !== "demo")!;
      const detail = (await (await fetch(new URL(`api/flows/${other.id}`, rt.adminUrl))).json()) as { flow: { nodes: { id: string; type: string; name?: string }[] } };
      const target = detail.flow.nodes[detail.flow.nodes.length - 1]!;
      await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
      await page.keyboard.press("Control+f");
      const search = page.getByTestId("search-dialog");
      await search.getByRole("searchbox").fill(target.id);
      const match = search.getByTestId(`search-match-${other.id}-${target.id}`);
      await match.waitFor();
      // By type too: the same node is listed among the nodes of its type.
      await search.getByRole("searchbox").fill(target.type);
      await match.waitFor();
      await match.click();
      await expect.poll(() => page.getByRole("tab", { selected: true }).innerText()).toContain(other.label.slice(0, 12));
      const node = page.locator(`.react-flow__node[data-id="${target.id}"]`);
      await expect.poll(() => node.locator(".wf-node.selected").count()).toBe(1);
      const canvas = (await page.getByTestId("canvas").boundingBox())!;
      await expect
        .poll(async () => {
          const box = (await node.boundingBox())!;
          return Math.hypot(box.x + box.width / 2 - (canvas.x + canvas.width / 2), box.y + box.height / 2 - (canvas.y + canvas.height / 2));
        })
        .toBeLessThan(20);
      // The form is its own chunk: it may still be on its way.
      await expect.poll(() => page.getByTestId("side-panel").innerText()).toContain(target.id);
      await page.screenshot({ path: join(shots, "editor-search.png") });
    } finally {
      await page.close();
    }
  });

  it("adds a node from the palette by keyboard, in the middle of the view, and names canvas nodes for screen readers", async () => {
    const page = await openEditor(1024, 768);
    try {
      // One node far from the middle of the view, so the added one lands on nothing (it would be moved off it).
      const doc = { format: "wattflow/flow@1", id: "keyboard-test", nodes: [{ id: "far", type: "comment", position: { x: 0, y: 0 } }, { id: "far2", type: "comment", position: { x: 1200, y: 900 } }] };
      await page.getByRole("button", { name: "Import" }).click();
      await page.getByLabel("flow JSON").fill(JSON.stringify(doc));
      await page.getByRole("dialog").getByRole("button", { name: "Import" }).click();
      await page.locator('.react-flow__node[data-id="far"]').waitFor();
      // The imported flow is fitted in the view just after it is drawn: the middle is known once the view is still.
      const transform = () => page.locator(".react-flow__viewport").getAttribute("style");
      let last = "";
      await expect.poll(async () => (last === (last = (await transform()) ?? "")), { intervals: [150] }).toBe(true);
      // Tab from the palette's search reaches the first node type.
      await page.getByLabel("search nodes").focus();
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toMatch(/^palette-/);
      await page.getByTestId("palette-inject").focus();
      await page.keyboard.press("Enter");
      const added = page.getByRole("group", { name: "inject node inject" });
      await added.waitFor();
      expect(await page.locator(".react-flow__node").count()).toBe(3);
      expect(await added.locator(".wf-node.selected").count()).toBe(1);
      const canvas = (await page.getByTestId("canvas").boundingBox())!;
      const box = (await added.boundingBox())!;
      expect(Math.abs(box.x + box.width / 2 - (canvas.x + canvas.width / 2))).toBeLessThan(40);
      expect(Math.abs(box.y + box.height / 2 - (canvas.y + canvas.height / 2))).toBeLessThan(40);
      expect(await page.locator('.react-flow__node[data-id="far"]').getAttribute("aria-label")).toBe("comment node far");
    } finally {
      await page.close();
    }
  });

  it("deploys every modified flow from the Deploy menu, none while one has a problem", async () => {
    const page = await openEditor(1280, 800);
    try {
      const importFlow = async (doc: object) => {
        await page.getByRole("button", { name: "Import" }).click();
        await page.getByLabel("flow JSON").fill(JSON.stringify(doc));
        await page.getByRole("dialog").getByRole("button", { name: "Import" }).click();
      };
      // a links into b, which is new too: they can only go together.
      await importFlow({ format: "wattflow/flow@1", id: "deploy-all-a", nodes: [{ id: "note", type: "comment" }, { id: "to-b", type: "link-out", config: { links: ["deploy-all-b/fn"] } }] });
      await importFlow({ format: "wattflow/flow@1", id: "deploy-all-b", nodes: [{ id: "fn", type: "function", config: { code: "return (msg;" } }] });
      await page.getByRole("button", { name: "deploy options" }).click();
      await page.getByTestId("deploy-all").click();
      const dialog = page.getByTestId("dialog");
      await expect.poll(() => dialog.getByTestId("deploy-all-deploy-all-b").textContent()).toMatch(/fn \/nodes\/0\/config\/code: syntax error/);
      expect(await dialog.getByTestId("deploy-all-deploy-all-a").textContent()).toContain("note");
      expect(await page.getByTestId("confirm-deploy-all").isDisabled()).toBe(true);
      await dialog.getByRole("button", { name: "Cancel" }).click();
      // Fixed, both go in one action.
      await page.locator('.react-flow__node[data-id="fn"]').click();
      await page.getByTestId("node-form").locator("#root_code .cm-content").click();
      await page.keyboard.press("Control+a");
      await page.keyboard.type("return msg;");
      await page.getByRole("button", { name: "deploy options" }).click();
      await page.getByTestId("deploy-all").click();
      await page.getByTestId("confirm-deploy-all").click();
      await expect.poll(() => page.getByTestId("dialog-text").textContent()).toMatch(/deploy-all-a: revision \d+\s+deploy-all-b: revision \d+/);
      for (const id of ["deploy-all-a", "deploy-all-b"]) expect((await fetch(new URL(`api/flows/${id}`, rt.adminUrl))).status).toBe(200);
      expect(await page.getByRole("tab").filter({ hasText: "●" }).count()).toBe(0);
      await page.getByRole("button", { name: "deploy options" }).click();
      expect(await page.getByTestId("deploy-all").isDisabled()).toBe(true);
    } finally {
      for (const id of ["deploy-all-a", "deploy-all-b"]) await fetch(new URL(`api/flows/${id}`, rt.adminUrl), { method: "DELETE" });
      await page.close();
    }
  });

  it("disables a node (greyed) and switches a debug node's output off, both deployed", async () => {
    const page = await openEditor(1280, 800);
    try {
      const doc = { format: "wattflow/flow@1", id: "toggle-test", nodes: [{ id: "tick", type: "inject", config: { interval: "1h" }, wires: [["show"]] }, { id: "show", type: "debug" }] };
      await page.getByRole("button", { name: "Import" }).click();
      await page.getByLabel("flow JSON").fill(JSON.stringify(doc));
      await page.getByRole("dialog").getByRole("button", { name: "Import" }).click();
      const tick = page.locator('.react-flow__node[data-id="tick"]');
      await tick.click();
      await page.getByTestId("node-form").getByLabel("Enabled").uncheck();
      expect(await tick.locator(".wf-node.disabled").count()).toBe(1);
      expect(await tick.getAttribute("aria-label")).toBe("inject node tick, disabled");
      expect(await tick.locator(".wf-node").evaluate((el) => getComputedStyle(el).filter)).toContain("grayscale");
      const toggle = page.getByRole("button", { name: "debug output of show" });
      expect(await toggle.getAttribute("aria-pressed")).toBe("true");
      await toggle.click();
      expect(await toggle.getAttribute("aria-pressed")).toBe("false");
      await page.screenshot({ path: join(shots, "editor-disabled-node.png") });
      await page.getByTestId("deploy").click();
      await page.getByTestId("confirm-deploy").click();
      await page.getByTestId("dialog-text").waitFor();
      const deployed = (await (await fetch(new URL("api/flows/toggle-test", rt.adminUrl))).json()) as { flow: { nodes: { id: string; disabled?: boolean; config?: Record<string, unknown> }[] } };
      expect(deployed.flow.nodes.find((n) => n.id === "tick")!.disabled).toBe(true);
      expect(deployed.flow.nodes.find((n) => n.id === "show")!.config?.toEvents).toBe(false);
    } finally {
      await page.close();
    }
  });

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

  // The flows are read from flows/ when the runtime starts, so flows added or grown later are checked too.
  for (const [width, height] of [
    [1280, 800],
    [1024, 768],
  ] as const) {
    it(`opens every shipped flow at ${width}×${height} laid out, fitted in the view, with no two nodes overlapping and every ▶ and debug switch in view`, async () => {
      const page = await openEditor(width, height);
      try {
        for (const f of flows) {
          await openFlow(page, f.id);
          // Fit-to-view has run once the viewport's transform has held still for a few polls.
          await waitForSteadyViewport(page);
          const boxes = await page.locator(".react-flow__node").evaluateAll((els) => els.map((el) => ({ id: el.getAttribute("data-id") ?? "", ...JSON.parse(JSON.stringify(el.getBoundingClientRect())) as { x: number; y: number; width: number; height: number } })));
          const clashes: string[] = [];
          for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlaps(boxes[i]!, boxes[j]!)) clashes.push(`${boxes[i]!.id} × ${boxes[j]!.id}`);
          expect({ flow: f.id, clashes }).toEqual({ flow: f.id, clashes: [] });
          const canvas = (await page.getByTestId("canvas").boundingBox())!;
          // The inject ▶ buttons and debug switches stick out of their nodes: they must be in view too.
          const extras = await page.locator(".react-flow__node .wf-trigger, .react-flow__node .wf-debug-toggle").evaluateAll((els) => els.map((el) => ({ id: `${el.closest(".react-flow__node")?.getAttribute("data-id") ?? ""} ${el.className}`, ...JSON.parse(JSON.stringify(el.getBoundingClientRect())) as { x: number; y: number; width: number; height: number } })));
          const outside = [...boxes, ...extras].filter((b) => b.x < canvas.x - 1 || b.y < canvas.y - 1 || b.x + b.width > canvas.x + canvas.width + 1 || b.y + b.height > canvas.y + canvas.height + 1).map((b) => b.id);
          expect({ flow: f.id, outside }).toEqual({ flow: f.id, outside: [] });
          await page.screenshot({ path: join(shots, width === 1280 ? `flow-${f.id}.png` : `flow-${f.id}-${width}x${height}.png`) });
        }
      } finally {
        await page.close();
      }
    }, 90_000);
  }

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

    it("edits function code in a code editor where Tab indents, loaded only when needed", async () => {
      // The code editor is its own chunk, fetched when a code field is first shown, not with the page.
      expect(await (await fetch(rt.adminUrl)).text()).not.toMatch(/codemirror/i);
      const doc = { format: "wattflow/flow@1", id: "code-test", nodes: [{ id: "fn", type: "function", config: { code: "return msg;" } }] };
      await page.getByRole("button", { name: "Import" }).click();
      await page.getByLabel("flow JSON").fill(JSON.stringify(doc));
      await page.getByRole("dialog").getByRole("button", { name: "Import" }).click();
      await page.getByTestId("node-fn").click();
      const code = page.getByTestId("node-form").locator("#root_code .cm-content");
      const text = () => code.evaluate((el) => Array.from(el.querySelectorAll(".cm-line"), (l) => l.textContent ?? "").join("\n"));
      expect(await code.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/mono/i);
      // Highlighted: the keyword is drawn in its own span.
      expect(await code.locator(".cm-line span").first().textContent()).toBe("return");
      await code.click();
      await page.keyboard.press("Control+End");
      await page.keyboard.press("Enter");
      await page.keyboard.press("Tab");
      await page.keyboard.type("// indented");
      await expect.poll(text).toBe("return msg;\n  // indented");
      expect(await code.evaluate((el) => el.contains(document.activeElement))).toBe(true);
      await page.keyboard.press("Shift+Tab");
      await expect.poll(text).toBe("return msg;\n// indented");
      await page.screenshot({ path: join(shots, "editor-function-code.png") });
    });

    it("shows a syntax error while typing and lists it on the node in the Deploy dialog", async () => {
      const code = page.getByTestId("node-form").locator("#root_code .cm-content");
      await code.click();
      await page.keyboard.press("Control+End");
      await page.keyboard.press("Enter");
      await page.keyboard.type("if (msg.payload > 1 {");
      // Bracket matching: the caret after a bracket marks it (here unmatched, as the parenthesis is still open).
      expect(await code.locator(".cm-matchingBracket, .cm-nonmatchingBracket").count()).toBeGreaterThan(0);
      await expect.poll(() => page.getByTestId("code-syntax-error").textContent()).toMatch(/^syntax error near line 3/);
      await page.getByTestId("deploy").click();
      const dialog = page.getByTestId("dialog");
      await expect.poll(() => dialog.textContent()).toContain("fn /nodes/0/config/code: syntax error near line 3");
      expect(await page.getByTestId("confirm-deploy").isDisabled()).toBe(true);
      expect(await page.getByTestId("node-fn").textContent()).toContain("syntax error");
      await page.screenshot({ path: join(shots, "editor-code-syntax-error.png") });
      await dialog.getByRole("button", { name: "Cancel" }).click();
      // Fixed, the error goes.
      await code.click();
      await page.keyboard.press("Control+a");
      await page.keyboard.type("return msg;");
      await expect.poll(() => page.getByTestId("code-syntax-error").count()).toBe(0);
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
      // Deselecting closes the last form: whatever its opening did (its effects run before it unmounts) is done.
      await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
      await page.getByTestId("node-form").waitFor({ state: "detached" });
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
