//! A session's artifacts: the files under its data directory, listed and read through the
//! sandbox's agent (never from the host's filesystem).

use pocketdock::RunOptions;

use super::report::{Artifact, ArtifactContent, ArtifactList};
use super::session::Sess;
use super::validate;

/// Most files listed.
const LIST_LIMIT: usize = 1000;
/// The characters escaped in a download URL's path (everything but unreserved ones and `/`).
const PATH_SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn mime_of(path: &str) -> String {
    mime_guess::from_path(path)
        .first_or_octet_stream()
        .essence_str()
        .to_owned()
}

/// The download URL of `path` in `sess`, when the artifact server runs.
pub fn download_url(base: Option<&String>, sess: &Sess, path: &str) -> Option<String> {
    base.map(|b| {
        format!(
            "{b}/artifacts/{}/{}/{}",
            sess.id,
            sess.token,
            percent_encoding::utf8_percent_encode(path, PATH_SET)
        )
    })
}

pub async fn list(
    sess: &Sess,
    data_dir: &str,
    base: Option<&String>,
) -> Result<ArtifactList, String> {
    let script = format!(
        "find \"$1\" -xdev -type f -printf '%s\\t%P\\n' 2>/dev/null | head -n {}",
        LIST_LIMIT + 1
    );
    let argv: Vec<String> = vec![
        "sh".into(),
        "-c".into(),
        script,
        "sh".into(),
        data_dir.into(),
    ];
    let r = sess
        .container
        .run_argv(argv, RunOptions::default())
        .await
        .map_err(|e| format!("listing the data directory: {e}"))?;
    let mut artifacts: Vec<Artifact> = r
        .stdout_text()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(size, path)| Artifact {
            path: path.to_owned(),
            size: size.parse().unwrap_or(0),
            mime_type: mime_of(path),
            download_url: download_url(base, sess, path),
        })
        .collect();
    let truncated = artifacts.len() > LIST_LIMIT;
    artifacts.truncate(LIST_LIMIT);
    artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(ArtifactList {
        session_id: sess.id.clone(),
        data_dir: data_dir.to_owned(),
        artifacts,
        truncated,
    })
}

/// Reads one file, refusing one over `max` bytes (its download URL has no such limit).
pub async fn read(
    sess: &Sess,
    data_dir: &str,
    path: &str,
    max: usize,
    base: Option<&String>,
) -> Result<ArtifactContent, String> {
    let path = validate::relative_path(path, "path")?;
    let full = format!("{data_dir}/{path}");
    // Status 3: no such file; 4: too big (its size on stdout); else the first max+1 bytes.
    let script = "[ -f \"$1\" ] || exit 3; s=$(stat -L -c %s -- \"$1\") || exit 3; \
                  [ \"$s\" -le \"$2\" ] || { echo \"$s\"; exit 4; }; exec head -c \"$2\" -- \"$1\"";
    let argv: Vec<String> = vec![
        "sh".into(),
        "-c".into(),
        script.into(),
        "sh".into(),
        full,
        max.to_string(),
    ];
    let opts = RunOptions {
        max_output: max + 4096,
        ..Default::default()
    };
    let r = sess
        .container
        .run_argv(argv, &opts)
        .await
        .map_err(|e| format!("reading {path}: {e}"))?;
    match r.exit_code {
        0 => {}
        3 => {
            return Err(format!(
                "no file {path:?} in {data_dir} (see list_artifacts)"
            ))
        }
        4 => {
            let size = r.stdout_text().trim().to_owned();
            let how = if base.is_some() {
                "use its download_url"
            } else {
                "read a smaller file"
            };
            return Err(format!(
                "{path} is {size} bytes, over read_artifact's limit of {max}; {how}"
            ));
        }
        code => {
            return Err(format!(
                "reading {path} failed (status {code}): {}",
                r.stderr_text().trim()
            ))
        }
    }
    use base64::Engine;
    Ok(ArtifactContent {
        size: r.stdout.len() as u64,
        mime_type: mime_of(&path),
        content_base64: base64::engine::general_purpose::STANDARD.encode(&r.stdout),
        download_url: download_url(base, sess, &path),
        path,
    })
}

/// Writes an upload into the data directory.
pub async fn upload(
    sess: &Sess,
    data_dir: &str,
    filename: &str,
    data: &[u8],
) -> Result<String, String> {
    let path = validate::relative_path(filename, "filename")?;
    put_file(&sess.container, &format!("{data_dir}/{path}"), data)
        .await
        .map_err(|e| format!("writing {path}: {e}"))?;
    Ok(path)
}

/// Writes `data` at `path` (parents made) by a run that reads it on stdin, as the sandbox's
/// user. Not `Container::write_file`: under the strict preset the agent has no capabilities
/// for file requests, and the archive API it falls back on is refused by Docker on a
/// read-only root (even for a path on a tmpfs).
pub async fn put_file(c: &pocketdock::Container, path: &str, data: &[u8]) -> Result<(), String> {
    let script = "mkdir -p -- \"$(dirname -- \"$1\")\" && cat > \"$1\"";
    let argv: Vec<String> = vec![
        "sh".into(),
        "-c".into(),
        script.into(),
        "sh".into(),
        path.into(),
    ];
    let opts = RunOptions {
        stdin: Some(data.to_vec()),
        ..Default::default()
    };
    let r = c.run_argv(argv, &opts).await.map_err(|e| e.to_string())?;
    if r.exit_code != 0 {
        return Err(format!(
            "status {}: {}",
            r.exit_code,
            r.stderr_text().trim()
        ));
    }
    Ok(())
}
