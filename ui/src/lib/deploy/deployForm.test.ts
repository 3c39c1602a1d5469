import { describe, expect, it } from "vitest";
import type { AppError, Progress, TaskInfo } from "../../bindings";
import {
  DEFAULT_POLICY,
  emptyForm,
  envToMap,
  fieldError,
  formToRequest,
  policyToRequest,
  progressLine,
  splitCommand,
} from "./deployForm";

function filledForm() {
  return {
    ...emptyForm("acme"),
    slug: " web ",
    image_name: "nginx",
    image_tag: "1.27",
    cpu_cores: 1,
    memory_mb: 512,
    disk_gb: 5,
    internal_port: 80,
    replicas: 2,
  };
}

const invalid = (field: string, rule = "is wrong"): AppError => ({ type: "Invalid", data: { field, rule } });

describe("formToRequest", () => {
  it("maps every field, with defaults for the optional sections", () => {
    expect(formToRequest(filledForm())).toEqual({
      org_id: "acme",
      slug: "web",
      image_name: "nginx",
      image_tag: "1.27",
      resources: { cpu_cores: 1, memory_mb: 512, disk_gb: 5 },
      env: {},
      internal_port: 80,
      replicas: 2,
      health_check: null,
      endpoint_mode: "vip",
      update_policy: null,
      placement: { constraints: [], spread: null, max_replicas_per_node: null },
    });
  });

  it("sends empty numbers as null, so the backend names the field that is required", () => {
    const request = formToRequest({ ...filledForm(), cpu_cores: null, internal_port: null, replicas: null, memory_mb: null });
    expect(request.resources).toEqual({ cpu_cores: null, memory_mb: null, disk_gb: 5 });
    expect(request.internal_port).toBeNull();
    expect(request.replicas).toBeNull();
  });

  it("sends what was typed, fractions and out-of-range values included, for the backend to judge", () => {
    const request = formToRequest({ ...filledForm(), internal_port: 70000, memory_mb: 512.5 });
    expect(request.internal_port).toBe(70000);
    expect(request.resources?.memory_mb).toBe(512.5);
  });

  it("maps env rows, skipping blank ones", () => {
    const rows = [
      { id: 1, name: "FOO", value: "bar" },
      { id: 2, name: "", value: "" },
      { id: 3, name: " EMPTY ", value: "" },
      { id: 4, name: "SECRET", value: "a b=c" },
    ];
    expect(envToMap(rows)).toEqual({ FOO: "bar", EMPTY: "", SECRET: "a b=c" });
    expect(formToRequest({ ...filledForm(), env: rows }).env).toEqual({ FOO: "bar", EMPTY: "", SECRET: "a b=c" });
  });

  it("splits the health command on whitespace", () => {
    expect(splitCommand("  curl -fsS\thttp://localhost/health \n")).toEqual(["curl", "-fsS", "http://localhost/health"]);
    const request = formToRequest({ ...filledForm(), health_command: "pg_isready  -q", health_retries: 5 });
    expect(request.health_check).toEqual({
      command: ["pg_isready", "-q"],
      interval_secs: 10,
      timeout_secs: 5,
      retries: 5,
      start_period_secs: 0,
    });
  });

  it("sends no health check for an empty or blank command", () => {
    expect(splitCommand("   ")).toEqual([]);
    expect(formToRequest({ ...filledForm(), health_command: "" }).health_check).toBeNull();
    expect(formToRequest({ ...filledForm(), health_command: " \t " }).health_check).toBeNull();
  });
});

describe("policyToRequest", () => {
  it("is null while the policy is the default", () => {
    expect(policyToRequest({ ...DEFAULT_POLICY })).toBeNull();
    expect(formToRequest(filledForm()).update_policy).toBeNull();
  });

  it("is the full policy, durations in milliseconds, once anything changed", () => {
    expect(policyToRequest({ ...DEFAULT_POLICY, delay_secs: 2.5 })).toEqual({
      parallelism: 1,
      delay_ms: 2500,
      monitor_ms: 15000,
      failure_action: "rollback",
      max_failure_ratio: 0.3,
      order: "start-first",
    });
    expect(policyToRequest({ ...DEFAULT_POLICY, order: "stop-first", max_failure_ratio: null })).toMatchObject({
      order: "stop-first",
      max_failure_ratio: null,
      delay_ms: 10000,
    });
  });
});

describe("progressLine", () => {
  const task: TaskInfo = {
    id: "abcdefghijklmnopqrstuvwxyz",
    service_id: "svc",
    slot: 2,
    state: "running",
    desired_state: "running",
    health: "starting",
    node_id: null,
    error: null,
    message: null,
    container_id: null,
    deployment_id: null,
    exit_code: null,
    updated_at: null,
  };

  it("shows phases as their message", () => {
    expect(progressLine({ kind: "phase", message: "Pulling image" })).toBe("Pulling image");
  });

  it("shows tasks with a short id, slot, new/old, state and health", () => {
    expect(progressLine({ kind: "task", task, new: true })).toBe("task abcdefghijkl slot 2 [new] running starting");
    const failed: Progress = { kind: "task", task: { ...task, slot: null, state: "failed", health: "unknown", error: "exit 1" }, new: false };
    expect(progressLine(failed)).toBe("task abcdefghijkl slot — [old] failed unknown: exit 1");
  });

  it("shows update state changes", () => {
    const status = { state: "rollback_started" as const, message: "update failed", started_at: null, completed_at: null };
    expect(progressLine({ kind: "update", status })).toBe("update: rolling back (update failed)");
    expect(progressLine({ kind: "update", status: { ...status, state: "completed", message: null } })).toBe(
      "update: update completed",
    );
  });
});

describe("fieldError", () => {
  const rows = [
    { id: 7, name: "BAR", value: "1" },
    { id: 8, name: "FOO", value: "2" },
  ];

  it("routes an Invalid error to the input it names", () => {
    expect(fieldError(invalid("slug", "must be an RFC 1123 label"), rows)).toEqual({
      field: "slug",
      rule: "must be an RFC 1123 label",
      slot: "slug",
    });
    expect(fieldError(invalid("resources.memory_mb"), rows)?.slot).toBe("resources.memory_mb");
    expect(fieldError(invalid("org_id"), rows)?.slot).toBe("org_id");
    expect(fieldError(invalid("health_check.interval_secs"), rows)?.slot).toBe("health_check.interval_secs");
  });

  it("routes env.NAME to the row with that name", () => {
    expect(fieldError(invalid("env.FOO", "reserved name"), rows)).toEqual({
      field: "env.FOO",
      rule: "reserved name",
      slot: "env",
      envIndex: 1,
    });
    expect(fieldError(invalid("env.MISSING"), rows)).toBeNull();
  });

  it("routes other health check and policy fields to their section", () => {
    expect(fieldError(invalid("health_check"), rows)?.slot).toBe("health_check");
    expect(fieldError(invalid("update_policy.parallelism"), rows)).toEqual({
      field: "update_policy.parallelism",
      rule: "is wrong",
      slot: "update_policy",
    });
    expect(fieldError(invalid("placement.constraints[0]"), rows)?.slot).toBe("placement");
  });

  it("leaves unknown fields and other errors to the general error view", () => {
    expect(fieldError(invalid("something_else"), rows)).toBeNull();
    expect(fieldError({ type: "NotFound", data: { kind: "service", name: "gone", message: "gone" } }, rows)).toBeNull();
  });
});
