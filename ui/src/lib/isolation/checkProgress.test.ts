import { describe, expect, it } from "vitest";
import type { IsolationProgress } from "../../bindings";
import { STARTING, advance, progressFraction, progressLabel } from "./checkProgress";

describe("progress", () => {
  const planned: IsolationProgress = { kind: "planned", orgs: ["a", "b", "c"], pairs: 6 };

  function run(events: IsolationProgress[]) {
    return events.reduce(advance, STARTING);
  }

  it("is indeterminate until planned", () => {
    expect(progressFraction(STARTING)).toBeNull();
    expect(progressLabel(STARTING)).toMatch(/Finding/);
  });

  it("lists every planned organization as waiting", () => {
    const state = run([planned]);
    expect(state.probes.map((probe) => probe.status)).toEqual(["waiting", "waiting", "waiting"]);
    expect(progressFraction(state)).toBe(0);
    expect(progressLabel(state)).toBe("Probed 0 of 3 organizations…");
  });

  it("follows probes as they start and finish", () => {
    const state = run([
      planned,
      { kind: "probe_started", org: "a" },
      { kind: "probe_started", org: "b" },
      { kind: "probe_finished", org: "a", done: 1, total: 3, error: null },
    ]);
    expect(state.probes.map((probe) => probe.status)).toEqual(["done", "probing", "waiting"]);
    expect(progressFraction(state)).toBeCloseTo(1 / 3);
    expect(progressLabel(state)).toBe("Probed 1 of 3 organizations; probing from b…");
  });

  it("keeps a failed probe's error", () => {
    const state = run([planned, { kind: "probe_finished", org: "c", done: 1, total: 3, error: "image missing" }]);
    expect(state.probes[2]).toEqual({ org: "c", status: "failed", error: "image missing" });
  });

  it("adds an organization the plan did not name", () => {
    const state = run([planned, { kind: "probe_started", org: "d" }]);
    expect(state.probes.map((probe) => probe.org)).toEqual(["a", "b", "c", "d"]);
  });

  it("is complete while judging", () => {
    const state = run([planned, { kind: "judging" }]);
    expect(progressFraction(state)).toBe(1);
    expect(progressLabel(state)).toBe("Judging 6 pairs…");
  });

  it("shortens a long list of running probes", () => {
    const orgs = ["a", "b", "c", "d", "e"];
    const state = run([
      { kind: "planned", orgs, pairs: 20 },
      ...orgs.map((org): IsolationProgress => ({ kind: "probe_started", org })),
    ]);
    expect(progressLabel(state)).toBe("Probed 0 of 5 organizations; probing from a, b, c and 2 more…");
  });

  it("does not change the state it is given", () => {
    const before = run([planned]);
    const snapshot = structuredClone(before);
    advance(before, { kind: "probe_started", org: "a" });
    expect(before).toEqual(snapshot);
  });
});
