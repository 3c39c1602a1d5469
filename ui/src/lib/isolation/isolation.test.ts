import { describe, expect, it } from "vitest";
import type {
  AuditFinding,
  CellVerdict,
  IsolationReport,
  MatrixCell,
  MethodAvailability,
  OrgControl,
  OrgTopology,
  ProbeAttempt,
  ProbeMethod,
} from "../../bindings";
import {
  attemptResult,
  auditConcerning,
  auditSubjects,
  buildMatrix,
  cellLookup,
  countVerdicts,
  describeAuditKind,
  groupByMethod,
  methodBasis,
  methodLabel,
  orgControl,
  summarize,
  timeoutProblem,
} from "./isolation";

function attempt(source: string, target: string, method: ProbeMethod, reached: boolean, address = "10.0.0.2:8080"): ProbeAttempt {
  return {
    source_org: source,
    from_node: "vm",
    target_org: target,
    target_service: `org-${target}-web`,
    method,
    target: address,
    reached,
    detail: reached ? "connected from 10.0.1.5" : "timed out",
    latency_ms: reached ? 2 : 1500,
  };
}

function cell(source: string, target: string, verdict: CellVerdict, attempts: ProbeAttempt[] = []): MatrixCell {
  return { source_org: source, target_org: target, verdict, reason: `${source}→${target}`, attempts };
}

const VIP_NOTE = "not testable on this host: virtual IPs did not answer even inside their own organization (IPVS missing)";

/** Task IPs and DNS work here; virtual IPs fail everywhere; nothing offered a `.internal` name. */
const METHODS: MethodAvailability[] = [
  { method: "task_ip", testable: true, note: null },
  { method: "virtual_ip", testable: false, note: VIP_NOTE },
  { method: "dns_slug", testable: true, note: null },
  { method: "dns_internal", testable: true, note: null },
  { method: "dns_tasks", testable: true, note: null },
];

function report(
  orgs: string[],
  cells: MatrixCell[],
  controls: ProbeAttempt[] = [],
  audit: AuditFinding[] = [],
  orgControls: OrgControl[] = [],
): IsolationReport {
  return {
    orgs,
    cells,
    controls,
    org_controls: orgControls,
    methods: METHODS,
    audit,
    preflight: [],
    probes_started: orgs.length,
  };
}

/** Controls where task IPs and DNS reach and virtual IPs fail, as on a host without IPVS. */
function healthyControls(org: string): ProbeAttempt[] {
  return [
    attempt(org, org, "task_ip", true),
    attempt(org, org, "virtual_ip", false),
    attempt(org, org, "dns_slug", true, "web"),
    attempt(org, org, "dns_tasks", true, `tasks.org-${org}-web`),
  ];
}

describe("orgControl", () => {
  const judged: OrgControl = { org: "a", outcome: "passed", reached: 3, counted: 3, uncounted: ["virtual_ip"] };

  it("shows the backend's judgement with every attempt of the organization", () => {
    const control = orgControl(report(["a", "b"], [], [...healthyControls("a"), ...healthyControls("b")], [], [judged]), "a");
    expect(control).toMatchObject(judged);
    expect(control.attempts).toHaveLength(4);
    expect(control.attempts.every((attempt) => attempt.source_org === "a")).toBe(true);
  });

  it("never judges by itself: a failed attempt the backend did not count leaves its outcome", () => {
    const controls = [attempt("a", "a", "task_ip", true), attempt("a", "a", "virtual_ip", false)];
    const passed: OrgControl = { org: "a", outcome: "passed", reached: 1, counted: 1, uncounted: ["virtual_ip"] };
    expect(orgControl(report(["a"], [], controls, [], [passed]), "a").outcome).toBe("passed");
  });

  it("has no outcome for an organization the report did not judge", () => {
    expect(orgControl(report(["a"], [], healthyControls("a")), "a")).toMatchObject({ outcome: "none", counted: 0 });
  });
});

describe("buildMatrix", () => {
  const cells = [
    cell("a", "b", "isolated"),
    cell("b", "a", "leak"),
    cell("a", "c", "inconclusive"),
    cell("c", "a", "isolated"),
    cell("b", "c", "isolated"),
  ];
  const passed = (org: string): OrgControl => ({ org, outcome: "passed", reached: 3, counted: 3, uncounted: ["virtual_ip"] });
  const matrix = buildMatrix(
    report(["a", "b", "c"], cells, [...healthyControls("a"), ...healthyControls("b")], [], [passed("a"), passed("b")]),
  );

  it("keeps the report's order for rows and columns", () => {
    expect(matrix.orgs).toEqual(["a", "b", "c"]);
    expect(matrix.rows.map((row) => row.source)).toEqual(["a", "b", "c"]);
    expect(matrix.rows.every((row) => row.entries.length === 3)).toBe(true);
  });

  it("puts each pair's cell at (source row, target column)", () => {
    const entry = matrix.rows[1]?.entries[0];
    expect(entry?.kind).toBe("cell");
    expect(entry?.kind === "cell" && entry.cell.verdict).toBe("leak");
    const other = matrix.rows[0]?.entries[1];
    expect(other?.kind === "cell" && other.cell.verdict).toBe("isolated");
  });

  it("shows the control on the diagonal", () => {
    const diagonal = matrix.rows.map((row, index) => row.entries[index]);
    expect(diagonal.map((entry) => entry?.kind)).toEqual(["self", "self", "self"]);
    expect(diagonal.map((entry) => (entry?.kind === "self" ? entry.control.outcome : null))).toEqual([
      "passed",
      "passed",
      "none",
    ]);
  });

  it("marks a pair the report lacks as missing rather than inventing a verdict", () => {
    expect(matrix.rows[2]?.entries[1]).toEqual({ kind: "missing", source: "c", target: "b" });
  });

  it("looks cells up by ordered pair", () => {
    const at = cellLookup(cells);
    expect(at("b", "a")?.verdict).toBe("leak");
    expect(at("a", "b")?.verdict).toBe("isolated");
    expect(at("c", "b")).toBeUndefined();
    expect(at("a", "a")).toBeUndefined();
  });
});

describe("summary", () => {
  it("counts verdicts", () => {
    const cells = [cell("a", "b", "leak"), cell("b", "a", "isolated"), cell("a", "c", "inconclusive"), cell("c", "a", "leak")];
    expect(countVerdicts(cells)).toEqual({ isolated: 1, leak: 2, inconclusive: 1, total: 4 });
    expect(countVerdicts([])).toEqual({ isolated: 0, leak: 0, inconclusive: 0, total: 0 });
  });

  it("says all organizations are isolated only when every pair is", () => {
    const all = report(["a", "b"], [cell("a", "b", "isolated"), cell("b", "a", "isolated")]);
    expect(summarize(all)).toEqual({ text: "All 2 organizations isolated", tone: "ok" });
  });

  it("leads with leaks", () => {
    const leaky = report(["a", "b"], [cell("a", "b", "leak"), cell("b", "a", "isolated")]);
    expect(summarize(leaky)).toEqual({ text: "1 leak, 1 isolated (2 pairs)", tone: "bad" });
    const worse = report(
      ["a", "b", "c"],
      [cell("a", "b", "leak"), cell("b", "a", "leak"), cell("a", "c", "inconclusive"), cell("c", "a", "isolated")],
    );
    expect(summarize(worse).text).toBe("2 leaks, 1 inconclusive, 1 isolated (4 pairs)");
  });

  it("does not call inconclusive pairs isolated", () => {
    const unsure = report(["a", "b"], [cell("a", "b", "inconclusive"), cell("b", "a", "isolated")]);
    expect(summarize(unsure)).toEqual({ text: "No leak found, but 1 of 2 pairs is inconclusive", tone: "warn" });
    const both = report(["a", "b"], [cell("a", "b", "inconclusive"), cell("b", "a", "inconclusive")]);
    expect(summarize(both).text).toBe("No leak found, but 2 of 2 pairs are inconclusive");
  });

  it("explains a check with nothing to compare", () => {
    expect(summarize(report([], [])).tone).toBe("muted");
    expect(summarize(report(["a"], [])).text).toBe("Only a was checked: there is no pair to compare");
  });
});

describe("methodBasis", () => {
  it("rests on testable methods whose controls ran, and names the untestable ones with why", () => {
    const basis = methodBasis(report(["a"], [], healthyControls("a")));
    expect(basis.restsOn).toEqual(["task_ip", "dns_slug", "dns_tasks"]);
    expect(basis.notTestable).toEqual([
      { method: "virtual_ip", note: "virtual IPs did not answer even inside their own organization (IPVS missing)" },
    ]);
    expect(basis.untried).toEqual(["dns_internal"]);
  });

  it("rests on nothing when no control ran", () => {
    expect(methodBasis(report(["a"], [])).restsOn).toEqual([]);
  });

  it("labels methods", () => {
    expect(methodLabel("task_ip")).toBe("task IP");
    expect(methodLabel("virtual_ip")).toBe("virtual IP");
  });
});

describe("evidence", () => {
  it("groups attempts by method in probe order", () => {
    const attempts = [
      attempt("a", "b", "dns_tasks", false),
      attempt("a", "b", "task_ip", false, "10.0.2.3:8080"),
      attempt("a", "b", "virtual_ip", false),
      attempt("a", "b", "task_ip", true, "10.0.2.4:8080"),
    ];
    const groups = groupByMethod(attempts, METHODS);
    expect(groups.map((group) => [group.method, group.testable, group.attempts.length])).toEqual([
      ["task_ip", true, 2],
      ["virtual_ip", false, 1],
      ["dns_tasks", true, 1],
    ]);
    expect(groups[0]?.attempts.map((a) => a.target)).toEqual(["10.0.2.3:8080", "10.0.2.4:8080"]);
    expect(groups[0]?.label).toBe("task IP");
  });

  it("reads reaching as a leak across organizations and as a pass for a control", () => {
    expect(attemptResult(attempt("a", "b", "task_ip", true), true)).toEqual({ label: "reached — leak", tone: "bad" });
    expect(attemptResult(attempt("a", "b", "task_ip", false), true)).toEqual({ label: "not reached", tone: "ok" });
    expect(attemptResult(attempt("a", "a", "task_ip", true), true)).toEqual({ label: "reached", tone: "ok" });
    expect(attemptResult(attempt("a", "a", "task_ip", false), true)).toEqual({ label: "not reached", tone: "bad" });
  });

  it("does not blame an untestable method's failure", () => {
    expect(attemptResult(attempt("a", "a", "virtual_ip", false), false).tone).toBe("muted");
    expect(attemptResult(attempt("a", "b", "virtual_ip", true), false).tone).toBe("bad");
  });
});

describe("audit", () => {
  const topology: OrgTopology[] = [
    {
      org_id: "a",
      network: { id: "net-a", name: "org-a-network", created: false, subnets: [] },
      services: [service("org-a-web", ["net-a"])],
    },
    {
      org_id: "b",
      network: { id: "net-b", name: "org-b-network", created: false, subnets: [] },
      services: [service("org-b-web", ["net-b"]), service("org-b-bridge", ["net-b", "net-c"])],
    },
    {
      org_id: "c",
      network: { id: "net-c", name: "org-c-network", created: false, subnets: [] },
      services: [service("org-c-web", ["net-c"])],
    },
  ];
  const findings: AuditFinding[] = [
    { kind: "bridge", subject: "org-b-bridge", detail: "attached to the networks of b, c" },
    { kind: "network_not_encrypted", subject: "org-a-network", detail: "not encrypted" },
    { kind: "ingress_exposure", subject: "org-c-web", detail: "publishes 80→8080" },
    { kind: "network_not_labelled", subject: "org-x-network", detail: "not labelled" },
  ];

  it("finds what concerns a pair, including a bridge owned by another organization", () => {
    const subjects = auditSubjects(topology, report(["a", "b", "c"], []), ["a", "c"]);
    expect(auditConcerning(findings, subjects).map((f) => f.subject)).toEqual([
      "org-b-bridge",
      "org-a-network",
      "org-c-web",
    ]);
  });

  it("names probed targets the topology does not know yet", () => {
    const controls = [attempt("d", "d", "task_ip", true)];
    const subjects = auditSubjects([], report(["d"], [], controls), ["d"]);
    expect([...subjects]).toEqual(["org-d-web"]);
  });

  it("describes audit kinds", () => {
    expect(describeAuditKind("bridge").tone).toBe("bad");
    expect(describeAuditKind("network_not_encrypted").tone).toBe("warn");
  });
});

describe("timeoutProblem", () => {
  it("accepts whole milliseconds, and empty for the default", () => {
    expect(timeoutProblem(1500)).toBeNull();
    expect(timeoutProblem(1)).toBeNull();
    expect(timeoutProblem(null)).toBeNull();
  });

  it("refuses what the backend's u32 cannot take, and zero", () => {
    for (const ms of [0, -5, 1.5, 2 ** 32, Number.NaN]) expect(timeoutProblem(ms)).toMatch(/whole number/);
  });
});

function service(name: string, networks: string[]): OrgTopology["services"][number] {
  return {
    swarm_service_id: `id-${name}`,
    service_name: name,
    slug: "web",
    image: null,
    deployment_id: null,
    desired: 1,
    running: 1,
    update_state: "none",
    tasks: [],
    networks,
  };
}
