//! What the settings commands return.

use serde::Serialize;

use crate::settings::Settings;

/// Settings with what happened to an unreadable settings file, if anything.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SettingsView {
    /// The settings in use.
    pub settings: Settings,
    /// Set when the stored file was unreadable and moved aside.
    pub notice: Option<String>,
}
