//! Secrets and configs, for people: versions and who uses them, and what a rotation did.

use swarmdeck_orchestrator::{OrgFile, Rotation};

pub fn list(files: &[OrgFile]) -> String {
    if files.is_empty() {
        return "none\n".to_string();
    }
    let rows = files
        .iter()
        .map(|file| {
            vec![
                file.name.clone(),
                file.version.clone(),
                file.created_at.clone().unwrap_or_default(),
                if file.services.is_empty() {
                    "-".to_string()
                } else {
                    file.services.join(", ")
                },
            ]
        })
        .collect();
    super::table(&["NAME", "VERSION", "CREATED", "USED BY"], rows)
}

pub fn rotation(rotation: &Rotation) -> String {
    let mut text = format!("new version {}\n", rotation.version);
    for outcome in &rotation.updated {
        text.push_str(&format!(
            "  {} now runs deployment {}\n",
            outcome.service_name, outcome.deployment_id
        ));
    }
    if !rotation.removed.is_empty() {
        text.push_str(&format!(
            "removed versions {}\n",
            rotation.removed.join(", ")
        ));
    }
    text
}
