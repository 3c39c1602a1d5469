/**
 * Placement as the forms edit it: constraints in one line separated by commas (no constraint can hold one), the
 * spread label and the per-node limit. The rules are
 * the backend's; this only maps between what the inputs hold and what the commands take.
 */

import type { AppError, Placement, PlacementInput } from "../../bindings";

export interface PlacementForm {
  /** Constraints separated by commas (or new lines), e.g. `node.role==worker, node.labels.zone==a`. */
  constraints: string;
  /** A label such as `node.labels.zone`; empty for no spread. */
  spread: string;
  /** Empty (null) for no limit. */
  max_replicas_per_node: number | null;
}

export function emptyPlacement(): PlacementForm {
  return { constraints: "", spread: "", max_replicas_per_node: null };
}

/** What a service's recorded placement looks like in the form. */
export function placementForm(placement: Placement): PlacementForm {
  return {
    constraints: placement.constraints.join(", "),
    spread: placement.spread ?? "",
    max_replicas_per_node: placement.max_replicas_per_node,
  };
}

export function constraintList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

export function placementToInput(form: PlacementForm): PlacementInput {
  const spread = form.spread.trim();
  const max = form.max_replicas_per_node;
  return {
    constraints: constraintList(form.constraints),
    spread: spread === "" ? null : spread,
    max_replicas_per_node: typeof max === "number" && Number.isFinite(max) ? max : null,
  };
}

/** Whether the form asks for the placement the service has. */
export function samePlacement(form: PlacementForm, placement: Placement): boolean {
  const input = placementToInput(form);
  return (
    input.constraints.join("\n") === placement.constraints.join("\n") &&
    input.spread === placement.spread &&
    input.max_replicas_per_node === placement.max_replicas_per_node
  );
}

/** One line for people: "anywhere", or the constraints, spread and limit. */
export function describePlacement(placement: Placement): string {
  const parts = [...placement.constraints];
  if (placement.spread) parts.push(`spread over ${placement.spread}`);
  if (placement.max_replicas_per_node !== null) parts.push(`at most ${placement.max_replicas_per_node} per node`);
  return parts.length === 0 ? "anywhere" : parts.join(" · ");
}

/** Which input a `placement.*` field error belongs to, and for a constraint its position (1-based). */
export function placementProblem(
  error: AppError | null,
): { input: "constraints" | "spread" | "max_replicas_per_node"; position: number | null; field: string; rule: string } | null {
  if (error?.type !== "Invalid") return null;
  const { field, rule } = error.data;
  const constraint = /^placement\.constraints(?:\[(\d+)\])?$/.exec(field);
  if (constraint) return { input: "constraints", position: constraint[1] === undefined ? null : Number(constraint[1]) + 1, field, rule };
  if (field === "placement.spread") return { input: "spread", position: null, field, rule };
  if (field === "placement.max_replicas_per_node") return { input: "max_replicas_per_node", position: null, field, rule };
  return null;
}
