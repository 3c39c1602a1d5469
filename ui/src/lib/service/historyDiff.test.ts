import { describe, expect, it } from "vitest";
import type { DeploymentRecord, ServiceDefinition } from "../../bindings";
import { currentRecord, describeOutcome, diffDefinitions, sameEnv, shortImageId } from "./historyDiff";

const definition = (overrides: Partial<ServiceDefinition> = {}): ServiceDefinition => ({
  org_id: "acme",
  slug: "web",
  service_id: "org-acme-web",
  image: "fixture:v1",
  resources: { cpu_cores: 0.5, memory_mb: 256, disk_gb: 1 },
  env: { A: "1", B: "x" },
  internal_port: 8080,
  replicas: 1,
  health_check: null,
  endpoint_mode: "vip",
  update_policy: {
    parallelism: 1,
    delay_ms: 10000,
    monitor_ms: 15000,
    failure_action: "rollback",
    max_failure_ratio: 0.3,
    order: "start-first",
  },
  placement: { constraints: [], spread: null, max_replicas_per_node: null },
  ...overrides,
});

const record = (id: string, outcome: DeploymentRecord["outcome"], def = definition()): DeploymentRecord => ({
  deployment_id: id,
  service_name: "org-acme-web",
  started_at: "2026-11-27T07:00:00Z",
  finished_at: null,
  outcome,
  reason: null,
  trigger: { kind: "deploy" },
  definition: def,
  image: { requested: def.image, image_id: "sha256:0123456789abcdef", digest_ref: null, keep_tag: "k" },
  disk: { kind: "enforced" },
});

describe("diffDefinitions", () => {
  it("is empty for the same definition", () => {
    expect(diffDefinitions(definition(), definition())).toEqual([]);
  });

  it("lists image, env (masked) and limits changes", () => {
    const changes = diffDefinitions(
      definition({ image: "fixture:v3", env: { A: "3", C: "new" } }),
      definition({ resources: { cpu_cores: 1, memory_mb: 512, disk_gb: 1 } }),
    );
    expect(changes.map((c) => c.field)).toEqual(["image", "env.A", "env.B", "env.C", "cpu_cores", "memory_mb"]);
    expect(changes[0]).toEqual({ field: "image", current: "fixture:v3", recorded: "fixture:v1", secret: false });
    expect(changes[2]).toEqual({ field: "env.B", current: "—", recorded: "x", secret: true });
    expect(changes[3]?.recorded).toBe("—");
  });

  it("shows a placement change in words", () => {
    const changes = diffDefinitions(
      definition({ placement: { constraints: ["node.role==worker"], spread: null, max_replicas_per_node: 1 } }),
      definition(),
    );
    expect(changes).toEqual([
      { field: "placement", current: "node.role==worker · at most 1 per node", recorded: "anywhere", secret: false },
    ]);
  });
});

describe("currentRecord", () => {
  const records = [record("d3", "rolled_back_by_swarm"), record("d2", "succeeded"), record("d1", "succeeded")];
  it("prefers the service's current deployment id", () => {
    expect(currentRecord(records, "d1")?.deployment_id).toBe("d1");
  });
  it("falls back to the newest success", () => {
    expect(currentRecord(records, "gone")?.deployment_id).toBe("d2");
    expect(currentRecord([], null)).toBeNull();
  });
});

describe("labels", () => {
  it("describes outcomes and shortens image ids", () => {
    expect(describeOutcome("rolled_back_by_swarm").tone).toBe("bad");
    expect(shortImageId("sha256:0123456789abcdef")).toBe("sha256:0123456789ab");
    expect(shortImageId("abc")).toBe("abc");
  });
});

describe("sameEnv", () => {
  it("ignores order and sees added, removed and changed values", () => {
    expect(sameEnv({ A: "1", B: "2" }, { B: "2", A: "1" })).toBe(true);
    expect(sameEnv({ A: "1" }, { A: "1", B: "2" })).toBe(false);
    expect(sameEnv({ A: "1" }, { A: "2" })).toBe(false);
    expect(sameEnv({ A: "1", C: "" }, { A: "1", B: "" })).toBe(false);
  });
});
