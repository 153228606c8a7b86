#!/usr/bin/env node
import { runCli } from "../dist/cli/main.js";

const code = await runCli(process.argv.slice(2));
// `start` keeps running: only other commands end the process here.
if (code !== 0) process.exit(code);
