import { describe, expect, it } from "vitest";
import type { ClusterNode } from "../../bindings";
import { describeStep, drills, latestSteps, nodeActions, parseLabel, workersProblem } from "./cluster";

function node(overrides: Partial<ClusterNode> = {}): ClusterNode {
  return {
    id: "n1",
    hostname: "swarmdeck-node-1",
    role: "worker",
    leader: false,
    availability: "active",
    state: "ready",
    address: "10.79.0.11",
    engine_version: "20.10.24",
    cpus: 2,
    memory_bytes: 2 ** 30,
    labels: {},
    local_node: "swarmdeck-node-1",
    cut_off: false,
    ...overrides,
  };
}

describe("latestSteps", () => {
  it("keeps each node's newest step in first-seen order", () => {
    const steps = latestSteps([
      { node: "swarmdeck-node-1", step: { step: "starting_engine" } },
      { node: "swarmdeck-node-2", step: { step: "starting_engine" } },
      { node: "swarmdeck-node-1", step: { step: "ready" } },
    ]);
    expect(steps).toEqual([
      { node: "swarmdeck-node-1", step: { step: "ready" } },
      { node: "swarmdeck-node-2", step: { step: "starting_engine" } },
    ]);
    expect(describeStep({ step: "copying_image", image: "app:v1" }).label).toBe("copying app:v1");
  });
});

describe("nodeActions", () => {
  it("offers drain with a confirmation, and no removal while the node is up", () => {
    const actions = nodeActions(node());
    expect(actions.map((a) => a.id)).toEqual(["drain", "pause", "promote"]);
    expect(actions[0]?.confirm).toContain("Move every task");
  });

  it("offers removal of a down worker and never demotes the leader", () => {
    expect(nodeActions(node({ state: "down", availability: "drain" })).map((a) => a.id)).toContain("remove");
    const leader = nodeActions(node({ role: "manager", leader: true }));
    expect(leader.map((a) => a.id)).not.toContain("demote");
    expect(nodeActions(node({ role: "manager" })).find((a) => a.id === "demote")?.confirm).toBeTruthy();
  });
});

describe("inputs", () => {
  it("reads KEY=VALUE labels and whole worker counts", () => {
    expect(parseLabel("zone=blue")).toEqual({ key: "zone", value: "blue" });
    expect(parseLabel("zone")).toHaveProperty("problem");
    expect(parseLabel("=blue")).toHaveProperty("problem");
    expect(workersProblem(2)).toBeNull();
    expect(workersProblem(2.5)).not.toBeNull();
    expect(workersProblem(201)).not.toBeNull();
    expect(workersProblem(null)).not.toBeNull();
  });
});

describe("drills", () => {
  it("offers stop and cut on a ready local node, both confirmed", () => {
    const offered = drills(node());
    expect(offered.map((d) => d.id)).toEqual(["stop", "cut"]);
    expect(offered.every((d) => d.confirm !== null)).toBe(true);
  });

  it("offers only a reconnect to a cut-off node, and a start to a stopped one", () => {
    expect(drills(node({ cut_off: true, state: "down" })).map((d) => d.id)).toEqual(["heal"]);
    expect(drills(node({ state: "down" })).map((d) => d.id)).toEqual(["start"]);
  });

  it("offers nothing on a node of another machine", () => {
    expect(drills(node({ local_node: null }))).toEqual([]);
  });
});
