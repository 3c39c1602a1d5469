//! `swarmdeck stack …`: each command a few lines over one core call.

use std::io::{Read, Write};
use std::path::Path;

use swarmdeck_orchestrator::compose::ComposeSource;
use swarmdeck_orchestrator::stack::{StackProgress, StackRequest, StackResult, StackRunOptions};
use swarmdeck_orchestrator::{HealthGate, Orchestrator};
use tokio::sync::mpsc;

use crate::args::{StackCommand, StackDeployArgs};
use crate::error::CliError;
use crate::output::{self, Output};

pub async fn run(out: Output, core: Orchestrator, command: StackCommand) -> Result<(), CliError> {
    match command {
        StackCommand::Deploy(args) => {
            let request = StackRequest {
                org_id: args.org.clone(),
                source: compose_source(&args)?,
                prune: args.prune,
            };
            if args.dry_run {
                let plan = core.stack_plan(&request).await?;
                return out.emit(&plan, output::stack::plan);
            }
            // The deployment itself reports what it will do, on stderr with the rest of its progress.
            let result = with_stack_progress(out, args.gate.gate(), |options| async move {
                core.stack_deploy(&request, &options).await
            })
            .await?;
            out.emit(&result, |r| output::stack::result("deployed", r))
        }
        StackCommand::Rollback { org, to, gate } => {
            let result = with_stack_progress(out, gate.gate(), |options| async move {
                core.stack_rollback(&org, to.as_deref(), &options).await
            })
            .await?;
            out.emit(&result, |r| output::stack::result("rolled back", r))
        }
        StackCommand::Foreign => {
            let stacks = core.foreign_stacks().await?;
            out.emit(&stacks, |s| output::stack::foreign(s))
        }
        StackCommand::Adopt {
            stack,
            org,
            dry_run,
            gate,
        } => {
            if dry_run {
                let plan = core.adopt_plan(&stack, &org).await?;
                return out.emit(&plan, output::stack::plan);
            }
            let result = with_stack_progress(out, gate.gate(), |options| async move {
                core.adopt_stack(&stack, &org, &options).await
            })
            .await?;
            out.emit(&result, |r| output::stack::result("adopted", r))
        }
        StackCommand::History { org } => {
            let history = core.stack_history(&org).await?;
            out.emit(&history, |h| output::stack::history(h))
        }
        StackCommand::Export { org, stack } => {
            let text = match (org, stack) {
                (_, Some(stack)) => core.foreign_stack_export(&stack).await?,
                (Some(org), None) => core.stack_export(&org).await?,
                (None, None) => {
                    return Err(CliError::Usage(
                        "name an organization or --stack".to_string(),
                    ))
                }
            };
            // The file itself is the result: `stack export acme > compose.yml` must need no unwrapping.
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
            Ok(())
        }
    }
}

/// The compose file as the core reads it: relative paths from its folder, variables from the shell.
fn compose_source(args: &StackDeployArgs) -> Result<ComposeSource, CliError> {
    let from_stdin = args.compose_file == Path::new("-");
    let text = if from_stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    } else {
        std::fs::read_to_string(&args.compose_file).map_err(|error| {
            CliError::Usage(format!(
                "cannot read {}: {error}",
                args.compose_file.display()
            ))
        })?
    };
    let base_dir = if from_stdin {
        std::env::current_dir()?
    } else {
        match args.compose_file.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => std::env::current_dir()?,
        }
    };
    Ok(ComposeSource {
        file_name: if from_stdin {
            "standard input".to_string()
        } else {
            args.compose_file.display().to_string()
        },
        text,
        base_dir: Some(base_dir),
        env_file: args.env_file.clone(),
        environment: std::env::vars().collect(),
    })
}

/// Runs a stack call while its progress goes to stderr, a line per event, tagged with its service.
async fn with_stack_progress<F, Fut>(
    out: Output,
    gate: HealthGate,
    call: F,
) -> Result<StackResult, CliError>
where
    F: FnOnce(StackRunOptions) -> Fut,
    Fut: std::future::Future<Output = swarmdeck_orchestrator::Result<StackResult>>,
{
    let (sender, mut receiver) = mpsc::unbounded_channel::<StackProgress>();
    let printer = tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            let line = if out.json {
                serde_json::to_string(&event).unwrap_or_default()
            } else {
                output::stack::progress_text(&event)
            };
            // Progress is advisory: a closed stderr must not disturb the call it reports on.
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    });
    let result = call(StackRunOptions {
        gate,
        progress: Some(sender),
    })
    .await;
    let _ = printer.await;
    Ok(result?)
}
