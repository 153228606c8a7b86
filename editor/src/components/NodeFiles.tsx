import { useEffect, useState } from "react";
import type { NodeFile } from "../../../packages/runtime/src/server/flow-files-api.js";
import { api, Unauthorized } from "../api.js";
import { CodeEditor } from "../code/CodeEditor.js";
import type { FlowNode } from "../state/flow-state.js";

/** Config fields a node type marks as files next to the flow (a function's `file`). */
export function fileFields(configSchema: Record<string, unknown>): string[] {
  const props = (configSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(props)
    .filter(([, p]) => p["x-wattflow-file"] === true)
    .map(([name]) => name);
}

/**
 * The code files a node references, opened read-only from the runtime: the
 * file is what was deployed (the admin API serves only files of deployed
 * nodes), edited in the repository like any code, and deployed again.
 */
export function NodeFiles({ flowId, node, configSchema }: { flowId: string; node: FlowNode; configSchema: Record<string, unknown> }) {
  const fields = fileFields(configSchema).filter((f) => typeof node.config?.[f] === "string" && node.config[f] !== "");
  if (fields.length === 0) return null;
  return (
    <section className="node-files">
      {fields.map((f) => (
        <NodeFileView key={`${node.id}/${f}`} flowId={flowId} nodeId={node.id} field={f} path={String(node.config![f])} />
      ))}
    </section>
  );
}

function NodeFileView({ flowId, nodeId, field, path }: { flowId: string; nodeId: string; field: string; path: string }) {
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<NodeFile | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    setError(null);
    api<NodeFile & { message?: string }>("GET", `/api/flows/${encodeURIComponent(flowId)}/nodes/${encodeURIComponent(nodeId)}/files/${encodeURIComponent(field)}`)
      .then((res) => {
        if (cancelled) return;
        if (res.status === 200) setFile(res.body);
        else setError(res.body?.message ?? `could not read ${path} (HTTP ${res.status})`);
      })
      .catch((err: unknown) => !cancelled && setError(err instanceof Unauthorized ? "log in again to read the file" : String(err)));
    return () => {
      cancelled = true;
    };
  }, [open, flowId, nodeId, field, path]);

  return (
    <div className="node-file" data-testid={`node-file-${field}`}>
      <button type="button" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
        {open ? "Close" : "Open"} {path}
      </button>
      {open && error && <p className="error">{error}</p>}
      {open && file && (
        <>
          <small className="muted"> read-only: the deployed file; edit it in the flow's folder and deploy again</small>
          <CodeEditor id={`file_${field}`} value={file.text} language={/\.json$/i.test(path) ? "json" : "javascript"} label={`${path} (read-only)`} readOnly maxLines={30} onChange={() => undefined} />
        </>
      )}
    </div>
  );
}
