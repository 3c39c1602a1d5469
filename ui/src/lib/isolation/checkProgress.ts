/**
 * The isolation check's progress as the view shows it while it runs: a pure reducer from the backend's
 * `IsolationProgress` events to a state, and the bar's fraction and line. The plan and the probes are the backend's.
 */

import type { IsolationProgress } from "../../bindings";
import { plural } from "../shared/format";

export type ProbeStatus = "waiting" | "probing" | "done" | "failed";

export interface ProbeProgress {
  org: string;
  status: ProbeStatus;
  error: string | null;
}

export interface CheckProgress {
  /** `starting` until the plan is known; `judging` once every probe is back. */
  phase: "starting" | "probing" | "judging";
  pairs: number;
  /** Probes finished, and in all (one per source organization). */
  done: number;
  total: number;
  /** One entry per organization, in plan order. */
  probes: ProbeProgress[];
}

export const STARTING: CheckProgress = Object.freeze({ phase: "starting", pairs: 0, done: 0, total: 0, probes: [] });

function withProbe(probes: readonly ProbeProgress[], next: ProbeProgress): ProbeProgress[] {
  return probes.some((probe) => probe.org === next.org)
    ? probes.map((probe) => (probe.org === next.org ? next : probe))
    : [...probes, next];
}

/** The progress after one event. Pure: returns a new state. */
export function advance(state: CheckProgress, event: IsolationProgress): CheckProgress {
  switch (event.kind) {
    case "planned":
      return {
        phase: "probing",
        pairs: event.pairs,
        done: 0,
        total: event.orgs.length,
        probes: event.orgs.map((org) => ({ org, status: "waiting", error: null })),
      };
    case "probe_started":
      return {
        ...state,
        phase: "probing",
        probes: withProbe(state.probes, { org: event.org, status: "probing", error: null }),
      };
    case "probe_finished":
      return {
        ...state,
        phase: "probing",
        done: event.done,
        total: event.total,
        probes: withProbe(state.probes, {
          org: event.org,
          status: event.error === null ? "done" : "failed",
          error: event.error,
        }),
      };
    case "judging":
      return { ...state, phase: "judging", done: state.total };
    default:
      return state;
  }
}

/** Share of the work done, 0‥1; `null` while there is no plan to measure against. */
export function progressFraction(state: CheckProgress): number | null {
  if (state.phase === "starting") return null;
  if (state.phase === "judging") return 1;
  return state.total > 0 ? Math.min(1, state.done / state.total) : 0;
}

function listOrgs(orgs: readonly string[], shown = 3): string {
  return orgs.length > shown ? `${orgs.slice(0, shown).join(", ")} and ${orgs.length - shown} more` : orgs.join(", ");
}

export function progressLabel(state: CheckProgress): string {
  switch (state.phase) {
    case "starting":
      return "Finding the organizations and their services…";
    case "judging":
      return `Judging ${plural(state.pairs, "pair")}…`;
    case "probing": {
      if (state.total === 0) return "No organization to probe…";
      const probing = state.probes.filter((probe) => probe.status === "probing").map((probe) => probe.org);
      const head = `Probed ${state.done} of ${plural(state.total, "organization")}`;
      return probing.length > 0 ? `${head}; probing from ${listOrgs(probing)}…` : `${head}…`;
    }
  }
}
