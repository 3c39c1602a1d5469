/**
 * Pure mapping for the isolation view: report → matrix, verdict summary, control outcomes, method
 * availability and evidence groups (the check's progress is in `checkProgress.ts`). No I/O. Verdicts and
 * availability are the backend's; this only arranges them for display.
 */

import type {
  AuditFinding,
  AuditKind,
  Capability,
  CellVerdict,
  ControlOutcome,
  IsolationReport,
  MatrixCell,
  MethodAvailability,
  OrgControl as JudgedControl,
  OrgTopology,
  ProbeAttempt,
  ProbeMethod,
} from "../../bindings";
import { plural, type Tone } from "../shared/format";

/** The backend's default timeout of each connect and lookup. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 1500;

/**
 * Why a timeout cannot be sent, or null. The backend takes any `u32`; anything else fails to
 * deserialize as an unreadable IPC error, and 0 ms would time every attempt out.
 */
export function timeoutProblem(ms: number | null): string | null {
  if (ms === null) return null;
  return Number.isInteger(ms) && ms >= 1 && ms <= 0xffff_ffff
    ? null
    : "The timeout per attempt must be a whole number of milliseconds, at least 1.";
}

const METHOD_LABELS: Record<ProbeMethod, string> = {
  task_ip: "task IP",
  task_ip_other_node: "task IP on another node",
  virtual_ip: "virtual IP",
  dns_slug: "DNS name",
  dns_internal: "DNS name .internal",
  dns_tasks: "DNS tasks.<service>",
};

/** Display order of methods: the order the probe tries them. */
const METHOD_ORDER = Object.keys(METHOD_LABELS);

export function methodLabel(method: ProbeMethod): string {
  return METHOD_LABELS[method] ?? method;
}

function byMethodOrder(a: ProbeMethod, b: ProbeMethod): number {
  const rank = (method: ProbeMethod) => {
    const index = METHOD_ORDER.indexOf(method);
    return index === -1 ? METHOD_ORDER.length : index;
  };
  return rank(a) - rank(b);
}

export const VERDICT_TONES: Record<CellVerdict, Tone> = {
  isolated: "ok",
  leak: "bad",
  inconclusive: "warn",
};

/** Whether the report calls a method testable; a method it does not list was not judged unusable. */
function isTestable(methods: readonly MethodAvailability[], method: ProbeMethod): boolean {
  return methods.find((m) => m.method === method)?.testable ?? true;
}

/** An organization's control as the backend judged it, with its attempts for the evidence dialog. */
export interface OrgControl extends JudgedControl {
  /** Every control attempt, untestable methods included. */
  attempts: ProbeAttempt[];
}

export const CONTROL_TONES: Record<ControlOutcome, Tone> = {
  passed: "ok",
  failed: "bad",
  none: "muted",
};

export function controlLabel(control: OrgControl): string {
  switch (control.outcome) {
    case "passed":
      return "control passed";
    case "failed":
      return "control failed";
    case "none":
      return "no control";
  }
}

/**
 * An organization's control: the backend's judgement (the verdict rules live in the core) next to the
 * attempts it judged. An organization the report did not judge has no outcome.
 */
export function orgControl(report: IsolationReport, org: string): OrgControl {
  const judged = report.org_controls.find((control) => control.org === org) ?? {
    org,
    outcome: "none",
    reached: 0,
    counted: 0,
    uncounted: [],
  };
  return { ...judged, attempts: report.controls.filter((attempt) => attempt.source_org === org) };
}

/** What the evidence dialog shows: a cell's crossing attempts, or an organization's control towards itself. */
export type Evidence = { kind: "cell"; cell: MatrixCell } | { kind: "control"; control: OrgControl };

export type MatrixEntry =
  | { kind: "cell"; cell: MatrixCell }
  | { kind: "self"; control: OrgControl }
  | { kind: "missing"; source: string; target: string };

export interface MatrixRow {
  source: string;
  entries: MatrixEntry[];
}

export interface Matrix {
  /** Rows (source) and columns (target), in the report's order. */
  orgs: string[];
  rows: MatrixRow[];
}

/** Looks a cell up by its ordered pair. */
export function cellLookup(cells: readonly MatrixCell[]): (source: string, target: string) => MatrixCell | undefined {
  const bySource = new Map<string, Map<string, MatrixCell>>();
  for (const cell of cells) {
    let byTarget = bySource.get(cell.source_org);
    if (!byTarget) {
      byTarget = new Map();
      bySource.set(cell.source_org, byTarget);
    }
    byTarget.set(cell.target_org, cell);
  }
  return (source, target) => bySource.get(source)?.get(target);
}

/** The org × org matrix; the diagonal carries each organization's control instead of a verdict. */
export function buildMatrix(report: IsolationReport): Matrix {
  const cellAt = cellLookup(report.cells);
  const rows = report.orgs.map((source) => ({
    source,
    entries: report.orgs.map((target): MatrixEntry => {
      if (source === target) return { kind: "self", control: orgControl(report, source) };
      const cell = cellAt(source, target);
      return cell ? { kind: "cell", cell } : { kind: "missing", source, target };
    }),
  }));
  return { orgs: report.orgs, rows };
}

export interface VerdictCounts {
  isolated: number;
  leak: number;
  inconclusive: number;
  total: number;
}

export function countVerdicts(cells: readonly MatrixCell[]): VerdictCounts {
  const counts: VerdictCounts = { isolated: 0, leak: 0, inconclusive: 0, total: cells.length };
  for (const cell of cells) {
    if (cell.verdict in VERDICT_TONES) counts[cell.verdict] += 1;
  }
  return counts;
}

/** One line for the whole report, in the tone of its worst verdict. */
export function summarize(report: IsolationReport): { text: string; tone: Tone } {
  const orgs = report.orgs.length;
  if (orgs === 0) return { text: "No organization with a network was checked", tone: "muted" };
  if (orgs === 1) return { text: `Only ${report.orgs[0]} was checked: there is no pair to compare`, tone: "muted" };
  const counts = countVerdicts(report.cells);
  if (counts.total === 0) return { text: "No pair was judged", tone: "muted" };
  if (counts.isolated === counts.total) return { text: `All ${orgs} organizations isolated`, tone: "ok" };
  if (counts.leak === 0) {
    const verb = counts.inconclusive === 1 ? "is" : "are";
    return {
      text: `No leak found, but ${counts.inconclusive} of ${plural(counts.total, "pair")} ${verb} inconclusive`,
      tone: "warn",
    };
  }
  const parts = [
    plural(counts.leak, "leak"),
    counts.inconclusive > 0 ? `${counts.inconclusive} inconclusive` : null,
    counts.isolated > 0 ? `${counts.isolated} isolated` : null,
  ].filter((part) => part !== null);
  return { text: `${parts.join(", ")} (${plural(counts.total, "pair")})`, tone: "bad" };
}

export interface MethodBasis {
  /** Testable methods whose controls were tried: what the verdicts rest on. */
  restsOn: ProbeMethod[];
  /** Methods whose controls failed everywhere on this host, with why. */
  notTestable: { method: ProbeMethod; note: string }[];
  /** Testable methods no control tried (no target offered them, e.g. no internal port). */
  untried: ProbeMethod[];
}

/**
 * The backend writes each note to stand alone ("not testable on this host: …"); the view shows it
 * under that same heading, so the repeated prefix is dropped.
 */
function stripNotTestablePrefix(note: string): string {
  return note.replace(/^not testable on this host:\s*/i, "");
}

export function methodBasis(report: IsolationReport): MethodBasis {
  const tried = new Set(report.controls.map((attempt) => attempt.method));
  const methods = [...report.methods].sort((a, b) => byMethodOrder(a.method, b.method));
  return {
    restsOn: methods.filter((m) => m.testable && tried.has(m.method)).map((m) => m.method),
    notTestable: methods
      .filter((m) => !m.testable)
      .map((m) => ({ method: m.method, note: stripNotTestablePrefix(m.note ?? "its controls failed everywhere") })),
    untried: methods.filter((m) => m.testable && !tried.has(m.method)).map((m) => m.method),
  };
}

export interface MethodGroup {
  method: ProbeMethod;
  label: string;
  /** False when the method is not testable on this host: its failures prove nothing. */
  testable: boolean;
  attempts: ProbeAttempt[];
}

/** Attempts grouped by method, in probe order; a method without attempts has no group. */
export function groupByMethod(attempts: readonly ProbeAttempt[], methods: readonly MethodAvailability[]): MethodGroup[] {
  const groups = new Map<ProbeMethod, ProbeAttempt[]>();
  for (const attempt of attempts) {
    const group = groups.get(attempt.method);
    if (group) group.push(attempt);
    else groups.set(attempt.method, [attempt]);
  }
  return [...groups.keys()].sort(byMethodOrder).map((method) => ({
    method,
    label: methodLabel(method),
    testable: isTestable(methods, method),
    attempts: groups.get(method) ?? [],
  }));
}

/**
 * How one attempt reads. Reaching is good for a control (own organization) and a leak across
 * organizations; a failure of an untestable method is expected and proves nothing.
 */
export function attemptResult(attempt: ProbeAttempt, testable: boolean): { label: string; tone: Tone } {
  const control = attempt.source_org === attempt.target_org;
  if (attempt.reached) return control ? { label: "reached", tone: "ok" } : { label: "reached — leak", tone: "bad" };
  if (!testable) return { label: "not reached (not testable here)", tone: "muted" };
  return control ? { label: "not reached", tone: "bad" } : { label: "not reached", tone: "ok" };
}

const AUDIT_KINDS: Record<AuditKind, { label: string; tone: Tone }> = {
  bridge: { label: "bridge between organizations", tone: "bad" },
  foreign_network: { label: "on another organization's network", tone: "bad" },
  ingress_exposure: { label: "published on the ingress mesh", tone: "warn" },
  network_not_encrypted: { label: "network not encrypted", tone: "warn" },
  network_not_labelled: { label: "network not labelled", tone: "warn" },
};

export function describeAuditKind(kind: AuditKind): { label: string; tone: Tone } {
  return AUDIT_KINDS[kind] ?? { label: kind, tone: "warn" };
}

const CAPABILITY_TONES: Record<Capability, Tone> = {
  available: "ok",
  missing: "bad",
  unknown: "muted",
};

export function capabilityTone(status: Capability): Tone {
  return CAPABILITY_TONES[status] ?? "muted";
}

/**
 * Names of the services and networks that concern these organizations: their own (from the
 * topology and the probed targets) and any service attached to one of their networks, so a
 * bridge from elsewhere counts too. Audit findings name their subject this way.
 */
export function auditSubjects(
  topologyOrgs: readonly OrgTopology[],
  report: IsolationReport,
  orgs: readonly string[],
): Set<string> {
  const wanted = new Set(orgs);
  const subjects = new Set<string>();
  const networkIds = new Set<string>();
  for (const org of topologyOrgs) {
    if (!wanted.has(org.org_id)) continue;
    if (org.network) {
      subjects.add(org.network.name);
      networkIds.add(org.network.id);
    }
    for (const service of org.services) subjects.add(service.service_name);
  }
  for (const org of topologyOrgs) {
    for (const service of org.services) {
      if (service.networks.some((id) => networkIds.has(id))) subjects.add(service.service_name);
    }
  }
  for (const attempt of [...report.controls, ...report.cells.flatMap((cell) => cell.attempts)]) {
    if (wanted.has(attempt.target_org)) subjects.add(attempt.target_service);
  }
  return subjects;
}

export function auditConcerning(audit: readonly AuditFinding[], subjects: ReadonlySet<string>): AuditFinding[] {
  return audit.filter((finding) => subjects.has(finding.subject));
}
