//! The committed C header must be exactly what the pinned cbindgen generates from `src/ffi/`.

#[test]
fn committed_header_matches_cbindgen_output() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/pocketdock.h"));
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/pocketdock.h"))
            .expect("include/pocketdock.h is committed");
    assert!(
        generated == committed,
        "include/pocketdock.h is stale: run scripts/gen-header and commit the result"
    );
}
