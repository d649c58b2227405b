//! `pocketdock.yaml`: the project's settings, read with a small strict parser (the file is
//! flat apart from one `logging:` block, so a YAML library would add much and check little:
//! here an unknown key, a tab or a malformed value is an error naming the file and line).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::container::options::parse_mem_limit;
use crate::error::{Error, Result};

/// Logging settings (`logging:` block).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggingConfig {
    /// Write a history line (JSON Lines) for every run. Default true.
    pub history: bool,
    /// Keep the output of every run in a per-run log file. Default true.
    pub run_logs: bool,
    /// Largest size of one log file in bytes (`max_file_size: 10m`): a per-run log is cut
    /// there, the history rotates to `history.1.jsonl`. Default 10 MiB.
    pub max_file_size: u64,
    /// Most per-run logs kept per instance (the oldest go first). Default 100.
    pub max_run_logs: usize,
    /// Per-run logs (and a rotated history) older than this many days are deleted; 0 keeps
    /// them regardless of age. Default 30.
    pub max_age_days: u64,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            history: true,
            run_logs: true,
            max_file_size: 10 << 20,
            max_run_logs: 100,
            max_age_days: 30,
        }
    }
}

/// The merged settings of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectConfig {
    /// The project label of its containers. Default: the project directory's name.
    pub project_name: String,
    /// Image profile of new sandboxes (see `list_profiles`); `None`: the default image.
    pub default_profile: Option<String>,
    /// Whether new sandboxes are persistent.
    pub default_persist: bool,
    /// Engine socket; `None`: discovery.
    pub socket: Option<PathBuf>,
    pub logging: LoggingConfig,
}

/// One file's values, `None` where it says nothing.
#[derive(Debug, Default, Clone)]
pub(crate) struct Layer {
    project_name: Option<String>,
    default_profile: Option<String>,
    default_persist: Option<bool>,
    socket: Option<PathBuf>,
    history: Option<bool>,
    run_logs: Option<bool>,
    max_file_size: Option<u64>,
    max_run_logs: Option<usize>,
    max_age_days: Option<u64>,
}

impl Layer {
    /// Reads `path`; a missing file is an empty layer.
    pub(crate) fn read(path: &Path) -> Result<Layer> {
        match std::fs::read_to_string(path) {
            Ok(text) => Layer::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Layer::default()),
            // read_to_string's word for "not UTF-8": a bad file, not a failed read.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(Error::invalid(format!(
                "{}: not UTF-8 text ({e})",
                path.display()
            ))),
            Err(e) => Err(Error::Io(e)),
        }
    }

    pub(crate) fn parse(text: &str, path: &Path) -> Result<Layer> {
        let mut l = Layer::default();
        for (line, key, value) in scalars(text, path)? {
            let bad = |what: &str| {
                Error::invalid(format!(
                    "{}:{line}: {key}: {what}, got {value:?}",
                    path.display()
                ))
            };
            let Some(v) = value.clone() else { continue };
            let boolean = || match v.as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(bad("expected true or false")),
            };
            let number = || v.parse::<u64>().map_err(|_| bad("expected a whole number"));
            match key.as_str() {
                "project_name" => l.project_name = Some(v.clone()),
                "default_profile" => {
                    crate::profiles::resolve_profile(&v).map_err(|e| bad(&e.to_string()))?;
                    l.default_profile = Some(v.clone());
                }
                "default_persist" => l.default_persist = Some(boolean()?),
                "socket" => l.socket = Some(PathBuf::from(&v)),
                "logging.history" => l.history = Some(boolean()?),
                "logging.run_logs" => l.run_logs = Some(boolean()?),
                "logging.max_file_size" => {
                    let n = parse_mem_limit(&v).map_err(|_| bad("expected a size like 10m"))?;
                    l.max_file_size = Some(n as u64);
                }
                "logging.max_run_logs" => l.max_run_logs = Some(number()? as usize),
                "logging.max_age_days" => l.max_age_days = Some(number()?),
                _ => {
                    return Err(Error::invalid(format!(
                        "{}:{line}: unknown key {key:?}",
                        path.display()
                    )))
                }
            }
        }
        Ok(l)
    }

    /// `self` over `under`.
    pub(crate) fn over(self, under: Layer) -> Layer {
        Layer {
            project_name: self.project_name.or(under.project_name),
            default_profile: self.default_profile.or(under.default_profile),
            default_persist: self.default_persist.or(under.default_persist),
            socket: self.socket.or(under.socket),
            history: self.history.or(under.history),
            run_logs: self.run_logs.or(under.run_logs),
            max_file_size: self.max_file_size.or(under.max_file_size),
            max_run_logs: self.max_run_logs.or(under.max_run_logs),
            max_age_days: self.max_age_days.or(under.max_age_days),
        }
    }

    /// The settings, built-in defaults where no layer spoke.
    pub(crate) fn resolve(self, default_name: &str) -> ProjectConfig {
        let d = LoggingConfig::default();
        ProjectConfig {
            project_name: self.project_name.unwrap_or_else(|| default_name.to_owned()),
            default_profile: self.default_profile,
            default_persist: self.default_persist.unwrap_or(false),
            socket: self.socket,
            logging: LoggingConfig {
                history: self.history.unwrap_or(d.history),
                run_logs: self.run_logs.unwrap_or(d.run_logs),
                max_file_size: self.max_file_size.unwrap_or(d.max_file_size),
                max_run_logs: self.max_run_logs.unwrap_or(d.max_run_logs),
                max_age_days: self.max_age_days.unwrap_or(d.max_age_days),
            },
        }
    }
}

type Scalars = Vec<(usize, String, Option<String>)>;

/// `(line, key, value)` of every `key: value`; keys under `logging:` come as `logging.key`.
/// An empty value, `~` or `null` is `None`.
fn scalars(text: &str, path: &Path) -> Result<Scalars> {
    let err =
        |line: usize, what: &str| Error::invalid(format!("{}:{line}: {what}", path.display()));
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    let mut seen = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.contains('\t') {
            return Err(err(line, "tabs are not allowed in YAML indentation"));
        }
        let content = raw.trim_end();
        let body = content.trim_start();
        if body.is_empty() || body.starts_with('#') || body == "---" {
            continue;
        }
        let indented = body.len() < content.len();
        let (key, rest) = body
            .split_once(':')
            .ok_or_else(|| err(line, "expected `key: value`"))?;
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(err(line, &format!("malformed key {key:?}")));
        }
        if !rest.is_empty() && !rest.starts_with(' ') {
            return Err(err(line, "expected a space after `:`"));
        }
        let value = scalar(rest.trim()).map_err(|w| err(line, &w))?;
        let full = match (&block, indented) {
            (Some(b), true) => format!("{b}.{key}"),
            (None, true) => return Err(err(line, "unexpected indentation")),
            (_, false) => {
                block = None;
                if value.is_none() && key == "logging" {
                    block = Some(key.to_owned());
                    continue;
                }
                key.to_owned()
            }
        };
        if seen.insert(full.clone(), line).is_some() {
            return Err(err(line, &format!("duplicate key {full:?}")));
        }
        out.push((line, full, value));
    }
    Ok(out)
}

/// A plain, 'single' or "double" quoted scalar with an optional trailing comment.
fn scalar(s: &str) -> std::result::Result<Option<String>, String> {
    if let Some(inner) = s.strip_prefix('"') {
        // YAML's double-quoted escapes are a superset of JSON's; the common ones agree.
        let end = closing_double_quote(inner).ok_or("unterminated \"string\"")?;
        after_value(&inner[end + 1..])?;
        let v: String = serde_json::from_str(&s[..end + 2]).map_err(|e| e.to_string())?;
        return Ok(Some(v));
    }
    if let Some(inner) = s.strip_prefix('\'') {
        let mut v = String::new();
        let mut chars = inner.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().map(|p| p.1) == Some('\'') {
                    chars.next();
                    v.push('\'');
                    continue;
                }
                after_value(&inner[i + 1..])?;
                return Ok(Some(v));
            }
            v.push(c);
        }
        return Err("unterminated 'string'".into());
    }
    let v = match s.find(" #") {
        Some(i) => s[..i].trim_end(),
        None => s,
    };
    if v.starts_with(['[', '{', '&', '*', '!', '|', '>', '@', '`']) {
        return Err(format!("unsupported YAML value {v:?} (quote it)"));
    }
    Ok(match v {
        "" | "~" | "null" => None,
        _ => Some(v.to_owned()),
    })
}

fn closing_double_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => return Some(i),
            _ => {}
        }
    }
    None
}

fn after_value(rest: &str) -> std::result::Result<(), String> {
    let rest = rest.trim_start();
    match rest.is_empty() || rest.starts_with('#') {
        true => Ok(()),
        false => Err(format!("unexpected {rest:?} after the value")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Layer> {
        Layer::parse(t, Path::new("p.yaml"))
    }

    #[test]
    fn a_file_that_is_not_utf8_is_an_invalid_argument() {
        let dir = std::env::temp_dir().join(format!("pd-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("pocketdock.yaml");
        std::fs::write(&f, b"project_name: \xff\xfe\n").unwrap();
        let e = Layer::read(&f).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{e}");
        assert!(e.to_string().contains("not UTF-8"), "{e}");
    }

    #[test]
    fn a_full_file_parses() {
        let l = parse(
            "# comment\nproject_name: \"my \\\"proj\\\"\"  # trailing\ndefault_profile: dev\n\
             default_persist: true\nsocket: '/run/it''s.sock'\nlogging:\n  history: false\n  \
             max_file_size: 1m\n  max_run_logs: 3\n  max_age_days: 0\n",
        )
        .unwrap();
        let c = l.resolve("dir");
        assert_eq!(c.project_name, "my \"proj\"");
        assert_eq!(c.default_profile.as_deref(), Some("dev"));
        assert!(c.default_persist);
        assert_eq!(c.socket, Some(PathBuf::from("/run/it's.sock")));
        assert!(!c.logging.history);
        assert!(c.logging.run_logs);
        assert_eq!(c.logging.max_file_size, 1 << 20);
        assert_eq!(c.logging.max_run_logs, 3);
        assert_eq!(c.logging.max_age_days, 0);
    }

    #[test]
    fn layers_merge_project_over_user_over_defaults() {
        let user = parse("default_persist: true\nlogging:\n  max_run_logs: 7\n").unwrap();
        let proj = parse("default_persist: false\n").unwrap();
        let c = proj.over(user).resolve("d");
        assert!(!c.default_persist);
        assert_eq!(c.logging.max_run_logs, 7);
        assert_eq!(c.project_name, "d");
        assert_eq!(c.logging.max_age_days, 30);
    }

    #[test]
    fn mistakes_are_errors_with_a_line() {
        for (t, want) in [
            ("nope: 1\n", ":1: unknown key"),
            ("default_persist: yes\n", "true or false"),
            ("default_profile: nope\n", "unknown profile"),
            ("logging:\n\thistory: true\n", "tabs"),
            ("a b: 1\n", "malformed key"),
            ("  project_name: x\n", "indentation"),
            ("project_name: \"x\n", "unterminated"),
            ("project_name: x\nproject_name: y\n", ":2: duplicate"),
            ("logging:\n  max_run_logs: -1\n", "whole number"),
            ("project_name: [a]\n", "unsupported"),
            ("logging:\n  colour: red\n", "logging.colour"),
        ] {
            let e = parse(t).unwrap_err().to_string();
            assert!(e.contains(want), "{t:?}: {e}");
        }
    }
}
