//! The byte layout of the file-transfer frames (see [`crate::files`]).

use std::ops::Range;

use crate::codec::{In, Out};
use crate::{Msg, Put, PutHow, Want, WireError};

const K_PUT: u8 = 16;
const K_GET: u8 = 17;
const K_FOUND: u8 = 18;
const K_DATA: u8 = 19;
const K_DATA_END: u8 = 20;
const K_CREDIT: u8 = 21;
const K_CANCEL: u8 = 22;
const K_DONE: u8 = 23;
const K_REFUSED: u8 = 24;

/// Bytes of a `Data` frame before its payload: length prefix, kind, id, payload length.
pub const DATA_HEAD: usize = 4 + 1 + 4 + 4;

/// The head of a `Data` frame of request `id` whose `len` bytes of payload follow it: the
/// same bytes [`crate::encode`] writes, so a sender can write head and payload side by side
/// (a vectored write) instead of copying the payload into an encoded frame.
pub fn data_head(id: u32, len: usize) -> [u8; DATA_HEAD] {
    let mut h = [0u8; DATA_HEAD];
    h[..4].copy_from_slice(&((DATA_HEAD - 4 + len) as u32).to_be_bytes());
    h[4] = K_DATA;
    h[5..9].copy_from_slice(&id.to_be_bytes());
    h[9..].copy_from_slice(&(len as u32).to_be_bytes());
    h
}

/// If `frame` (what follows a length prefix, as [`crate::decode`] takes it) is a well-formed
/// `Data` frame: its id and where its payload lies in `frame`, so a receiver can use the
/// payload where it was read instead of decoding it into a copy.
pub fn data_payload(frame: &[u8]) -> Option<(u32, Range<usize>)> {
    let head = frame.get(..DATA_HEAD - 4)?;
    if head[0] != K_DATA {
        return None;
    }
    let id = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
    let len = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) as usize;
    (frame.len() - head.len() == len).then_some((id, head.len()..frame.len()))
}

/// Encodes the frames of this module; the caller handles every other message.
pub(crate) fn encode(o: &mut Out, id: u32, msg: &Msg) {
    let head = |o: &mut Out, kind: u8| {
        o.u8(kind);
        o.u32(id);
    };
    match msg {
        Msg::Put(p) => {
            head(o, K_PUT);
            o.bytes(p.dest.as_bytes());
            o.opt(&p.owner);
            match &p.how {
                PutHow::File => o.u8(0),
                PutHow::Copy {
                    src_dir,
                    src_name,
                    contents,
                    trailing_slash,
                } => {
                    o.u8(1);
                    o.u8(u8::from(*src_dir));
                    o.opt(src_name);
                    o.u8(u8::from(*contents));
                    o.u8(u8::from(*trailing_slash));
                }
            }
        }
        Msg::Get { path, want } => {
            head(o, K_GET);
            o.bytes(path.as_bytes());
            o.u8(want.code());
        }
        Msg::Found {
            path,
            resolved,
            dir,
        } => {
            head(o, K_FOUND);
            o.bytes(path.as_bytes());
            o.bytes(resolved.as_bytes());
            o.u8(u8::from(*dir));
        }
        Msg::Data { data } => {
            head(o, K_DATA);
            o.bytes(data);
        }
        Msg::DataEnd => head(o, K_DATA_END),
        Msg::Credit { chunks } => {
            head(o, K_CREDIT);
            o.u32(*chunks);
        }
        Msg::Cancel => head(o, K_CANCEL),
        Msg::Done => head(o, K_DONE),
        Msg::Refused { code, message } => {
            head(o, K_REFUSED);
            o.u8(*code);
            o.bytes(message.as_bytes());
        }
        other => unreachable!("{other:?} is encoded by codec.rs"),
    }
}

/// Decodes the body of a frame of kind `kind` (after its id).
pub(crate) fn decode(kind: u8, i: &mut In<'_>) -> Result<Msg, WireError> {
    Ok(match kind {
        K_PUT => {
            let dest = i.string()?;
            let owner = i.opt()?;
            let how = match i.u8()? {
                0 => PutHow::File,
                _ => PutHow::Copy {
                    src_dir: i.u8()? != 0,
                    src_name: i.opt()?,
                    contents: i.u8()? != 0,
                    trailing_slash: i.u8()? != 0,
                },
            };
            Msg::Put(Put { dest, owner, how })
        }
        K_GET => Msg::Get {
            path: i.string()?,
            want: Want::from_code(i.u8()?),
        },
        K_FOUND => Msg::Found {
            path: i.string()?,
            resolved: i.string()?,
            dir: i.u8()? != 0,
        },
        K_DATA => Msg::Data { data: i.bytes()? },
        K_DATA_END => Msg::DataEnd,
        K_CREDIT => Msg::Credit { chunks: i.u32()? },
        K_CANCEL => Msg::Cancel,
        K_DONE => Msg::Done,
        K_REFUSED => Msg::Refused {
            code: i.u8()?,
            message: i.string()?,
        },
        k => return Err(WireError(format!("unknown frame kind {k}"))),
    })
}
