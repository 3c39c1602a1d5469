//! Consoles into tasks: what opened, and what the terminal receives.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::AppError;

/// A console that opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ConsoleOpened {
    /// The id for input, resize and close.
    pub id: u32,
    /// The task it runs in.
    pub task_id: String,
    /// That task's slot.
    pub slot: Option<u32>,
}

/// What a console's terminal receives, in order.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConsoleEvent {
    /// Bytes for the terminal, as the program wrote them.
    Output {
        /// Raw bytes (UTF-8 may be split between two events; the terminal joins them).
        data: Vec<u8>,
    },
    /// The program ended; nothing follows.
    Ended {
        /// Its exit code (clamped to 32 bits).
        exit_code: i32,
    },
    /// The session failed, or the program could not start (an image without a shell); nothing follows.
    Failed {
        /// Why.
        error: AppError,
    },
}
