//! Gives `libpocketdock.so` its SONAME, `libpocketdock.so.<ABI>`: the major number of the
//! shared library is the C ABI version (`PD_ABI_VERSION`, bumped on any incompatible change),
//! so a program linked against ABI 2 never loads a library of another ABI. scripts/install
//! installs it as `libpocketdock.so.<ABI>.<version>` with the two usual symlinks.

use std::path::PathBuf;

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return; // the SONAME scheme and the symlink are for ELF on Linux, the platform here
    }
    let version_rs = "../src/version.rs";
    println!("cargo:rerun-if-changed={version_rs}");
    let src = std::fs::read_to_string(version_rs).expect("bindings/c/src/version.rs is readable");
    let abi = src
        .lines()
        .find_map(|l| l.trim().strip_prefix("pub const PD_ABI_VERSION: u32 = "))
        .and_then(|v| v.trim_end_matches(';').parse::<u32>().ok())
        .expect("version.rs defines `pub const PD_ABI_VERSION: u32 = N;`");
    let soname = format!("libpocketdock.so.{abi}");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    // A program linked in the checkout (tests, the Go binding) asks the loader for the
    // SONAME, so the artifact directory gets the symlink an install would have. OUT_DIR is
    // <target>/<profile>/build/<pkg>-<hash>/out; the libraries land in <target>/<profile>.
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    if let Some(dir) = out.ancestors().nth(3) {
        let link = dir.join(&soname);
        if std::fs::symlink_metadata(&link).is_err() {
            // Dangling until the library is linked, which this build is about to do.
            #[cfg(unix)]
            let _ = std::os::unix::fs::symlink("libpocketdock.so", &link);
        }
    }
}
