#!/usr/bin/env node
// The bundled CLI's entry (see scripts/bundle.mjs): the runtime's CLI with the standard node library built in.
import { keepYoungGenerationSmall } from "../packages/runtime/dist/cli/heap.js";
import { provideBuiltinPlugins } from "../packages/runtime/dist/registry/discover.js";

// Before anything else allocates: see heap.ts.
keepYoungGenerationSmall();
provideBuiltinPlugins({ "@wattflow/nodes": () => import("../packages/nodes/dist/index.js") });
const { runCli } = await import("../packages/runtime/dist/cli/main.js");
const code = await runCli(process.argv.slice(2));
// `start` keeps running: only other commands end the process here.
if (code !== 0) process.exit(code);
