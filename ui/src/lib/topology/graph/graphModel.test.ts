import { describe, expect, it } from "vitest";
import type { Topology } from "../../../bindings";
import { node, org, scaleTopology, service, task } from "./fixtures";
import {
  describeTaskGroups,
  diffElements,
  filterServices,
  isStructural,
  listServices,
  MAX_TASK_GROUPS,
  serviceTone,
  shortHost,
  toElements,
  type GraphElement,
  type LinkData,
  type NodeData,
} from "./graphModel";

const nodesOf = (elements: GraphElement[]) =>
  elements.flatMap((element) => (element.group === "nodes" ? [element.data] : []));
const edgesOf = (elements: GraphElement[]) =>
  elements.flatMap((element) => (element.group === "edges" ? [element.data] : []));
const byId = (elements: GraphElement[], id: string): NodeData | LinkData | undefined =>
  elements.find((element) => element.data.id === id)?.data;

function small(): Topology {
  return {
    nodes: [node("n1", "alpha"), node("n2", "beta")],
    orgs: [
      org("acme", [
        service("acme-web", {
          desired: 2,
          running: 2,
          tasks: [task("t1", "n1"), task("t2", "n2")],
        }),
        service("acme-api", { desired: 3, running: 2, update_state: "updating", tasks: [task("t3", "n1")] }),
      ]),
      org("globex", [
        service("globex-db", { desired: 1, running: 0, tasks: [] }),
        // Attached to its own network and acme's: a bridge.
        service("globex-proxy", { networks: ["net-globex", "net-acme"], tasks: [task("t4", "n2")] }),
      ]),
      org("initech", [service("initech-job", { desired: 0, running: 0 })], false),
    ],
  };
}

describe("toElements", () => {
  it("puts each organization's network and services inside its group", () => {
    const elements = toElements(small());
    const orgs = nodesOf(elements).filter((data) => data.kind === "org");
    expect(orgs.map((data) => data.id)).toEqual(["org:acme", "org:globex", "org:initech"]);
    expect(orgs[0]?.label).toBe("acme · 2 services");

    expect(byId(elements, "net:acme")).toMatchObject({ kind: "network", parent: "org:acme", missing: false });
    expect(byId(elements, "net:initech")).toMatchObject({ label: "no network", missing: true });
    expect(byId(elements, "svc:id-acme-web")).toMatchObject({
      kind: "service",
      parent: "org:acme",
      serviceName: "acme-web",
      orgId: "acme",
    });
  });

  it("links networks to their services and flags a service on two organizations' networks", () => {
    const edges = edgesOf(toElements(small()));
    expect(edges.filter((edge) => !edge.bridge).map((edge) => `${edge.source}>${edge.target}`)).toEqual([
      "net:acme>svc:id-acme-web",
      "net:acme>svc:id-acme-api",
      "net:globex>svc:id-globex-db",
    ]);
    expect(edges.filter((edge) => edge.bridge).map((edge) => `${edge.source}>${edge.target}`)).toEqual([
      "net:globex>svc:id-globex-proxy",
      "net:acme>svc:id-globex-proxy",
    ]);
    expect(byId(toElements(small()), "svc:id-globex-proxy")).toMatchObject({ bridge: true, badge: "1/1 · bridge" });
  });

  it("flags a service that sits only on another organization's network", () => {
    const topology: Topology = {
      nodes: [],
      orgs: [org("a", []), org("b", [service("b-svc", { networks: ["net-a"] })])],
    };
    const edges = edgesOf(toElements(topology));
    expect(edges).toEqual([{ id: "link:a:id-b-svc", kind: "link", source: "net:a", target: "svc:id-b-svc", bridge: true }]);
  });

  it("ignores networks that belong to no organization", () => {
    const topology: Topology = { nodes: [], orgs: [org("a", [service("a-svc", { networks: ["net-a", "ingress"] })])] };
    expect(edgesOf(toElements(topology)).map((edge) => edge.bridge)).toEqual([false]);
  });

  it("gives each service a tone and a badge", () => {
    const elements = toElements(small());
    expect(byId(elements, "svc:id-acme-web")).toMatchObject({ tone: "ok", badge: "2/2", label: "acme-web\n2/2" });
    expect(byId(elements, "svc:id-acme-api")).toMatchObject({ tone: "warn", badge: "2/3 · updating" });
    expect(byId(elements, "svc:id-globex-db")).toMatchObject({ tone: "bad", badge: "0/1" });
    expect(byId(elements, "svc:id-initech-job")).toMatchObject({ tone: "ok", badge: "0/0" });
  });

  it("groups a service's tasks by swarm node, counting running ones", () => {
    const topology: Topology = {
      nodes: [node("n1", "alpha"), node("n2", "beta")],
      orgs: [
        org("a", [
          service("a-svc", {
            desired: 4,
            running: 3,
            tasks: [
              task("t1", "n2"),
              task("t2", "n1"),
              task("t3", "n1"),
              task("t4", "n2", { state: "failed", desired_state: "shutdown", health: "unknown" }),
              task("t5", null, { state: "pending", health: "unknown" }),
              task("t6", "n1", { state: "shutdown", desired_state: "shutdown" }),
            ],
          }),
        ]),
      ],
    };
    const groups = nodesOf(toElements(topology)).filter((data) => data.kind === "tasks");
    expect(groups.map((data) => [data.id, data.label, data.tone])).toEqual([
      ["tasks:id-a-svc:n1", "alpha ×2", "ok"],
      ["tasks:id-a-svc:n2", "beta ×1 · 1 failed", "warn"],
      ["tasks:id-a-svc:-", "unassigned ×0", "warn"],
    ]);
    expect(groups.every((data) => data.kind === "tasks" && data.service === "svc:id-a-svc" && data.parent === "org:a")).toBe(true);
  });

  it("collapses the nodes beyond the shown ones into one group", () => {
    const hosts = Array.from({ length: 9 }, (_, i) => node(`n${i}`, `host-${i}`));
    const topology: Topology = {
      nodes: hosts,
      orgs: [
        org("a", [
          service("wide", {
            desired: 18,
            running: 18,
            tasks: hosts.flatMap((host, i) => [
              task(`a${i}`, host.id),
              task(`b${i}`, host.id, i === 8 ? { health: "unhealthy" } : {}),
            ]),
          }),
        ]),
      ],
    };
    const groups = nodesOf(toElements(topology)).filter((data) => data.kind === "tasks");
    expect(groups).toHaveLength(MAX_TASK_GROUPS);
    expect(groups.map((data) => data.label)).toEqual(["host-0 ×2", "host-1 ×2", "host-2 ×2", "+6 nodes ×12"]);
    expect(groups.at(-1)).toMatchObject({ tone: "bad", running: 12 });
  });

  it("keeps the element count bounded at 50 organizations, 200 services and 400 tasks", () => {
    const elements = toElements(scaleTopology(50, 200, 400, 5));
    const nodes = nodesOf(elements);
    const count = (kind: NodeData["kind"]) => nodes.filter((data) => data.kind === kind).length;
    expect(count("org")).toBe(50);
    expect(count("network")).toBe(50);
    expect(count("service")).toBe(200);
    expect(count("tasks")).toBeLessThanOrEqual(200 * MAX_TASK_GROUPS);
    expect(edgesOf(elements)).toHaveLength(200);
    expect(elements.length).toBeLessThanOrEqual(900);

    // Many tasks per service on many nodes still add at most MAX_TASK_GROUPS nodes per service.
    const dense = toElements(scaleTopology(50, 200, 4000, 40));
    expect(nodesOf(dense).filter((data) => data.kind === "tasks").length).toBeLessThanOrEqual(200 * MAX_TASK_GROUPS);
  });
});

describe("serviceTone", () => {
  it("is bad when paused, down or unhealthy", () => {
    expect(serviceTone(service("s", { update_state: "paused" }))).toBe("bad");
    expect(serviceTone(service("s", { update_state: "rollback_paused" }))).toBe("bad");
    expect(serviceTone(service("s", { desired: 2, running: 0 }))).toBe("bad");
    expect(serviceTone(service("s", { tasks: [task("t", "n", { health: "unhealthy" })] }))).toBe("bad");
  });

  it("is warn while updating, rolling back, starting or partly running", () => {
    expect(serviceTone(service("s", { update_state: "updating" }))).toBe("warn");
    expect(serviceTone(service("s", { update_state: "rollback_started" }))).toBe("warn");
    expect(serviceTone(service("s", { update_state: "rollback_completed" }))).toBe("warn");
    expect(serviceTone(service("s", { desired: 3, running: 1 }))).toBe("warn");
    expect(serviceTone(service("s", { tasks: [task("t", "n", { health: "starting" })] }))).toBe("warn");
  });

  it("is ok when every replica runs and no update is pending", () => {
    expect(serviceTone(service("s", { update_state: "completed", desired: 2, running: 2 }))).toBe("ok");
    expect(serviceTone(service("s", { desired: 2, running: 3 }))).toBe("ok");
  });
});

describe("diffElements", () => {
  it("is empty for the same topology fetched twice", () => {
    const diff = diffElements(toElements(small()), toElements(small()));
    expect(diff).toEqual({ add: [], remove: [], update: [] });
    expect(isStructural(diff)).toBe(false);
  });

  it("reports only the changed fields of a service whose replicas changed", () => {
    const before = small();
    const after = small();
    const api = after.orgs[0]?.services[1];
    if (!api) throw new Error("fixture");
    api.running = 3;
    api.update_state = "completed";
    const diff = diffElements(toElements(before), toElements(after));
    expect(diff.add).toEqual([]);
    expect(diff.remove).toEqual([]);
    expect(diff.update).toEqual([
      {
        id: "svc:id-acme-api",
        data: {
          label: "acme-api\n3/3 · update completed",
          tone: "ok",
          badge: "3/3 · update completed",
          updateState: "completed",
        },
      },
    ]);
    expect(isStructural(diff)).toBe(false);
  });

  it("adds a new service with its edge and task group, and removes a deleted one", () => {
    const before = small();
    const after = small();
    after.orgs[0]?.services.push(service("acme-new", { networks: ["net-acme"], tasks: [task("t9", "n1")] }));
    after.orgs[1]?.services.splice(0, 1);
    const diff = diffElements(toElements(before), toElements(after));
    expect(diff.add.map((element) => element.data.id)).toEqual([
      "svc:id-acme-new",
      "tasks:id-acme-new:n1",
      "link:acme:id-acme-new",
    ]);
    expect(diff.remove).toEqual(["svc:id-globex-db", "link:globex:id-globex-db"]);
    expect(diff.update.map((change) => change.id)).toEqual(["org:acme", "org:globex"]);
    expect(isStructural(diff)).toBe(true);
  });

  it("replaces a node whose parent changed, since Cytoscape cannot re-parent through data", () => {
    const before: GraphElement[] = [
      { group: "nodes", data: { id: "org:a", kind: "org", label: "a", orgId: "a" } },
      { group: "nodes", data: { id: "org:b", kind: "org", label: "b", orgId: "b" } },
      { group: "nodes", data: { id: "net:x", kind: "network", parent: "org:a", label: "x", orgId: "a", missing: false } },
    ];
    const moved: GraphElement = {
      group: "nodes",
      data: { id: "net:x", kind: "network", parent: "org:b", label: "x", orgId: "b", missing: false },
    };
    const diff = diffElements(before, [before[0] as GraphElement, before[1] as GraphElement, moved]);
    expect(diff.remove).toEqual(["net:x"]);
    expect(diff.add).toEqual([moved]);
    expect(diff.update).toEqual([]);
  });
});

describe("listServices and filterServices", () => {
  it("lists every organization's services in order, organizations without services included", () => {
    const topology = small();
    const groups = listServices(toElements({ ...topology, orgs: [...topology.orgs, org("empty", [])] }));
    expect(groups.map((group) => [group.orgId, group.services.map((service) => service.serviceName)])).toEqual([
      ["acme", ["acme-web", "acme-api"]],
      ["globex", ["globex-db", "globex-proxy"]],
      ["initech", ["initech-job"]],
      ["empty", []],
    ]);
  });

  it("keeps the services whose name contains the needle and drops the organizations left empty", () => {
    const groups = listServices(toElements(small()));
    expect(filterServices(groups, "").map((group) => group.orgId)).toEqual(["acme", "globex", "initech"]);
    const found = filterServices(groups, "pro");
    expect(found.map((group) => [group.orgId, group.services.map((service) => service.serviceName)])).toEqual([
      ["globex", ["globex-proxy"]],
    ]);
  });
});

describe("shortHost", () => {
  it("keeps the end of a long host name, where nodes of one swarm differ", () => {
    expect(shortHost("swarmdeck-node-2")).toBe("swa…node-2");
    expect(shortHost("vm")).toBe("vm");
  });
});

describe("describeTaskGroups", () => {
  it("says where each service's tasks run, service by service", () => {
    const summary = describeTaskGroups(toElements(small()));
    expect(summary).toContain("acme-web: alpha ×1, beta ×1");
    expect(summary).toContain("globex-proxy: beta ×1");
    expect(summary.indexOf("acme-api")).toBeLessThan(summary.indexOf("acme-web"));
  });
});

describe("live usage on the graph", () => {
  it("adds a service's figures as a label line without changing the structure", () => {
    const plain = toElements(small());
    const usage = new Map([
      ["globex-proxy", { cpu_percent: 42, memory_bytes: 3 * 1024 * 1024, memory_limit_bytes: 0, network_rx_bytes: 0, network_tx_bytes: 0 }],
    ]);
    const live = toElements(small(), usage);
    expect(byId(live, "svc:id-globex-proxy")).toMatchObject({ label: "globex-proxy\n1/1 · bridge\nCPU 42.0% · 3 MiB" });
    const diff = diffElements(plain, live);
    expect(isStructural(diff)).toBe(false);
    expect(diff.update.map((change) => change.id)).toEqual(["svc:id-globex-proxy"]);
  });
});
