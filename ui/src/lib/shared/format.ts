/** Pure display helpers: turn backend values into short human text. No state, no I/O. */

import type { ServiceNode } from "../../bindings";

export type UpdateState = ServiceNode["update_state"];

/** How an update state reads, and which tone it is shown in. */
export type Tone = "ok" | "warn" | "bad" | "muted";

const UPDATE_STATES: Record<UpdateState, { label: string; tone: Tone }> = {
  none: { label: "no update", tone: "muted" },
  updating: { label: "updating", tone: "warn" },
  paused: { label: "update paused", tone: "bad" },
  completed: { label: "update completed", tone: "ok" },
  rollback_started: { label: "rolling back", tone: "warn" },
  rollback_paused: { label: "rollback paused", tone: "bad" },
  rollback_completed: { label: "rolled back", tone: "bad" },
};

export function describeUpdateState(state: UpdateState): { label: string; tone: Tone } {
  return UPDATE_STATES[state] ?? { label: state, tone: "muted" };
}

/** `1 pair`, `3 pairs`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** `1.5 GiB`, `512 MiB`, `0 B`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** Docker's nano-CPUs as a CPU count: `4`, `0.5`. */
export function formatCpus(nanoCpus: number): string {
  const cpus = nanoCpus / 1e9;
  return Number.isInteger(cpus) ? String(cpus) : cpus.toFixed(2).replace(/0+$/, "");
}

/** Whole seconds until `delayMs` after `sinceMs` has passed, as of `nowMs` (never negative). */
export function secondsLeft(delayMs: number, sinceMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((sinceMs + delayMs - nowMs) / 1000));
}

/** A retry delay in whole seconds, at least 1. */
export function retrySeconds(delayMs: number): number {
  return Math.max(1, Math.ceil(delayMs / 1000));
}
