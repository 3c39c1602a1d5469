/// The app's commands: the ACL allows exactly these, and capabilities/main.json grants them to the window.
const COMMANDS: &[&str] = &[
    "swarm_info",
    "init_swarm",
    "host_preflight",
    "connection_state",
    "retry_connection",
    "topology",
    "deploy",
    "update_service",
    "scale_service",
    "remove_service",
    "service_status",
    "update_status",
    "deployment_history",
    "reconcile_history",
    "rollback",
    "rollback_target",
    "rollback_to",
    "ensure_org_network",
    "remove_org_network",
    "org_services",
    "verify_isolation",
    "cancel_isolation",
    "service_logs",
    "follow_logs",
    "stop_logs",
    "get_settings",
    "save_settings",
];

fn main() {
    // The config lives at the repository root, beside ui/ and icons/.
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
