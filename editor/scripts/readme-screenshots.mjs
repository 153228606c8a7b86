// Screenshots of the shipped flows for editor/README.md: `node editor/scripts/readme-screenshots.mjs` after
// `npx tsc -b packages/runtime packages/nodes` and `npm run build -w editor`. Starts the CLI on a copy of flows/
// (so nothing is written there), opens each flow at 1280×800 with the side panel hidden, and saves the canvas
// to editor/screenshots/flow-<id>.png.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const out = join(root, "editor/screenshots");
const work = mkdtempSync(join(tmpdir(), "wattflow-readme-shots-"));
cpSync(join(root, "flows"), join(work, "flows"), { recursive: true });
const child = spawn(process.execPath, [join(root, "packages/runtime/bin/wattflow.js"), "start", "--port", "0", "--http-port", "0", "--data", join(work, "data"), "--flows", join(work, "flows"), "--no-watch", "--log-level", "warn"], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
});
let browser;
try {
  const url = await new Promise((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (c) => {
      text += c;
      const found = /editor and admin API: (http:\/\/\S+)/.exec(text)?.[1];
      if (found) resolve(found);
    });
    child.once("exit", (code) => reject(new Error(`the runtime exited (${code}):\n${text}`)));
  });
  const flows = await (await fetch(new URL("api/flows", url))).json();
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  await page.evaluate(() => localStorage.setItem("wattflow-side-panel", JSON.stringify({ open: false, width: 360 })));
  await page.reload();
  await page.locator(".react-flow__node").first().waitFor();
  mkdirSync(out, { recursive: true });
  for (const f of flows) {
    await page.getByRole("button", { name: "all flows" }).click();
    await page.getByRole("menuitem").filter({ hasText: f.id }).first().click();
    const detail = await (await fetch(new URL(`api/flows/${f.id}`, url))).json();
    await page.waitForFunction((n) => document.querySelectorAll(".react-flow__node").length === n, detail.flow.nodes.length);
    await page.waitForTimeout(400);
    await page.getByTestId("canvas").screenshot({ path: join(out, `flow-${f.id}.png`) });
    console.log(`flow-${f.id}.png: ${detail.flow.nodes.length} nodes`);
  }
} finally {
  await browser?.close();
  child.kill("SIGTERM");
  await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  rmSync(work, { recursive: true, force: true });
}
