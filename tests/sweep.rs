//! Removes resources left behind by crashed test runs: everything labelled as a test resource.

#[tokio::main(flavor = "current_thread")]
async fn main() -> swarmdeck_tests::TestResult {
    let docker = bollard::Docker::connect_with_defaults()?
        .negotiate_version()
        .await?;
    let removed = swarmdeck_tests::sweep(&docker).await?;
    println!("sweep: removed {removed} leftover test resources");
    Ok(())
}
