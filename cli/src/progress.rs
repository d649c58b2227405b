//! Progress on a terminal (indicatif), nothing when stderr is piped or with -q/--json.

use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::ctx::Ctx;
use crate::out::{is_tty, Stream};

pub struct Spinner {
    bar: Option<ProgressBar>,
    watcher: Option<tokio::task::JoinHandle<()>>,
}

impl Spinner {
    /// A spinner with `message`, drawn only on a terminal.
    pub fn start(ctx: &Ctx, message: String) -> Spinner {
        if ctx.out.quiet || ctx.out.json || !is_tty(Stream::Stderr) {
            return Spinner {
                bar: None,
                watcher: None,
            };
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(100));
        Spinner {
            bar: Some(bar),
            watcher: None,
        }
    }

    /// Shows the size of `file` as it grows (an export being written).
    pub fn watch_file(mut self, file: PathBuf) -> Spinner {
        if let Some(bar) = self.bar.clone() {
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {bytes} ({elapsed})") {
                bar.set_style(style);
            }
            self.watcher = Some(tokio::spawn(async move {
                loop {
                    if let Ok(m) = std::fs::metadata(&file) {
                        bar.set_position(m.len());
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }));
        }
        self
    }

    pub fn clone_bar(&self) -> Option<ProgressBar> {
        self.bar.clone()
    }

    pub fn finish(self) {
        if let Some(w) = &self.watcher {
            w.abort();
        }
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
