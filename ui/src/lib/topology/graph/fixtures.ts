/** Topology builders for the graph's tests: small hand-made ones and the 50/200/400 scale case. */

import type { NodeInfo, OrgTopology, ServiceNode, TaskInfo, Topology } from "../../../bindings";

export function node(id: string, hostname = id): NodeInfo {
  return { id, hostname, role: "worker", state: "ready", availability: "active", addr: null, nano_cpus: null, memory_bytes: null };
}

export function task(id: string, nodeId: string | null, overrides: Partial<TaskInfo> = {}): TaskInfo {
  return {
    id,
    service_id: "",
    slot: null,
    state: "running",
    desired_state: "running",
    health: "healthy",
    node_id: nodeId,
    error: null,
    message: null,
    container_id: null,
    deployment_id: null,
    exit_code: null,
    updated_at: null,
    ...overrides,
  };
}

export function service(name: string, overrides: Partial<ServiceNode> = {}): ServiceNode {
  return {
    swarm_service_id: `id-${name}`,
    service_name: name,
    slug: null,
    image: "nginx:1",
    deployment_id: null,
    desired: 1,
    running: 1,
    update_state: "none",
    tasks: [],
    networks: [],
    ...overrides,
  };
}

export function org(orgId: string, services: ServiceNode[], withNetwork = true): OrgTopology {
  return {
    org_id: orgId,
    network: withNetwork ? { id: `net-${orgId}`, name: `org-${orgId}-network`, created: false, subnets: ["10.0.0.0/24"] } : null,
    services: services.map((s) => (withNetwork && s.networks.length === 0 ? { ...s, networks: [`net-${orgId}`] } : s)),
  };
}

/** `orgs` organizations with `services` services and `tasks` running tasks spread over `nodes` nodes. */
export function scaleTopology(orgs = 50, services = 200, tasks = 400, nodes = 5): Topology {
  const nodeList = Array.from({ length: nodes }, (_, i) => node(`node${i}`, `worker-${i}`));
  const perService = tasks / services;
  return {
    nodes: nodeList,
    orgs: Array.from({ length: orgs }, (_, o) =>
      org(
        `org${o}`,
        Array.from({ length: services / orgs }, (_, s) => {
          const index = o * (services / orgs) + s;
          return service(`org${o}-svc${s}`, {
            desired: perService,
            running: perService,
            tasks: Array.from({ length: perService }, (_, t) =>
              task(`t${index}-${t}`, nodeList[(index + t) % nodes]?.id ?? null, { slot: t + 1 }),
            ),
          });
        }),
      ),
    ),
  };
}
