//! `create`: every container option as a flag.

use std::time::Duration;

use clap::Args;
use pocketdock::{ContainerOptions, PortMapping, VolumeMount};
use serde_json::json;

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::parse;

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Image to run (must be local; pocketdock never pulls) [default: pocketdock/minimal-python]
    #[arg(long)]
    pub image: Option<String>,
    /// Profile whose image and defaults to use (see `pocketdock profiles`)
    #[arg(long)]
    pub profile: Option<String>,
    /// Container name [default: pd-<8 hex>]
    #[arg(long)]
    pub name: Option<String>,
    /// Default timeout of runs in it (30, 1.5s, 500ms, 5m)
    #[arg(long, value_parser = parse::duration, value_name = "DURATION")]
    pub timeout: Option<Duration>,
    /// Memory limit (256m, 1g)
    #[arg(long, value_parser = parse::mem_limit, value_name = "SIZE")]
    pub mem_limit: Option<String>,
    /// CPU share in percent of one core (50 = half a core)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..), value_name = "PERCENT")]
    pub cpu_percent: Option<u32>,
    /// Most processes it may hold at once
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..), value_name = "N")]
    pub pids_limit: Option<i64>,
    /// Keep it (stopped) on shutdown
    #[arg(long)]
    pub persist: bool,
    /// Project label [default: the current project's name, if in one]
    #[arg(long)]
    pub project: Option<String>,
    /// Mount a host path: HOST:CONTAINER[:ro|:rw] (repeatable)
    #[arg(short = 'v', long = "volume", value_parser = parse::volume, value_name = "HOST:CONTAINER")]
    pub volumes: Vec<VolumeMount>,
    /// Publish a port: HOST:CONTAINER[/tcp|/udp] (repeatable; turns the network on)
    #[arg(short = 'p', long = "port", value_parser = parse::port, value_name = "HOST:CONTAINER")]
    pub ports: Vec<PortMapping>,
    /// Give it a device: /dev/x or /dev/x:/dev/y (repeatable)
    #[arg(long = "device", value_name = "DEVICE")]
    pub devices: Vec<String>,
    /// Environment variable KEY=VALUE for every run (repeatable)
    #[arg(short = 'e', long = "env", value_parser = parse::env, value_name = "KEY=VALUE")]
    pub env: Vec<(String, String)>,
    /// Working directory of runs
    #[arg(short = 'w', long)]
    pub workdir: Option<String>,
    /// Turn the network on (default: off, except for the dev and embedded profiles)
    #[arg(long, overrides_with = "no_network")]
    pub network: bool,
    /// Turn the network off
    #[arg(long)]
    pub no_network: bool,
    /// The preset for untrusted code: read-only root, no capabilities, no network, 256 pids
    #[arg(long)]
    pub strict: bool,
    /// Extra label KEY=VALUE on the container (repeatable)
    #[arg(long = "label", value_parser = parse::env, value_name = "KEY=VALUE")]
    pub labels: Vec<(String, String)>,
    /// How long an ephemeral sandbox may live before `doctor` treats it as leaked
    #[arg(long, value_parser = parse::duration, value_name = "DURATION")]
    pub ttl: Option<Duration>,
}

pub async fn create(ctx: &Ctx, a: CreateArgs) -> CliResult<()> {
    let opts = options(a)?;
    let client = ctx.client().await?;
    let c = client.create_container(&opts).await?;
    if ctx.out.quiet && !ctx.out.json {
        println!("{}", c.name());
        return Ok(());
    }
    ctx.out.done(
        &format!(
            "Container {} created ({})",
            c.name(),
            crate::out::short_id(c.id())
        ),
        &json!({"name": c.name(), "id": c.id(), "image": opts.image, "persist": opts.persist}),
    )
}

/// The options the flags give, on top of the current project's defaults when in one.
fn options(a: CreateArgs) -> CliResult<ContainerOptions> {
    let cwd =
        std::env::current_dir().map_err(|e| crate::error::CliError::io("current directory", e))?;
    let mut o = match pocketdock::find_project_root(&cwd) {
        Some(_) => ContainerOptions::for_project(&cwd)?,
        None => ContainerOptions::default(),
    };
    if let Some(p) = &a.profile {
        o.apply_profile(p)?;
    }
    if let Some(i) = a.image {
        o.image = i;
    }
    o.name = a.name.or(o.name);
    if let Some(t) = a.timeout {
        o.timeout = t;
    }
    o.mem_limit = a.mem_limit.or(o.mem_limit);
    o.cpu_percent = a.cpu_percent.or(o.cpu_percent);
    o.pids_limit = a.pids_limit.or(o.pids_limit);
    o.persist |= a.persist;
    o.project = a.project.or(o.project);
    o.volumes.extend(a.volumes);
    o.ports.extend(a.ports);
    o.devices.extend(a.devices);
    o.env.extend(a.env);
    o.labels.extend(a.labels);
    o.workdir = a.workdir.or(o.workdir);
    o.ttl = a.ttl.or(o.ttl);
    if a.strict {
        o.harden();
    }
    // After the preset, so that an explicit flag wins over its "no network".
    if a.network {
        o.network = Some(true);
    } else if a.no_network {
        o.network = Some(false);
    }
    o.validate()?;
    Ok(o)
}
