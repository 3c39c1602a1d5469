/**
 * Arranging what the backend says of a stack: the preview and the live progress as one row per service, and the
 * words for actions, outcomes and triggers. Nothing here decides what the swarm did.
 */

import type {
  FieldChange,
  PlanAction,
  PlannedService,
  Progress,
  StackOutcome,
  StackPlan,
  StackProgress,
  StackRecord,
  StackTrigger,
} from "../../bindings";

export const ACTION_LABELS: Record<PlanAction, string> = {
  create: "create",
  update: "update",
  unchanged: "unchanged",
  remove: "remove",
  kept: "kept (not in the file)",
};

export const OUTCOME_LABELS: Record<StackOutcome, string> = {
  in_progress: "in progress",
  succeeded: "succeeded",
  rolled_back: "rolled back",
  failed: "failed",
  interrupted: "interrupted",
};

export function triggerLabel(trigger: StackTrigger): string {
  return trigger.kind === "deploy" ? `deploy of ${trigger.file}` : `rollback to ${trigger.to}`;
}

/** Where one service of a running stack deployment stands. */
export type RowState = "waiting" | "working" | "deployed" | "unchanged" | "removed" | "failed" | "undone" | "skipped";

export interface ServiceRow {
  slug: string;
  action: PlanAction;
  changes: FieldChange[];
  state: RowState;
  /** The latest thing said about it: a phase, a task's state, or why it failed. */
  line: string;
}

/** One line for a service's own progress event. */
export function progressLine(progress: Progress): string {
  switch (progress.kind) {
    case "phase":
      return progress.message;
    case "task":
      return `task ${progress.task.id.slice(0, 12)} ${progress.task.state}${progress.task.health === "unknown" ? "" : ` (${progress.task.health})`}`;
    case "update":
      return `update ${progress.status.state}`;
  }
}

/**
 * One row per service with what the progress events said of it so far: the services the running deployment
 * announced (a rollback's differ from any preview), else the preview's.
 */
export function serviceRows(preview: StackPlan | null, events: readonly StackProgress[]): ServiceRow[] {
  let services = preview?.services ?? [];
  for (const event of events) if (event.kind === "planned") services = event.services;
  const rows = new Map<string, ServiceRow>();
  for (const service of services) {
    rows.set(service.slug, {
      slug: service.slug,
      action: service.action,
      changes: service.changes,
      state: "waiting",
      line: "",
    });
  }
  for (const event of events) {
    if (event.kind === "stack" || event.kind === "planned") continue;
    const row = rows.get(event.slug);
    if (!row) continue;
    if (event.kind === "service") {
      row.line = progressLine(event.progress);
      // A failed service keeps its state while it is put back; every other one is at work again.
      if (row.state !== "failed") row.state = "working";
      continue;
    }
    row.state = event.state.kind === "deployed" ? "deployed" : event.state.kind;
    row.line = event.state.kind === "failed" ? event.state.reason : "";
  }
  return [...rows.values()];
}

/** The stack-level messages, newest last. */
export function stackMessages(events: readonly StackProgress[]): string[] {
  return events.flatMap((event) => (event.kind === "stack" ? [event.message] : []));
}

/** A compact list of what a recorded stack deployment did: `+web ~api -old`. */
export function entrySummary(record: StackRecord): string {
  const marks: Partial<Record<PlanAction, string>> = { create: "+", update: "~", remove: "-", unchanged: "=" };
  return record.services
    .filter((entry) => entry.action !== "kept")
    .map((entry) => `${marks[entry.action] ?? ""}${entry.slug}`)
    .join(" ");
}

/** Whether a preview would write anything. */
export function writes(services: readonly PlannedService[]): boolean {
  return services.some((service) => service.action !== "unchanged" && service.action !== "kept");
}
