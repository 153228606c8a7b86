import { useEffect, useRef, useState } from "react";

export interface FlowTab {
  id: string;
  label: string;
  failed: boolean;
  modified?: boolean;
}

/** The flows as tabs that scroll sideways, with a menu of all of them for when they do not fit. */
export function FlowTabs({ tabs, current, onOpen }: { tabs: FlowTab[]; current: string; onOpen(id: string): void }) {
  const [menu, setMenu] = useState(false);
  const strip = useRef<HTMLElement>(null);
  useEffect(() => {
    strip.current?.querySelector<HTMLElement>('[aria-selected="true"]')?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }, [current, tabs.length]);
  useEffect(() => {
    if (!menu) return;
    const close = (e: MouseEvent): void => {
      if (!(e.target as HTMLElement).closest(".tab-menu")) setMenu(false);
    };
    window.addEventListener("mousedown", close);
    return () => window.removeEventListener("mousedown", close);
  }, [menu]);
  const text = (t: FlowTab): string => `${t.modified ? "● " : ""}${t.label}`;
  return (
    <div className="tab-area">
      <nav className="tabs" role="tablist" ref={strip}>
        {tabs.map((t) => (
          <button key={t.id} role="tab" aria-selected={t.id === current} className={`${t.failed ? "failed" : ""}${t.modified ? " modified" : ""}`} title={`${t.label} (${t.id})${t.modified ? ", not deployed" : ""}`} onClick={() => onOpen(t.id)}>
            {text(t)}
          </button>
        ))}
      </nav>
      <div className="tab-menu">
        <button aria-haspopup="menu" aria-expanded={menu} aria-label="all flows" title="all flows" onClick={() => setMenu(!menu)}>
          ▾
        </button>
        {menu && (
          <div role="menu" className="menu">
            {tabs.map((t) => (
              <button
                key={t.id}
                role="menuitem"
                aria-current={t.id === current}
                onClick={() => {
                  setMenu(false);
                  onOpen(t.id);
                }}
              >
                {text(t)} <small>{t.id}</small>
              </button>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
