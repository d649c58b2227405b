//! Images: `build`, `export`, `import`, `profiles`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use comfy_table::Cell;
use pocketdock::{list_profiles, resolve_profile, BuildOptions};
use serde_json::json;

use crate::ctx::Ctx;
use crate::error::{code, CliError, CliResult};
use crate::out::{self, print_json};
use crate::progress::Spinner;

/// The locally made Debian base scripts/build-images imports (no registry here).
const LOCAL_BASE: &str = "pocketdock/debian-base:bookworm";

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// Profiles to build [default: all]
    pub profiles: Vec<String>,
    /// Build every profile
    #[arg(long, conflicts_with = "profiles")]
    pub all: bool,
    /// Base image (the BASE build argument) [default: pocketdock/debian-base:bookworm when
    /// present, else the Dockerfile's]
    #[arg(long)]
    pub base: Option<String>,
    /// Build context directory holding the Dockerfile (e.g. images/minimal-bun, whose
    /// context needs the Bun binary its `prepare` fetches); one profile only
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,
    /// Build every step afresh
    #[arg(long)]
    pub no_cache: bool,
}

pub async fn build(ctx: &Ctx, a: BuildArgs) -> CliResult<()> {
    let names: Vec<String> = if a.profiles.is_empty() {
        list_profiles().iter().map(|p| p.name.to_owned()).collect()
    } else {
        a.profiles.clone()
    };
    for n in &names {
        resolve_profile(n)?;
    }
    if a.context.is_some() && names.len() != 1 {
        return Err(CliError::new(
            code::USAGE,
            "--context needs exactly one profile",
        ));
    }
    let client = ctx.client().await?;
    let base = match a.base {
        Some(b) => Some(b),
        None if client.image_exists(LOCAL_BASE).await? => Some(LOCAL_BASE.to_owned()),
        None => None,
    };
    let opts = BuildOptions {
        base,
        context_dir: a.context,
        no_cache: a.no_cache,
        ..BuildOptions::default()
    };
    let mut built = Vec::new();
    for n in &names {
        let tag = resolve_profile(n)?.image;
        ctx.out.note(&format!("Building {tag} ..."));
        let spin = Spinner::start(ctx, format!("building {tag}"));
        let bar = spin.clone_bar();
        let progress: pocketdock::ProgressCallback = Arc::new(move |line: &str| {
            if let Some(b) = &bar {
                let line = line.trim();
                if !line.is_empty() {
                    b.set_message(line.chars().take(70).collect::<String>());
                }
            }
        });
        let r = client.build_profile(n, &opts, Some(progress)).await;
        spin.finish();
        let id = r?;
        if !ctx.out.json {
            ctx.out.done(&format!("Built {tag}"), &())?;
        }
        built.push(json!({"profile": n, "image": tag, "id": id}));
    }
    if ctx.out.json {
        print_json(&built)?;
    }
    Ok(())
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("what").required(true).multiple(true).args(["image", "profile", "all"])))]
pub struct ExportArgs {
    /// Image to export (repeatable)
    #[arg(long)]
    pub image: Vec<String>,
    /// Profile whose image to export (repeatable)
    #[arg(long)]
    pub profile: Vec<String>,
    /// Every profile's image that is present
    #[arg(long)]
    pub all: bool,
    /// The archive to write (gzip-compressed when it ends in .gz)
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

pub async fn export(ctx: &Ctx, a: ExportArgs) -> CliResult<()> {
    let client = ctx.client().await?;
    let mut images: Vec<String> = a.image.clone();
    for p in &a.profile {
        images.push(resolve_profile(p)?.image.to_owned());
    }
    if a.all {
        for p in list_profiles() {
            if client.image_exists(p.image).await? {
                images.push(p.image.to_owned());
            }
        }
    }
    images.dedup();
    if images.is_empty() {
        return Err(
            CliError::new(code::NOT_FOUND, "no profile image is present to export")
                .hint("build them with `pocketdock build`"),
        );
    }
    let refs: Vec<&str> = images.iter().map(String::as_str).collect();
    ctx.out
        .note(&format!("Exporting {} ...", images.join(", ")));
    let spin =
        Spinner::start(ctx, format!("writing {}", a.output.display())).watch_file(a.output.clone());
    let r = client.export_images(&refs, &a.output).await;
    spin.finish();
    let bytes = r?;
    // One archive holds every image (the reference overwrote it once per image).
    ctx.out.done(
        &format!(
            "Exported {} image(s) to {} ({bytes} bytes)",
            images.len(),
            a.output.display()
        ),
        &json!({"file": a.output, "images": images, "bytes": bytes}),
    )
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The archive to load (plain or gzip-compressed tar)
    pub file: PathBuf,
}

pub async fn import(ctx: &Ctx, a: ImportArgs) -> CliResult<()> {
    if !a.file.is_file() {
        return Err(CliError::new(
            code::NOT_FOUND,
            format!("no such file: {}", a.file.display()),
        ));
    }
    let client = ctx.client().await?;
    ctx.out
        .note(&format!("Importing from {} ...", a.file.display()));
    let spin = Spinner::start(ctx, format!("loading {}", a.file.display()));
    let r = client.import_images(&a.file).await;
    spin.finish();
    let images = r?;
    ctx.out.done(
        &format!("Imported {} from {}", images.join(", "), a.file.display()),
        &json!({"file": a.file, "images": images}),
    )
}

pub fn profiles(ctx: &Ctx) -> CliResult<()> {
    let all = list_profiles();
    if ctx.out.json {
        let doc: Vec<_> = all
            .iter()
            .map(|p| json!({"name": p.name, "image": p.image, "network": p.network, "size": p.size, "description": p.description}))
            .collect();
        return print_json(&doc);
    }
    if ctx.out.quiet {
        for p in all {
            println!("{}", p.name);
        }
        return Ok(());
    }
    let mut t = out::table(&["NAME", "IMAGE", "NETWORK", "SIZE", "DESCRIPTION"]);
    for p in all {
        t.add_row(vec![
            Cell::new(p.name),
            Cell::new(p.image),
            Cell::new(if p.network { "enabled" } else { "disabled" }),
            Cell::new(p.size),
            Cell::new(p.description),
        ]);
    }
    out::print_table(&t)
}
