/**
 * Pure mapping for the deploy form: form state → `DeployRequest`, progress event → display line,
 * `AppError` → the form field it belongs to. No validation here: every rule is the backend's,
 * and its `Invalid` errors are shown next to the field they name.
 */

import type { AppError, DeployRequest, EndpointMode, FailureAction, Progress, UpdateOrder, UpdatePolicyInput } from "../../bindings";
import { describeUpdateState } from "../shared/format";
import { emptyPlacement, placementToInput, type PlacementForm } from "../shared/placement";

/** One row of the environment editor. `id` only keys the row in the UI. */
export interface EnvRow {
  id: number;
  name: string;
  value: string;
}

/** The update policy as the form edits it: durations in seconds. */
export interface PolicyForm {
  parallelism: number | null;
  delay_secs: number | null;
  monitor_secs: number | null;
  failure_action: FailureAction;
  max_failure_ratio: number | null;
  order: UpdateOrder;
}

/**
 * The form's state. Numbers are `null` when their input is empty (as Svelte binds an empty
 * number input). An empty required number is sent as null so the backend names the field.
 */
export interface DeployForm {
  org_id: string;
  slug: string;
  image_name: string;
  image_tag: string;
  cpu_cores: number | null;
  memory_mb: number | null;
  disk_gb: number | null;
  env: EnvRow[];
  internal_port: number | null;
  replicas: number | null;
  /** Command and arguments separated by whitespace; empty means no health check. */
  health_command: string;
  health_interval_secs: number | null;
  health_timeout_secs: number | null;
  health_retries: number | null;
  health_start_period_secs: number | null;
  endpoint_mode: EndpointMode;
  policy: PolicyForm;
  placement: PlacementForm;
}

/** The backend's default update policy (start-first, one at a time, 10 s apart, watched 15 s, roll back above 30 %). */
export const DEFAULT_POLICY: Readonly<PolicyForm> = Object.freeze({
  parallelism: 1,
  delay_secs: 10,
  monitor_secs: 15,
  failure_action: "rollback",
  max_failure_ratio: 0.3,
  order: "start-first",
});

/** A fresh form, pre-filled with the backend's defaults. */
export function emptyForm(org_id = ""): DeployForm {
  return {
    org_id,
    slug: "",
    image_name: "",
    image_tag: "latest",
    cpu_cores: 0.5,
    memory_mb: 256,
    disk_gb: 1,
    env: [],
    internal_port: null,
    replicas: 1,
    health_command: "",
    health_interval_secs: 10,
    health_timeout_secs: 5,
    health_retries: 3,
    health_start_period_secs: 0,
    endpoint_mode: "vip",
    policy: { ...DEFAULT_POLICY },
    placement: emptyPlacement(),
  };
}

/** A number field as sent: null when empty or not a number, so the backend names it ("is required"). */
function optional(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Seconds from the form as milliseconds; null when empty. */
function millis(seconds: number | null | undefined): number | null {
  const value = optional(seconds);
  return value === null ? null : Math.round(value * 1000);
}

/** Env rows as the request's map; rows with neither name nor value are ignored. */
export function envToMap(rows: readonly EnvRow[]): { [key: string]: string } {
  const env: { [key: string]: string } = {};
  for (const row of rows) {
    const name = row.name.trim();
    if (name === "" && row.value === "") continue;
    env[name] = row.value;
  }
  return env;
}

/** The health command split on whitespace; `[]` when blank. */
export function splitCommand(command: string): string[] {
  return command.trim().split(/\s+/).filter((part) => part !== "");
}

/** Whether the policy differs from the defaults in any field. */
export function policyChanged(policy: PolicyForm): boolean {
  return (Object.keys(DEFAULT_POLICY) as (keyof PolicyForm)[]).some((key) => policy[key] !== DEFAULT_POLICY[key]);
}

/** The policy to send: `null` (the backend's default) unless the user changed something. */
export function policyToRequest(policy: PolicyForm): UpdatePolicyInput | null {
  if (!policyChanged(policy)) return null;
  return {
    parallelism: optional(policy.parallelism),
    delay_ms: millis(policy.delay_secs),
    monitor_ms: millis(policy.monitor_secs),
    failure_action: policy.failure_action,
    max_failure_ratio: optional(policy.max_failure_ratio),
    order: policy.order,
  };
}

export function formToRequest(form: DeployForm): DeployRequest {
  const command = splitCommand(form.health_command);
  return {
    org_id: form.org_id.trim(),
    slug: form.slug.trim(),
    image_name: form.image_name.trim(),
    image_tag: form.image_tag.trim(),
    resources: {
      cpu_cores: optional(form.cpu_cores),
      memory_mb: optional(form.memory_mb),
      disk_gb: optional(form.disk_gb),
    },
    env: envToMap(form.env),
    internal_port: optional(form.internal_port),
    replicas: optional(form.replicas),
    health_check:
      command.length === 0
        ? null
        : {
            command,
            interval_secs: optional(form.health_interval_secs),
            timeout_secs: optional(form.health_timeout_secs),
            retries: optional(form.health_retries),
            start_period_secs: optional(form.health_start_period_secs),
          },
    endpoint_mode: form.endpoint_mode,
    update_policy: policyToRequest(form.policy),
    placement: placementToInput(form.placement),
  };
}

/** One progress event as a line of the live list. */
export function progressLine(event: Progress): string {
  switch (event.kind) {
    case "phase":
      return event.message;
    case "task": {
      const { task } = event;
      const line = `task ${task.id.slice(0, 12)} slot ${task.slot ?? "—"} [${event.new ? "new" : "old"}] ${task.state} ${task.health}`;
      return task.error ? `${line}: ${task.error}` : line;
    }
    case "update": {
      const label = describeUpdateState(event.status.state).label;
      return event.status.message ? `update: ${label} (${event.status.message})` : `update: ${label}`;
    }
    default:
      return JSON.stringify(event);
  }
}

/** Fields of the form that show their own error (everything else goes to the general error view). */
export const FORM_FIELDS = [
  "org_id",
  "slug",
  "image_name",
  "image_tag",
  "resources.cpu_cores",
  "resources.memory_mb",
  "resources.disk_gb",
  "internal_port",
  "replicas",
  "endpoint_mode",
  "health_check.command",
  "health_check.interval_secs",
  "health_check.timeout_secs",
  "health_check.retries",
  "health_check.start_period_secs",
] as const;

/**
 * Where an `Invalid` error is shown in the form: `field` is the backend's field path (it names the
 * `field-error-<field>` element), `slot` the input or section it appears next to (one of
 * `FORM_FIELDS`, `health_check`, `update_policy`, `placement`, or `env` with `envIndex`).
 */
export interface FieldError {
  field: string;
  rule: string;
  slot: string;
  envIndex?: number;
}

/**
 * The form field an error belongs to, or `null` when it is not a field error the form can place
 * (then it is shown as a whole). Other `health_check.*` and `update_policy.*` fields go to their
 * section; `env.NAME` to the first row of that name.
 */
export function fieldError(error: AppError, envRows: readonly EnvRow[]): FieldError | null {
  if (error.type !== "Invalid") return null;
  const { field, rule } = error.data;
  if ((FORM_FIELDS as readonly string[]).includes(field)) return { field, rule, slot: field };
  if (field.startsWith("env.")) {
    const name = field.slice("env.".length);
    const envIndex = envRows.findIndex((row) => row.name.trim() === name);
    return envIndex === -1 ? null : { field, rule, slot: "env", envIndex };
  }
  for (const section of ["health_check", "update_policy", "placement"]) {
    if (field === section || field.startsWith(`${section}.`)) return { field, rule, slot: section };
  }
  return null;
}
