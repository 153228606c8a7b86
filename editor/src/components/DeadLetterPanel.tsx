import { useCallback, useEffect, useState } from "react";
import type { DeadLetter } from "../../../packages/runtime/src/store/types.js";
import { api, Unauthorized } from "../api.js";

interface DeadLetterPage {
  total: number;
  deadLetters: DeadLetter[];
}

/**
 * Messages the runtime refused or failed to handle for one flow, newest first:
 * what a user checks when a device's readings do not show up.
 */
export function DeadLetterPanel({ flowId }: { flowId: string }) {
  const [page, setPage] = useState<DeadLetterPage | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const res = await call<DeadLetterPage>("GET", `/api/dead-letters?flow=${encodeURIComponent(flowId)}&limit=100`, setError);
    if (res?.status === 200) {
      setPage(res.body);
      setError(null);
    } else if (res) setError(`could not read dead letters (HTTP ${res.status})`);
  }, [flowId]);

  useEffect(() => {
    void load();
  }, [load]);

  const clear = async (): Promise<void> => {
    const res = await call<{ deleted: number }>("DELETE", `/api/dead-letters?flow=${encodeURIComponent(flowId)}`, setError);
    if (res?.status === 200) await load();
    else if (res) setError(`could not clear dead letters (HTTP ${res.status})`);
  };

  return (
    <div className="dead-letters" data-testid="dead-letters">
      <div className="toolbar">
        <button onClick={() => void load()}>Refresh</button>
        <button onClick={() => void clear()} disabled={!page || page.total === 0}>
          Clear
        </button>
        {page && (
          <small data-testid="dead-letter-total">
            {page.total} parked{page.total > page.deadLetters.length ? `, newest ${page.deadLetters.length} shown` : ""}
          </small>
        )}
      </div>
      {error && <p className="error">{error}</p>}
      {page?.total === 0 && <p className="muted">Messages this flow refused (undecodable, too deep, too large) or failed to handle are parked here.</p>}
      {page?.deadLetters.map((d) => (
        <div className="debug-msg" key={d.id} data-testid="dead-letter">
          <small>
            {new Date(d.time).toISOString().slice(0, 19).replace("T", " ")} {d.nodeId} {d.source}
          </small>
          <div className="reason">{d.reason}</div>
          <details>
            <summary>
              payload, {d.size} bytes{d.previewEncoding === "base64" ? " (base64)" : ""}
            </summary>
            <pre>{d.preview}</pre>
          </details>
        </div>
      ))}
    </div>
  );
}

/** An API call whose failure (an expired login, a runtime that went away) is shown in the panel rather than thrown. */
async function call<T>(method: string, path: string, onError: (text: string) => void): Promise<{ status: number; body: T } | null> {
  try {
    return await api<T>(method, path);
  } catch (err) {
    onError(err instanceof Unauthorized ? "log in again to see dead letters" : `the runtime did not answer: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}
