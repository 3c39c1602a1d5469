// The app's command names, the one list `build.rs` hands to Tauri's ACL (it generates an `allow-<name>`
// permission per entry). `build.rs` includes this file, so it holds nothing but the list; a test in `lib.rs`
// proves it, the commands registered in [`crate::specta_builder`] and `capabilities/main.json` agree.

/// The ACL allows exactly these, and capabilities/main.json grants them to the window.
pub const COMMANDS: &[&str] = &[
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
