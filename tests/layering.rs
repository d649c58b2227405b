//! The core does not depend on `project/`: projects plug into it through `src/hooks.rs`.
//! Only `project/` itself and the crate root (its re-exports) may name it; the C ABI is
//! another crate, above the core. This reads the sources, so it needs no engine.

use std::path::{Path, PathBuf};

/// The crate root wires the parts together, and the fuzzing module (built only with the
/// `fuzzing` feature) reaches every parser, the project config's among them.
const ALLOWED: [&str; 3] = ["src/project", "src/lib.rs", "src/fuzzing.rs"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code without comments and string literals, whitespace collapsed, so a path split
/// over lines or hidden in a `use crate::{...}` group is still one string.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut in_str = false;
        let mut prev = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (in_str, c) {
                (false, '/') if chars.peek() == Some(&'/') => break,
                (false, '"') => in_str = true,
                (true, '"') if prev != '\\' => in_str = false,
                (false, c) => out.push(c),
                _ => {}
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
        }
        out.push(' ');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What the crate root re-exports from `project/` (`crate::Project` is `project::Project`).
fn reexported(lib: &str) -> Vec<String> {
    let lib = code(lib);
    let Some(at) = lib.find("pub use project::{") else {
        return Vec::new();
    };
    let rest = &lib[at + "pub use project::{".len()..];
    rest[..rest.find('}').unwrap()]
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Every place a core file names `project/`, directly or through the root's re-exports.
fn violations(file: &str, reexports: &[String]) -> Vec<String> {
    let code = code(file);
    let mut found = Vec::new();
    for bad in ["crate::project", "super::project", "super::super::project"] {
        if code.contains(bad) {
            found.push(bad.to_owned());
        }
    }
    // `use crate::{a, project::b}` and `use crate::{..., Project}`.
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::{") {
        let group = &rest[at..];
        let group = &group[..group.find("};").unwrap_or(group.len())];
        let words: Vec<&str> = group
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .collect();
        if words.contains(&"project") || reexports.iter().any(|r| words.contains(&r.as_str())) {
            found.push(group.to_owned());
        }
        rest = &rest[at + 1..];
    }
    for r in reexports {
        let path = format!("crate::{r}");
        let hit = code.match_indices(&path).any(|(i, _)| {
            let next = code[i + path.len()..].chars().next();
            !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        if hit {
            found.push(path);
        }
    }
    found
}

#[test]
fn the_core_does_not_name_project() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reexports = reexported(&std::fs::read_to_string(root.join("src/lib.rs")).unwrap());
    assert!(reexports.contains(&"Project".to_owned()), "{reexports:?}");
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    let mut bad = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        if ALLOWED.iter().any(|a| rel.starts_with(a)) {
            continue;
        }
        for v in violations(&std::fs::read_to_string(f).unwrap(), &reexports) {
            bad.push(format!("{rel}: {v}"));
        }
    }
    assert!(
        bad.is_empty(),
        "the core must not depend on project/ (use src/hooks.rs):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_check_sees_what_it_should() {
    let re = vec!["Project".to_owned()];
    assert!(!violations("use crate::project::logs::Recorder;", &re).is_empty());
    assert!(!violations("use crate::{\n  error::Error,\n  project::x,\n};", &re).is_empty());
    assert!(!violations("let p = crate::Project::open(d);", &re).is_empty());
    assert!(!violations("use crate::{Client, Project};", &re).is_empty());
    assert!(violations("// crate::project::x in a comment", &re).is_empty());
    assert!(violations("let s = \"crate::project\";", &re).is_empty());
    assert!(violations("use crate::ProjectConfigX;", &re).is_empty());
    assert!(violations("opts.project_dir = None;", &re).is_empty());
}
