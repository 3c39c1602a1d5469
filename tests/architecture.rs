//! The invariants of ARCHITECTURE.md that a test can check: which crate may depend on which, and how big a
//! source file may grow before it says why.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Above this, a source file must say at its top why it is long; above `MAX_LINES` it must be split.
const EXPLAINED_LINES: usize = 400;
const MAX_LINES: usize = 600;

/// The source folders a newcomer reads, and the generated or vendored files exempt from the size rules.
const SOURCE_DIRS: &[&str] = &[
    "crates",
    "src-tauri/src",
    "src-tauri/build.rs",
    "ui/src",
    "tests",
    "scripts",
];
const GENERATED: &[&str] = &["ui/src/bindings.ts"];
const EXTENSIONS: &[&str] = &["rs", "ts", "svelte", "sh", "css"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the repository")
        .to_path_buf()
}

/// The names of every package `package` depends on through `edges` (cargo tree's `-e`), to `depth`.
fn dependencies(package: &str, edges: &str, depth: Option<u32>) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(repo_root()).args([
        "tree",
        "--offline",
        "--prefix",
        "none",
        "--format",
        "{p}",
        "-e",
        edges,
        "-p",
        package,
    ]);
    if let Some(depth) = depth {
        command.args(["--depth", &depth.to_string()]);
    }
    let output = command.output().expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree -p {package} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_core_knows_nothing_of_tauri_or_specta() {
    let forbidden: Vec<String> = dependencies("swarmdeck-orchestrator", "normal,build", None)
        .into_iter()
        .filter(|name| name.starts_with("tauri") || name.starts_with("specta"))
        .collect();
    assert!(forbidden.is_empty(), "the core depends on {forbidden:?}");
}

#[test]
fn the_app_reaches_the_engine_only_through_the_core() {
    let direct = dependencies("swarmdeck-app", "normal", Some(1));
    assert!(
        direct.iter().any(|name| name == "swarmdeck-orchestrator"),
        "the app depends on the core: {direct:?}"
    );
    assert!(
        !direct.iter().any(|name| name == "bollard"),
        "the app depends on bollard directly: {direct:?}"
    );
}

fn source_files(path: &Path, found: &mut Vec<PathBuf>) {
    if path.is_file() {
        let wanted = path
            .extension()
            .and_then(|extension| extension.to_str())
            .is_some_and(|extension| EXTENSIONS.contains(&extension));
        if wanted {
            found.push(path.to_path_buf());
        }
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name == "node_modules" || name == "target" || name == "dist" {
            continue;
        }
        source_files(&entry.path(), found);
    }
}

/// The comment a file opens with (`//!`, `/** … */`, `<!-- … -->`, `#` after a shebang), as one string.
fn opening_comment(text: &str) -> String {
    let mut comment = String::new();
    let mut in_block = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if in_block {
            comment.push_str(trimmed);
            comment.push(' ');
            if trimmed.ends_with("*/") || trimmed.ends_with("-->") {
                in_block = false;
            }
            continue;
        }
        if trimmed.starts_with("#!") || trimmed.is_empty() && comment.is_empty() {
            continue;
        }
        if let Some(rest) = ["//!", "//", "#"]
            .iter()
            .find_map(|mark| trimmed.strip_prefix(mark))
        {
            comment.push_str(rest);
            comment.push(' ');
        } else if trimmed.starts_with("/*")
            || trimmed.starts_with("<!--")
            || trimmed.starts_with("<script")
        {
            // A Svelte file may open its script before the comment; the comment is then its first lines.
            if trimmed.starts_with("<script") {
                continue;
            }
            comment.push_str(trimmed);
            comment.push(' ');
            in_block = !(trimmed.ends_with("*/") || trimmed.ends_with("-->"));
        } else {
            break;
        }
    }
    comment
}

#[test]
fn long_files_say_why_and_none_outgrows_the_limit() {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        source_files(&root.join(dir), &mut files);
    }
    assert!(
        files.len() > 50,
        "found only {} source files under {root:?}",
        files.len()
    );

    let mut problems = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .to_string_lossy()
            .into_owned();
        if GENERATED.contains(&relative.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source files are UTF-8");
        let lines = text.lines().count();
        if lines > MAX_LINES {
            problems.push(format!(
                "{relative}: {lines} lines, over {MAX_LINES}: split it along its seams"
            ));
        } else if lines > EXPLAINED_LINES {
            let comment = opening_comment(&text).to_lowercase();
            if !(comment.contains("long") || comment.contains(&EXPLAINED_LINES.to_string())) {
                problems.push(format!(
                    "{relative}: {lines} lines and its opening comment does not say why it is long"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn an_opening_comment_is_read_in_each_style() {
    let rust = opening_comment("//! one\n//! two\nuse x;");
    assert!(rust.contains("one") && rust.contains("two") && !rust.contains("use"));
    assert!(opening_comment("#!/bin/bash\n# why long\nset -e").contains("why long"));
    assert!(opening_comment("<!--\n  long because\n-->\n<script>").contains("long because"));
    assert!(opening_comment("<script lang=\"ts\">\n  /** long: one machine */\n").contains("long"));
    assert!(opening_comment("/**\n * it is long\n */\nexport {}").contains("it is long"));
    assert_eq!(opening_comment("use x;\n//! late"), "");
}

/// Where each part of a capability lives, in the order the README's column names them.
const CAPABILITY_ROOTS: [&str; 3] = [
    "crates/orchestrator/src",
    "src-tauri/src/commands",
    "ui/src/lib",
];

#[test]
fn every_capability_says_where_it_lives_and_every_path_exists() {
    let root = repo_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md is readable");
    let table = readme
        .split("## Capabilities and their tests")
        .nth(1)
        .expect("the README has its capability table")
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2);

    let mut rows = 0;
    let mut problems = Vec::new();
    for row in table {
        rows += 1;
        let where_it_lives = row
            .trim_end_matches('|')
            .rsplit('|')
            .next()
            .unwrap_or_default();
        let parts: Vec<&str> = where_it_lives.split('→').map(str::trim).collect();
        if parts.len() != CAPABILITY_ROOTS.len() {
            problems.push(format!("no core → command → view column: {row}"));
            continue;
        }
        for (part, base) in parts.iter().zip(CAPABILITY_ROOTS) {
            if *part == "—" {
                continue;
            }
            let path = part.trim_matches('`');
            if !root.join(base).join(path).is_file() {
                problems.push(format!("{base}/{path} does not exist (row: {row})"));
            }
        }
    }
    assert!(rows > 30, "read only {rows} capability rows");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
