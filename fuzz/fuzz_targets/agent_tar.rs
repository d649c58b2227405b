//! The agent's own tar reader and writer (crates/agent/src/tar.rs, compiled in here as the
//! agent compiles it): every header of any input is read (long names, PAX records, base-256
//! numbers) and its content skipped without panicking; each header read back through the
//! agent's writer must read the same again.
#![no_main]
#![allow(dead_code)]
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/agent/src/tar.rs"]
mod tar;

fuzz_target!(|data: &[u8]| {
    let mut r = tar::Reader::new(data);
    for _ in 0..64 {
        let Ok(Some(h)) = r.next_header() else {
            return;
        };
        if h.kind != tar::Kind::Other && !h.name.contains(&0) && !h.link.contains(&0) {
            let mut w = tar::Writer::new(Vec::new());
            w.header(&h).unwrap();
            let bytes = w.finish().unwrap();
            let back = tar::Reader::new(&bytes[..]).next_header().unwrap();
            assert_eq!(
                back.as_ref(),
                Some(&h),
                "written header reads back differently"
            );
        }
        // As the agent's unpacking does: directories and symlinks carry no content.
        let size = match h.kind {
            tar::Kind::Dir | tar::Kind::Symlink => 0,
            _ => h.size,
        };
        if r.skip(size).is_err() {
            return;
        }
    }
});
