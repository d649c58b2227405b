//! Frame buffers reused across a connection. A `Put`'s data arrives in frames of up to
//! `DATA_CHUNK` (256 KiB); a fresh buffer per frame is an allocation the allocator soon
//! hands back to the kernel, and then a page fault for every 4 KiB the next one touches:
//! measured, that was three quarters of the agent's time per written MiB. Frames are read
//! into a buffer from here, a `Put`'s thread gives it back once written out.

use std::ops::Range;
use std::sync::Mutex;

use crate::wire::files::DATA_CHUNK;
use crate::wire::DATA_HEAD;

/// Buffers kept between frames: enough for a frame being read while the writer drains
/// another, few enough that an idle connection holds about a MiB.
const KEEP: usize = 4;
/// Larger buffers (a rare big request frame) are not kept.
const LARGEST: usize = DATA_CHUNK + DATA_HEAD;

#[derive(Default)]
pub struct Pool(Mutex<Vec<Vec<u8>>>);

impl Pool {
    /// A buffer to read a frame into (empty when none is kept).
    pub fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default()
    }

    pub fn give(&self, buf: Vec<u8>) {
        if buf.capacity() == 0 || buf.capacity() > LARGEST {
            return;
        }
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() < KEEP {
            kept.push(buf);
        }
    }
}

/// A `Data` frame's payload where the connection read it: `buf[range]`.
pub struct Payload {
    pub buf: Vec<u8>,
    pub range: Range<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_few_frame_sized_buffers() {
        let pool = Pool::default();
        assert_eq!(pool.take().capacity(), 0);
        pool.give(Vec::with_capacity(LARGEST + 1));
        assert_eq!(pool.take().capacity(), 0, "too large to keep");
        for _ in 0..KEEP + 2 {
            pool.give(Vec::with_capacity(1024));
        }
        let kept = std::iter::from_fn(|| Some(pool.take()))
            .take_while(|b| b.capacity() > 0)
            .count();
        assert_eq!(kept, KEEP);
    }
}
