import type { Request, Response } from "express";
import type { Store } from "../store/types.js";
import type { RouteDoc } from "./openapi.js";

/** One context key as the admin API shows it. */
export interface ContextEntry {
  key: string;
  /** The value; left out when its JSON text is longer than `CONTEXT_VALUE_LIMIT` (then `preview` has the start). */
  value?: unknown;
  /** Length of the value's JSON text, in characters. */
  size: number;
  preview?: string;
}

export interface ContextListing {
  /** The store's scope name: `global`, `flow:<flow>` or `<flow>/<node>`. */
  scope: string;
  entries: ContextEntry[];
}

/** Values longer than this (a window buffer, a cached forecast) are previewed rather than sent whole. */
export const CONTEXT_VALUE_LIMIT = 64 * 1024;

/** Flow and node ids as flow files allow them; anything else cannot name a scope. */
const ID = /^[A-Za-z0-9_.:-]{1,200}$/;
/** Characters of values one listing carries whole; beyond it, previews. */
const CONTEXT_LISTING_BUDGET = 2_000_000;

type ContextRoute = RouteDoc & { handler: (req: Request, res: Response) => Promise<void> };

/**
 * Read-only routes over context (what nodes keep with `context`, `flow` and
 * `global`): the editor's context viewer. They sit in the admin route list,
 * so the login and the Host/Origin guard apply as to every other route.
 */
export function contextRoutes(store: () => Store): ContextRoute[] {
  const reply = async (res: Response, scope: string): Promise<void> => {
    // Through the store's context API, which answers from memory for scopes a running node holds (fresher than the table).
    const context = store().context;
    const keys = await context.keys(scope);
    const entries: ContextEntry[] = [];
    // A scope can hold thousands of keys (a persisted window buffer): past a total budget values are
    // shown as a short preview only, so one listing stays a few MB at most.
    let budget = CONTEXT_LISTING_BUDGET;
    for (const key of keys) {
      const value: unknown = await context.get(scope, key);
      if (value === undefined) continue;
      const json = JSON.stringify(value);
      const whole = json.length <= CONTEXT_VALUE_LIMIT && json.length <= budget;
      budget -= whole ? json.length : Math.min(json.length, 1024);
      entries.push(whole ? { key, value, size: json.length } : { key, size: json.length, preview: json.slice(0, budget > 0 ? 1024 : 120) });
    }
    res.json({ scope, entries } satisfies ContextListing);
  };
  const badId = (res: Response, what: string, id: string): void =>
    void res.status(400).json({ error: "bad request", message: `${what} id ${JSON.stringify(id.slice(0, 80))} is not a valid id (letters, digits, _ . : -)` });

  return [
    {
      method: "get",
      path: "/api/context/global",
      summary: "Global context: every key with its value",
      responses: { 200: "ContextListing" },
      handler: (_q, r) => reply(r, "global"),
    },
    {
      method: "get",
      path: "/api/context/flow/:flow",
      summary: "A flow's context: every key with its value",
      responses: { 200: "ContextListing", 400: "bad id" },
      handler: async (q, r) => {
        const flow = String(q.params.flow);
        if (!ID.test(flow)) return badId(r, "flow", flow);
        await reply(r, `flow:${flow}`);
      },
    },
    {
      method: "get",
      path: "/api/context/node/:flow/:node",
      summary: "A node's context: every key with its value",
      responses: { 200: "ContextListing", 400: "bad id" },
      handler: async (q, r) => {
        const flow = String(q.params.flow);
        const node = String(q.params.node);
        if (!ID.test(flow)) return badId(r, "flow", flow);
        if (!ID.test(node)) return badId(r, "node", node);
        await reply(r, `${flow}/${node}`);
      },
    },
  ];
}
