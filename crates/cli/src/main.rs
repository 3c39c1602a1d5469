//! `swarmdeck`: a thin command line over the orchestrator.
//!
//! The file is long because it is the whole dispatch: each command's few lines over one core call, and the
//! printers of their progress.

mod args;
mod context;
mod error;
mod exec;
mod files;
mod output;
mod registry;
mod stack;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Parser;
use futures_util::StreamExt;
use serde::Serialize;
use swarmdeck_orchestrator::{
    CellVerdict, ClusterProgress, ClusterRequest, FileKind, HealthGate, IsolationRequest,
    Orchestrator, Progress, RunOptions,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::args::{
    Cli, ClusterCommand, Command, ContextCommand, IsolationCommand, LogsArgs, NetworkCommand,
    NodeCommand, OrgCommand, SwarmCommand,
};
use crate::error::CliError;
use crate::output::Output;

/// Environment variable holding the tracing filter.
const LOG_ENV: &str = "SWARMDECK_LOG";

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    context::remember_flag(cli.context.clone());
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        // The command's own output said what happened, as with `docker exec`.
        Err(error @ CliError::Exited(_)) => ExitCode::from(error.exit_code()),
        Err(error) => {
            // Engine messages can span lines; scripts rely on exactly one error line.
            let message = error.to_string().replace(['\r', '\n'], " ");
            let _ = writeln!(std::io::stderr().lock(), "error: {message}");
            ExitCode::from(error.exit_code())
        }
    }
}

fn init_tracing() {
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match EnvFilter::try_from_env(LOG_ENV) {
        Ok(filter) => tracing_subscriber::registry()
            .with(layer.with_filter(filter))
            .init(),
        Err(_) => tracing_subscriber::registry()
            .with(
                layer
                    .with_filter(EnvFilter::new("warn"))
                    .with_filter(filter_fn(|meta| !is_reported_error(meta))),
            )
            .init(),
    }
}

/// The core's `#[instrument(err)]` logs each failure it returns; the CLI prints that same error as its one
/// `error:` line, so by default the event is only noise. An explicit `SWARMDECK_LOG` still shows it.
fn is_reported_error(meta: &tracing::Metadata<'_>) -> bool {
    meta.is_event()
        && *meta.level() == tracing::Level::ERROR
        && meta.target().starts_with("swarmdeck_orchestrator")
        && meta.fields().iter().map(|field| field.name()).eq(["error"])
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let out = Output { json: cli.json };
    match cli.command {
        Command::Context(ContextCommand::Ls) => {
            out.emit(&context::list()?, |rows| context::contexts_text(rows))
        }
        Command::Swarm(SwarmCommand::Init) => {
            let info = connect().await?.init_swarm().await?;
            out.emit(&info, output::swarm_info)
        }
        Command::Swarm(SwarmCommand::Status) => {
            let info = connect().await?.swarm_info().await?;
            out.emit(&info, output::swarm_info)
        }
        Command::Deploy(args) => {
            let request = args.request();
            let core = connect().await?;
            let outcome = with_progress(out, args.gate.gate(), |options| async move {
                core.deploy(&request, &options).await
            })
            .await?;
            out.emit(&outcome, |o| output::deploy_outcome("deployed", o))
        }
        Command::Update(args) => {
            // Checked before connecting so a usage mistake needs no engine.
            let mut request = args.request()?;
            let core = connect().await?;
            let service = args.service;
            if request.update_policy.is_some() {
                let current = core.service_definition(&service).await?.update_policy;
                request.update_policy = args.policy.policy_over(&current);
            }
            let outcome = with_progress(out, args.gate.gate(), |options| async move {
                core.update(&service, &request, &options).await
            })
            .await?;
            out.emit(&outcome, |o| output::deploy_outcome("updated", o))
        }
        Command::Rollback(args) => {
            let core = connect().await?;
            let (service, to) = (args.service, args.to);
            let outcome = with_progress(out, args.gate.gate(), |options| async move {
                match to {
                    Some(deployment) => core.rollback_to(&service, &deployment, &options).await,
                    None => core.rollback(&service, &options).await,
                }
            })
            .await?;
            out.emit(&outcome, |o| output::deploy_outcome("rolled back", o))
        }
        Command::Scale { service, replicas } => {
            connect().await?.scale(&service, replicas).await?;
            let done = Scaled { service, replicas };
            out.emit(&done, |d| {
                format!("scaled {} to {} replicas\n", d.service, d.replicas)
            })
        }
        Command::Rm { service } => {
            connect().await?.remove_service(&service).await?;
            out.emit(&Removed { removed: service }, |r| {
                format!("removed service {}\n", r.removed)
            })
        }
        Command::Status { service } => {
            let status = connect().await?.service_status(&service).await?;
            out.emit(&status, output::service_status)
        }
        Command::UpdateStatus { service } => {
            let status = connect().await?.update_status(&service).await?;
            out.emit(&status, output::update_status)
        }
        Command::Logs(args) => logs(out, args).await,
        Command::Stats { target } => {
            let core = connect().await?;
            let scope = core.stats_scope(target.as_deref()).await?;
            let report = core.stats(&scope).await?;
            out.emit(&report, output::stats::report)
        }
        Command::Exec(args) => exec::run(out, connect().await?, args).await,
        Command::History { service, reconcile } => {
            let core = connect().await?;
            let records = if reconcile {
                core.reconcile_history(&service).await?
            } else {
                core.deployment_history(&service).await?
            };
            out.emit(&records, |r| output::history(&service, r))
        }
        Command::Reconcile { service } => {
            let records = connect().await?.reconcile_history(&service).await?;
            out.emit(&records, |r| output::history(&service, r))
        }
        Command::Org(OrgCommand::Network(NetworkCommand::Ensure { org })) => {
            let network = connect().await?.ensure_org_network(&org).await?;
            out.emit(&network, output::org_network)
        }
        Command::Org(OrgCommand::Network(NetworkCommand::Rm { org })) => {
            connect().await?.remove_org_network(&org).await?;
            out.emit(&Removed { removed: org }, |r| {
                format!("removed network of organization {}\n", r.removed)
            })
        }
        Command::Org(
            OrgCommand::Services { org } | OrgCommand::Network(NetworkCommand::Services { org }),
        ) => {
            let services = connect().await?.list_org_services(&org).await?;
            out.emit(&services, |s| output::org_services(&org, s))
        }
        Command::Isolation(IsolationCommand::Check { orgs, timeout_ms }) => {
            let core = connect().await?;
            let request = IsolationRequest {
                orgs,
                attempt_timeout_ms: timeout_ms,
            };
            // Ctrl-C, SIGTERM and SIGHUP cancel the check, which removes its probes before returning.
            let cancel = CancellationToken::new();
            let on_interrupt = cancel.clone();
            let watcher = tokio::spawn(async move {
                if stop_requested().await {
                    on_interrupt.cancel();
                }
            });
            let report = core.verify_isolation(&request, cancel).await;
            watcher.abort();
            let report = report?;
            out.emit(&report, output::isolation_report)?;
            let leaks = report
                .cells
                .iter()
                .filter(|c| c.verdict == CellVerdict::Leak)
                .count();
            if leaks > 0 {
                return Err(CliError::Leak(leaks));
            }
            Ok(())
        }
        Command::Isolation(IsolationCommand::Preflight) => {
            let findings = connect().await?.host_preflight().await?;
            out.emit(&findings, |f| output::preflight(f))
        }
        Command::Stack(command) => stack::run(out, connect().await?, command).await,
        Command::Secret(command) => {
            files::run(out, connect().await?, FileKind::Secret, command).await
        }
        Command::Config(command) => {
            files::run(out, connect().await?, FileKind::Config, command).await
        }
        Command::Cluster(ClusterCommand::Up { workers, images }) => {
            let core = connect().await?;
            let request = ClusterRequest { workers, images };
            let status = with_cluster_progress(out, |progress| async move {
                core.cluster_up(&request, Some(&progress)).await
            })
            .await?;
            out.emit(&status, output::cluster::status)
        }
        Command::Cluster(ClusterCommand::Down) => {
            let core = connect().await?;
            let status = with_cluster_progress(out, |progress| async move {
                core.cluster_down(Some(&progress)).await
            })
            .await?;
            out.emit(&status, output::cluster::status)
        }
        Command::Cluster(ClusterCommand::Status) | Command::Node(NodeCommand::Ls) => {
            let status = connect().await?.cluster_status().await?;
            out.emit(&status, output::cluster::status)
        }
        Command::Cluster(ClusterCommand::Stop { node }) => {
            let core = connect().await?;
            core.cluster_stop_node(&node).await?;
            out.emit(&core.cluster_status().await?, output::cluster::status)
        }
        Command::Cluster(ClusterCommand::Start { node }) => {
            let core = connect().await?;
            core.cluster_start_node(&node).await?;
            out.emit(&core.cluster_status().await?, output::cluster::status)
        }
        Command::Cluster(ClusterCommand::Cut { node }) => {
            let core = connect().await?;
            core.cluster_cut_node(&node).await?;
            out.emit(&core.cluster_status().await?, output::cluster::status)
        }
        Command::Cluster(ClusterCommand::Heal { node }) => {
            let core = connect().await?;
            core.cluster_heal_node(&node).await?;
            out.emit(&core.cluster_status().await?, output::cluster::status)
        }
        Command::Node(NodeCommand::Rm { node }) => {
            let core = connect().await?;
            core.remove_node(&node).await?;
            out.emit(&core.cluster_status().await?, output::cluster::status)
        }
        Command::Node(command) => {
            let (node, changes) = command.changes();
            let core = connect().await?;
            let mut changed = None;
            for change in &changes {
                changed = Some(core.change_node(&node, change).await?);
            }
            match changed {
                Some(changed) => out.emit(&changed, output::cluster::node),
                None => Err(CliError::Usage(
                    "nothing to change: give --add KEY=VALUE or --rm KEY".into(),
                )),
            }
        }
    }
}

/// Runs a cluster operation while its node steps go to stderr, one line each (JSON lines with `--json`).
async fn with_cluster_progress<T, F, Fut>(out: Output, operation: F) -> Result<T, CliError>
where
    F: FnOnce(mpsc::UnboundedSender<ClusterProgress>) -> Fut,
    Fut: std::future::Future<Output = swarmdeck_orchestrator::Result<T>>,
{
    let (sender, mut receiver) = mpsc::unbounded_channel::<ClusterProgress>();
    let printer = tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            let line = if out.json {
                serde_json::to_string(&event).unwrap_or_default()
            } else {
                output::cluster::progress_text(&event)
            };
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    });
    let result = operation(sender).await;
    // The sender went with the operation: the printer ends once it has printed everything.
    let _ = printer.await;
    Ok(result?)
}

/// JSON result of a scale, which the core answers with nothing.
#[derive(Serialize)]
struct Scaled {
    service: String,
    replicas: u32,
}

/// JSON result of a removal, which the core answers with nothing.
#[derive(Serialize)]
struct Removed {
    removed: String,
}

async fn connect() -> Result<Orchestrator, CliError> {
    let core = match context::chosen_endpoint()? {
        Some(endpoint) => {
            let connected = Orchestrator::connect(&endpoint).await?;
            // On stderr, so that `--json` output stays one document.
            for notice in &connected.notices {
                eprintln!("warning: {notice}");
            }
            connected.orchestrator
        }
        None => Orchestrator::connect_local().await?,
    };
    Ok(core.with_registry_credentials(registry::docker_config_credentials()))
}

/// Runs a spec-writing call while a task prints its progress to stderr, and waits for the printer to drain
/// before returning so no progress line lands after the result.
pub(crate) async fn with_progress<T, F, Fut>(
    out: Output,
    gate: HealthGate,
    call: F,
) -> Result<T, CliError>
where
    F: FnOnce(RunOptions) -> Fut,
    Fut: std::future::Future<Output = swarmdeck_orchestrator::Result<T>>,
{
    let (sender, receiver) = mpsc::unbounded_channel();
    let printer = spawn_printer(out, receiver);
    // The future owns the options, so the sender is dropped when the call ends and the printer sees the close.
    let result = call(RunOptions {
        gate,
        progress: Some(sender),
    })
    .await;
    if let Err(error) = printer.await {
        tracing::warn!(%error, "progress printer stopped");
    }
    Ok(result?)
}

fn spawn_printer(out: Output, mut receiver: mpsc::UnboundedReceiver<Progress>) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            match out.progress_line(&event) {
                // Progress is advisory: a closed stderr must not disturb the call it reports on.
                Ok(line) => {
                    let _ = writeln!(std::io::stderr().lock(), "{line}");
                }
                Err(error) => tracing::warn!(%error, "cannot render a progress event"),
            }
        }
    })
}

async fn logs(out: Output, args: LogsArgs) -> Result<(), CliError> {
    let query = args.query(unix_now());
    let core = connect().await?;
    if !args.follow {
        let lines = core.service_logs(&args.service, &query).await?;
        if out.json {
            return out.emit(&lines, |_| String::new());
        }
        for line in &lines {
            out.log_line(line)?;
        }
        return Ok(());
    }
    let cancel = CancellationToken::new();
    let interrupt = tokio::spawn(cancel_on_ctrl_c(cancel.clone()));
    let stream = core.follow_service_logs(&args.service, &query, cancel);
    let mut stream = std::pin::pin!(stream);
    let mut result = Ok(());
    while let Some(line) = stream.next().await {
        if let Err(error) = line.map_err(CliError::from).and_then(|l| out.log_line(&l)) {
            result = Err(error);
            break;
        }
    }
    interrupt.abort();
    result
}

/// The first Ctrl-C (or SIGTERM, SIGHUP) ends the follow cleanly; a second one exits at once in case the engine
/// stream hangs.
async fn cancel_on_ctrl_c(cancel: CancellationToken) {
    if !stop_requested().await {
        return;
    }
    cancel.cancel();
    if stop_requested().await {
        std::process::exit(130);
    }
}

/// Waits for Ctrl-C, SIGTERM or SIGHUP: a terminal closed or a `kill` cleans up like Ctrl-C does. False when no
/// signal can be listened for.
async fn stop_requested() -> bool {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut hangup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::warn!("cannot listen for SIGTERM or SIGHUP");
        return tokio::signal::ctrl_c().await.is_ok();
    };
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted.is_ok(),
        _ = term.recv() => true,
        _ = hangup.recv() => true,
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}
