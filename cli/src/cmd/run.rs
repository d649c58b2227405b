//! `run`, `attach`, `ps`, `kill`: commands and detached processes in a sandbox.

use std::io::Read;
use std::time::Duration;

use clap::Args;
use comfy_table::Cell;
use pocketdock::{Callbacks, ExecResult, Lang, RunOptions, StreamEvent, StreamKind};
use serde_json::json;
use tokio::sync::mpsc;

use crate::ctx::{stopped_as, Ctx};
use crate::error::{code, CliError, CliResult};
use crate::out::{self, exit_cell, print_json, write_stderr, write_stdout};
use crate::parse;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The sandbox (name or id)
    pub container: String,
    /// The command: its words are joined with spaces for the shell (or the --lang
    /// interpreter); with --argv they are the argv, no shell. Put `--` before a command
    /// starting with a dash
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
    /// Write output as it arrives instead of when the command ends
    #[arg(long, conflicts_with = "detach")]
    pub stream: bool,
    /// Start it in the background and print its process id (see attach, ps, kill)
    #[arg(short, long)]
    pub detach: bool,
    /// Kill it after this long (30, 1.5s, 500ms, 5m) [default: the sandbox's]
    #[arg(long, value_parser = parse::duration, value_name = "DURATION")]
    pub timeout: Option<Duration>,
    /// Cap on stdout+stderr kept; beyond it the command is killed (4096, 512k, 10m)
    #[arg(long, value_parser = parse::size, value_name = "SIZE")]
    pub max_output: Option<u64>,
    /// Interpreter of the command: sh, bash, python, node, bun (or ts: `bun -e`)
    #[arg(long, value_parser = parse_lang, conflicts_with = "argv")]
    pub lang: Option<Lang>,
    /// Run the words as an argv, without a shell
    #[arg(long)]
    pub argv: bool,
    /// Send this process's stdin to the command
    #[arg(long)]
    pub stdin: bool,
    /// Environment variable KEY=VALUE (repeatable)
    #[arg(short = 'e', long = "env", value_parser = parse::env, value_name = "KEY=VALUE")]
    pub env: Vec<(String, String)>,
    /// Working directory
    #[arg(short = 'w', long)]
    pub workdir: Option<String>,
    /// User to run as (name, uid, uid:gid) [default: the image's]
    #[arg(short = 'u', long)]
    pub user: Option<String>,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse::<Lang>().map_err(|e| e.to_string())
}

pub async fn run(ctx: &Ctx, a: RunArgs) -> CliResult<u8> {
    let mut opts = RunOptions {
        timeout: a.timeout,
        lang: a.lang.unwrap_or_default(),
        env: a.env,
        workdir: a.workdir,
        user: a.user,
        ..RunOptions::default()
    };
    if let Some(m) = a.max_output {
        opts.max_output = usize::try_from(m).unwrap_or(usize::MAX);
    }
    if a.stdin {
        let mut input = Vec::new();
        std::io::stdin()
            .read_to_end(&mut input)
            .map_err(|e| CliError::io("reading stdin", e))?;
        opts.stdin = Some(input);
    }
    let argv = if a.argv {
        a.command
    } else {
        let mut line = a.command.join(" ");
        if line.starts_with('-') && matches!(opts.lang, Lang::Sh | Lang::Bash) {
            // `sh -c -x` would take the command for an option of sh itself.
            line.insert(0, ' ');
        }
        opts.lang.argv(&line)
    };
    let client = ctx.client().await?;
    let c = client.get_container(&a.container).await?;
    let name = a.container.as_str();
    if a.detach {
        let p = c.spawn_argv(&argv, &opts).await.map_err(stopped_as(name))?;
        if ctx.out.quiet && !ctx.out.json {
            println!("{}", p.id());
            return Ok(0);
        }
        ctx.out.done(
            &format!(
                "Process {} started in {} (`pocketdock attach {} {}`)",
                p.id(),
                c.name(),
                c.name(),
                p.id()
            ),
            &json!({"container": c.name(), "process_id": p.id()}),
        )?;
        return Ok(0);
    }
    let result = if a.stream {
        let mut s = c
            .run_stream_argv(&argv, &opts)
            .await
            .map_err(stopped_as(name))?;
        let mut result = None;
        while let Some(ev) = s.next().await {
            match ev.map_err(stopped_as(name))? {
                StreamEvent::Output(chunk) => write_chunk(ctx, chunk.stream, &chunk.data)?,
                StreamEvent::Exit(r) => result = Some(r),
            }
        }
        result.ok_or_else(|| CliError::new(code::FAILURE, "the run ended without a result"))?
    } else {
        let r = c.run_argv(&argv, &opts).await.map_err(stopped_as(name))?;
        if !ctx.out.json {
            write_stdout(&r.stdout)?;
            write_stderr(&r.stderr)?;
        }
        r
    };
    finish(
        ctx,
        &result,
        opts.timeout.unwrap_or(c.default_timeout()),
        opts.max_output,
    )
}

fn write_chunk(ctx: &Ctx, kind: StreamKind, data: &[u8]) -> CliResult<()> {
    if ctx.out.json {
        return print_json(
            &json!({"stream": stream_name(kind), "data": String::from_utf8_lossy(data)}),
        );
    }
    match kind {
        StreamKind::Stdout => write_stdout(data),
        StreamKind::Stderr => write_stderr(data),
    }
}

fn stream_name(kind: StreamKind) -> &'static str {
    match kind {
        StreamKind::Stdout => "stdout",
        StreamKind::Stderr => "stderr",
    }
}

/// The exit status of a finished command: its own; 124 when it timed out; 128+N when
/// signal N ended it. A timeout or a cut says so on stderr.
fn finish(ctx: &Ctx, r: &ExecResult, timeout: Duration, cap: usize) -> CliResult<u8> {
    let status = status_of(r);
    if ctx.out.json {
        print_json(&result_json(r, status))?;
    }
    if r.timed_out {
        eprintln!(
            "pocketdock: command timed out after {} and was killed",
            human(timeout)
        );
    } else if r.truncated {
        eprintln!(
            "pocketdock: output went over {cap} bytes; the rest was dropped and the command killed"
        );
    } else if r.oom_killed {
        eprintln!("pocketdock: the command ran out of memory and was killed");
    }
    Ok(status)
}

pub fn status_of(r: &ExecResult) -> u8 {
    if r.timed_out {
        124
    } else if let Some(sig) = r.signal {
        u8::try_from(128 + sig).unwrap_or(255)
    } else {
        u8::try_from(r.exit_code).unwrap_or(255)
    }
}

fn result_json(r: &ExecResult, status: u8) -> serde_json::Value {
    json!({
        "exit_code": r.exit_code,
        "status": status,
        "signal": r.signal,
        "stdout": r.stdout_text(),
        "stderr": r.stderr_text(),
        "duration_ms": r.duration_ms,
        "timed_out": r.timed_out,
        "truncated": r.truncated,
        "oom_killed": r.oom_killed,
    })
}

fn human(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[derive(Args, Debug)]
pub struct AttachArgs {
    /// The sandbox (name or id)
    pub container: String,
    /// The detached process's id (from `run --detach` or `ps`)
    pub id: u32,
}

/// Replays what the process wrote (as much as the sandbox kept), follows it to its end and
/// exits with its status.
pub async fn attach(ctx: &Ctx, a: AttachArgs) -> CliResult<u8> {
    let client = ctx.client().await?;
    let c = ctx.running(&client, &a.container).await?;
    let p = c
        .attach_process(a.id)
        .await
        .map_err(|e| no_process(e, &a))?;
    enum Ev {
        Out(StreamKind, Vec<u8>),
        Exit(ExecResult),
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let tx_exit = tx.clone();
    p.set_callbacks(Callbacks {
        on_output: Some(std::sync::Arc::new(move |k, d: &[u8]| {
            let _ = tx.send(Ev::Out(k, d.to_vec()));
        })),
        on_exit: Some(std::sync::Arc::new(move |r: &ExecResult| {
            let _ = tx_exit.send(Ev::Exit(r.clone()));
        })),
    })
    .await?;
    while let Some(ev) = rx.recv().await {
        match ev {
            Ev::Out(k, d) => write_chunk(ctx, k, &d)?,
            Ev::Exit(r) => {
                let status = status_of(&r);
                if ctx.out.json {
                    print_json(&result_json(&r, status))?;
                } else if r.timed_out {
                    eprintln!("pocketdock: process {} timed out and was killed", a.id);
                }
                return Ok(status);
            }
        }
    }
    Err(CliError::new(
        code::FAILURE,
        format!("lost the connection to process {} before it ended", a.id),
    ))
}

fn no_process(e: pocketdock::Error, a: &AttachArgs) -> CliError {
    if e.kind() == pocketdock::ErrorKind::InvalidArgument {
        return CliError::new(
            code::NOT_FOUND,
            format!("no detached process {} in {}", a.id, a.container),
        )
        .hint(format!("`pocketdock ps {}` lists them", a.container));
    }
    stopped_as(&a.container)(e)
}

#[derive(Args, Debug)]
pub struct PsArgs {
    /// The sandbox (name or id)
    pub container: String,
    /// Also list every process in the sandbox (as the engine's top sees them)
    #[arg(short, long)]
    pub all: bool,
}

pub async fn ps(ctx: &Ctx, a: PsArgs) -> CliResult<()> {
    let client = ctx.client().await?;
    let c = ctx.running(&client, &a.container).await?;
    let procs = c.list_processes().await.map_err(stopped_as(&a.container))?;
    let top = if a.all { Some(c.info().await?) } else { None };
    if ctx.out.json {
        let detached: Vec<_> = procs
            .iter()
            .map(|p| json!({"id": p.id, "pid": p.pid, "running": p.running, "exit_code": p.exit_code, "argv": p.argv}))
            .collect();
        let mut doc = json!({"container": c.name(), "detached": detached});
        if let Some(i) = &top {
            doc["process_titles"] = json!(i.process_titles);
            doc["processes"] = json!(i.processes);
        }
        return print_json(&doc);
    }
    if ctx.out.quiet {
        for p in &procs {
            println!("{}", p.id);
        }
        return Ok(());
    }
    if procs.is_empty() {
        println!("No detached processes in {}.", c.name());
    } else {
        let mut t = out::table(&["ID", "PID", "STATE", "EXIT", "COMMAND"]);
        for p in &procs {
            let state = if p.running { "running" } else { "exited" };
            t.add_row(vec![
                Cell::new(p.id),
                Cell::new(p.pid),
                out::state_cell(state),
                exit_cell(p.exit_code),
                Cell::new(p.argv.join(" ")),
            ]);
        }
        out::print_table(&t)?;
    }
    if let Some(i) = top {
        let titles: Vec<&str> = i.process_titles.iter().map(String::as_str).collect();
        let mut t = out::table(&titles);
        for row in &i.processes {
            t.add_row(row.clone());
        }
        out::print_table(&t)?;
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct KillArgs {
    /// The sandbox (name or id)
    pub container: String,
    /// The detached process's id
    pub id: u32,
    /// Signal to send (number or name) [default: KILL]
    #[arg(short, long, value_parser = parse::signal, default_value = "KILL")]
    pub signal: i32,
}

pub async fn kill(ctx: &Ctx, a: KillArgs) -> CliResult<()> {
    let client = ctx.client().await?;
    let c = ctx.running(&client, &a.container).await?;
    let attach = AttachArgs {
        container: a.container.clone(),
        id: a.id,
    };
    let p = c
        .attach_process(a.id)
        .await
        .map_err(|e| no_process(e, &attach))?;
    p.kill(a.signal).await?;
    ctx.out.done(
        &format!(
            "Signal {} sent to process {} in {}",
            a.signal,
            a.id,
            c.name()
        ),
        &json!({"container": c.name(), "process_id": a.id, "signal": a.signal}),
    )
}
