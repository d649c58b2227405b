//! The committed C header must be exactly what the pinned cbindgen generates from `bindings/c/src/`.

#[test]
fn committed_header_matches_cbindgen_output() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/pocketdock.h"));
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../include/pocketdock.h"
    ))
    .expect("include/pocketdock.h is committed");
    assert!(
        generated == committed,
        "include/pocketdock.h is stale: run scripts/gen-header and commit the result"
    );
}

#[test]
fn header_names_are_all_prefixed() {
    let header = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../include/pocketdock.h"
    ));
    for line in header.lines() {
        if let Some(rest) = line.strip_prefix("#define ") {
            let name = rest.split_whitespace().next().unwrap_or_default();
            assert!(
                name.starts_with("PD_") || name == "POCKETDOCK_H",
                "unprefixed macro {name} in the C header (exclude it in cbindgen.toml)"
            );
        }
    }
}
