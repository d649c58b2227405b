//! The library's `tracing` events, for C: silent until `pd_set_log_callback` installs a
//! callback, then every event at or above the chosen level goes to it on the callback thread.

use std::ffi::c_void;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Once, RwLock};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use super::boundary::guard;
use super::dispatch::{log_sink, pd_free_cb, pd_log_cb, LogSink};
use super::error::{pd_error, pd_status};
use pocketdock::Error;

/// How much the library says. Numbers are part of the ABI.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum pd_log_level {
    PD_LOG_OFF = 0,
    PD_LOG_ERROR = 1,
    PD_LOG_WARN = 2,
    PD_LOG_INFO = 3,
    PD_LOG_DEBUG = 4,
    PD_LOG_TRACE = 5,
}

/// The most verbose level delivered (0: nothing), read on every event without a lock.
static MAX: AtomicI32 = AtomicI32::new(0);
static SINK: RwLock<Option<LogSink>> = RwLock::new(None);
static INSTALL: Once = Once::new();

fn level_number(l: &Level) -> i32 {
    match *l {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

/// Sends the library's own log records (targets `pocketdock...`) at `level` and more severe to `cb`, on the callback
/// thread, in order (see docs/ffi-conventions.md). `level` `PD_LOG_OFF` or a NULL `cb`
/// silences the library again (the default). A later call replaces the earlier callback,
/// whose `free_user_data` is then called once (after its last record). The callback must not
/// block for long: records wait behind it. `PD_ERR_INVALID_ARGUMENT` for a level outside
/// 0..5 (the callback is not installed, but `free_user_data` is still called);
/// `PD_ERR_INVALID_STATE` if the process already has a global `tracing` subscriber of its own.
#[no_mangle]
pub extern "C" fn pd_set_log_callback(
    level: i32,
    cb: pd_log_cb,
    user_data: *mut c_void,
    free_user_data: pd_free_cb,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let sink = log_sink(cb, user_data, free_user_data);
        if !(0..=5).contains(&level) {
            return Err(crate::error::invalid(format!(
                "log level {level} is not 0..5"
            )));
        }
        install()?;
        let (level, sink) = match sink {
            Some(s) if level > 0 => (level, Some(s)),
            _ => (0, None),
        };
        let old = std::mem::replace(&mut *SINK.write().unwrap_or_else(|e| e.into_inner()), sink);
        MAX.store(level, Ordering::Release);
        // Callsites cache whether they are enabled; the level just changed.
        tracing::callsite::rebuild_interest_cache();
        drop(old);
        Ok(())
    })
}

fn install() -> Result<(), Error> {
    let mut result = Ok(());
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(ToCallback);
        result = tracing::subscriber::set_global_default(subscriber).map_err(|_| {
            Error::InvalidState(
                "this process already installed a global tracing subscriber; pocketdock's \
                 records go to it"
                    .into(),
            )
        });
    });
    result
}

/// The layer that hands each enabled event to the sink.
struct ToCallback;

impl<S: Subscriber> Layer<S> for ToCallback {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        // The level changes at run time: ask `enabled` every time, never cache a verdict.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        // The library's own records only: the HTTP crates underneath log every pooled
        // connection at DEBUG, which says nothing a pocketdock user can act on.
        level_number(metadata.level()) <= MAX.load(Ordering::Acquire)
            && metadata.target().starts_with("pocketdock")
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let Some(sink) = SINK.read().ok().and_then(|s| s.clone()) else {
            return;
        };
        let mut text = Text::default();
        event.record(&mut text);
        let meta = event.metadata();
        sink(level_number(meta.level()), meta.target(), &text.finish());
    }
}

/// An event as one line: the message, then its other fields as `key=value`.
#[derive(Default)]
struct Text {
    message: String,
    fields: String,
}

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

impl Text {
    fn finish(self) -> String {
        self.message + &self.fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_reads_as_its_message_then_its_fields() {
        let mut t = Text::default();
        t.message.push_str("engine found");
        let _ = write!(t.fields, " socket={:?}", "/s");
        assert_eq!(t.finish(), "engine found socket=\"/s\"");
        assert_eq!(
            level_number(&Level::ERROR),
            pd_log_level::PD_LOG_ERROR as i32
        );
        assert_eq!(
            level_number(&Level::TRACE),
            pd_log_level::PD_LOG_TRACE as i32
        );
    }
}
