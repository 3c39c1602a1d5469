//! The real desktop app under WebDriver, shared by the end-to-end suite and the UI benchmarks: tauri-driver on
//! ports of its own with a private data directory, and waits on what the page shows.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use thirtyfour::error::WebDriverErrorInner;
use thirtyfour::prelude::*;

use crate::{eventually, TestResult};

/// How long a page gets to show what a step waits for.
const PAGE_DEADLINE: Duration = Duration::from_secs(120);

/// tauri-driver for one user, stopped (with WebKitWebDriver and the app) when dropped.
pub struct Driver {
    process: Child,
    port: u16,
    data_home: PathBuf,
}

impl Driver {
    /// Starts tauri-driver; `who` names the data directory and the advice when there is no display.
    /// `screenshots`: WebKitWebDriver's screenshot call sometimes never returns while WebKitGTK paints on the CPU
    /// (the app's default, see `prefer_cpu_compositing`), so a user that takes many runs the app with GPU
    /// compositing.
    pub fn start(who: &str, screenshots: bool) -> TestResult<Driver> {
        Driver::start_with_env(who, screenshots, &[])
    }

    /// [`Driver::start`] with extra environment for the app (`DOCKER_HOST` through a fault proxy, say); an empty
    /// value removes a variable.
    pub fn start_with_env(
        who: &str,
        screenshots: bool,
        env: &[(&str, &str)],
    ) -> TestResult<Driver> {
        if std::env::var_os("DISPLAY").is_none() {
            return Err(
                format!("no DISPLAY: run the {who} under `xvfb-run -a` (make does)").into(),
            );
        }
        let port = free_port()?;
        let native = free_port()?;
        let data_home = std::env::temp_dir().join(format!(
            "swarmdeck-{}-{}-{port}",
            who.replace(' ', "-"),
            std::process::id()
        ));
        std::fs::create_dir_all(&data_home)?;
        let mut command = Command::new("tauri-driver");
        if screenshots {
            command.env("SWARMDECK_GPU_COMPOSITING", "1");
        }
        // An empty value removes the variable: the app must not see the suite's own `DOCKER_HOST`, say.
        for (name, value) in env {
            if value.is_empty() {
                command.env_remove(name);
            } else {
                command.env(name, value);
            }
        }
        let process = command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("XDG_DATA_HOME", &data_home)
            .env("XDG_CONFIG_HOME", &data_home)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("tauri-driver could not start ({e}): `cargo install tauri-driver --locked`")
            })?;
        Ok(Driver {
            process,
            port,
            data_home,
        })
    }

    /// tauri-driver's process id (the app runs below it).
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Opens the app at `app` (relative to the workspace) in a WebDriver session.
    pub async fn session(&self, app: &str) -> TestResult<WebDriver> {
        let app = workspace_root().join(app);
        if !app.exists() {
            return Err(format!("{} is not built", app.display()).into());
        }
        let mut caps = Capabilities::new();
        caps.set("tauri:options", json!({ "application": app }))?;
        caps.set("browserName", "wry")?;
        let url = format!("http://127.0.0.1:{}", self.port);
        // tauri-driver needs a moment to listen; the session call itself is the readiness check.
        eventually(Duration::from_secs(30), "a WebDriver session", || {
            let (url, caps) = (url.clone(), caps.clone());
            async move { Ok(WebDriver::new(url, caps).await.ok()) }
        })
        .await
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM lets tauri-driver stop WebKitWebDriver too; SIGKILL would orphan it.
        let _ = Command::new("kill")
            .args(["-TERM", &self.process.id().to_string()])
            .status();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.data_home);
    }
}

pub fn free_port() -> TestResult<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The repository's root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// Saves `{dir}/{name}.png` (dir relative to the workspace) once WebKit has painted what was just checked.
pub async fn screenshot(page: &WebDriver, dir: &str, name: &str) -> TestResult {
    let dir = workspace_root().join(dir);
    std::fs::create_dir_all(&dir)?;
    // The DOM is checked before a screenshot, but WebKit paints later: wait until two frames have rendered.
    let painted = "const done = arguments[arguments.length - 1]; \
                   requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
    // WebKitWebDriver sometimes loses an async script's reply while the page repaints a live view
    // ("Could not parse script result"); waiting for two frames is harmless to repeat.
    let mut attempts_left = 3;
    loop {
        match page.execute_async(painted, Vec::new()).await {
            Ok(_) => break,
            Err(error) if attempts_left > 1 && is_lost_script_reply(&error) => attempts_left -= 1,
            Err(error) => return Err(error.into()),
        }
    }
    page.screenshot(&dir.join(format!("{name}.png"))).await?;
    Ok(())
}

fn is_lost_script_reply(error: &WebDriverError) -> bool {
    matches!(error.as_inner(), WebDriverErrorInner::UnknownError(info) if info.value.message.contains("Could not parse script result"))
}

/// The visible element with this test id, waiting for it: views load what they show after they appear.
pub async fn visible(page: &WebDriver, test_id: &str) -> TestResult<WebElement> {
    let mut attempts_left = 3;
    loop {
        let found = page
            .query(By::Css(format!("[data-testid='{test_id}']")))
            .wait(Duration::from_secs(30), Duration::from_millis(200))
            .and_displayed()
            .first()
            .await;
        match found {
            Ok(element) => return Ok(element),
            // The displayed check is a script too, and looking again changes nothing on the page.
            Err(error) if attempts_left > 1 && is_lost_script_reply(&error) => attempts_left -= 1,
            Err(error) => return Err(error.into()),
        }
    }
}

pub async fn fill(page: &WebDriver, test_id: &str, value: &str) -> TestResult {
    let input = visible(page, test_id).await?;
    input.clear().await?;
    input.send_keys(value).await?;
    Ok(())
}

pub async fn click(page: &WebDriver, test_id: &str) -> TestResult {
    visible(page, test_id).await?.click().await?;
    Ok(())
}

/// Waits until the element's text satisfies `accept`, returning it.
pub async fn text_of(
    page: &WebDriver,
    test_id: &str,
    accept: impl Fn(&str) -> bool,
) -> TestResult<String> {
    let selector = format!("[data-testid='{test_id}']");
    let mut last = String::new();
    let deadline = tokio::time::Instant::now() + PAGE_DEADLINE;
    loop {
        if let Ok(element) = page.find(By::Css(&selector)).await {
            if let Ok(text) = element.text().await {
                if accept(text.trim()) {
                    return Ok(text.trim().to_string());
                }
                last = text;
            }
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("{test_id} never matched; last text {last:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits until the element's attribute satisfies `accept`, returning its value.
pub async fn attribute_of(
    page: &WebDriver,
    test_id: &str,
    attribute: &str,
    accept: impl Fn(&str) -> bool,
) -> TestResult<String> {
    let selector = format!("[data-testid='{test_id}']");
    let mut last = None;
    let deadline = tokio::time::Instant::now() + PAGE_DEADLINE;
    loop {
        if let Ok(element) = page.find(By::Css(&selector)).await {
            if let Ok(Some(value)) = element.attr(attribute).await {
                if accept(&value) {
                    return Ok(value);
                }
                last = Some(value);
            }
        }
        if tokio::time::Instant::now() > deadline {
            return Err(
                format!("{test_id}[{attribute}] never matched; last value {last:?}").into(),
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
