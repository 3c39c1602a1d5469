import { describe, expect, it } from "vitest";
import type { OrgFile } from "../../bindings";
import { defaultTarget, groupByName } from "./secrets";

const file = (name: string, version: string, services: string[], kind: "secret" | "config" = "secret"): OrgFile => ({
  kind,
  name,
  version,
  object_name: `org-a-${name}-${version}`,
  created_at: null,
  services,
});

describe("groupByName", () => {
  it("keeps each name's versions together with everyone using one", () => {
    const groups = groupByName([file("db", "v2", ["web"]), file("db", "v1", ["api", "web"]), file("db", "c1", [], "config")]);
    expect(groups.map((g) => [g.kind, g.name, g.versions.map((v) => v.version), g.services])).toEqual([
      ["secret", "db", ["v2", "v1"], ["web", "api"]],
      ["config", "db", ["c1"], []],
    ]);
  });
});

describe("defaultTarget", () => {
  it("follows the engine for secrets and compose for configs", () => {
    expect(defaultTarget("secret", "db")).toBe("/run/secrets/db");
    expect(defaultTarget("config", "app.toml")).toBe("/app.toml");
  });
});
