// The command list is shared with the app crate, which tests it against its registered commands.
include!("src/command_names.rs");

fn main() {
    // The config lives at the repository root, beside ui/ and icons/.
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
