import { describe, expect, it } from "vitest";
import type { ThemeRoot, ThemeStorage } from "./theme";
import { applyTheme, cachedTheme, effectiveTheme, isTheme, rememberTheme } from "./theme";

function fakeRoot(): ThemeRoot & { dataset: Record<string, string | undefined> } {
  return { dataset: {} };
}

function fakeStorage(initial: Record<string, string> = {}): ThemeStorage & { items: Record<string, string> } {
  const items = { ...initial };
  return {
    items,
    getItem: (key) => items[key] ?? null,
    setItem: (key, value) => {
      items[key] = value;
    },
  };
}

const failing: ThemeStorage = {
  getItem: () => {
    throw new Error("SecurityError");
  },
  setItem: () => {
    throw new Error("QuotaExceededError");
  },
};

describe("applyTheme", () => {
  it("forces light or dark through data-theme", () => {
    const root = fakeRoot();
    applyTheme("dark", root);
    expect(root.dataset.theme).toBe("dark");
    applyTheme("light", root);
    expect(root.dataset.theme).toBe("light");
  });

  it("removes the attribute for the system theme, so the media query decides", () => {
    const root = fakeRoot();
    applyTheme("dark", root);
    applyTheme("system", root);
    expect("theme" in root.dataset).toBe(false);
  });
});

describe("effectiveTheme", () => {
  it("follows the system only for the system theme", () => {
    expect(effectiveTheme("system", true)).toBe("dark");
    expect(effectiveTheme("system", false)).toBe("light");
    expect(effectiveTheme("light", true)).toBe("light");
    expect(effectiveTheme("dark", false)).toBe("dark");
  });
});

describe("theme cache", () => {
  it("returns the theme last remembered", () => {
    const storage = fakeStorage();
    rememberTheme("dark", storage);
    expect(cachedTheme(storage)).toBe("dark");
    rememberTheme("system", storage);
    expect(cachedTheme(storage)).toBe("system");
  });

  it("is the system theme when nothing, or nothing valid, is stored", () => {
    expect(cachedTheme(fakeStorage())).toBe("system");
    const storage = fakeStorage();
    rememberTheme("light", storage);
    const key = Object.keys(storage.items)[0]!;
    expect(cachedTheme(fakeStorage({ [key]: "purple" }))).toBe("system");
  });

  it("falls back quietly when storage is missing or refuses", () => {
    expect(cachedTheme(undefined)).toBe("system");
    expect(cachedTheme(failing)).toBe("system");
    expect(() => rememberTheme("dark", failing)).not.toThrow();
    expect(() => rememberTheme("dark", undefined)).not.toThrow();
  });
});

describe("isTheme", () => {
  it("accepts only the three themes", () => {
    expect(["system", "light", "dark"].every(isTheme)).toBe(true);
    expect(isTheme("Dark")).toBe(false);
    expect(isTheme(null)).toBe(false);
  });
});
