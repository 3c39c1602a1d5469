import { describe, expect, it } from "vitest";
import type { AppError } from "../../bindings";
import {
  describePlacement,
  emptyPlacement,
  placementForm,
  placementProblem,
  placementToInput,
  samePlacement,
} from "./placement";

const invalid = (field: string): AppError => ({ type: "Invalid", data: { field, rule: "a rule" } });

describe("placement form", () => {
  it("sends trimmed non-blank constraints, no empty spread and an empty limit as null", () => {
    const input = placementToInput({ constraints: " node.role==worker ,, node.labels.zone==a\n", spread: "  ", max_replicas_per_node: null });
    expect(input).toEqual({ constraints: ["node.role==worker", "node.labels.zone==a"], spread: null, max_replicas_per_node: null });
  });

  it("round-trips a recorded placement and tells when it changed", () => {
    const recorded = { constraints: ["node.role==worker"], spread: "node.labels.zone", max_replicas_per_node: 1 };
    const form = placementForm(recorded);
    expect(samePlacement(form, recorded)).toBe(true);
    expect(samePlacement({ ...form, max_replicas_per_node: 2 }, recorded)).toBe(false);
    expect(samePlacement(emptyPlacement(), { constraints: [], spread: null, max_replicas_per_node: null })).toBe(true);
  });

  it("describes a placement in one line", () => {
    expect(describePlacement({ constraints: [], spread: null, max_replicas_per_node: null })).toBe("anywhere");
    expect(describePlacement({ constraints: ["node.role==worker"], spread: "node.labels.zone", max_replicas_per_node: 1 })).toBe(
      "node.role==worker · spread over node.labels.zone · at most 1 per node",
    );
  });

  it("puts each backend field error next to its input, a constraint's with its position", () => {
    expect(placementProblem(invalid("placement.constraints[1]"))).toMatchObject({ input: "constraints", position: 2 });
    expect(placementProblem(invalid("placement.constraints"))).toMatchObject({ input: "constraints", position: null });
    expect(placementProblem(invalid("placement.spread"))).toMatchObject({ input: "spread" });
    expect(placementProblem(invalid("placement.max_replicas_per_node"))).toMatchObject({ input: "max_replicas_per_node" });
    expect(placementProblem(invalid("replicas"))).toBeNull();
    expect(placementProblem(null)).toBeNull();
  });
});
