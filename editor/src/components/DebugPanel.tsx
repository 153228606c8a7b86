import { useState } from "react";
import type { RuntimeEvent } from "../api.js";

type DebugEvent = Extract<RuntimeEvent, { type: "debug" }>;

function Value({ value }: { value: unknown }) {
  if (value === null || typeof value !== "object") return <code>{JSON.stringify(value)}</code>;
  return (
    <details>
      <summary>{Array.isArray(value) ? `array[${value.length}]` : `object {${Object.keys(value).slice(0, 4).join(", ")}${Object.keys(value).length > 4 ? ", …" : ""}}`}</summary>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

/** Debug messages as they arrive: filter by node, pause, clear, expand objects. */
export function DebugPanel({ messages, onClear, paused, onPause }: { messages: DebugEvent[]; onClear(): void; paused: boolean; onPause(p: boolean): void }) {
  const [filter, setFilter] = useState("");
  const shown = messages.filter((m) => !filter || m.nodeId === filter);
  const nodes = [...new Set(messages.map((m) => m.nodeId))];
  return (
    <div className="debug" data-testid="debug-panel">
      <div className="toolbar">
        <select value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="filter by node">
          <option value="">all nodes</option>
          {nodes.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
        <button onClick={() => onPause(!paused)}>{paused ? "Resume" : "Pause"}</button>
        <button onClick={onClear}>Clear</button>
      </div>
      {shown.length === 0 && <p className="muted">Messages from debug nodes appear here.</p>}
      {[...shown].reverse().map((m, i) => (
        <div className="debug-msg" key={`${m.time}-${i}`} data-testid="debug-message">
          <small>
            {m.time.slice(11, 19)} {m.flowId}/{m.name ?? m.nodeId}
          </small>
          <Value value={m.msg} />
        </div>
      ))}
    </div>
  );
}
