import { useMemo, useState } from "react";
import type { NodeCatalogEntry } from "../api.js";

/** Node types by category, searchable; drag one onto the canvas, or focus it (Tab) and press Enter to add it in the middle of the view. */
export function Palette({ nodes, onAdd, open = false }: { nodes: NodeCatalogEntry[]; onAdd(type: string): void; /** Shown over the canvas on a phone. */ open?: boolean }) {
  const [query, setQuery] = useState("");
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const byCategory = new Map<string, NodeCatalogEntry[]>();
    for (const n of nodes) {
      if (q && !n.type.includes(q) && !n.summary.toLowerCase().includes(q)) continue;
      byCategory.set(n.category, [...(byCategory.get(n.category) ?? []), n]);
    }
    return [...byCategory.entries()];
  }, [nodes, query]);
  return (
    <aside className={open ? "palette open" : "palette"}>
      <input className="search" placeholder="Search nodes" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="search nodes" />
      {groups.map(([category, list]) => (
        <section key={category}>
          <h3>{category}</h3>
          {list.map((n) => (
            <div
              key={n.type}
              className="palette-node"
              draggable
              tabIndex={0}
              role="button"
              aria-label={`add ${n.type} node`}
              onKeyDown={(e) => {
                if (e.key === "Enter" || e.key === " ") (onAdd(n.type), e.preventDefault());
              }}
              data-testid={`palette-${n.type}`}
              title={n.summary}
              onDragStart={(e) => {
                e.dataTransfer.setData("application/wattflow-type", n.type);
                e.dataTransfer.effectAllowed = "copy";
              }}
            >
              <b>{n.type}</b>
              <small>{n.summary}</small>
            </div>
          ))}
        </section>
      ))}
    </aside>
  );
}
