/**
 * Deployment history as the panel shows it: which record is current, and how another record's
 * definition differs from the current one (what "Roll back to this" would change).
 */

import type { DeploymentRecord, Outcome, ServiceDefinition } from "../../bindings";
import type { Tone } from "../shared/format";
import { describePlacement } from "../shared/placement";

/** One field that differs. `current` is what runs now, `recorded` what the record holds. */
export interface FieldChange {
  field: string;
  current: string;
  recorded: string;
  /** Env values may be secrets: the panel masks them until revealed. */
  secret: boolean;
}

const ABSENT = "—";

function show(value: unknown): string {
  if (value === null || value === undefined) return ABSENT;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function compare(changes: FieldChange[], field: string, current: unknown, recorded: unknown): void {
  const [a, b] = [show(current), show(recorded)];
  if (a !== b) changes.push({ field, current: a, recorded: b, secret: false });
}

/** Every difference between two definitions, image first, then env by name, then limits and the rest. */
export function diffDefinitions(current: ServiceDefinition, recorded: ServiceDefinition): FieldChange[] {
  const changes: FieldChange[] = [];
  compare(changes, "image", current.image, recorded.image);
  const names = [...new Set([...Object.keys(current.env), ...Object.keys(recorded.env)])].sort();
  for (const name of names) {
    const [a, b] = [current.env[name], recorded.env[name]];
    if (a !== b) changes.push({ field: `env.${name}`, current: a ?? ABSENT, recorded: b ?? ABSENT, secret: true });
  }
  compare(changes, "cpu_cores", current.resources.cpu_cores, recorded.resources.cpu_cores);
  compare(changes, "memory_mb", current.resources.memory_mb, recorded.resources.memory_mb);
  compare(changes, "disk_gb", current.resources.disk_gb, recorded.resources.disk_gb);
  compare(changes, "replicas", current.replicas, recorded.replicas);
  compare(changes, "internal_port", current.internal_port, recorded.internal_port);
  compare(changes, "endpoint_mode", current.endpoint_mode, recorded.endpoint_mode);
  compare(changes, "health_check", current.health_check, recorded.health_check);
  compare(changes, "update_policy", current.update_policy, recorded.update_policy);
  compare(changes, "placement", describePlacement(current.placement), describePlacement(recorded.placement));
  return changes;
}

/** Whether two environments hold the same variables with the same values, in any order. */
export function sameEnv(a: { [key: string]: string }, b: { [key: string]: string }): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/**
 * The record the service runs now: the one with the service's current deployment id, else the
 * newest that succeeded (a swarm rollback restores a spec without a new record).
 */
export function currentRecord(records: readonly DeploymentRecord[], deploymentId: string | null): DeploymentRecord | null {
  return (
    records.find((record) => record.deployment_id === deploymentId) ??
    records.find((record) => record.outcome === "succeeded") ??
    records[0] ??
    null
  );
}

const OUTCOMES: Record<Outcome, { label: string; tone: Tone }> = {
  in_progress: { label: "in progress", tone: "warn" },
  succeeded: { label: "succeeded", tone: "ok" },
  rolled_back_by_swarm: { label: "rolled back by the swarm", tone: "bad" },
  failed_health_check: { label: "failed its health check", tone: "bad" },
  failed: { label: "refused by the engine", tone: "bad" },
  superseded: { label: "superseded", tone: "muted" },
  interrupted: { label: "interrupted", tone: "warn" },
};

export function describeOutcome(outcome: Outcome): { label: string; tone: Tone } {
  return OUTCOMES[outcome] ?? { label: outcome, tone: "muted" };
}

/** `sha256:0123456789ab` from a full image id, for a table cell. */
export function shortImageId(imageId: string): string {
  const colon = imageId.indexOf(":");
  return colon < 0 ? imageId.slice(0, 12) : imageId.slice(0, colon + 13);
}
