//! One session: a sandbox from the pool, its Python interpreter (started on first use),
//! one call at a time, and the time it was last used (for the idle TTL).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pocketdock::{Container, RunOptions};
use tokio::sync::Mutex as AsyncMutex;

use super::config::Config;
use super::interp::{partial_output, CallFailure, Interp};
use super::report::RunReport;

pub struct Sess {
    pub id: String,
    /// In this session's download URLs.
    pub token: String,
    pub container: Container,
    /// Held for the length of a call: a second call finds it taken ("session busy").
    state: AsyncMutex<State>,
    last_used: Mutex<Instant>,
}

#[derive(Default)]
struct State {
    interp: Option<Interp>,
    /// Why the next call starts a fresh interpreter after one existed (for its notes).
    lost: Option<String>,
}

/// The guard of a call in progress.
pub struct Turn<'a>(tokio::sync::MutexGuard<'a, State>);

impl Sess {
    pub fn new(id: String, container: Container) -> Sess {
        Sess {
            id,
            token: super::validate::new_token(),
            container,
            state: AsyncMutex::new(State::default()),
            last_used: Mutex::new(Instant::now()),
        }
    }

    /// Takes the session for one call, or says it is busy.
    pub fn turn(&self) -> Result<Turn<'_>, String> {
        self.touch();
        self.state.try_lock().map(Turn).map_err(|_| {
            format!(
                "session busy: another call is still running in session {}; wait for it to \
                 finish (or use another session)",
                self.id
            )
        })
    }

    pub fn touch(&self) {
        *self.last_used.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    /// Idle past `ttl` and not in a call.
    pub fn expired(&self, ttl: Duration) -> bool {
        let idle = self
            .last_used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed();
        idle > ttl && self.state.try_lock().is_ok()
    }

    /// Runs Python code in the session's interpreter (started if needed).
    pub async fn run_python(
        &self,
        turn: &mut Turn<'_>,
        code: &str,
        cfg: &Config,
    ) -> Result<RunReport, String> {
        let st = &mut turn.0;
        let started = Instant::now();
        let mut report = RunReport {
            session_id: self.id.clone(),
            ..Default::default()
        };
        if st.interp.is_none() {
            if let Some(why) = st.lost.take() {
                report.notes.push(why);
            }
            st.interp = Some(Interp::start(&self.container, &cfg.data_dir).await?);
        }
        let interp = st.interp.as_mut().expect("started above");
        match interp.call(code, cfg.max_output, cfg.timeout).await {
            Ok(a) => {
                report.stdout = a.stdout;
                report.stderr = a.stderr;
                report.result = a.result;
                report.error = a.error;
                report.exit_code = a.exit_code;
                report.truncated = a.truncated;
                report.cpu_ms = Some(a.cpu_ms);
                report.peak_memory_bytes = Some(a.peak_memory_bytes);
                report.files_created = a.files_created;
                report.files_changed = a.files_changed;
            }
            Err(CallFailure::TimedOut) => {
                let _ = interp.kill().await;
                st.interp = None;
                let (out, err, truncated) = partial_output(&self.container, cfg.max_output).await;
                report.stdout = out;
                report.stderr = err;
                report.truncated = truncated;
                report.timed_out = true;
                report.exit_code = -1;
                report.notes.push(format!(
                    "the call ran past the {:?} timeout and was killed with everything it \
                     started; the Python interpreter was restarted, so variables, imports and \
                     definitions from earlier calls are LOST (files in {} are kept)",
                    cfg.timeout, cfg.data_dir
                ));
                // A fresh interpreter now, so the next call does not pay for it.
                match Interp::start(&self.container, &cfg.data_dir).await {
                    Ok(i) => st.interp = Some(i),
                    Err(e) => st.lost = Some(format!("restarting the interpreter failed: {e}")),
                }
            }
            Err(CallFailure::Exited(code, stderr)) => {
                st.interp = None;
                report.exit_code = code;
                report.stderr = stderr;
                report.notes.push(format!(
                    "the Python interpreter exited during the call (status {code}); the next \
                     call starts a new one: variables, imports and definitions are LOST (files \
                     in {} are kept)",
                    cfg.data_dir
                ));
                st.lost = Some(
                    "this call runs in a new Python interpreter: the previous one \
                                exited, and its state is lost"
                        .into(),
                );
            }
            Err(CallFailure::Other(e)) => {
                let _ = interp.kill().await;
                st.interp = None;
                st.lost = Some(
                    "this call runs in a new Python interpreter: the previous one \
                                failed, and its state is lost"
                        .into(),
                );
                return Err(e);
            }
        }
        report.duration_ms = ms(started.elapsed());
        self.touch();
        Ok(report)
    }

    /// Runs a shell command in the data directory (a run of its own: a timeout kills it and
    /// what it started, never the Python interpreter).
    pub async fn run_shell(
        &self,
        _turn: &mut Turn<'_>,
        command: &str,
        cfg: &Config,
    ) -> Result<RunReport, String> {
        let started = Instant::now();
        let before = self.snapshot(cfg).await;
        let opts = RunOptions {
            timeout: Some(cfg.timeout),
            max_output: cfg.max_output.saturating_mul(2),
            workdir: Some(cfg.data_dir.clone()),
            ..Default::default()
        };
        let r = self
            .container
            .run(command, &opts)
            .await
            .map_err(|e| format!("running the command: {e}"))?;
        let after = self.snapshot(cfg).await;
        let mut report = RunReport {
            session_id: self.id.clone(),
            stdout: r.stdout_text(),
            stderr: r.stderr_text(),
            exit_code: if r.timed_out { -1 } else { r.exit_code },
            timed_out: r.timed_out,
            truncated: r.truncated,
            cpu_ms: r.usage.map(|u| ms(u.cpu_total())),
            peak_memory_bytes: r.usage.map(|u| u.peak_rss_bytes),
            ..Default::default()
        };
        if r.timed_out {
            report.notes.push(format!(
                "the command ran past the {:?} timeout and was killed with everything it started",
                cfg.timeout
            ));
        }
        (report.files_created, report.files_changed) = diff(&before, &after);
        report.duration_ms = ms(started.elapsed());
        self.touch();
        Ok(report)
    }

    /// path -> "size mtime" of the files under the data directory.
    async fn snapshot(&self, cfg: &Config) -> BTreeMap<String, String> {
        let argv: Vec<String> = [
            "sh",
            "-c",
            "find \"$1\" -xdev -type f -printf '%P\\t%s %T@\\n' 2>/dev/null | head -n 10000",
            "sh",
            &cfg.data_dir,
        ]
        .map(String::from)
        .into();
        let out = match self.container.run_argv(argv, RunOptions::default()).await {
            Ok(r) => r.stdout_text(),
            Err(_) => return BTreeMap::new(),
        };
        out.lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(p, s)| (p.to_owned(), s.to_owned()))
            .collect()
    }

    /// Ends the interpreter (the sandbox is given back by the caller).
    pub async fn stop_interp(&self) {
        if let Ok(mut st) = self.state.try_lock() {
            if let Some(i) = st.interp.take() {
                let _ = i.kill().await;
            }
        }
    }
}

fn diff(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> (Vec<String>, Vec<String>) {
    let created = after
        .keys()
        .filter(|p| !before.contains_key(*p))
        .cloned()
        .collect();
    let changed = after
        .iter()
        .filter(|(p, v)| before.get(*p).is_some_and(|b| b != *v))
        .map(|(p, _)| p.clone())
        .collect();
    (created, changed)
}

pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_finds_new_and_changed_files() {
        let b: BTreeMap<String, String> = [("a", "1 1"), ("b", "2 2")]
            .map(|(k, v)| (k.into(), v.into()))
            .into();
        let a: BTreeMap<String, String> = [("a", "1 1"), ("b", "3 5"), ("c", "1 9")]
            .map(|(k, v)| (k.into(), v.into()))
            .into();
        assert_eq!(diff(&b, &a), (vec!["c".to_owned()], vec!["b".to_owned()]));
    }
}
