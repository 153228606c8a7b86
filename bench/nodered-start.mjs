// Starts an embedded Node-RED 4 on one flow file, with the benchmark's own nodes, for a benchmark worker.
import http from "node:http";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import RED from "node-red";

const here = dirname(fileURLToPath(import.meta.url));

/** Runs `flowFile` in `userDir`; reports `error: "timed out"` and exits if the run outlives `timeoutMs`. */
export async function startNodeRed({ userDir, flowFile, timeoutMs, onTimeout }) {
  RED.init(http.createServer(), {
    userDir,
    flowFile,
    httpAdminRoot: false,
    httpNodeRoot: false,
    nodesDir: [join(here, "nodered-nodes")],
    logging: { console: { level: "off", metrics: false, audit: false } },
    editorTheme: { tours: false },
    externalModules: { autoInstall: false },
  });
  await RED.start();
  setTimeout(() => {
    onTimeout();
    process.exit(1);
  }, timeoutMs).unref();
}
