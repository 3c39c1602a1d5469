/** Lookups in a topology snapshot, for views that follow one service across refreshes. */

import type { ServiceNode, Topology } from "../../bindings";

/** The service with this swarm name, wherever it is; null when the snapshot does not have it. */
export function findService(topology: Topology | null, serviceName: string): ServiceNode | null {
  for (const org of topology?.orgs ?? []) {
    const service = org.services.find((candidate) => candidate.service_name === serviceName);
    if (service) return service;
  }
  return null;
}
