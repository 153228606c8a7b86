import type { AnyConnectionDefinition, AnyNodeDefinition } from "@wattflow/runtime";
import inject from "./inject/index.js";
import debug from "./debug/index.js";
import change from "./change/index.js";
import switchNode from "./switch/index.js";
import functionNode from "./function/index.js";
import catchNode from "./catch/index.js";
import status from "./status/index.js";
import linkIn from "./link/link-in.js";
import linkOut from "./link/link-out.js";

/** Every node of the standard library; the runtime discovers this module through package.json's "wattflow" field. */
export const nodes: AnyNodeDefinition[] = [inject, debug, change, switchNode, functionNode, catchNode, status, linkIn, linkOut] as AnyNodeDefinition[];
export const connections: AnyConnectionDefinition[] = [];

export default { nodes, connections };
