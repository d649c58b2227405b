//! Just enough tar for file transfers: reading what the library packs (ustar and GNU
//! headers, GNU long names and link names, PAX paths) and writing what it unpacks (GNU
//! headers with long-name records, base-256 sizes past 8 GiB).

use std::io::{self, BufRead, Write};

const BLOCK: usize = 512;
/// Longest GNU long-name or PAX record we accept (names are far shorter).
const MAX_META: u64 = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    HardLink,
    Fifo,
    CharDev,
    BlockDev,
    Other,
}

impl Kind {
    fn flag(self) -> u8 {
        match self {
            Kind::File => b'0',
            Kind::HardLink => b'1',
            Kind::Symlink => b'2',
            Kind::CharDev => b'3',
            Kind::BlockDev => b'4',
            Kind::Dir => b'5',
            Kind::Fifo => b'6',
            Kind::Other => b'0',
        }
    }

    fn of(flag: u8) -> Kind {
        match flag {
            b'0' | 0 | b'7' => Kind::File,
            b'1' => Kind::HardLink,
            b'2' => Kind::Symlink,
            b'3' => Kind::CharDev,
            b'4' => Kind::BlockDev,
            b'5' => Kind::Dir,
            b'6' => Kind::Fifo,
            _ => Kind::Other,
        }
    }
}

/// One entry, as much of its header as transfers use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: Vec<u8>,
    pub kind: Kind,
    /// Permission bits with setuid/setgid/sticky.
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Content bytes that follow (regular files only).
    pub size: u64,
    pub mtime: u64,
    /// Target of a symlink or hard link.
    pub link: Vec<u8>,
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("tar: {msg}"))
}

fn number(field: &[u8]) -> io::Result<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        // GNU base-256: big-endian after the marker bit.
        return field.iter().enumerate().try_fold(0u64, |v, (i, &b)| {
            let b = if i == 0 { b & 0x7f } else { b };
            v.checked_mul(256)
                .map(|v| v + u64::from(b))
                .ok_or_else(|| bad("number too large"))
        });
    }
    let mut digits = field
        .iter()
        .skip_while(|&&b| b == b' ')
        .take_while(|&&b| b != 0 && b != b' ');
    digits.try_fold(0u64, |v, &b| match b {
        b'0'..=b'7' => v
            .checked_mul(8)
            .map(|v| v + u64::from(b - b'0'))
            .ok_or_else(|| bad("number too large")),
        _ => Err(bad("bad octal number")),
    })
}

fn text(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    &field[..end]
}

fn pad(size: u64) -> usize {
    (BLOCK - (size % BLOCK as u64) as usize) % BLOCK
}

/// Reads entries from a tar stream.
pub struct Reader<R> {
    inner: R,
}

impl<R: BufRead> Reader<R> {
    pub fn new(inner: R) -> Reader<R> {
        Reader { inner }
    }

    /// The next entry's header (long names and PAX paths applied); `None` at the end
    /// marker. The caller must then read or skip exactly `size` bytes of content.
    pub fn next_header(&mut self) -> io::Result<Option<Header>> {
        let (mut long_name, mut long_link) = (None, None);
        loop {
            let mut b = [0u8; BLOCK];
            self.inner.read_exact(&mut b)?;
            if b.iter().all(|&x| x == 0) {
                return Ok(None);
            }
            let sum: u64 = b
                .iter()
                .enumerate()
                .map(|(i, &x)| u64::from(if (148..156).contains(&i) { b' ' } else { x }))
                .sum();
            if number(&b[148..156])? != sum {
                return Err(bad("header checksum mismatch"));
            }
            let size = number(&b[124..136])?;
            match b[156] {
                b'L' => long_name = Some(self.meta(size)?),
                b'K' => long_link = Some(self.meta(size)?),
                b'x' => {
                    for (k, v) in pax(&self.meta(size)?) {
                        match k.as_slice() {
                            b"path" => long_name = Some(v),
                            b"linkpath" => long_link = Some(v),
                            _ => {}
                        }
                    }
                }
                b'g' => self.skip(size)?,
                flag => {
                    let mut name = text(&b[0..100]).to_vec();
                    let prefix = text(&b[345..500]);
                    if &b[257..263] == b"ustar\0" && !prefix.is_empty() {
                        name = [prefix, b"/", &name].concat();
                    }
                    return Ok(Some(Header {
                        name: long_name.unwrap_or(name),
                        kind: Kind::of(flag),
                        mode: (number(&b[100..108])? & 0o7777) as u32,
                        uid: number(&b[108..116])?,
                        gid: number(&b[116..124])?,
                        size,
                        mtime: number(&b[136..148])?,
                        link: long_link.unwrap_or_else(|| text(&b[157..257]).to_vec()),
                    }));
                }
            }
        }
    }

    /// A long name or PAX record, without its trailing NULs.
    fn meta(&mut self, size: u64) -> io::Result<Vec<u8>> {
        if size > MAX_META {
            return Err(bad("metadata record too large"));
        }
        let mut v = vec![0u8; size as usize];
        self.inner.read_exact(&mut v)?;
        self.skip_pad(size)?;
        while v.last() == Some(&0) {
            v.pop();
        }
        Ok(v)
    }

    fn skip_pad(&mut self, size: u64) -> io::Result<()> {
        let mut p = [0u8; BLOCK];
        self.inner.read_exact(&mut p[..pad(size)])
    }

    /// Copies an entry's `size` content bytes into `out`, then skips the padding. The bytes
    /// are written from the reader's own buffer (a whole `Data` frame at a time in a `Put`),
    /// not copied through another.
    pub fn content(&mut self, size: u64, out: &mut impl Write) -> io::Result<()> {
        let mut left = size;
        while left > 0 {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            out.write_all(&buf[..n])?;
            self.inner.consume(n);
            left -= n as u64;
        }
        self.skip_pad(size)
    }

    pub fn skip(&mut self, size: u64) -> io::Result<()> {
        self.content(size, &mut io::sink())
    }
}

/// The `key=value` records of a PAX header (`"<len> key=value\n"` each).
fn pax(mut data: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some(sp) = data.iter().position(|&b| b == b' ') {
        let len: usize = match std::str::from_utf8(&data[..sp])
            .ok()
            .and_then(|s| s.parse().ok())
        {
            Some(l) if l > sp && l <= data.len() => l,
            _ => break,
        };
        let rec = &data[sp + 1..len];
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        if let Some(eq) = rec.iter().position(|&b| b == b'=') {
            out.push((rec[..eq].to_vec(), rec[eq + 1..].to_vec()));
        }
        data = &data[len..];
    }
    out
}

/// Writes entries into a tar stream.
pub struct Writer<W> {
    inner: W,
}

fn put_number(field: &mut [u8], v: u64) {
    let digits = field.len() - 1;
    if v < 1u64 << (3 * digits) {
        let s = format!("{v:0digits$o}");
        field[..digits].copy_from_slice(s.as_bytes());
        field[digits] = 0;
    } else {
        // GNU base-256 for what octal cannot hold (files of 8 GiB and more).
        field.fill(0);
        let n = field.len();
        for (i, b) in v.to_be_bytes().iter().rev().enumerate().take(n - 1) {
            field[n - 1 - i] = *b;
        }
        field[0] |= 0x80;
    }
}

impl<W: Write> Writer<W> {
    pub fn new(inner: W) -> Writer<W> {
        Writer { inner }
    }

    /// Writes `h` (preceded by GNU long-name records when its name or link needs them); a
    /// regular file's `size` content bytes must follow, then [`Writer::end_content`].
    pub fn header(&mut self, h: &Header) -> io::Result<()> {
        if h.name.len() > 100 {
            self.long(b'L', &h.name)?;
        }
        if h.link.len() > 100 {
            self.long(b'K', &h.link)?;
        }
        let mut b = [0u8; BLOCK];
        let name = &h.name[..h.name.len().min(100)];
        b[..name.len()].copy_from_slice(name);
        put_number(&mut b[100..108], u64::from(h.mode));
        put_number(&mut b[108..116], h.uid);
        put_number(&mut b[116..124], h.gid);
        put_number(&mut b[124..136], h.size);
        put_number(&mut b[136..148], h.mtime);
        b[156] = h.kind.flag();
        let link = &h.link[..h.link.len().min(100)];
        b[157..157 + link.len()].copy_from_slice(link);
        b[257..265].copy_from_slice(b"ustar  \0");
        self.block(b)
    }

    fn long(&mut self, flag: u8, data: &[u8]) -> io::Result<()> {
        let mut b = [0u8; BLOCK];
        b[..13].copy_from_slice(b"././@LongLink");
        put_number(&mut b[100..108], 0o644);
        put_number(&mut b[108..116], 0);
        put_number(&mut b[116..124], 0);
        put_number(&mut b[124..136], data.len() as u64 + 1);
        put_number(&mut b[136..148], 0);
        b[156] = flag;
        b[257..265].copy_from_slice(b"ustar  \0");
        self.block(b)?;
        self.inner.write_all(data)?;
        self.inner.write_all(&[0])?;
        self.end_content(data.len() as u64 + 1)
    }

    fn block(&mut self, mut b: [u8; BLOCK]) -> io::Result<()> {
        b[148..156].fill(b' ');
        let sum: u64 = b.iter().map(|&x| u64::from(x)).sum();
        let s = format!("{sum:06o}\0 ");
        b[148..156].copy_from_slice(s.as_bytes());
        self.inner.write_all(&b)
    }

    /// The content's own bytes go straight to the inner writer.
    pub fn content_writer(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Pads content of `size` bytes to a whole block.
    pub fn end_content(&mut self, size: u64) -> io::Result<()> {
        self.inner.write_all(&[0u8; BLOCK][..pad(size)])
    }

    /// The end marker; returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.inner.write_all(&[0u8; 2 * BLOCK])?;
        Ok(self.inner)
    }
}

#[cfg(test)]
#[path = "tar_tests.rs"]
mod tests;
