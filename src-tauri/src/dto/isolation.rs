//! The isolation check: matrix, probes, audit and host preflight.
//!
//! The file is long because it mirrors every type of the core's isolation report, each beside its conversion.

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

/// How a target was tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ProbeMethod {
    /// TCP connect to a task IP on the internal port, the task on the probe's node.
    TaskIp,
    /// TCP connect to a task IP on the internal port, the task on another node.
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

impl From<core::ProbeMethod> for ProbeMethod {
    fn from(value: core::ProbeMethod) -> Self {
        match value {
            core::ProbeMethod::TaskIp => ProbeMethod::TaskIp,
            core::ProbeMethod::TaskIpOtherNode => ProbeMethod::TaskIpOtherNode,
            core::ProbeMethod::VirtualIp => ProbeMethod::VirtualIp,
            core::ProbeMethod::DnsSlug => ProbeMethod::DnsSlug,
            core::ProbeMethod::DnsInternal => ProbeMethod::DnsInternal,
            core::ProbeMethod::DnsTasks => ProbeMethod::DnsTasks,
        }
    }
}

/// One try of one target from one organization's network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
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
    /// What happened, in words.
    pub detail: String,
    /// Time the attempt took, in milliseconds.
    pub latency_ms: u32,
}

impl From<core::ProbeAttempt> for ProbeAttempt {
    fn from(value: core::ProbeAttempt) -> Self {
        ProbeAttempt {
            source_org: value.source_org,
            from_node: value.from_node,
            target_org: value.target_org,
            target_service: value.target_service,
            method: value.method.into(),
            target: value.target,
            reached: value.reached,
            detail: value.detail,
            latency_ms: value.latency_ms,
        }
    }
}

/// The verdict of one ordered pair of organizations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum CellVerdict {
    /// Controls passed and every crossing attempt failed.
    Isolated,
    /// A crossing attempt succeeded.
    Leak,
    /// The probes cannot tell; the reason says why.
    Inconclusive,
}

impl From<core::CellVerdict> for CellVerdict {
    fn from(value: core::CellVerdict) -> Self {
        match value {
            core::CellVerdict::Isolated => CellVerdict::Isolated,
            core::CellVerdict::Leak => CellVerdict::Leak,
            core::CellVerdict::Inconclusive => CellVerdict::Inconclusive,
        }
    }
}

/// Source → target cell of the matrix with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct MatrixCell {
    /// Organization probed from.
    pub source_org: String,
    /// Organization probed.
    pub target_org: String,
    /// The verdict.
    pub verdict: CellVerdict,
    /// Why, in words.
    pub reason: String,
    /// Every crossing attempt.
    pub attempts: Vec<ProbeAttempt>,
}

impl From<core::MatrixCell> for MatrixCell {
    fn from(value: core::MatrixCell) -> Self {
        MatrixCell {
            source_org: value.source_org,
            target_org: value.target_org,
            verdict: value.verdict.into(),
            reason: value.reason,
            attempts: value.attempts.into_iter().map(Into::into).collect(),
        }
    }
}

/// How an organization's positive control came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ControlOutcome {
    /// Every control attempt of a testable method reached its target.
    Passed,
    /// One did not.
    Failed,
    /// Nothing to judge: no running service, or the probe itself failed.
    None,
}

impl From<core::ControlOutcome> for ControlOutcome {
    fn from(value: core::ControlOutcome) -> Self {
        match value {
            core::ControlOutcome::Passed => ControlOutcome::Passed,
            core::ControlOutcome::Failed => ControlOutcome::Failed,
            core::ControlOutcome::None => ControlOutcome::None,
        }
    }
}

/// An organization's positive control, judged by the core: the diagonal of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
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

impl From<core::OrgControl> for OrgControl {
    fn from(value: core::OrgControl) -> Self {
        OrgControl {
            org: value.org,
            outcome: value.outcome.into(),
            reached: value.reached,
            counted: value.counted,
            uncounted: value.uncounted.into_iter().map(Into::into).collect(),
        }
    }
}

/// Whether a probe method works at all on this host, judged by its controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct MethodAvailability {
    /// The method.
    pub method: ProbeMethod,
    /// False when its own control failed from every organization.
    pub testable: bool,
    /// Why not, in words.
    pub note: Option<String>,
}

impl From<core::MethodAvailability> for MethodAvailability {
    fn from(value: core::MethodAvailability) -> Self {
        MethodAvailability {
            method: value.method.into(),
            testable: value.testable,
            note: value.note,
        }
    }
}

/// What the structural audit looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A service attached to more than one organization's network.
    Bridge,
    /// A service publishing ports on the ingress routing mesh.
    IngressExposure,
    /// An organization's service on a network that is not its organization's.
    ForeignNetwork,
    /// An organization network that is not encrypted.
    NetworkNotEncrypted,
    /// A network named like an organization network but not labelled as Swarmdeck's.
    NetworkNotLabelled,
}

impl From<core::AuditKind> for AuditKind {
    fn from(value: core::AuditKind) -> Self {
        match value {
            core::AuditKind::Bridge => AuditKind::Bridge,
            core::AuditKind::IngressExposure => AuditKind::IngressExposure,
            core::AuditKind::ForeignNetwork => AuditKind::ForeignNetwork,
            core::AuditKind::NetworkNotEncrypted => AuditKind::NetworkNotEncrypted,
            core::AuditKind::NetworkNotLabelled => AuditKind::NetworkNotLabelled,
        }
    }
}

/// One finding of the structural audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct AuditFinding {
    /// What kind.
    pub kind: AuditKind,
    /// The service or network concerned.
    pub subject: String,
    /// Details in words.
    pub detail: String,
}

impl From<core::AuditFinding> for AuditFinding {
    fn from(value: core::AuditFinding) -> Self {
        AuditFinding {
            kind: value.kind.into(),
            subject: value.subject,
            detail: value.detail,
        }
    }
}

/// Whether the host can do something isolation or discovery relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Works here.
    Available,
    /// Does not work here.
    Missing,
    /// Could not be determined from here.
    Unknown,
}

impl From<core::Capability> for Capability {
    fn from(value: core::Capability) -> Self {
        match value {
            core::Capability::Available => Capability::Available,
            core::Capability::Missing => Capability::Missing,
            core::Capability::Unknown => Capability::Unknown,
        }
    }
}

/// One fact about the engine's host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
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

impl From<core::PreflightFinding> for PreflightFinding {
    fn from(value: core::PreflightFinding) -> Self {
        PreflightFinding {
            check: value.check,
            status: value.status.into(),
            evidence: value.evidence,
            explanation: value.explanation,
        }
    }
}

/// Which organizations to check and how patiently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct IsolationRequest {
    /// Organizations to check; all that have a network when empty.
    pub orgs: Vec<String>,
    /// Timeout of each connect and lookup, in milliseconds.
    pub attempt_timeout_ms: u32,
}

impl Default for IsolationRequest {
    fn default() -> Self {
        let request = core::IsolationRequest::default();
        IsolationRequest {
            orgs: request.orgs,
            attempt_timeout_ms: request.attempt_timeout_ms,
        }
    }
}

impl From<IsolationRequest> for core::IsolationRequest {
    fn from(value: IsolationRequest) -> Self {
        core::IsolationRequest {
            orgs: value.orgs,
            attempt_timeout_ms: value.attempt_timeout_ms,
        }
    }
}

/// A step of a running isolation check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
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

impl From<core::IsolationProgress> for IsolationProgress {
    fn from(value: core::IsolationProgress) -> Self {
        match value {
            core::IsolationProgress::Planned { orgs, pairs } => {
                IsolationProgress::Planned { orgs, pairs }
            }
            core::IsolationProgress::ProbeStarted { org } => {
                IsolationProgress::ProbeStarted { org }
            }
            core::IsolationProgress::ProbeFinished {
                org,
                done,
                total,
                error,
            } => IsolationProgress::ProbeFinished {
                org,
                done,
                total,
                error,
            },
            core::IsolationProgress::Judging => IsolationProgress::Judging,
        }
    }
}

/// The full result: matrix, controls, method availability, audit and host preflight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
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

impl From<core::IsolationReport> for IsolationReport {
    fn from(value: core::IsolationReport) -> Self {
        IsolationReport {
            orgs: value.orgs,
            cells: value.cells.into_iter().map(Into::into).collect(),
            controls: value.controls.into_iter().map(Into::into).collect(),
            org_controls: value.org_controls.into_iter().map(Into::into).collect(),
            methods: value.methods.into_iter().map(Into::into).collect(),
            audit: value.audit.into_iter().map(Into::into).collect(),
            preflight: value.preflight.into_iter().map(Into::into).collect(),
            probes_started: value.probes_started,
        }
    }
}
