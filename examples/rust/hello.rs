//! The main job from Rust: connect, create a sandbox, run Python in it, remove it. The library
//! logs through `tracing`; this program installs the usual subscriber, so `RUST_LOG` works:
//!
//! ```text
//! cargo run --example hello
//! RUST_LOG=pocketdock=debug POCKETDOCK_SOCKET=/run/pocketdock-docker.sock cargo run --example hello
//! ```

use pocketdock::{Client, ContainerOptions, Lang, RunOptions};

#[tokio::main]
async fn main() -> pocketdock::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let client = Client::connect().await?;
    let info = client.engine_info();
    println!(
        "pocketdock {} on {:?} {} ({})",
        pocketdock::VERSION,
        info.kind,
        info.version,
        info.socket.display()
    );
    let sandbox = client
        .create_container(&ContainerOptions::default())
        .await?;
    println!("sandbox {} is running", sandbox.name());
    let opts = RunOptions {
        lang: Lang::Python,
        ..RunOptions::default()
    };
    let code = "import sys; print('hello from python', sys.version.split()[0])";
    let r = sandbox.run(code, &opts).await;
    sandbox.shutdown().await?;
    let r = r?;
    print!(
        "exit {} in {} ms: {}",
        r.exit_code,
        r.duration_ms,
        r.stdout_text()
    );
    println!("sandbox removed");
    Ok(())
}
