/**
 * The graph's stylesheet, built from the app's CSS variables so the canvas follows the light
 * and dark themes (a canvas cannot read `var(--x)` itself).
 */

import type { StylesheetJson } from "cytoscape";
import { SIZES } from "./layout";

const VARIABLES = [
  "surface",
  "surface-2",
  "border",
  "text",
  "muted",
  "accent",
  "focus",
  "ok",
  "warn",
  "bad",
  "ok-bg",
  "warn-bg",
  "bad-bg",
] as const;

export type Palette = Record<(typeof VARIABLES)[number], string>;

/** Used for a variable the stylesheet does not define, so a missing one never breaks drawing. */
const FALLBACK: Palette = {
  surface: "#ffffff",
  "surface-2": "#eef2f7",
  border: "#d8e0ea",
  text: "#132033",
  muted: "#5a6b82",
  accent: "#0d9488",
  focus: "#2563eb",
  ok: "#15803d",
  warn: "#b45309",
  bad: "#c62828",
  "ok-bg": "#e8f6ec",
  "warn-bg": "#fdf3e4",
  "bad-bg": "#fdecec",
};

export function readPalette(root: HTMLElement): Palette {
  const computed = getComputedStyle(root);
  const palette = { ...FALLBACK };
  for (const name of VARIABLES) {
    const value = computed.getPropertyValue(`--${name}`).trim();
    if (value) palette[name] = value;
  }
  return palette;
}

/** Font sizes below which labels are not drawn: reading them is impossible and costs frames. */
const MIN_FONT = { org: 4, node: 7 } as const;

/**
 * The service label's size, and the ceiling of every other label: an organization's title names a box of services
 * and must not outshout them. It stays bold, sits above its box, and is still drawn when zoomed out past the point
 * where service labels stop (`MIN_FONT.org`), so a view of many organizations keeps its landmarks.
 */
const LABEL_FONT = 11;

export function buildStyle(palette: Palette): StylesheetJson {
  const font = getComputedStyle(document.body).fontFamily || "sans-serif";
  return [
    {
      selector: "node",
      style: {
        "font-family": font,
        color: palette.text,
        "text-wrap": "wrap",
        "text-valign": "center",
        "min-zoomed-font-size": MIN_FONT.node,
        shape: "round-rectangle",
        "border-width": 1,
        "border-color": palette.border,
        "background-color": palette.surface,
      },
    },
    {
      selector: 'node[kind = "org"]',
      style: {
        label: "data(label)",
        "font-size": LABEL_FONT,
        "font-weight": 600,
        "text-valign": "top",
        "text-margin-y": -6,
        "min-zoomed-font-size": MIN_FONT.org,
        "background-color": palette["surface-2"],
        "background-opacity": 0.55,
        padding: `${SIZES.orgPadding}px`,
        "compound-sizing-wrt-labels": "exclude",
        "corner-radius": "12px",
      },
    },
    {
      selector: 'node[kind = "network"]',
      style: {
        label: "data(label)",
        width: SIZES.network.w,
        height: SIZES.network.h,
        "font-size": 10,
        "text-max-width": `${SIZES.network.w - 12}px`,
        "border-width": 2,
        "border-color": palette.accent,
        shape: "barrel",
      },
    },
    {
      selector: "node[?missing]",
      style: { "border-style": "dashed", "border-color": palette.muted, color: palette.muted },
    },
    {
      selector: 'node[kind = "service"]',
      style: {
        label: "data(label)",
        width: SIZES.service.w,
        height: SIZES.service.h,
        "font-size": LABEL_FONT,
        "text-max-width": `${SIZES.service.w - 12}px`,
        "border-width": 2,
      },
    },
    {
      selector: 'node[kind = "tasks"]',
      style: {
        label: "data(label)",
        width: SIZES.tasks.w,
        height: SIZES.tasks.h,
        "font-size": 9,
        "text-wrap": "ellipsis",
        "text-max-width": `${SIZES.tasks.w - 6}px`,
      },
    },
    ...(["ok", "warn", "bad"] as const).map((tone) => ({
      selector: `node[tone = "${tone}"]`,
      style: { "border-color": palette[tone], "background-color": palette[`${tone}-bg`] },
    })),
    {
      selector: "node[?bridge]",
      style: { "border-style": "dashed", "border-width": 3 },
    },
    {
      selector: "node.far",
      style: { visibility: "hidden", events: "no" },
    },
    {
      selector: "node.selected, node.focused",
      style: { "underlay-color": palette.accent, "underlay-opacity": 0.35, "underlay-padding": 7 },
    },
    {
      selector: "node.focused",
      style: { "underlay-color": palette.focus },
    },
    {
      selector: "edge",
      style: {
        width: 1.5,
        "curve-style": "straight",
        "line-color": palette.muted,
        opacity: 0.7,
      },
    },
    {
      selector: "edge[?bridge]",
      style: { width: 3, "line-color": palette.bad, "line-style": "dashed", opacity: 1 },
    },
    // Last, so a search dims whatever the rules above made prominent.
    {
      selector: "node.faded, edge.faded",
      style: { opacity: 0.25 },
    },
  ];
}
