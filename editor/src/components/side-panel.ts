import { useCallback, useState, type CSSProperties, type PointerEvent } from "react";

const KEY = "wattflow-side-panel";
const MIN_WIDTH = 240;
/** The canvas keeps at least this much of the window when the panel is dragged wider. */
const MIN_CANVAS = 420;
/** Up to this window width the panel lies over the canvas (styles.css says the same). */
const PHONE_WIDTH = 700;

interface Saved {
  open: boolean;
  width: number;
}

function load(): Saved {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "null") as Partial<Saved> | null;
    if (saved && typeof saved.width === "number") return { open: saved.open !== false, width: saved.width };
  } catch {
    // A damaged setting is replaced by the default.
  }
  // On a phone the panel opens over the canvas: closed until asked for.
  return { open: window.innerWidth > PHONE_WIDTH, width: Math.round(Math.min(360, Math.max(MIN_WIDTH, window.innerWidth * 0.3))) };
}

/** The right-hand panel: shown or hidden, its width dragged by its left edge, both remembered. */
export function useSidePanel() {
  const [state, setState] = useState<Saved>(load);
  const save = (next: Saved): Saved => {
    localStorage.setItem(KEY, JSON.stringify(next));
    return next;
  };
  const toggle = useCallback(() => setState((s) => save({ ...s, open: !s.open })), []);
  const startResize = useCallback((e: PointerEvent<HTMLElement>) => {
    e.preventDefault();
    const handle = e.currentTarget;
    handle.setPointerCapture(e.pointerId);
    const move = (ev: globalThis.PointerEvent): void => {
      const width = Math.round(Math.min(window.innerWidth - MIN_CANVAS, Math.max(MIN_WIDTH, window.innerWidth - ev.clientX)));
      setState((s) => ({ ...s, width }));
    };
    const up = (): void => {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
      setState((s) => save(s));
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
  }, []);
  const width = Math.min(state.width, Math.max(MIN_WIDTH, window.innerWidth - MIN_CANVAS));
  const gridStyle: CSSProperties = { gridTemplateColumns: `var(--palette-width) minmax(0, 1fr) ${state.open ? `${width}px` : "0px"}` };
  return { open: state.open, width, toggle, startResize, gridStyle };
}
