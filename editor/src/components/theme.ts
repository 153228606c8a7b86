import { useCallback, useEffect, useState } from "react";

const KEY = "wattflow-theme";

/** What the user chose: follow the system, or a fixed theme. */
export type ThemeChoice = "system" | "light" | "dark";
export type Theme = "light" | "dark";

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: "dark", dark: "light", light: "system" };

function loadChoice(): ThemeChoice {
  const saved = localStorage.getItem(KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
}

const systemDark = (): MediaQueryList => window.matchMedia("(prefers-color-scheme: dark)");

/** Light or dark: the system's unless the header toggle fixed one (remembered in the browser); set on `<html data-theme>`. */
export function useTheme() {
  const [choice, setChoice] = useState<ThemeChoice>(loadChoice);
  const [systemIsDark, setSystemIsDark] = useState(() => systemDark().matches);
  useEffect(() => {
    const query = systemDark();
    const onChange = (e: MediaQueryListEvent) => setSystemIsDark(e.matches);
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, []);
  const theme: Theme = choice === "system" ? (systemIsDark ? "dark" : "light") : choice;
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const cycle = useCallback(
    () =>
      setChoice((c) => {
        const next = NEXT[c];
        if (next === "system") localStorage.removeItem(KEY);
        else localStorage.setItem(KEY, next);
        return next;
      }),
    [],
  );
  return { choice, theme, cycle };
}
