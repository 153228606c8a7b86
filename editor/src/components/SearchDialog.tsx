/** Ctrl+F: find a node in any flow by name, type or id, and open it. */
import { useEffect, useMemo, useRef, useState } from "react";
import { searchNodes, type NodeMatch, type SearchableFlow } from "../state/search.js";

export function SearchDialog({ load, onChoose, onClose }: { load(): Promise<SearchableFlow[]>; onChoose(match: NodeMatch): void; onClose(): void }) {
  const [query, setQuery] = useState("");
  const [flows, setFlows] = useState<SearchableFlow[] | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    let cancelled = false;
    void load().then((f) => !cancelled && setFlows(f));
    return () => {
      cancelled = true;
    };
  }, [load]);
  const matches = useMemo(() => (flows ? searchNodes(flows, query) : []), [flows, query]);
  return (
    <div
      className="dialog search-dialog"
      role="dialog"
      aria-label="find a node"
      data-testid="search-dialog"
      onKeyDown={(e) => {
        if (e.key === "Escape") (onClose(), e.preventDefault());
      }}
    >
      <h3>Find a node</h3>
      <input
        ref={input}
        type="search"
        placeholder="name, type or id, in every flow"
        aria-label="find a node by name, type or id"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && matches[0]) (onChoose(matches[0]), e.preventDefault());
          else if (e.key === "ArrowDown") ((e.currentTarget.parentElement?.querySelector(".search-results button") as HTMLButtonElement | null)?.focus(), e.preventDefault());
        }}
      />
      {flows === null ? (
        <p className="muted">Reading the flows…</p>
      ) : query.trim() && matches.length === 0 ? (
        <p className="muted">No node matches.</p>
      ) : (
        <ul className="search-results" aria-label="matches">
          {matches.map((m) => (
            <li key={`${m.flowId}/${m.nodeId}`}>
              <button
                onClick={() => onChoose(m)}
                onKeyDown={(e) => {
                  const li = e.currentTarget.parentElement;
                  const to = e.key === "ArrowDown" ? li?.nextElementSibling : e.key === "ArrowUp" ? li?.previousElementSibling : null;
                  if (to) ((to.querySelector("button") as HTMLButtonElement | null)?.focus(), e.preventDefault());
                }}
                data-testid={`search-match-${m.flowId}-${m.nodeId}`}
              >
                <b>{m.name ?? m.nodeId}</b> <small>{m.type} · {m.nodeId}</small>
                <small className="flow">{m.flowLabel}</small>
              </button>
            </li>
          ))}
        </ul>
      )}
      <button onClick={onClose}>Close</button>
    </div>
  );
}
