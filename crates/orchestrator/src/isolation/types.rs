//! The public shape of an isolation check: what is asked, what is reported, and the progress in between.

use serde::{Deserialize, Serialize};

/// How a target was tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeMethod {
    /// TCP connect to a task IP on the internal port, the task on the probe's own node.
    TaskIp,
    /// TCP connect to a task IP on the internal port, the task on another node: the overlay carries it between
    /// hosts (VXLAN, and ESP where the network is encrypted).
    TaskIpOtherNode,
    /// TCP connect to the service's virtual IP on the internal port.
    VirtualIp,
    /// DNS name `{slug}`.
    DnsSlug,
    /// DNS name `{slug}.internal`.
    DnsInternal,
    /// DNS name `tasks.{service}`.
    DnsTasks,
}

impl ProbeMethod {
    /// The method in the words a reason uses.
    pub fn label(self) -> &'static str {
        match self {
            ProbeMethod::TaskIp => "task IP",
            ProbeMethod::TaskIpOtherNode => "task IP on another node",
            ProbeMethod::VirtualIp => "virtual IP",
            ProbeMethod::DnsSlug => "DNS slug",
            ProbeMethod::DnsInternal => "DNS slug.internal",
            ProbeMethod::DnsTasks => "DNS tasks.<service>",
        }
    }

    pub(super) const ALL: [ProbeMethod; 6] = [
        ProbeMethod::TaskIp,
        ProbeMethod::TaskIpOtherNode,
        ProbeMethod::VirtualIp,
        ProbeMethod::DnsSlug,
        ProbeMethod::DnsInternal,
        ProbeMethod::DnsTasks,
    ];
}

/// One try of one target from one organization's network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeAttempt {
    /// Organization whose network the probe sat in.
    pub source_org: String,
    /// Hostname of the node the probe ran on.
    pub from_node: String,
    /// Organization owning the target.
    pub target_org: String,
    /// Target service.
    pub target_service: String,
    /// How it was tried.
    pub method: ProbeMethod,
    /// `ip:port` or a DNS name.
    pub target: String,
    /// Whether the target was reached (for DNS: resolved to an address of the target organization).
    pub reached: bool,
    /// What happened, in words (addresses a name resolved to, the connect error).
    pub detail: String,
    /// Time the attempt took, in milliseconds.
    pub latency_ms: u32,
}

/// The verdict of one ordered pair of organizations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellVerdict {
    /// Controls passed and every crossing attempt failed.
    Isolated,
    /// A crossing attempt succeeded.
    Leak,
    /// The probes cannot tell; the reason says why.
    Inconclusive,
}

/// Source → target cell of the matrix with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixCell {
    /// Organization probed from.
    pub source_org: String,
    /// Organization probed.
    pub target_org: String,
    /// The verdict.
    pub verdict: CellVerdict,
    /// Why, in words: which methods the verdict rests on, what was not testable.
    pub reason: String,
    /// Every crossing attempt.
    pub attempts: Vec<ProbeAttempt>,
}

/// Whether a probe method works at all on this host, judged by its controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodAvailability {
    /// The method.
    pub method: ProbeMethod,
    /// False when its own control failed from every organization: such a method cannot prove anything here.
    pub testable: bool,
    /// Why not, in words.
    pub note: Option<String>,
}

/// How an organization's positive control (its probe towards its own services) went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlOutcome {
    /// Every control attempt of a testable method reached its target.
    Passed,
    /// One did not.
    Failed,
    /// Nothing to judge: no running service, or the probe itself failed.
    None,
}

/// An organization's positive control, judged: the diagonal of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgControl {
    /// The organization.
    pub org: String,
    /// The outcome.
    pub outcome: ControlOutcome,
    /// Control attempts of testable methods that reached their target.
    pub reached: u32,
    /// Control attempts of testable methods: the ones the outcome counts.
    pub counted: u32,
    /// Methods of the attempts not counted, because they are not testable on this host.
    pub uncounted: Vec<ProbeMethod>,
}

/// What the structural audit looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A service attached to more than one organization's network.
    Bridge,
    /// A service publishing ports on the ingress routing mesh: reachable from outside every network.
    IngressExposure,
    /// An organization's service on a network that is not its organization's.
    ForeignNetwork,
    /// An organization network that is not encrypted.
    NetworkNotEncrypted,
    /// A network named like an organization network but not labelled as ours.
    NetworkNotLabelled,
}

/// One finding of the structural audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFinding {
    /// What kind.
    pub kind: AuditKind,
    /// The service or network concerned.
    pub subject: String,
    /// Details in words.
    pub detail: String,
}

/// Whether the host can do something isolation or discovery relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Works here.
    Available,
    /// Does not work here.
    Missing,
    /// Could not be determined from here.
    Unknown,
}

/// One fact about the engine's host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreflightFinding {
    /// What was checked (`virtual_ip_routing`, `encrypted_overlay_between_hosts`, `advertise_address`).
    pub check: String,
    /// The result.
    pub status: Capability,
    /// What it was judged from.
    pub evidence: String,
    /// What it means, in plain words.
    pub explanation: String,
}

/// Which organizations to check and how patiently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsolationRequest {
    /// Organizations to check; all that have a network when empty.
    pub orgs: Vec<String>,
    /// Timeout of each connect and lookup, in milliseconds.
    pub attempt_timeout_ms: u32,
}

impl Default for IsolationRequest {
    fn default() -> Self {
        IsolationRequest {
            orgs: Vec::new(),
            attempt_timeout_ms: 1500,
        }
    }
}

/// The full result: matrix, controls, method availability, audit and host preflight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsolationReport {
    /// Organizations checked.
    pub orgs: Vec<String>,
    /// Every ordered pair of different organizations.
    pub cells: Vec<MatrixCell>,
    /// Positive controls: each organization towards its own services.
    pub controls: Vec<ProbeAttempt>,
    /// Each organization's control, judged.
    pub org_controls: Vec<OrgControl>,
    /// Which methods could prove anything on this host.
    pub methods: Vec<MethodAvailability>,
    /// Structural findings.
    pub audit: Vec<AuditFinding>,
    /// What the host can and cannot do.
    pub preflight: Vec<PreflightFinding>,
    /// Probe containers started.
    pub probes_started: u32,
}

/// A step of a running isolation check, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IsolationProgress {
    /// The organizations are known; probes are about to start.
    Planned {
        /// Organizations checked.
        orgs: Vec<String>,
        /// Ordered pairs that get a verdict.
        pairs: u32,
    },
    /// A source organization's probe container is starting.
    ProbeStarted {
        /// The source organization.
        org: String,
    },
    /// A source organization's probe finished (or failed).
    ProbeFinished {
        /// The source organization.
        org: String,
        /// Probes finished so far, this one included.
        done: u32,
        /// Probes in this check.
        total: u32,
        /// Why the probe failed, if it did.
        error: Option<String>,
    },
    /// Every probe is back; the verdicts are being judged.
    Judging,
}

/// Where isolation progress goes.
pub type IsolationProgressSender = tokio::sync::mpsc::UnboundedSender<IsolationProgress>;

impl IsolationReport {
    /// Whether any cell leaks.
    pub fn has_leak(&self) -> bool {
        self.cells
            .iter()
            .any(|cell| cell.verdict == CellVerdict::Leak)
    }
}
