//! Moving images between machines without a registry: `export` writes one archive holding
//! several images (`GET /images/get`), `import` loads one (`POST /images/load`). Both stream
//! through bounded channels, so memory stays flat whatever the images weigh; a name ending
//! in `.gz` is gzip-compressed on export, and a gzip archive is recognised on import.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use hyper::Method;

use crate::container::checks::image_ref;
use crate::engine::models::ProgressLine;
use crate::engine::request::{query_escape, read_body, Subject};
use crate::error::{Error, Result};
use crate::files::pipe;
use crate::Client;

impl Client {
    /// Writes `images` (names or ids, at least one) into the archive `file`, a
    /// `docker save`-style tar that [`Client::import_images`] (or `docker load`/`podman
    /// load`) reads back. Gzip-compressed when the name ends in `.gz`. Returns the bytes
    /// written. A partial file is removed when the export fails.
    pub async fn export_images(&self, images: &[&str], file: &Path) -> Result<u64> {
        if images.is_empty() {
            return Err(Error::invalid("export needs at least one image name"));
        }
        images.iter().try_for_each(|i| image_ref(i))?;
        let engine = self.engine();
        // Each image must exist: engines disagree on what a missing one does to the archive.
        for image in images {
            let path = format!("/images/{}/json", query_escape(image));
            engine
                .call_unit(Method::GET, &path, None, Subject::Image(image))
                .await?;
        }
        let query: Vec<String> = images
            .iter()
            .map(|i| format!("names={}", query_escape(i)))
            .collect();
        let url = format!("/images/get?{}", query.join("&"));
        let subject = Subject::Image(images[0]);
        let resp = engine.call(Method::GET, &url, None, subject).await?;
        let out = File::create(file).map_err(|e| host_err(file, e))?;
        let gzip = file.extension().is_some_and(|e| e == "gz");
        let written = pipe::read_tar(resp, move |mut r| {
            let counted = Counter { inner: out, n: 0 };
            let res = if gzip {
                let mut z = GzEncoder::new(counted, flate2::Compression::fast());
                io::copy(&mut r, &mut z).and_then(|_| z.finish())
            } else {
                let mut w = counted;
                io::copy(&mut r, &mut w).map(|_| w)
            };
            let mut w = res.map_err(Error::Io)?;
            w.flush()?;
            w.inner.sync_all()?;
            Ok(w.n)
        })
        .await;
        if written.is_err() {
            let _ = std::fs::remove_file(file);
        }
        written
    }

    /// Loads every image in the archive `file` (plain or gzip tar, as written by
    /// [`Client::export_images`] or `docker save`) and returns what the engine reports
    /// loading (names like `pocketdock/dev:latest`, or ids for untagged images).
    pub async fn import_images(&self, file: &Path) -> Result<Vec<String>> {
        let mut f = File::open(file).map_err(|e| host_err(file, e))?;
        let mut magic = [0u8; 2];
        let n = read_up_to(&mut f, &mut magic).map_err(|e| host_err(file, e))?;
        let gzip = n == 2 && magic == [0x1f, 0x8b];
        let head = magic[..n].to_vec();
        let (tx, rx) = pipe::channel();
        let packer = pipe::produce_blocking(tx, move |w| {
            let raw = io::Cursor::new(head).chain(BufReader::new(f));
            if gzip {
                io::copy(&mut MultiGzDecoder::new(raw), w).map(drop)
            } else {
                let mut raw = raw;
                io::copy(&mut raw, w).map(drop)
            }
        });
        let engine = self.engine();
        let request = async {
            let resp = engine
                .call_stream(
                    Method::POST,
                    "/images/load?quiet=1",
                    "application/x-tar",
                    rx,
                    Subject::Engine,
                )
                .await?;
            read_body(resp).await
        };
        let (packed, answer) = tokio::join!(packer, request);
        // A file that fails to read or decompress aborts the upload; its error says more.
        loaded_names(&packed.and(answer)?)
    }

    /// Removes an image by name or id; `force` also removes it when containers use it or
    /// when it has several tags. A missing image is [`Error::ImageNotFound`].
    pub async fn remove_image(&self, image: &str, force: bool) -> Result<()> {
        image_ref(image)?;
        let path = format!("/images/{}?force={force}", query_escape(image));
        self.engine()
            .call_unit(Method::DELETE, &path, None, Subject::Image(image))
            .await
    }

    /// Whether an image of this name or id is present locally.
    /// An empty or malformed name is `InvalidArgument` (not "no such image").
    pub async fn image_exists(&self, image: &str) -> Result<bool> {
        image_ref(image)?;
        let path = format!("/images/{}/json", query_escape(image));
        match self
            .engine()
            .call_unit(Method::GET, &path, None, Subject::Image(image))
            .await
        {
            Ok(()) => Ok(true),
            Err(Error::ImageNotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn host_err(file: &Path, e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::NotFound {
        Error::FileNotFound(format!("{} (on the host)", file.display()))
    } else {
        Error::Io(io::Error::new(e.kind(), format!("{}: {e}", file.display())))
    }
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Counts what goes through, for the size `export` reports.
struct Counter {
    inner: File,
    n: u64,
}

impl Write for Counter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let k = self.inner.write(b)?;
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The names in a load answer: Docker sends JSON lines `{"stream":"Loaded image: x\n"}`
/// (an `error` line when the archive is bad, inside a 200), Podman one JSON object whose
/// `stream` lists them, comma-separated, after "Loaded image: " (or "Loaded image(s): ").
fn loaded_names(answer: &[u8]) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for line in String::from_utf8_lossy(answer).lines() {
        let Ok(v) = serde_json::from_str::<ProgressLine>(line.trim()) else {
            continue;
        };
        if let Some(err) = &v.error {
            return Err(Error::Engine {
                status: 200,
                message: format!("loading images: {err}"),
            });
        }
        let Some(s) = &v.stream else {
            continue;
        };
        for l in s.lines() {
            let rest = ["Loaded image ID: ", "Loaded image(s): ", "Loaded image: "]
                .iter()
                .find_map(|p| l.trim().strip_prefix(p));
            if let Some(rest) = rest {
                names.extend(
                    rest.split(',')
                        .map(|n| n.trim().to_owned())
                        .filter(|n| !n.is_empty()),
                );
            }
        }
    }
    if names.is_empty() {
        return Err(Error::internal(format!(
            "the engine loaded the archive but named no image: {}",
            String::from_utf8_lossy(answer).trim()
        )));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_answers_of_both_engines_name_the_images() {
        let docker = b"{\"stream\":\"Loaded image: a/b:latest\\n\"}\r\n{\"stream\":\"Loaded image: c:1\\n\"}\r\n";
        assert_eq!(loaded_names(docker).unwrap(), ["a/b:latest", "c:1"]);
        let podman = br#"{"stream":"Loaded image: localhost/a/b:latest,localhost/c:1\n"}"#;
        assert_eq!(
            loaded_names(podman).unwrap(),
            ["localhost/a/b:latest", "localhost/c:1"]
        );
        let untagged = br#"{"stream":"Loaded image ID: sha256:abc\n"}"#;
        assert_eq!(loaded_names(untagged).unwrap(), ["sha256:abc"]);
        let bad = br#"{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}"#;
        assert_eq!(loaded_names(bad).unwrap_err().engine_status(), Some(200));
    }
}
