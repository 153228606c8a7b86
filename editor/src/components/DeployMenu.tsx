import { useEffect, useState } from "react";

/** The Deploy button (this flow, Ctrl+D) and its menu: this flow, or every modified flow at once. */
export function DeployMenu({ modifiedCount, onDeployThis, onDeployAll }: { modifiedCount: number; onDeployThis(): void; onDeployAll(): void }) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent): void => {
      if (!(e.target as HTMLElement).closest(".deploy-menu")) setOpen(false);
    };
    window.addEventListener("mousedown", close);
    return () => window.removeEventListener("mousedown", close);
  }, [open]);
  const pick = (action: () => void) => () => (setOpen(false), action());
  return (
    <div className="deploy-menu">
      <button className="primary" onClick={onDeployThis} data-testid="deploy" title="deploy this flow (Ctrl+D)">Deploy</button>
      <button className="primary more" aria-haspopup="menu" aria-expanded={open} aria-label="deploy options" title="deploy this flow or every modified flow" onClick={() => setOpen(!open)}>
        ▾
      </button>
      {open && (
        <div role="menu" className="menu" onKeyDown={(e) => e.key === "Escape" && setOpen(false)}>
          <button role="menuitem" onClick={pick(onDeployThis)}>Deploy this flow <small>Ctrl+D</small></button>
          <button role="menuitem" onClick={pick(onDeployAll)} disabled={modifiedCount === 0} data-testid="deploy-all">
            Deploy all modified flows ({modifiedCount})
          </button>
        </div>
      )}
    </div>
  );
}
