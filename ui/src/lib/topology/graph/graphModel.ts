/**
 * Pure mapping from the backend's `Topology` to graph elements, and the diff between two
 * mappings. The component applies only the diff to Cytoscape, so a refetch that changed a
 * replica count touches one node instead of rebuilding (and re-laying out) the graph.
 */

import type { NodeInfo, ServiceNode, TaskInfo, Topology, UsageTotal } from "../../../bindings";
import { describeUpdateState } from "../../shared/format";
import { formatUsage } from "../../stats/stats";

export type Tone = "ok" | "warn" | "bad";

export type OrgData = { id: string; kind: "org"; label: string; orgId: string };

export type NetworkData = {
  id: string;
  kind: "network";
  parent: string;
  label: string;
  orgId: string;
  /** The organization has no overlay network: its services are not isolated by one. */
  missing: boolean;
};

export type ServiceData = {
  id: string;
  kind: "service";
  parent: string;
  label: string;
  orgId: string;
  serviceName: string;
  tone: Tone;
  /** `running/desired`, the update state and health problems, joined by ` · `. */
  badge: string;
  /** Live CPU and memory (`CPU 12.5% · 40 MiB`), empty while not followed. */
  usage: string;
  updateState: ServiceNode["update_state"];
  bridge: boolean;
};

/** The tasks of one service on one swarm node, or the overflow of the nodes beyond the shown ones. */
export type TaskGroupData = {
  id: string;
  kind: "tasks";
  parent: string;
  /** Id of the service node the group sits under. */
  service: string;
  label: string;
  /** The whole host name (the label may be cut short), or `+N nodes` for the overflow. */
  host: string;
  tone: Tone;
  running: number;
  failed: number;
};

export type LinkData = {
  id: string;
  kind: "link";
  source: string;
  target: string;
  /** The service is attached to another organization's network: an isolation problem. */
  bridge: boolean;
};

export type NodeData = OrgData | NetworkData | ServiceData | TaskGroupData;

export type GraphElement = { group: "nodes"; data: NodeData } | { group: "edges"; data: LinkData };

/** Beyond this many swarm nodes per service, the rest collapse into one `+N nodes` group. */
export const MAX_TASK_GROUPS = 4;

const NAME_CHARS = 26;
/** Host labels sit in a box that holds about 13 characters with their ` ×N`. */
const HOST_CHARS = 10;

export const orgNodeId = (orgId: string) => `org:${orgId}`;
export const networkNodeId = (orgId: string) => `net:${orgId}`;
export const serviceNodeId = (swarmServiceId: string) => `svc:${swarmServiceId}`;

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Host names of one swarm tend to differ at their end (`node-1`, `node-2`): keep more of it. */
export function shortHost(host: string, max = HOST_CHARS): string {
  if (host.length <= max) return host;
  const tail = Math.ceil((max - 1) * 0.6);
  return `${host.slice(0, max - 1 - tail)}…${host.slice(host.length - tail)}`;
}

const isRunning = (task: TaskInfo) => task.state === "running";
const isFailed = (task: TaskInfo) => task.state === "failed" || task.state === "rejected";
/** Superseded tasks (desired and actual state shutdown) are history the panel shows; the graph does not. */
const isCurrent = (task: TaskInfo) => isRunning(task) || isFailed(task) || task.desired_state === "running";
const isUnhealthy = (task: TaskInfo) => task.desired_state === "running" && task.health === "unhealthy";
const isStarting = (task: TaskInfo) =>
  task.desired_state === "running" && (!isRunning(task) || task.health === "starting");

export function serviceTone(service: ServiceNode): Tone {
  const state = service.update_state;
  if (
    state === "paused" ||
    state === "rollback_paused" ||
    (service.desired > 0 && service.running === 0) ||
    service.tasks.some(isUnhealthy)
  ) {
    return "bad";
  }
  // A completed rollback leaves the service running, but the update it was asked for failed.
  if (
    state === "updating" ||
    state === "rollback_started" ||
    state === "rollback_completed" ||
    service.running < service.desired ||
    service.tasks.some((task) => isRunning(task) && task.health === "starting")
  ) {
    return "warn";
  }
  return "ok";
}

export function serviceBadge(service: ServiceNode, bridge: boolean): string {
  const parts = [`${service.running}/${service.desired}`];
  if (service.update_state !== "none") parts.push(describeUpdateState(service.update_state).label);
  const unhealthy = service.tasks.filter(isUnhealthy).length;
  if (unhealthy > 0) parts.push(`${unhealthy} unhealthy`);
  if (bridge) parts.push("bridge");
  return parts.join(" · ");
}

function groupTone(tasks: TaskInfo[]): Tone {
  const running = tasks.filter(isRunning).length;
  const failed = tasks.filter(isFailed).length;
  if (tasks.some(isUnhealthy) || (running === 0 && failed > 0)) return "bad";
  if (failed > 0 || tasks.some(isStarting)) return "warn";
  return "ok";
}

const WORST: Tone[] = ["bad", "warn", "ok"];
const worst = (tones: Tone[]): Tone => WORST.find((tone) => tones.includes(tone)) ?? "ok";

function taskGroups(service: ServiceNode, parent: string, hostnames: Map<string, string>): TaskGroupData[] {
  const byNode = new Map<string, TaskInfo[]>();
  for (const task of service.tasks.filter(isCurrent)) {
    const key = task.node_id ?? "";
    const list = byNode.get(key);
    if (list) list.push(task);
    else byNode.set(key, [task]);
  }
  const host = (nodeId: string) =>
    nodeId === "" ? "unassigned" : (hostnames.get(nodeId) ?? nodeId.slice(0, HOST_CHARS));
  // Sorted by host name so a group keeps its slot under the service across refetches.
  const groups = [...byNode.entries()].sort(([a], [b]) => host(a).localeCompare(host(b)) || a.localeCompare(b));
  const serviceId = serviceNodeId(service.swarm_service_id);
  const group = (id: string, hostName: string, tasks: TaskInfo[], tone = groupTone(tasks)): TaskGroupData => {
    const running = tasks.filter(isRunning).length;
    const failed = tasks.filter(isFailed).length;
    const label = shortHost(hostName);
    return {
      id,
      kind: "tasks",
      parent,
      service: serviceId,
      host: hostName,
      label: failed > 0 ? `${label} ×${running} · ${failed} failed` : `${label} ×${running}`,
      tone,
      running,
      failed,
    };
  };

  const shown = groups.length > MAX_TASK_GROUPS ? groups.slice(0, MAX_TASK_GROUPS - 1) : groups;
  const result = shown.map(([nodeId, tasks]) =>
    group(`tasks:${service.swarm_service_id}:${nodeId || "-"}`, host(nodeId), tasks),
  );
  const rest = groups.slice(shown.length);
  if (rest.length > 0) {
    result.push(
      group(
        `tasks:${service.swarm_service_id}:+`,
        `+${rest.length} nodes`,
        rest.flatMap(([, tasks]) => tasks),
        worst(rest.map(([, tasks]) => groupTone(tasks))),
      ),
    );
  }
  return result;
}

/**
 * Organizations become compound nodes holding their network and services; each service holds
 * an edge from every organization network it is attached to, and its tasks collapse into at
 * most `MAX_TASK_GROUPS` per-node groups, so the element count grows with services, not tasks.
 * Nodes come parents first, edges last, each organization's elements together in input order.
 * A service's `usage`, when given, joins its label: a data change, never a new layout.
 */
export function toElements(topology: Topology, usage: Map<string, UsageTotal> = new Map()): GraphElement[] {
  const hostnames = new Map(topology.nodes.map((node: NodeInfo) => [node.id, node.hostname]));
  const orgByNetwork = new Map<string, string>();
  for (const org of topology.orgs) {
    if (org.network) orgByNetwork.set(org.network.id, org.org_id);
  }

  const nodes: GraphElement[] = [];
  const edges: GraphElement[] = [];
  for (const org of topology.orgs) {
    const parent = orgNodeId(org.org_id);
    const count = org.services.length;
    nodes.push({
      group: "nodes",
      data: { id: parent, kind: "org", label: `${org.org_id} · ${count} service${count === 1 ? "" : "s"}`, orgId: org.org_id },
    });
    const network = org.network;
    nodes.push({
      group: "nodes",
      data: {
        id: networkNodeId(org.org_id),
        kind: "network",
        parent,
        label: network
          ? [truncate(network.name, NAME_CHARS), ...network.subnets.slice(0, 1)].join("\n")
          : "no network",
        orgId: org.org_id,
        missing: network === null,
      },
    });

    const tasks: GraphElement[] = [];
    for (const service of org.services) {
      const id = serviceNodeId(service.swarm_service_id);
      const attached = [...new Set(service.networks)].flatMap((networkId) => {
        const owner = orgByNetwork.get(networkId);
        return owner === undefined ? [] : [owner];
      });
      // Being on another organization's network breaks isolation even without the own one.
      const bridge = attached.length > 1 || attached.some((owner) => owner !== org.org_id);
      const badge = serviceBadge(service, bridge);
      const total = usage.get(service.service_name);
      const figures = total ? formatUsage(total) : "";
      nodes.push({
        group: "nodes",
        data: {
          id,
          kind: "service",
          parent,
          label: [truncate(service.service_name, NAME_CHARS), badge, figures].filter(Boolean).join("\n"),
          orgId: org.org_id,
          serviceName: service.service_name,
          tone: serviceTone(service),
          badge,
          usage: figures,
          updateState: service.update_state,
          bridge,
        },
      });
      for (const owner of attached) {
        edges.push({
          group: "edges",
          data: { id: `link:${owner}:${service.swarm_service_id}`, kind: "link", source: networkNodeId(owner), target: id, bridge },
        });
      }
      for (const group of taskGroups(service, parent, hostnames)) tasks.push({ group: "nodes", data: group });
    }
    nodes.push(...tasks);
  }
  return [...nodes, ...edges];
}

export type DataValue = string | number | boolean;

export type ElementDiff = {
  /** New elements, parents before children and nodes before edges. */
  add: GraphElement[];
  /** Ids of elements that are gone. */
  remove: string[];
  /** Changed data fields of elements present in both. */
  update: { id: string; data: Record<string, DataValue> }[];
};

const fields = (element: GraphElement) => element.data as Record<string, DataValue | undefined>;

/** Cytoscape cannot re-parent or re-connect through `data()`, so such a change is a remove and an add. */
function sameStructure(a: GraphElement, b: GraphElement): boolean {
  const x = fields(a);
  const y = fields(b);
  return a.group === b.group && x.parent === y.parent && x.source === y.source && x.target === y.target;
}

/** The task groups the graph shows, service by service: `org-a-web: swarmdeck-node-1 ×1, vm ×2; …`. */
export function describeTaskGroups(elements: readonly GraphElement[]): string {
  const names = new Map<string, string>();
  const groups = new Map<string, string[]>();
  for (const element of elements) {
    const data = element.data;
    if (data.kind === "service") names.set(data.id, data.serviceName);
    if (data.kind === "tasks") {
      groups.set(data.service, [...(groups.get(data.service) ?? []), `${data.host} ×${data.running}`]);
    }
  }
  return [...groups]
    .map(([service, labels]) => `${names.get(service) ?? service}: ${labels.join(", ")}`)
    .sort()
    .join("; ");
}

export function diffElements(previous: GraphElement[], next: GraphElement[]): ElementDiff {
  const before = new Map(previous.map((element) => [element.data.id, element]));
  const after = new Set(next.map((element) => element.data.id));
  const diff: ElementDiff = { add: [], remove: [], update: [] };

  for (const element of previous) {
    if (!after.has(element.data.id)) diff.remove.push(element.data.id);
  }
  for (const element of next) {
    const old = before.get(element.data.id);
    if (!old) {
      diff.add.push(element);
    } else if (!sameStructure(old, element)) {
      diff.remove.push(element.data.id);
      diff.add.push(element);
    } else {
      const was = fields(old);
      const changed: Record<string, DataValue> = {};
      for (const [key, value] of Object.entries(fields(element))) {
        if (value !== undefined && was[key] !== value) changed[key] = value;
      }
      if (Object.keys(changed).length > 0) diff.update.push({ id: element.data.id, data: changed });
    }
  }
  return diff;
}

/** Whether applying the diff changes which elements exist, which is what calls for a layout. */
export const isStructural = (diff: ElementDiff) => diff.add.length > 0 || diff.remove.length > 0;

/** The services of one organization, as the list beside the graph shows them. */
export type ServiceGroup = { orgId: string; services: ServiceData[] };

/** The graph's services by organization, in the graph's order; an organization without services has an empty group. */
export function listServices(elements: readonly GraphElement[]): ServiceGroup[] {
  const byOrg = new Map<string, ServiceData[]>();
  for (const element of elements) {
    if (element.group !== "nodes") continue;
    const node = element.data;
    if (node.kind === "org") byOrg.set(node.orgId, []);
    else if (node.kind === "service") byOrg.get(node.orgId)?.push(node);
  }
  return [...byOrg].map(([orgId, services]) => ({ orgId, services }));
}

/**
 * The services whose swarm name contains `needle` (already lower-cased and trimmed; empty keeps all), and only the
 * organizations left with one.
 */
export function filterServices(groups: readonly ServiceGroup[], needle: string): ServiceGroup[] {
  return groups
    .map((group) => ({
      ...group,
      services: group.services.filter((service) => needle === "" || service.serviceName.toLowerCase().includes(needle)),
    }))
    .filter((group) => group.services.length > 0);
}
