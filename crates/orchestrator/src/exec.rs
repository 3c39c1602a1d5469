//! A command inside a running task, through the engine's exec API on the engine of the node the task runs on:
//! this engine's own node, or a node of the local cluster through its socket. A task on any other node is out of
//! reach (the manager's API cannot exec elsewhere), and the error says so.

use std::pin::Pin;

use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::query_parameters::ResizeExecOptions;
use bollard::Docker;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWrite;
use tracing::info;

use crate::error::{Error, Result};
use crate::model::TaskInfo;
use crate::Orchestrator;

/// Exit codes of a command the runtime could not start: not executable (126) or not found (127).
const CANNOT_START: [i64; 2] = [126, 127];

/// What to run, and in which task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecRequest {
    /// The service, by its swarm name.
    pub service_name: String,
    /// The task's slot; the lowest running slot when absent.
    #[serde(default)]
    pub slot: Option<u64>,
    /// The program and its arguments.
    pub command: Vec<String>,
    /// Give the command a terminal (a console); output then comes as one stream.
    #[serde(default)]
    pub tty: bool,
    /// Keep the command's stdin open for input.
    #[serde(default)]
    pub stdin: bool,
}

/// A terminal's size in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalSize {
    /// Lines.
    pub rows: u16,
    /// Characters per line.
    pub columns: u16,
}

/// Output of a running command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecOutput {
    /// Standard output (all of it, with a terminal).
    Stdout(Bytes),
    /// Standard error.
    Stderr(Bytes),
}

/// A started command: its output, its input, and a handle to resize it and read how it ended.
pub struct ExecSession {
    /// The task it runs in.
    pub task: TaskInfo,
    /// Output until the command ends.
    pub output: BoxStream<'static, Result<ExecOutput>>,
    /// The command's stdin (closing it sends end-of-file).
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
    /// Resize and exit code.
    pub handle: ExecHandle,
}

/// The part of a session that outlives its streams.
#[derive(Clone)]
pub struct ExecHandle {
    docker: Docker,
    id: String,
    service: String,
    program: String,
}

impl ExecHandle {
    /// Tells the command's terminal its new size.
    pub async fn resize(&self, size: TerminalSize) -> Result<()> {
        let options = ResizeExecOptions {
            h: i32::from(size.rows),
            w: i32::from(size.columns),
        };
        Ok(self.docker.resize_exec(&self.id, options).await?)
    }

    /// The command's exit code once its output ended. A program the image lacks is an error saying so.
    pub async fn exit_code(&self) -> Result<i64> {
        let inspected = self.docker.inspect_exec(&self.id).await?;
        let code = inspected.exit_code.unwrap_or(-1);
        if CANNOT_START.contains(&code) && inspected.pid.unwrap_or(0) == 0 {
            return Err(Error::ExecUnavailable {
                service: self.service.clone(),
                reason: format!(
                    "the image has no `{}` it can run (exit {code}); images without a shell need one of their own \
                     programs, e.g. the image's entrypoint",
                    self.program
                ),
            });
        }
        Ok(code)
    }
}

impl Orchestrator {
    /// Starts `request.command` in a running task of the service, on the engine of the task's node.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn exec(
        &self,
        request: &ExecRequest,
        size: Option<TerminalSize>,
    ) -> Result<ExecSession> {
        let program = match request.command.first() {
            Some(program) if !program.trim().is_empty() => program.clone(),
            _ => return Err(Error::invalid("command", "name the program to run")),
        };
        let service = self.inspect_ours(&request.service_name).await?;
        let service_id = service.id.clone().unwrap_or_default();
        let task = self
            .exec_task(&request.service_name, &service_id, request.slot)
            .await?;
        let docker = self.engine_running(&request.service_name, &task).await?;
        let container = task.container_id.clone().unwrap_or_default();
        let config = CreateExecOptions::<String> {
            attach_stdin: Some(request.stdin),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(request.tty),
            cmd: Some(request.command.clone()),
            ..Default::default()
        };
        let id = docker.create_exec(&container, config).await?.id;
        let started = docker
            .start_exec(
                &id,
                Some(StartExecOptions {
                    detach: false,
                    tty: request.tty,
                    output_capacity: None,
                }),
            )
            .await?;
        let StartExecResults::Attached { output, input } = started else {
            return Err(Error::ExecUnavailable {
                service: request.service_name.clone(),
                reason: "the engine started the command detached".to_string(),
            });
        };
        info!(service = %request.service_name, task = %task.id, exec = %id, "command started in task");
        let handle = ExecHandle {
            docker,
            id,
            service: request.service_name.clone(),
            program,
        };
        if let (true, Some(size)) = (request.tty, size) {
            // A program that could not start is gone already ("no such exec"); its output says why, so the
            // size it never needed is no error.
            if let Err(error) = handle.resize(size).await {
                tracing::debug!(%error, "initial terminal size not set");
            }
        }
        let output = output
            .map(|chunk| {
                Ok(match chunk? {
                    bollard::container::LogOutput::StdErr { message } => {
                        ExecOutput::Stderr(message)
                    }
                    other => ExecOutput::Stdout(other.into_bytes()),
                })
            })
            .boxed();
        Ok(ExecSession {
            task,
            output,
            input,
            handle,
        })
    }

    /// The running task in `slot`, or the running task of the lowest slot.
    async fn exec_task(
        &self,
        service_name: &str,
        service_id: &str,
        slot: Option<u64>,
    ) -> Result<TaskInfo> {
        let mut running: Vec<TaskInfo> = self
            .task_infos(service_id)
            .await?
            .into_iter()
            .filter(|task| task.state == "running" && task.desired_state == "running")
            .filter(|task| task.container_id.is_some())
            .collect();
        running.sort_by_key(|task| task.slot);
        let slots = || {
            let taken: Vec<String> = running
                .iter()
                .filter_map(|task| task.slot.map(|slot| slot.to_string()))
                .collect();
            taken.join(", ")
        };
        match slot {
            None => running
                .into_iter()
                .next()
                .ok_or_else(|| Error::ExecUnavailable {
                    service: service_name.to_string(),
                    reason: "no task of it is running".to_string(),
                }),
            Some(wanted) => {
                let all = slots();
                running
                    .into_iter()
                    .find(|task| task.slot == Some(wanted))
                    .ok_or_else(|| Error::ExecUnavailable {
                        service: service_name.to_string(),
                        reason: format!("no running task in slot {wanted} (running slots: {all})"),
                    })
            }
        }
    }

    /// The engine of the node `task` runs on, or an error naming the node when it is out of reach.
    async fn engine_running(&self, service_name: &str, task: &TaskInfo) -> Result<Docker> {
        let own = self
            .docker
            .info()
            .await?
            .swarm
            .and_then(|swarm| swarm.node_id);
        let node_id = task.node_id.clone().unwrap_or_default();
        self.engine_of_node(own.as_deref(), &node_id)
            .await?
            .map_err(|reason| Error::ExecUnavailable {
                service: service_name.to_string(),
                reason: format!(
                    "task {} runs on {reason}",
                    task.id.get(..12).unwrap_or(&task.id)
                ),
            })
    }

    /// The engine of swarm node `node_id`: this engine when it is that node (`own`), a local cluster node's
    /// engine through its socket; otherwise, inside, why the node is out of reach.
    pub(crate) async fn engine_of_node(
        &self,
        own: Option<&str>,
        node_id: &str,
    ) -> Result<std::result::Result<Docker, String>> {
        if own == Some(node_id) {
            return Ok(Ok(self.docker.clone()));
        }
        let node = self.docker.inspect_node(node_id).await?;
        if let Some(engine) = self.local_engine_of(&node).await {
            return Ok(Ok(engine));
        }
        let hostname = node
            .description
            .and_then(|description| description.hostname)
            .unwrap_or_else(|| node_id.to_string());
        let address = node
            .status
            .and_then(|status| status.addr)
            .unwrap_or_default();
        Ok(Err(format!(
            "node {hostname} ({address}), whose engine is not reachable from here: a manager's API cannot reach \
             into another node's containers; connect to that node's engine, or choose a task on this one"
        )))
    }
}
