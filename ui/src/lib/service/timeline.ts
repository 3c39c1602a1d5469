/**
 * The rolling-update timeline: a pure reducer from the backend's `Progress` events (and the call's
 * final result) to what the service panel draws. It decides nothing about the update itself: the
 * stage follows the swarm's own update state and the backend's verdict.
 */

import type { AppError, Progress, TaskHealth, UpdateState } from "../../bindings";
import { describeError } from "../shared/errors";
import { describeUpdateState, type Tone } from "../shared/format";

/** Where the change stands, as the panel headline shows it. */
export type Stage = "running" | "completed" | "rolling_back" | "rolled_back" | "paused" | "failed";

export interface TimelineEntry {
  /** Position in arrival order, a stable key. */
  seq: number;
  /** Milliseconds since the epoch when it arrived. */
  at: number;
  kind: "phase" | "task" | "update" | "result";
  text: string;
  tone: Tone;
}

/** One task's lane: the states it went through, in order. */
export interface TaskLane {
  id: string;
  slot: number | null;
  /** Whether it runs the spec being rolled out (false: one being replaced). */
  isNew: boolean;
  state: string;
  health: TaskHealth;
  error: string | null;
  /** Distinct `state/health` steps, oldest first. */
  steps: string[];
}

export interface Timeline {
  /** What the user asked for: "update", "rollback", … (for the headline). */
  action: string;
  stage: Stage;
  /** The swarm's last reported update state. */
  updateState: UpdateState | null;
  /** Whether a rollback happened (the swarm's or the health gate's). */
  rolledBack: boolean;
  entries: TimelineEntry[];
  lanes: TaskLane[];
  startedAt: number;
  finishedAt: number | null;
}

export function startTimeline(action: string, at: number): Timeline {
  return {
    action,
    stage: "running",
    updateState: null,
    rolledBack: false,
    entries: [],
    lanes: [],
    startedAt: at,
    finishedAt: null,
  };
}

const STAGE_OF_UPDATE: Record<UpdateState, Stage | null> = {
  none: null,
  updating: "running",
  completed: null,
  paused: "paused",
  rollback_started: "rolling_back",
  rollback_paused: "paused",
  rollback_completed: "rolled_back",
};

function taskTone(state: string, health: TaskHealth): Tone {
  if (["failed", "rejected", "orphaned"].includes(state) || health === "unhealthy") return "bad";
  if (state === "running" && (health === "healthy" || health === "no_check")) return "ok";
  if (["shutdown", "complete", "remove"].includes(state)) return "muted";
  return "warn";
}

function entry(timeline: Timeline, at: number, kind: TimelineEntry["kind"], text: string, tone: Tone): TimelineEntry {
  return { seq: timeline.entries.length, at, kind, text, tone };
}

/** The timeline after one progress event. Repeated task reports with nothing new add no entry. */
export function applyProgress(timeline: Timeline, event: Progress, at: number): Timeline {
  if (timeline.finishedAt !== null) return timeline;
  switch (event.kind) {
    case "phase":
      return { ...timeline, entries: [...timeline.entries, entry(timeline, at, "phase", event.message, "muted")] };
    case "update": {
      const state = event.status.state;
      if (state === timeline.updateState) return timeline;
      const described = describeUpdateState(state);
      const text = event.status.message ? `Swarm: ${described.label} — ${event.status.message}` : `Swarm: ${described.label}`;
      const rollback = state === "rollback_started" || state === "rollback_completed" || state === "rollback_paused";
      return {
        ...timeline,
        updateState: state,
        stage: STAGE_OF_UPDATE[state] ?? timeline.stage,
        rolledBack: timeline.rolledBack || rollback,
        entries: [...timeline.entries, entry(timeline, at, "update", text, rollback ? "bad" : described.tone)],
      };
    }
    case "task": {
      const { task } = event;
      const step = `${task.state}/${task.health}`;
      const index = timeline.lanes.findIndex((lane) => lane.id === task.id);
      const previous = index >= 0 ? timeline.lanes[index] : undefined;
      if (previous && previous.steps[previous.steps.length - 1] === step && previous.error === task.error) {
        return timeline;
      }
      const lane: TaskLane = {
        id: task.id,
        slot: task.slot,
        isNew: event.new,
        state: task.state,
        health: task.health,
        error: task.error,
        steps: previous ? [...previous.steps, step] : [step],
      };
      const lanes = index >= 0 ? timeline.lanes.map((l, i) => (i === index ? lane : l)) : [...timeline.lanes, lane];
      const health = task.health === "no_check" || task.health === "unknown" ? "" : ` (${task.health})`;
      const who = `${event.new ? "New" : "Old"} task${task.slot === null ? "" : ` in slot ${task.slot}`}`;
      const text = `${who}: ${task.state}${health}${task.error ? ` — ${task.error}` : ""}`;
      return {
        ...timeline,
        lanes: sortLanes(lanes),
        entries: [...timeline.entries, entry(timeline, at, "task", text, taskTone(task.state, task.health))],
      };
    }
    default:
      return timeline;
  }
}

/** Old tasks above new ones, each by slot, so a lane keeps its row as others arrive. */
function sortLanes(lanes: TaskLane[]): TaskLane[] {
  return [...lanes].sort(
    (a, b) => Number(a.isNew) - Number(b.isNew) || (a.slot ?? Infinity) - (b.slot ?? Infinity) || a.id.localeCompare(b.id),
  );
}

/** The timeline once the call returned: success, or the backend's error (a rollback is told apart). */
export function finishTimeline(
  timeline: Timeline,
  result: { status: "ok" } | { status: "error"; error: AppError },
  at: number,
): Timeline {
  if (result.status === "ok") {
    return {
      ...timeline,
      stage: "completed",
      finishedAt: at,
      entries: [...timeline.entries, entry(timeline, at, "result", `${capitalize(timeline.action)} completed`, "ok")],
    };
  }
  const { error } = result;
  const rolledBack = error.type === "DeployFailed" && error.data.rolled_back;
  const described = describeError(error);
  const text = rolledBack
    ? `Rolled back automatically: ${described.detail}`
    : `${capitalize(timeline.action)} failed: ${described.detail || described.title}`;
  return {
    ...timeline,
    stage: rolledBack ? "rolled_back" : "failed",
    rolledBack: timeline.rolledBack || rolledBack,
    finishedAt: at,
    entries: [...timeline.entries, entry(timeline, at, "result", text, "bad")],
  };
}

const STAGE_LABELS: Record<Stage, { label: string; tone: Tone }> = {
  running: { label: "in progress", tone: "warn" },
  completed: { label: "completed", tone: "ok" },
  rolling_back: { label: "rolling back", tone: "warn" },
  rolled_back: { label: "rolled back", tone: "bad" },
  paused: { label: "paused", tone: "bad" },
  failed: { label: "failed", tone: "bad" },
};

export function describeStage(stage: Stage): { label: string; tone: Tone } {
  return STAGE_LABELS[stage];
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
