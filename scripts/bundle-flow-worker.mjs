// The bundled program of an isolated flow's worker thread: like the CLI's entry, the standard node library built in.
import { provideBuiltinPlugins } from "../packages/runtime/dist/registry/discover.js";

provideBuiltinPlugins({ "@wattflow/nodes": () => import("../packages/nodes/dist/index.js") });
await import("../packages/runtime/dist/engine/isolation/flow-worker.js");
