import { describe, expect, it } from "vitest";
import type { StackPlan, StackProgress, StackRecord } from "../../bindings";
import { entrySummary, serviceRows, stackMessages, triggerLabel, writes } from "./stacks";

const plan: StackPlan = {
  org_id: "acme",
  empty: false,
  services: [
    { slug: "db", service_name: "org-acme-db", action: "unchanged", changes: [], depends_on: [] },
    { slug: "api", service_name: "org-acme-api", action: "update", changes: [], depends_on: ["db"] },
    { slug: "web", service_name: "org-acme-web", action: "create", changes: [], depends_on: ["api"] },
  ],
};

describe("service rows", () => {
  it("follow each service from waiting to its end, failure reason included", () => {
    const events: StackProgress[] = [
      { kind: "stack", message: "checking the swarm" },
      { kind: "service_done", slug: "db", state: { kind: "unchanged" } },
      { kind: "service", slug: "api", progress: { kind: "phase", message: "updating service org-acme-api" } },
      { kind: "service_done", slug: "api", state: { kind: "deployed" } },
      { kind: "service", slug: "web", progress: { kind: "phase", message: "creating service org-acme-web" } },
      { kind: "service_done", slug: "web", state: { kind: "failed", reason: "health check failed" } },
      { kind: "service_done", slug: "api", state: { kind: "undone" } },
    ];
    const rows = serviceRows(plan, events);
    expect(rows.map((r) => [r.slug, r.state, r.line])).toEqual([
      ["db", "unchanged", ""],
      ["api", "undone", ""],
      ["web", "failed", "health check failed"],
    ]);
    expect(serviceRows(plan, events.slice(0, 3))[1]).toMatchObject({ state: "working", line: "updating service org-acme-api" });
    expect(stackMessages(events)).toEqual(["checking the swarm"]);
  });

  it("follow what a running deployment announced over the preview", () => {
    const announced: StackProgress = {
      kind: "planned",
      services: [{ slug: "api", service_name: "org-acme-api", action: "update", changes: [{ field: "image", before: "app:v2", after: "app:v1" }], depends_on: [] }],
    };
    const rows = serviceRows(plan, [announced, { kind: "service_done", slug: "api", state: { kind: "deployed" } }]);
    expect(rows.map((r) => [r.slug, r.state, r.changes.length])).toEqual([["api", "deployed", 1]]);
  });

  it("ignore services the preview did not name", () => {
    const rows = serviceRows(plan, [{ kind: "service_done", slug: "ghost", state: { kind: "deployed" } }]);
    expect(rows.every((r) => r.state === "waiting")).toBe(true);
    expect(serviceRows(null, [])).toEqual([]);
  });
});

describe("history words", () => {
  it("summarise entries and triggers", () => {
    const record: StackRecord = {
      stack_id: "s2",
      org_id: "acme",
      started_at: "2026-12-02T05:00:00Z",
      finished_at: null,
      outcome: "succeeded",
      reason: null,
      trigger: { kind: "rollback", to: "s1" },
      services: [
        { slug: "web", action: "create", deployment_id: "d1" },
        { slug: "old", action: "remove", deployment_id: null },
        { slug: "cron", action: "kept", deployment_id: null },
      ],
    };
    expect(entrySummary(record)).toBe("+web -old");
    expect(triggerLabel(record.trigger)).toBe("rollback to s1");
    expect(writes(plan.services)).toBe(true);
    expect(writes(plan.services.slice(0, 1))).toBe(false);
  });
});
