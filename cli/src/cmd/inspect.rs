//! `list`, `info`, `engine`: what is there.

use clap::Args;
use comfy_table::Cell;
use serde_json::json;

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::out::{self, print_json, short_id};

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only this project's sandboxes
    #[arg(long)]
    pub project: Option<String>,
    /// Only running sandboxes
    #[arg(long)]
    pub running: bool,
}

pub async fn list(ctx: &Ctx, a: ListArgs) -> CliResult<()> {
    let client = ctx.client().await?;
    let mut all = client.list_containers(a.project.as_deref()).await?;
    if a.running {
        all.retain(|c| c.status == "running");
    }
    all.sort_by(|x, y| x.name.cmp(&y.name));
    if ctx.out.json {
        return print_json(&all);
    }
    if ctx.out.quiet {
        for c in &all {
            println!("{}", c.name);
        }
        return Ok(());
    }
    if all.is_empty() {
        println!("No containers found.");
        return Ok(());
    }
    let mut t = out::table(&[
        "NAME", "ID", "STATUS", "IMAGE", "PERSIST", "PROJECT", "CREATED",
    ]);
    for c in &all {
        t.add_row(vec![
            Cell::new(&c.name),
            Cell::new(short_id(&c.id)),
            out::state_cell(&c.status),
            Cell::new(&c.image),
            Cell::new(if c.persist { "yes" } else { "no" }),
            Cell::new(c.project.as_deref().unwrap_or("-")),
            Cell::new(&c.created_at),
        ]);
    }
    out::print_table(&t)
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The sandbox (name or id)
    pub container: String,
}

pub async fn info(ctx: &Ctx, a: InfoArgs) -> CliResult<()> {
    let client = ctx.client().await?;
    let c = client.get_container(&a.container).await?;
    let i = c.info().await?;
    if ctx.out.json {
        return print_json(&i);
    }
    let mut t = out::table(&["FIELD", "VALUE"]);
    let mut row = |k: &str, v: String| {
        t.add_row(vec![Cell::new(k), Cell::new(v)]);
    };
    row("Name", i.name.clone());
    row("ID", short_id(&i.id).to_owned());
    row("Status", i.status.clone());
    row("Image", i.image.clone());
    row("Created", i.created_at.clone());
    if let Some(ms) = i.uptime_ms {
        row("Uptime", format!("{}s", ms / 1000));
    }
    if let Some(u) = i.memory_usage_bytes {
        let limit = i.memory_limit_bytes.map_or("-".into(), mib);
        row("Memory", format!("{} / {limit}", mib(u)));
    }
    if let Some(cpu) = i.cpu_percent {
        row("CPU", format!("{cpu:.1}%"));
    }
    if let Some(p) = i.pids {
        row("PIDs", p.to_string());
    }
    row("Network", if i.network { "on" } else { "off" }.into());
    if let Some(ip) = i.ip_address.as_ref().filter(|s| !s.is_empty()) {
        row("IP", ip.clone());
    }
    if !i.ports.is_empty() {
        let mut ports: Vec<String> = i
            .ports
            .iter()
            .map(|p| format!("{}->{}/{}", p.host_port, p.container_port, p.protocol))
            .collect();
        ports.sort();
        row("Ports", ports.join(", "));
    }
    if !i.running {
        row(
            "Hint",
            format!("stopped: `pocketdock resume {}` starts it", a.container),
        );
    }
    out::print_table(&t)
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / (1 << 20) as f64)
}

pub async fn engine(ctx: &Ctx) -> CliResult<()> {
    let started = std::time::Instant::now();
    let client = ctx.client().await?;
    let connect_ms = started.elapsed().as_secs_f64() * 1e3;
    let info = client.engine_info().clone();
    let agent = client.agent_placement().await?;
    let kind = format!("{:?}", info.kind).to_lowercase();
    let doc = json!({
        "kind": kind,
        "version": info.version,
        "api_version": info.api_version,
        "socket": info.socket,
        "explicit_socket": ctx.global.socket.is_some(),
        "healthy": true,
        "connect_ms": (connect_ms * 10.0).round() / 10.0,
        "agent_volume": agent.volume,
        "agent_placed": agent.placed,
    });
    if ctx.out.json {
        return print_json(&doc);
    }
    let mut t = out::table(&["FIELD", "VALUE"]);
    t.add_row(vec![
        "Engine".to_owned(),
        format!("{kind} {}", info.version),
    ]);
    t.add_row(vec!["API".to_owned(), info.api_version.clone()]);
    let how = if ctx.global.socket.is_some() {
        "given"
    } else {
        "discovered"
    };
    t.add_row(vec![
        "Socket".to_owned(),
        format!("{} ({how})", info.socket.display()),
    ]);
    t.add_row(vec![
        "Health".to_owned(),
        format!("answering (connected in {connect_ms:.1} ms)"),
    ]);
    let placed = if agent.placed {
        "placed: new sandboxes run it as PID 1"
    } else {
        "not placed yet: the first create puts it there"
    };
    t.add_row(vec![
        "Agent".to_owned(),
        format!("volume {} ({placed})", agent.volume),
    ]);
    out::print_table(&t)
}
