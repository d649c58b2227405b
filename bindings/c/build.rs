//! Generates the C header from this crate's `src/` with the pinned cbindgen: into OUT_DIR on
//! every build (the drift test compares it with the committed `include/pocketdock.h`), and
//! over the committed header itself when `POCKETDOCK_WRITE_HEADER=1` (`scripts/gen-header`).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=POCKETDOCK_WRITE_HEADER");
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable");
    // Version macros come from the workspace version, so they cannot drift from Cargo.toml.
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
    let mut text = Vec::new();
    bindings.write(&mut text);
    let text = c89(&String::from_utf8(text).expect("cbindgen writes UTF-8"));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("pocketdock.h");
    std::fs::write(&out, &text).expect("write the header to OUT_DIR");
    if std::env::var("POCKETDOCK_WRITE_HEADER").as_deref() == Ok("1") {
        std::fs::write(crate_dir.join("../../include/pocketdock.h"), &text)
            .expect("write include/pocketdock.h");
    }
}

/// What keeps cbindgen's output from compiling as C89 (`-std=c89 -pedantic-errors`) that no
/// option of it controls (`documentation_style = "doxy"` does the doc comments): the `//`
/// comments it writes after `#endif` and `}` of its C++ guards, and the comma after the
/// last enumerator.
fn c89(header: &str) -> String {
    header
        .replace("// __cplusplus", "/* __cplusplus */")
        .replace("}  // extern \"C\"", "}  /* extern \"C\" */")
        .replace(",\n};", "\n};")
}
