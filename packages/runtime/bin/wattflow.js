#!/usr/bin/env node
// Runs the CLI from dist/ (what the tests build). `npm start` runs the bundled CLI (../bundle/wattflow.mjs),
// which starts faster and uses less memory; both are the same program.
import { keepYoungGenerationSmall } from "../dist/cli/heap.js";

// Before anything else allocates: see heap.ts.
keepYoungGenerationSmall();
const { runCli } = await import("../dist/cli/main.js");
const code = await runCli(process.argv.slice(2));
// `start` keeps running: only other commands end the process here.
if (code !== 0) process.exit(code);
