//! `pull`, `list_files` and `read_file` over an archive a container made
//! (src/files/unpack.rs): the archive is untrusted. It is extracted into a fresh directory
//! inside a scratch directory; nothing may panic, and nothing may appear outside the
//! extraction root, whatever the archive's names, links and modes. Input: a byte choosing the
//! archive's top (an archive of `/`, of a path named `x`, or of one named `d`), then the tar.
#![no_main]
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use libfuzzer_sys::fuzz_target;
use pocketdock::fuzzing::{tar_extract, tar_read};

fn scratch() -> PathBuf {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let base = std::env::var_os("PD_FUZZ_SCRATCH")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    base.join(format!(
        "pd-fuzz-tar-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Makes everything below `p` removable again (extraction may leave mode-0 directories).
fn unlock(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(m) = std::fs::symlink_metadata(p) else {
        return;
    };
    if m.is_dir() {
        let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700));
        if let Ok(rd) = std::fs::read_dir(p) {
            for e in rd.flatten() {
                unlock(&e.path());
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, archive)) = data.split_first() else {
        return;
    };
    let top: Option<&[u8]> = match sel % 3 {
        0 => None,
        1 => Some(b"x"),
        _ => Some(b"d"),
    };
    let _ = tar_read(archive, top);
    let dir = scratch();
    std::fs::create_dir_all(&dir).unwrap();
    let root = dir.join("root");
    let _ = tar_extract(archive, top, &root);
    let outside: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "root")
        .collect();
    unlock(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        outside.is_empty(),
        "extraction wrote outside its root: {outside:?}"
    );
});
