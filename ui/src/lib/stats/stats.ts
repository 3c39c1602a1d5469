/** The stats views' pure parts: a bounded history of samples, a sparkline's points, and short usage figures. */

import type { StatsReport, UsageTotal } from "../../bindings";
import { formatBytes } from "../shared/format";

/** How many samples a sparkline keeps: five minutes at one a second. */
export const HISTORY_LENGTH = 300;

/** `history` with `value` appended, the oldest dropped past `limit`. */
export function pushSample(history: number[], value: number, limit = HISTORY_LENGTH): number[] {
  const next = [...history, value];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

/**
 * SVG polyline points of `values` in a `width`×`height` box: the newest at the right edge, one step per sample of
 * `limit`, scaled so that `ceiling` (or the largest value, when larger) touches the top.
 */
export function sparklinePoints(values: number[], width: number, height: number, ceiling: number, limit = HISTORY_LENGTH): string {
  if (values.length === 0) return "";
  const top = Math.max(ceiling, ...values, Number.EPSILON);
  const step = width / Math.max(limit - 1, 1);
  const start = width - step * (values.length - 1);
  return values
    .map((value, i) => `${round(start + step * i)},${round(height - (Math.max(value, 0) / top) * height)}`)
    .join(" ");
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Usage sums by service name and by organization id, from a report. */
export type UsageIndex = { services: Map<string, UsageTotal>; orgs: Map<string, UsageTotal> };

export const NO_USAGE: UsageIndex = { services: new Map(), orgs: new Map() };

export function indexUsage(report: StatsReport | null): UsageIndex {
  if (!report) return NO_USAGE;
  return {
    // A service none of whose tasks has figures yet (or any more) shows none rather than zeros.
    services: new Map(
      report.services.filter((s) => s.tasks.some((task) => task.unavailable === null)).map((s) => [s.service_name, s.total]),
    ),
    orgs: new Map(report.orgs.map((org) => [org.org_id, org.total])),
  };
}

/** A usage figure short enough for a table cell or a graph label: `CPU 12.5% · 40 MiB`. */
export function formatUsage(total: UsageTotal): string {
  return `CPU ${(total.cpu_percent ?? 0).toFixed(1)}% · ${formatBytes(total.memory_bytes ?? 0)}`;
}
