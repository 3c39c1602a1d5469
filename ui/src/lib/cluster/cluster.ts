/**
 * Pure arrangement for the Cluster view: each local node's latest step while the cluster grows or shrinks, the
 * words for a step, which actions a node offers, and the label input. What the nodes are and do comes from the
 * backend; this only arranges it.
 */

import type { ClusterNode, ClusterProgress, NodeChange, NodeStep } from "../../bindings";
import type { Tone } from "../shared/format";

/** The newest step of each node, in the order the nodes first appeared. */
export function latestSteps(events: readonly ClusterProgress[]): { node: string; step: NodeStep }[] {
  const latest = new Map<string, NodeStep>();
  for (const event of events) latest.set(event.node, event.step);
  return [...latest].map(([node, step]) => ({ node, step }));
}

export function describeStep(step: NodeStep): { label: string; tone: Tone } {
  switch (step.step) {
    case "starting_engine":
      return { label: "starting its engine", tone: "warn" };
    case "joining":
      return { label: "joining the swarm", tone: "warn" };
    case "copying_image":
      return { label: `copying ${step.image}`, tone: "warn" };
    case "ready":
      return { label: "ready", tone: "ok" };
    case "removing":
      return { label: "being removed", tone: "warn" };
    case "removed":
      return { label: "removed", tone: "muted" };
  }
}

/** An action on a node, with whether it needs a confirmation (it moves or stops tasks). */
export interface NodeAction {
  id: string;
  label: string;
  confirm: string | null;
  change: NodeChange | null;
}

/** What a node offers, given its state: availability, role, and removal once it is down. */
export function nodeActions(node: ClusterNode): NodeAction[] {
  const actions: NodeAction[] = [];
  const availability = (id: "active" | "pause" | "drain", label: string, confirm: string | null): NodeAction => ({
    id,
    label,
    confirm,
    change: { change: "availability", availability: id },
  });
  if (node.availability !== "drain") {
    actions.push(availability("drain", "Drain", `Move every task off ${node.hostname} and give it none?`));
  }
  if (node.availability !== "pause") {
    actions.push(availability("pause", "Pause", null));
  }
  if (node.availability !== "active") {
    actions.push(availability("active", "Activate", null));
  }
  if (node.role === "worker") {
    actions.push({ id: "promote", label: "Promote", confirm: null, change: { change: "role", role: "manager" } });
  } else if (!node.leader) {
    actions.push({
      id: "demote",
      label: "Demote",
      confirm: `Make ${node.hostname} a worker? The managers lose a member.`,
      change: { change: "role", role: "worker" },
    });
  }
  if (node.state === "down" && node.role === "worker") {
    actions.push({ id: "remove", label: "Remove", confirm: `Remove ${node.hostname} from the swarm?`, change: null });
  }
  return actions;
}

/** A failure drill on a local node. */
export interface Drill {
  id: "stop" | "start" | "cut" | "heal";
  label: string;
  confirm: string | null;
}

/**
 * The drills a local node offers: a cut-off node can only be reconnected; a ready one can lose its engine or its
 * network; one that is down otherwise (its engine stopped) can be started.
 */
export function drills(node: ClusterNode): Drill[] {
  if (!node.local_node) return [];
  if (node.cut_off) return [{ id: "heal", label: "Reconnect", confirm: null }];
  if (node.state === "ready") {
    return [
      { id: "stop", label: "Stop engine", confirm: `Stop the engine of ${node.hostname}? Its tasks move elsewhere.` },
      { id: "cut", label: "Cut off network", confirm: `Cut ${node.hostname} off the network? Its tasks move elsewhere.` },
    ];
  }
  return [{ id: "start", label: "Start engine", confirm: null }];
}

/** A label typed as `KEY=VALUE`, or why it is not one. */
export function parseLabel(text: string): { key: string; value: string } | { problem: string } {
  const at = text.indexOf("=");
  if (at <= 0) return { problem: "Write a label as KEY=VALUE, for example zone=blue." };
  return { key: text.slice(0, at).trim(), value: text.slice(at + 1).trim() };
}

/** Whole workers from 0 to 200, or why not. */
export function workersProblem(value: number | null): string | null {
  if (value === null || !Number.isInteger(value) || value < 0 || value > 200) {
    return "Workers must be a whole number from 0 to 200.";
  }
  return null;
}
