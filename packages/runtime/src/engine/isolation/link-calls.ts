import type { CompiledFlow } from "../../flow/compiled.js";

/**
 * A `link-call` waits for its return in the thread it runs in, so a call
 * whose target runs in another thread (either flow isolated) would never
 * get its answer. The flow manager refuses an isolated flow's calls out
 * (see crossFlowProblems); a call from a flow in the main thread into one
 * that is isolated is said here, naming the caller and target, on every
 * deploy that makes it so.
 */
export function crossingLinkCalls(flow: CompiledFlow, running: ReadonlyMap<string, { compiled: CompiledFlow }>): string[] {
  const isolated = (f: CompiledFlow): boolean => f.document.isolate === true;
  const flows = new Map<string, CompiledFlow>([...running].map(([id, f]) => [id, f.compiled]));
  flows.set(flow.id, flow);
  const problems: string[] = [];
  for (const caller of flows.values()) {
    for (const node of caller.nodes) {
      if (node.type !== "link-call" || node.disabled) continue;
      const target = String(node.config.target ?? "");
      const slash = target.indexOf("/");
      if (slash < 0) continue;
      const callee = flows.get(target.slice(0, slash));
      if (!callee || callee.id === caller.id) continue;
      // Only what this deploy changes: calls from it, or calls into it.
      if (caller.id !== flow.id && callee.id !== flow.id) continue;
      if (!isolated(caller) && !isolated(callee)) continue;
      const which = isolated(caller) ? caller.id : callee.id;
      problems.push(
        `${caller.id}/${node.id}: the link-call to "${target}" crosses into another thread (flow ${which} is isolated), where its return cannot come back: each call will time out; use link-out and link-in there, or keep both flows in one thread`,
      );
    }
  }
  return problems;
}
