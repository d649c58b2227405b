//! Projects: `quickstart`, `init`, `status`, `logs`, `doctor`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use comfy_table::Cell;
use pocketdock::{HistoryEntry, Project};
use serde_json::json;

use crate::ctx::Ctx;
use crate::error::{code, CliError, CliResult};
use crate::out::{self, exit_cell, print_json};
use crate::prompt::confirm;

const QUICKSTART: &str = "\
pocketdock quickstart

  1. Build the default image (offline, once):   pocketdock build minimal-python
  2. Create a sandbox:                          pocketdock create --name demo
  3. Run code in it:                            pocketdock run demo echo hello
                                                pocketdock run demo --lang python 'print(1+1)'
  4. Start something in the background:         pocketdock run --detach demo 'sleep 5; echo done'
     and follow it to its end:                  pocketdock attach demo 1
  5. Open a shell:                              pocketdock shell demo
  6. Copy files:                                pocketdock push demo ./src /home/sandbox/src
  7. Remove it:                                 pocketdock shutdown -y demo

  See the images:    pocketdock profiles
  See the engine:    pocketdock engine
  Everything else:   pocketdock --help, man pocketdock, docs/cli.md
";

pub fn quickstart(ctx: &Ctx) -> CliResult<()> {
    if ctx.out.json {
        return print_json(&json!({"text": QUICKSTART}));
    }
    out::write_stdout(QUICKSTART.as_bytes())
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The directory to make a project [default: the current directory]
    pub path: Option<PathBuf>,
    /// The project's name [default: the directory's name]
    #[arg(long)]
    pub name: Option<String>,
}

pub fn init(ctx: &Ctx, a: InitArgs) -> CliResult<()> {
    let path = a.path.unwrap_or_else(|| PathBuf::from("."));
    let root = pocketdock::init_project(&path, a.name.as_deref())?;
    ctx.out.done(
        &format!("Project initialized at {}", root.display()),
        &json!({"root": root}),
    )
}

fn cwd() -> CliResult<PathBuf> {
    std::env::current_dir().map_err(|e| CliError::io("current directory", e))
}

fn open_project() -> CliResult<Project> {
    let dir = cwd()?;
    Project::open(&dir).map_err(|e| match e.kind() {
        pocketdock::ErrorKind::FileNotFound => CliError::new(
            code::NOT_FOUND,
            format!("no pocketdock project at or above {}", dir.display()),
        )
        .hint("run `pocketdock init` to make one"),
        _ => e.into(),
    })
}

pub async fn status(ctx: &Ctx) -> CliResult<()> {
    let p = open_project()?;
    let name = p.config().project_name.clone();
    let instances = p.instances()?;
    let client = ctx.client().await?;
    let boxes = client.list_containers(Some(&name)).await?;
    let running = boxes.iter().filter(|c| c.status == "running").count();
    let doc = json!({
        "project": name,
        "root": p.root(),
        "instances": instances.len(),
        "containers": boxes.len(),
        "running": running,
        "stopped": boxes.len() - running,
        "sandboxes": boxes,
    });
    if ctx.out.json {
        return print_json(&doc);
    }
    let mut t = out::table(&["FIELD", "VALUE"]);
    t.add_row(vec!["Project".to_owned(), name]);
    t.add_row(vec!["Root".to_owned(), p.root().display().to_string()]);
    t.add_row(vec!["Instances".to_owned(), instances.len().to_string()]);
    t.add_row(vec![
        "Containers".to_owned(),
        format!(
            "{} ({running} running, {} stopped)",
            boxes.len(),
            boxes.len() - running
        ),
    ]);
    out::print_table(&t)
}

#[derive(Args, Debug)]
pub struct LogsArgs {
    /// Only this sandbox's history (its instance name)
    pub container: Option<String>,
    /// Show the last N entries
    #[arg(short = 'n', long, default_value_t = 10)]
    pub last: usize,
    /// Only entries of this kind: run, stream, spawn, exit, session
    #[arg(short, long = "type", value_name = "TYPE")]
    pub kind: Option<String>,
    /// Keep printing new entries as they are written (Ctrl-C ends)
    #[arg(short, long)]
    pub follow: bool,
}

#[derive(serde::Serialize, Clone)]
struct Entry {
    instance: String,
    #[serde(flatten)]
    entry: HistoryEntry,
}

fn read_entries(p: &Project, a: &LogsArgs) -> CliResult<Vec<Entry>> {
    let names = match &a.container {
        Some(n) => {
            if !p.instance_dir(n).is_dir() {
                return Err(CliError::new(
                    code::NOT_FOUND,
                    format!(
                        "no instance directory for {n:?} in project {}",
                        p.config().project_name
                    ),
                )
                .hint("`pocketdock status` shows the project's instances"));
            }
            vec![n.clone()]
        }
        None => p.instances()?,
    };
    let mut all = Vec::new();
    for n in names {
        for e in p.history(&n)? {
            if a.kind.as_ref().is_none_or(|k| *k == e.kind) {
                all.push(Entry {
                    instance: n.clone(),
                    entry: e,
                });
            }
        }
    }
    // Merged by time, not concatenated per instance (the reference's order).
    all.sort_by_key(|e| e.entry.unix_ms);
    Ok(all)
}

pub async fn logs(ctx: &Ctx, a: LogsArgs) -> CliResult<()> {
    let p = open_project()?;
    let all = read_entries(&p, &a)?;
    let shown: Vec<Entry> = all[all.len().saturating_sub(a.last)..].to_vec();
    if ctx.out.json && !a.follow {
        return print_json(&shown);
    }
    if !a.follow && shown.is_empty() {
        println!("No log entries found.");
        return Ok(());
    }
    print_entries(ctx, &shown, a.follow)?;
    if !a.follow {
        return Ok(());
    }
    let mut seen = all.last().map_or(0, |e| e.entry.unix_ms);
    let mut seen_here: Vec<Entry> = all
        .into_iter()
        .filter(|e| e.entry.unix_ms == seen)
        .collect();
    loop {
        // Ctrl-C ends the process (SIGINT's default): nothing to clean up here.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let fresh: Vec<Entry> = read_entries(&p, &a)?
            .into_iter()
            .filter(|e| {
                e.entry.unix_ms > seen
                    || (e.entry.unix_ms == seen && !seen_here.iter().any(|s| same(s, e)))
            })
            .collect();
        if let Some(last) = fresh.last() {
            if last.entry.unix_ms > seen {
                seen = last.entry.unix_ms;
                seen_here.clear();
            }
            seen_here.extend(fresh.iter().filter(|e| e.entry.unix_ms == seen).cloned());
            print_entries(ctx, &fresh, true)?;
        }
    }
}

fn same(a: &Entry, b: &Entry) -> bool {
    a.instance == b.instance && a.entry == b.entry
}

/// A table, or with --follow one line per entry (JSON lines with --json).
fn print_entries(ctx: &Ctx, entries: &[Entry], lines: bool) -> CliResult<()> {
    if lines {
        for e in entries {
            if ctx.out.json {
                out::write_stdout(
                    format!("{}\n", serde_json::to_string(e).unwrap_or_default()).as_bytes(),
                )?;
            } else {
                let exit = e.entry.exit_code.map_or("-".into(), |c| c.to_string());
                out::write_stdout(
                    format!(
                        "{} {} {} exit={} {}\n",
                        e.entry.time, e.instance, e.entry.kind, exit, e.entry.command
                    )
                    .as_bytes(),
                )?;
            }
        }
        return Ok(());
    }
    let mut t = out::table(&["INSTANCE", "TYPE", "COMMAND", "EXIT", "DURATION", "TIME"]);
    for e in entries {
        let cmd: String = e.entry.command.chars().take(60).collect();
        t.add_row(vec![
            Cell::new(&e.instance),
            Cell::new(&e.entry.kind),
            Cell::new(cmd),
            exit_cell(e.entry.exit_code),
            Cell::new(e.entry.duration_ms.map_or("-".into(), |d| format!("{d}ms"))),
            Cell::new(&e.entry.time),
        ]);
    }
    out::print_table(&t)
}

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// Repair what is safe: remove leaked sandboxes, recreate or remove stale instance dirs
    #[arg(long)]
    pub fix: bool,
    /// Do not ask before --fix (needed when stdin is not a terminal)
    #[arg(short, long)]
    pub yes: bool,
}

pub async fn doctor(ctx: &Ctx, a: DoctorArgs) -> CliResult<()> {
    let dir = cwd()?;
    let project = pocketdock::find_project_root(&dir);
    if a.fix {
        confirm(
            "repair what doctor finds (leaked sandboxes are removed)",
            a.yes,
        )?;
    }
    let client = ctx.client().await?;
    let r = client
        .doctor(project.as_deref().map(Path::new), a.fix)
        .await?;
    if ctx.out.json {
        return print_json(&r);
    }
    println!(
        "Engine {} {} on {}; project: {}",
        r.engine_kind,
        r.engine_version,
        r.socket,
        r.project_name
            .as_deref()
            .unwrap_or("(none: crashed clients only)")
    );
    if r.healthy() {
        println!("Nothing to report.");
        return Ok(());
    }
    let mut t = out::table(&["FINDING", "NAME", "DETAIL", "FIXED"]);
    for (what, items) in [
        ("orphan", &r.orphans),
        ("stale dir", &r.stale_dirs),
        ("crashed client", &r.crashed),
    ] {
        for i in items {
            t.add_row(vec![
                what.to_owned(),
                i.name.clone(),
                i.detail.clone(),
                i.fixed.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
    }
    out::print_table(&t)?;
    if !a.fix {
        println!("`pocketdock doctor --fix` repairs these.");
    }
    Ok(())
}
