import { describe, expect, it } from "vitest";
import type { ServiceNode, Topology } from "../../bindings";
import { findService } from "./topologyQuery";

const service = (name: string): ServiceNode => ({
  swarm_service_id: `id-${name}`,
  service_name: name,
  slug: name,
  image: null,
  deployment_id: null,
  desired: 1,
  running: 1,
  update_state: "none",
  tasks: [],
  networks: [],
});

describe("findService", () => {
  const topology: Topology = {
    nodes: [],
    orgs: [
      { org_id: "a", network: null, services: [service("org-a-web")] },
      { org_id: "b", network: null, services: [service("org-b-db")] },
    ],
  };
  it("finds a service in any organization", () => {
    expect(findService(topology, "org-b-db")?.swarm_service_id).toBe("id-org-b-db");
  });
  it("is null when the service is gone or there is no snapshot", () => {
    expect(findService(topology, "org-c-x")).toBeNull();
    expect(findService(null, "org-a-web")).toBeNull();
  });
});
