//! Builds the in-sandbox agent (`crates/agent`, std only) as a static binary with the same
//! rustc, for the library to embed; then generates the C header from `src/ffi/` with the pinned cbindgen: into OUT_DIR on every
//! build (the drift test compares it with the committed `include/pocketdock.h`), and over
//! the committed header itself when `POCKETDOCK_WRITE_HEADER=1` (see `scripts/gen-header`).

use std::path::PathBuf;

fn main() {
    build_agent();
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=POCKETDOCK_WRITE_HEADER");
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable");
    // Version macros come from Cargo.toml, so they cannot drift from it.
    let version = std::env::var("CARGO_PKG_VERSION").unwrap();
    let part = |k: &str| std::env::var(k).unwrap();
    let macros = format!(
        "\n#define PD_VERSION \"{version}\"\n#define PD_VERSION_MAJOR {}\n\
         #define PD_VERSION_MINOR {}\n#define PD_VERSION_PATCH {}\n",
        part("CARGO_PKG_VERSION_MAJOR"),
        part("CARGO_PKG_VERSION_MINOR"),
        part("CARGO_PKG_VERSION_PATCH")
    );
    let declared = config.after_includes.take().unwrap_or_default();
    config.after_includes = Some(macros + &declared);
    let bindings = match cbindgen::generate_with_config(&crate_dir, config) {
        Ok(b) => b,
        Err(e) => {
            // A half-edited source should not hide the compiler's own, better, error.
            println!("cargo:warning=cbindgen could not generate the header: {e}");
            return;
        }
    };
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("pocketdock.h");
    bindings.write_to_file(&out);
    if std::env::var("POCKETDOCK_WRITE_HEADER").as_deref() == Ok("1") {
        bindings.write_to_file(crate_dir.join("include/pocketdock.h"));
    }
}

/// Compiles the agent crate (`crates/agent`) into `$OUT_DIR/pocketdock-agent`: static (so it
/// runs in any image, even one without a libc), stripped, small. Plain rustc, the wire crate
/// first as an rlib passed with `--extern`: both are std only, and a nested cargo would wait
/// on the lock of the build that runs this script.
fn build_agent() {
    println!("cargo:rerun-if-changed=crates/agent/src");
    println!("cargo:rerun-if-changed=crates/wire/src");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let wire = out.join("libpocketdock_wire.rlib");
    agent_rustc(&["--crate-type", "rlib", "--crate-name", "pocketdock_wire"])
        .arg("crates/wire/src/lib.rs")
        .arg("-o")
        .arg(&wire)
        .status()
        .map(|s| assert!(s.success(), "building the agent's wire crate failed"))
        .expect("run rustc for the wire crate");
    agent_rustc(&["--crate-type", "bin", "--crate-name", "pocketdock_agent"])
        .arg("--extern")
        .arg(format!("pocketdock_wire={}", wire.display()))
        .arg("crates/agent/src/main.rs")
        .arg("-o")
        .arg(out.join("pocketdock-agent"))
        .status()
        .map(|s| assert!(s.success(), "building pocketdock-agent failed"))
        .expect("run rustc for the agent");
}

/// rustc with the agent's flags; both crates take the same ones, so the rlib links.
fn agent_rustc(kind: &[&str]) -> std::process::Command {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let mut cmd = std::process::Command::new(rustc);
    cmd.args(["--edition", "2021"]).args(kind).args([
        "-C",
        "opt-level=s",
        "-C",
        "target-feature=+crt-static",
        "-C",
        "strip=symbols",
        "-C",
        "codegen-units=1",
        "-D",
        "warnings",
    ]);
    cmd
}
