/**
 * The colour theme on the page. The backend stores the preference; a copy in localStorage lets the first
 * paint use the last theme instead of flashing the system one until the backend answers.
 */

import type { Theme } from "../../bindings";

export const THEMES: readonly Theme[] = ["system", "light", "dark"];

/** The media query the "system" theme follows (the same one app.css uses). */
export const PREFERS_DARK = "(prefers-color-scheme: dark)";

const STORAGE_KEY = "swarmdeck.theme";

/** What `applyTheme` touches: `<html>` in the app, a stub in tests. */
export type ThemeRoot = Pick<HTMLElement, "dataset">;

/** What the cache uses of localStorage. */
export type ThemeStorage = Pick<Storage, "getItem" | "setItem">;

export function isTheme(value: unknown): value is Theme {
  return (THEMES as readonly unknown[]).includes(value);
}

/** Forces light or dark through `data-theme`, or removes it so the system decides (see app.css). */
export function applyTheme(theme: Theme, root: ThemeRoot = document.documentElement): void {
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
}

/** The light or dark the page shows for a theme. */
export function effectiveTheme(theme: Theme, prefersDark: boolean): "light" | "dark" {
  if (theme === "system") return prefersDark ? "dark" : "light";
  return theme;
}

/**
 * The theme last remembered, or "system" when there is none or it is unreadable. Storage can be
 * unavailable (disabled, sandboxed) and the cache is only a hint, so failures fall back quietly.
 */
export function cachedTheme(storage: ThemeStorage | undefined = globalThis.localStorage): Theme {
  try {
    const stored = storage?.getItem(STORAGE_KEY);
    return isTheme(stored) ? stored : "system";
  } catch {
    return "system";
  }
}

/** Keeps the theme for the next start's first paint; a failure only costs that paint. */
export function rememberTheme(theme: Theme, storage: ThemeStorage | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(STORAGE_KEY, theme);
  } catch {
    // Storage full or disabled: the backend still has the preference.
  }
}
