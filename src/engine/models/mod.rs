//! Typed models of the engine API documents pocketdock reads and writes, named as in the
//! Docker Engine API v1.41 (which Podman's compat API follows). Only the fields the code uses
//! are modelled; unknown fields are ignored.
//!
//! Reading is forgiving on purpose: engines omit fields or send `null` for empty ones
//! (Podman sends `"Labels": null` and `"Ports": {}` where Docker sends `{}` and `null`, an
//! image without an entrypoint has `"Entrypoint": null`), so every field read takes its
//! default when absent or null, and the stats figures, whose shapes differ most between
//! engines and cgroup versions, become `None` rather than failing the whole document.
//! Writing sends only what is set, so the engines apply their own defaults to the rest.

mod create;
mod exec;
mod inspect;
mod list;
mod progress;
mod stats;

pub(crate) use create::{
    ContainerCreate, DeviceMapping, Empty, HostConfig, IdResponse, Mount, PortBinding,
};
pub(crate) use exec::{ExecCreate, ExecInspect, ExecStart};
pub(crate) use inspect::{ContainerInspect, ImageInspect, NetworkSettings};
pub(crate) use list::ContainerSummary;
pub(crate) use progress::{ErrorResponse, ProgressLine};
pub(crate) use stats::{Stats, Top};

#[cfg(test)]
mod tests;

use serde::{Deserialize, Deserializer};

/// Deserializes a field an engine may send as `null` (or leave out, with
/// `#[serde(default)]`) into its type's default.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// A number if the engine sent a non-negative integer (or a float that is one), `None` for
/// anything else (`null`, a string, a negative value), so an odd figure never fails a
/// document.
pub(crate) fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Figure {
        Int(u64),
        Float(f64),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Figure::deserialize(d)? {
        Figure::Int(n) => Some(n),
        Figure::Float(f) if f >= 0.0 && f.fract() == 0.0 && f < u64::MAX as f64 => Some(f as u64),
        Figure::Float(_) | Figure::Other(_) => None,
    })
}
