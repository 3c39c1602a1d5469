import { describe, expect, it } from "vitest";
import type { Progress, TaskInfo, UpdateState } from "../../bindings";
import { applyProgress, finishTimeline, startTimeline, type Timeline } from "./timeline";

function task(id: string, slot: number, state: string, health: TaskInfo["health"] = "starting"): TaskInfo {
  return {
    id,
    service_id: "svc",
    slot,
    state,
    desired_state: "running",
    health,
    node_id: "node",
    error: null,
    message: null,
    container_id: null,
    deployment_id: null,
    exit_code: null,
    updated_at: null,
  };
}

const update = (state: UpdateState): Progress => ({
  kind: "update",
  status: { state, message: null, started_at: null, completed_at: null },
});

function play(events: Progress[]): Timeline {
  return events.reduce((timeline, event, index) => applyProgress(timeline, event, index), startTimeline("update", 0));
}

describe("timeline", () => {
  it("follows a start-first update to completion", () => {
    const timeline = play([
      { kind: "phase", message: "Writing the new spec" },
      update("updating"),
      { kind: "task", task: task("new1", 1, "starting"), new: true },
      { kind: "task", task: task("new1", 1, "running", "healthy"), new: true },
      { kind: "task", task: task("old1", 1, "shutdown", "healthy"), new: false },
      update("completed"),
    ]);
    expect(timeline.stage).toBe("running");
    expect(timeline.updateState).toBe("completed");
    expect(timeline.lanes.map((lane) => lane.id)).toEqual(["old1", "new1"]);
    expect(timeline.lanes[1]?.steps).toEqual(["starting/starting", "running/healthy"]);
    const done = finishTimeline(timeline, { status: "ok" }, 10);
    expect(done.stage).toBe("completed");
    expect(done.entries.at(-1)?.text).toBe("Update completed");
    expect(done.rolledBack).toBe(false);
  });

  it("drops repeated task reports and ignores events after the end", () => {
    const once = play([{ kind: "task", task: task("t", 1, "running", "healthy"), new: true }]);
    const twice = applyProgress(once, { kind: "task", task: task("t", 1, "running", "healthy"), new: true }, 5);
    expect(twice).toBe(once);
    const finished = finishTimeline(once, { status: "ok" }, 6);
    expect(applyProgress(finished, update("updating"), 7)).toBe(finished);
  });

  it("shows the swarm's automatic rollback and the backend's verdict", () => {
    const timeline = play([
      update("updating"),
      { kind: "task", task: { ...task("new1", 1, "failed", "unknown"), error: "exit 3" }, new: true },
      update("rollback_started"),
    ]);
    expect(timeline.stage).toBe("rolling_back");
    expect(timeline.rolledBack).toBe(true);
    expect(timeline.entries.find((e) => e.kind === "task")?.tone).toBe("bad");
    const done = finishTimeline(
      applyProgress(timeline, update("rollback_completed"), 9),
      { status: "error", error: { type: "DeployFailed", data: { message: "the swarm rolled back", rolled_back: true } } },
      10,
    );
    expect(done.stage).toBe("rolled_back");
    expect(done.entries.at(-1)?.text).toContain("Rolled back automatically");
  });

  it("reports other errors as a failure", () => {
    const done = finishTimeline(
      startTimeline("update", 0),
      { status: "error", error: { type: "Invalid", data: { field: "image_tag", rule: "must not be empty" } } },
      1,
    );
    expect(done.stage).toBe("failed");
    expect(done.entries.at(-1)?.text).toBe("Update failed: must not be empty");
  });
});
