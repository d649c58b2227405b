//! Incremental decoder for the engine's multiplexed stdout/stderr stream: frames of an 8-byte
//! header (`[stream, 0, 0, 0, len_be32]`) followed by `len` payload bytes. Input may be split
//! anywhere (Docker re-chunks it, Podman sends 8 KiB pieces), so the decoder keeps only the
//! partial header between calls and hands payload out as it arrives, never buffering it.

/// Which output a piece of payload belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    Stdout,
    Stderr,
}

#[derive(Debug, Default)]
pub(crate) struct FrameDecoder {
    header: [u8; 8],
    header_len: usize,
    /// Payload bytes still owed by the current frame, and which stream they belong to.
    remaining: usize,
    current: Option<StreamKind>,
}

impl FrameDecoder {
    pub(crate) fn new() -> FrameDecoder {
        FrameDecoder::default()
    }

    /// Feeds one chunk of the raw stream; `emit` gets each payload piece in order.
    /// Stdin echoes (stream 0) and unknown stream ids are dropped.
    pub(crate) fn feed(&mut self, mut input: &[u8], mut emit: impl FnMut(StreamKind, &[u8])) {
        while !input.is_empty() {
            if self.remaining == 0 {
                let take = (8 - self.header_len).min(input.len());
                self.header[self.header_len..self.header_len + take]
                    .copy_from_slice(&input[..take]);
                self.header_len += take;
                input = &input[take..];
                if self.header_len < 8 {
                    return;
                }
                self.header_len = 0;
                self.current = match self.header[0] {
                    1 => Some(StreamKind::Stdout),
                    2 => Some(StreamKind::Stderr),
                    _ => None,
                };
                let h = self.header;
                self.remaining = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
                continue;
            }
            let take = self.remaining.min(input.len());
            if let Some(kind) = self.current {
                emit(kind, &input[..take]);
            }
            self.remaining -= take;
            input = &input[take..];
        }
    }
}

/// Everything `chunks` decode to, fed in order: what the tests and the fuzz target compare
/// across different splits of one stream.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn decode_all(chunks: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
    let mut d = FrameDecoder::new();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    for c in chunks {
        d.feed(c, |k, b| match k {
            StreamKind::Stdout => out.extend_from_slice(b),
            StreamKind::Stderr => err.extend_from_slice(b),
        });
    }
    (out, err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(stream: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![stream, 0, 0, 0];
        v.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    fn sample() -> Vec<u8> {
        let mut s = frame(1, b"hello ");
        s.extend(frame(2, b"oops\n"));
        s.extend(frame(1, b""));
        s.extend(frame(0, b"stdin echo"));
        s.extend(frame(1, b"world\n"));
        s
    }

    #[test]
    fn whole_input_at_once() {
        let (o, e) = decode_all(&[&sample()]);
        assert_eq!(o, b"hello world\n");
        assert_eq!(e, b"oops\n");
    }

    #[test]
    fn split_at_every_byte_position() {
        let s = sample();
        for i in 0..=s.len() {
            for j in i..=s.len() {
                let (o, e) = decode_all(&[&s[..i], &s[i..j], &s[j..]]);
                assert_eq!(o, b"hello world\n", "split at {i},{j}");
                assert_eq!(e, b"oops\n", "split at {i},{j}");
            }
        }
    }

    #[test]
    fn one_byte_at_a_time() {
        let s = sample();
        let chunks: Vec<&[u8]> = s.chunks(1).collect();
        let (o, e) = decode_all(&chunks);
        assert_eq!(o, b"hello world\n");
        assert_eq!(e, b"oops\n");
    }

    #[test]
    fn large_frame_is_streamed_not_buffered() {
        let payload = vec![b'x'; 100_000];
        let s = frame(1, &payload);
        let mut d = FrameDecoder::new();
        let mut pieces = 0;
        let mut total = 0;
        for c in s.chunks(8192) {
            d.feed(c, |_, b| {
                pieces += 1;
                total += b.len();
            });
        }
        assert_eq!(total, payload.len());
        assert!(pieces > 1, "payload should arrive in pieces as it streams");
    }
}
