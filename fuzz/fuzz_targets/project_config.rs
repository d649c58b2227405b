//! A project's `pocketdock.yaml` (src/project/config.rs): the library's own YAML-subset
//! reader, then the merge with the defaults. A file may be refused (with its line), never
//! crash the library; one that parses must parse the same again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pocketdock::fuzzing::project_config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match project_config(text) {
        Ok(c) => assert_eq!(
            format!("{c:?}"),
            format!("{:?}", project_config(text).unwrap())
        ),
        Err(e) => assert!(
            e.starts_with("pocketdock.yaml:") || e.contains("pocketdock.yaml:"),
            "{e}"
        ),
    }
});
