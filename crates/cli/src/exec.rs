//! `exec`: the command's output goes to ours, our input to it, and its exit code becomes ours, as with
//! `docker exec` — through the engine API of the task's node.

use std::io::{IsTerminal, Read, Write};

use futures_util::StreamExt;
use serde::Serialize;
use swarmdeck_orchestrator::{
    ExecHandle, ExecOutput, ExecRequest, ExecSession, Orchestrator, TerminalSize,
};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::args::ExecArgs;
use crate::error::CliError;
use crate::output::Output;

/// What `--json` prints once the command ended.
#[derive(Serialize)]
struct ExecResult {
    task_id: String,
    slot: Option<u64>,
    exit_code: i64,
    stdout: String,
    stderr: String,
}

pub async fn run(out: Output, core: Orchestrator, args: ExecArgs) -> Result<(), CliError> {
    if args.tty && !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "-t needs a terminal on stdin; leave it out when piping input or output".to_string(),
        ));
    }
    if args.tty && out.json {
        return Err(CliError::Usage(
            "--json collects the output and cannot be combined with -t".to_string(),
        ));
    }
    let request = ExecRequest {
        service_name: args.service,
        slot: args.task,
        command: args.command,
        tty: args.tty,
        stdin: args.interactive,
    };
    let size = if args.tty { terminal_size() } else { None };
    let ExecSession {
        task,
        mut output,
        input,
        handle,
    } = core.exec(&request, size).await?;
    let raw = if args.tty {
        Some(RawMode::enable()?)
    } else {
        None
    };
    let feeding = args.interactive.then(|| tokio::spawn(feed_stdin(input)));
    let resizing = args
        .tty
        .then(|| tokio::spawn(follow_resizes(handle.clone())));
    let (mut collected_out, mut collected_err) = (Vec::new(), Vec::new());
    let mut result = Ok(());
    while let Some(chunk) = output.next().await {
        let written = match chunk? {
            ExecOutput::Stdout(bytes) if out.json => {
                collected_out.extend_from_slice(&bytes);
                Ok(())
            }
            ExecOutput::Stderr(bytes) if out.json => {
                collected_err.extend_from_slice(&bytes);
                Ok(())
            }
            ExecOutput::Stdout(bytes) => write_all(&mut std::io::stdout().lock(), &bytes),
            ExecOutput::Stderr(bytes) => write_all(&mut std::io::stderr().lock(), &bytes),
        };
        if let Err(error) = written {
            result = Err(CliError::Io(error));
            break;
        }
    }
    for job in [feeding, resizing].into_iter().flatten() {
        job.abort();
    }
    drop(raw);
    result?;
    let exit_code = handle.exit_code().await?;
    if out.json {
        let done = ExecResult {
            task_id: task.id,
            slot: task.slot,
            exit_code,
            stdout: String::from_utf8_lossy(&collected_out).into_owned(),
            stderr: String::from_utf8_lossy(&collected_err).into_owned(),
        };
        out.emit(&done, |_| String::new())?;
    }
    match exit_code {
        0 => Ok(()),
        code => Err(CliError::Exited(code)),
    }
}

fn write_all(target: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    target.write_all(bytes)?;
    target.flush()
}

/// Copies our stdin to the command's and closes it at end of file. The reads block, so they run on a plain
/// thread: tokio's stdin would keep the runtime from shutting down while it waits for a key.
async fn feed_stdin(mut input: std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>) {
    let (sender, mut received) = mpsc::channel::<Vec<u8>>(16);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin();
        let mut buffer = [0u8; 4096];
        while let Ok(read @ 1..) = stdin.read(&mut buffer) {
            if sender.blocking_send(buffer[..read].to_vec()).is_err() {
                break;
            }
        }
    });
    while let Some(bytes) = received.recv().await {
        if input.write_all(&bytes).await.is_err() || input.flush().await.is_err() {
            return;
        }
    }
    let _ = input.shutdown().await;
}

/// Passes every change of our terminal's size on to the command's.
async fn follow_resizes(handle: ExecHandle) {
    let Ok(mut changes) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())
    else {
        return;
    };
    while changes.recv().await.is_some() {
        if let Some(size) = terminal_size() {
            // A resize that fails leaves the old size; the session goes on.
            let _ = handle.resize(size).await;
        }
    }
}

fn terminal_size() -> Option<TerminalSize> {
    crossterm::terminal::size()
        .ok()
        .map(|(columns, rows)| TerminalSize { rows, columns })
}

/// Our terminal in raw mode (keys go to the command as typed) until dropped.
struct RawMode;

impl RawMode {
    fn enable() -> std::io::Result<RawMode> {
        crossterm::terminal::enable_raw_mode()?;
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}
