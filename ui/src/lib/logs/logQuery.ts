/**
 * The query a logs view follows with, as its controls edit it: the choices, the defaults, the one check the backend's
 * types make for it (a tail must fit a u32), and the `LogQuery` it becomes. Pure, so the view only wires it up.
 */

import type { LogQuery } from "../../bindings";

export const DEFAULT_TAIL = 500;
/** The largest tail the backend accepts (a u32). */
const MAX_TAIL = 4_294_967_295;

export const SINCE_CHOICES = [
  { value: "all", label: "All time", seconds: null },
  { value: "5m", label: "Last 5 minutes", seconds: 5 * 60 },
  { value: "1h", label: "Last hour", seconds: 60 * 60 },
  { value: "24h", label: "Last 24 hours", seconds: 24 * 60 * 60 },
] as const;
export type SinceChoice = (typeof SINCE_CHOICES)[number]["value"];

export interface QueryForm {
  /** Lines per task; `null` (an empty input) for all of them. */
  tail: number | null;
  filter: string;
  since: SinceChoice;
  stdout: boolean;
  stderr: boolean;
}

export function defaultQuery(): QueryForm {
  return { tail: DEFAULT_TAIL, filter: "", since: "all", stdout: true, stderr: true };
}

/** Why the tail cannot be sent, or null: the backend's u32 would fail to deserialize it as an unreadable IPC error. */
export function tailProblem(tail: number | null): string | null {
  return tail !== null && (!Number.isInteger(tail) || tail < 0 || tail > MAX_TAIL)
    ? "Tail must be a whole number of lines (empty for all)."
    : null;
}

/** The query to send at `nowMs`: "since" is relative to the moment the follow starts. */
export function toLogQuery(form: QueryForm, nowMs: number): LogQuery {
  const seconds = SINCE_CHOICES.find((choice) => choice.value === form.since)?.seconds ?? null;
  return {
    tail: form.tail,
    since: seconds === null ? null : Math.floor(nowMs / 1000) - seconds,
    until: null,
    // Always fetched, so the checkbox only changes what is shown and does not restart the follow.
    timestamps: true,
    stdout: form.stdout,
    stderr: form.stderr,
    filter: form.filter === "" ? null : form.filter,
  };
}
