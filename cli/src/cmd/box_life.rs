//! A sandbox's life: `stop`, `resume`, `reboot`, `shutdown`, `destroy`, `snapshot`, `prune`.

use clap::Args;
use serde_json::json;

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::out::short_id;
use crate::prompt::confirm;

#[derive(Args, Debug)]
pub struct NameArg {
    /// The sandbox (name or id)
    pub container: String,
}

#[derive(Args, Debug)]
pub struct ConfirmNameArg {
    /// The sandbox (name or id)
    pub container: String,
    /// Do not ask (needed when stdin is not a terminal)
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Args, Debug)]
pub struct RebootArgs {
    /// The sandbox (name or id)
    pub container: String,
    /// Recreate it from its recorded options: a new container, files lost
    #[arg(long)]
    pub fresh: bool,
    /// Do not ask before a --fresh reboot (needed when stdin is not a terminal)
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Args, Debug)]
pub struct SnapshotArgs {
    /// The sandbox (name or id)
    pub container: String,
    /// The image to create: repo[:tag]
    pub image: String,
}

#[derive(Args, Debug)]
pub struct PruneArgs {
    /// Only this project's sandboxes
    #[arg(long)]
    pub project: Option<String>,
    /// Do not ask (needed when stdin is not a terminal)
    #[arg(short, long)]
    pub yes: bool,
}

pub async fn stop(ctx: &Ctx, a: NameArg) -> CliResult<()> {
    let client = ctx.client().await?;
    client.stop_container(&a.container).await?;
    ctx.out.done(
        &format!("Container {} stopped", a.container),
        &json!({"name": a.container, "status": "stopped"}),
    )
}

pub async fn resume(ctx: &Ctx, a: NameArg) -> CliResult<()> {
    let client = ctx.client().await?;
    let c = client.resume_container(&a.container).await?;
    ctx.out.done(
        &format!("Container {} resumed ({})", c.name(), short_id(c.id())),
        &json!({"name": c.name(), "id": c.id(), "status": "running"}),
    )
}

pub async fn reboot(ctx: &Ctx, a: RebootArgs) -> CliResult<()> {
    let client = ctx.client().await?;
    let c = client.get_container(&a.container).await?;
    if a.fresh {
        confirm(
            &format!("recreate {} (its files are lost)", c.name()),
            a.yes,
        )?;
    }
    c.reboot(a.fresh).await?;
    let how = if a.fresh { "fresh" } else { "in-place" };
    ctx.out.done(
        &format!("Container {} rebooted ({how})", c.name()),
        &json!({"name": c.name(), "id": c.id(), "fresh": a.fresh}),
    )
}

pub async fn shutdown(ctx: &Ctx, a: ConfirmNameArg) -> CliResult<()> {
    let client = ctx.client().await?;
    let listed = client.list_containers(None).await?;
    let c = client.get_container(&a.container).await?;
    let persist = listed.iter().any(|s| s.id == c.id() && s.persist);
    if !persist {
        confirm(&format!("shut down and remove {}", c.name()), a.yes)?;
    }
    c.shutdown().await?;
    let (what, status) = if persist {
        ("stopped (kept: it is persistent)", "stopped")
    } else {
        ("shut down and removed", "removed")
    };
    ctx.out.done(
        &format!("Container {} {what}", c.name()),
        &json!({"name": c.name(), "id": c.id(), "status": status}),
    )
}

pub async fn destroy(ctx: &Ctx, a: ConfirmNameArg) -> CliResult<()> {
    let client = ctx.client().await?;
    // Resolve first, so that an unknown name is "not found" rather than a question.
    let c = client.get_container(&a.container).await?;
    confirm(&format!("destroy {} and everything in it", c.name()), a.yes)?;
    client.destroy_container(c.name()).await?;
    ctx.out.done(
        &format!("Container {} destroyed", c.name()),
        &json!({"name": c.name(), "id": c.id(), "status": "removed"}),
    )
}

pub async fn snapshot(ctx: &Ctx, a: SnapshotArgs) -> CliResult<()> {
    let client = ctx.client().await?;
    let c = client.get_container(&a.container).await?;
    let id = c.snapshot(&a.image).await?;
    ctx.out.done(
        &format!(
            "Snapshot saved as {} ({})",
            a.image,
            short_id(id.trim_start_matches("sha256:"))
        ),
        &json!({"container": c.name(), "image": a.image, "image_id": id}),
    )
}

pub async fn prune(ctx: &Ctx, a: PruneArgs) -> CliResult<()> {
    let client = ctx.client().await?;
    let stopped = client
        .list_containers(a.project.as_deref())
        .await?
        .into_iter()
        .filter(|c| c.is_stopped())
        .count();
    if stopped > 0 {
        confirm(
            &format!("remove {stopped} stopped pocketdock container(s)"),
            a.yes,
        )?;
    }
    let removed = if stopped > 0 {
        client.prune(a.project.as_deref()).await?
    } else {
        0
    };
    ctx.out.done(
        &format!("Removed {removed} container(s)"),
        &json!({"removed": removed}),
    )
}
