//! The rules for each item of a sandbox's options, in one place: the `add_*` setters apply
//! them as a value arrives (so a caller hears what is wrong at the call that did it), and
//! `ContainerOptions::validate` applies them again to options built field by field.

use crate::error::{Error, Result};

use super::options::{ContainerOptions, PortMapping, VolumeMount};

/// Longest path or image reference we pass on; the kernel's PATH_MAX, far above any engine's
/// own limits, and far below what an HTTP request line can carry.
pub(crate) const MAX_REF_LEN: usize = 4096;

/// An environment variable name: non-empty, no `=` (it would move the split) and no NUL.
pub(crate) fn env_name(key: &str) -> Result<()> {
    if key.is_empty() || key.contains('=') || key.contains('\0') {
        return Err(Error::invalid(format!(
            "bad environment variable name {key:?}: it must be non-empty, without '=' or NUL"
        )));
    }
    Ok(())
}

/// A label key: non-empty and without NUL. (Tests and tools tag sandboxes with their own
/// `pocketdock.*` keys, e.g. `pocketdock.test`, so that namespace stays open.)
pub(crate) fn label_key(key: &str) -> Result<()> {
    if key.is_empty() || key.contains('\0') {
        return Err(Error::invalid(format!("bad label key {key:?}")));
    }
    Ok(())
}

pub(crate) fn port(p: &PortMapping) -> Result<()> {
    if p.protocol != "tcp" && p.protocol != "udp" {
        return Err(Error::invalid(format!(
            "port protocol {:?} is not tcp or udp",
            p.protocol
        )));
    }
    if p.container_port == 0 {
        return Err(Error::invalid("container port must be 1-65535"));
    }
    Ok(())
}

pub(crate) fn volume(v: &VolumeMount) -> Result<()> {
    if !v.container_path.starts_with('/') || v.host_path.is_empty() {
        return Err(Error::invalid(format!(
            "volume {:?}:{:?} needs a host path and an absolute container path",
            v.host_path, v.container_path
        )));
    }
    path_len("volume path", &v.host_path)?;
    path_len("volume path", &v.container_path)
}

/// A device as `/dev/x` or `/dev/x:/dev/in-container`, both absolute.
pub(crate) fn device(d: &str) -> Result<()> {
    let (on_host, in_ctr) = d.split_once(':').unwrap_or((d, d));
    if !on_host.starts_with('/') || !in_ctr.starts_with('/') {
        return Err(Error::invalid(format!(
            "device {d:?} must be \"/dev/x\" or \"/dev/x:/dev/y\" (absolute paths)"
        )));
    }
    path_len("device path", d)
}

pub(crate) fn tmpfs(path: &str) -> Result<()> {
    if !path.starts_with('/') {
        return Err(Error::invalid(format!(
            "tmpfs path {path:?} must be absolute"
        )));
    }
    path_len("tmpfs path", path)
}

/// An image reference (`name[:tag]`, `name@digest`, or an id): what the engine would refuse
/// with an unhelpful message, or that cannot even be put in a request, is refused here.
pub(crate) fn image_ref(image: &str) -> Result<()> {
    if image.trim().is_empty() {
        return Err(Error::invalid("image must not be empty"));
    }
    if image.len() > MAX_REF_LEN {
        return Err(Error::invalid(format!(
            "image reference is {} bytes long; the limit is {MAX_REF_LEN}",
            image.len()
        )));
    }
    if let Some(c) = image.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(format!(
            "image reference {image:?} contains {c:?}"
        )));
    }
    Ok(())
}

/// A path in a sandbox or on the host that will travel in a request.
pub(crate) fn path_len(what: &str, path: &str) -> Result<()> {
    if path.len() > MAX_REF_LEN {
        return Err(Error::invalid(format!(
            "{what} is {} bytes long; the limit is {MAX_REF_LEN}",
            path.len()
        )));
    }
    Ok(())
}

impl ContainerOptions {
    /// Adds an environment variable, refusing a name the container could not hold.
    pub fn add_env(&mut self, key: impl Into<String>, value: impl Into<String>) -> Result<()> {
        let key = key.into();
        env_name(&key)?;
        self.env.push((key, value.into()));
        Ok(())
    }

    /// Adds a label (in addition to pocketdock's own).
    pub fn add_label(&mut self, key: impl Into<String>, value: impl Into<String>) -> Result<()> {
        let key = key.into();
        label_key(&key)?;
        self.labels.push((key, value.into()));
        Ok(())
    }

    /// Publishes a container port (`protocol` "tcp" or "udp"; host port 0: the engine picks).
    pub fn add_port(&mut self, host_port: u16, container_port: u16, protocol: &str) -> Result<()> {
        let p = PortMapping {
            host_port,
            container_port,
            protocol: protocol.to_owned(),
        };
        port(&p)?;
        self.ports.push(p);
        Ok(())
    }

    /// Mounts a host path at an absolute container path.
    pub fn add_volume(
        &mut self,
        host_path: impl Into<String>,
        container_path: impl Into<String>,
        read_only: bool,
    ) -> Result<()> {
        let v = VolumeMount {
            host_path: host_path.into(),
            container_path: container_path.into(),
            read_only,
        };
        volume(&v)?;
        self.volumes.push(v);
        Ok(())
    }

    /// Passes a host device through (`/dev/x` or `/dev/x:/dev/y`).
    pub fn add_device(&mut self, device: impl Into<String>) -> Result<()> {
        let d = device.into();
        self::device(&d)?;
        self.devices.push(d);
        Ok(())
    }

    /// Mounts a writable tmpfs at an absolute path with mount options (e.g. "size=64m").
    pub fn add_tmpfs(&mut self, path: impl Into<String>, options: impl Into<String>) -> Result<()> {
        let path = path.into();
        tmpfs(&path)?;
        self.tmpfs.push((path, options.into()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn refused(r: Result<()>) -> String {
        let e = r.expect_err("should be refused");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        e.to_string()
    }

    #[test]
    fn setters_refuse_what_the_engine_would_refuse_later() {
        let mut o = ContainerOptions::default();
        assert!(refused(o.add_env("A=B", "1")).contains("A=B"));
        refused(o.add_env("", "1"));
        refused(o.add_port(8080, 80, "bogus"));
        refused(o.add_port(8080, 0, "tcp"));
        refused(o.add_volume("/tmp", "relative", false));
        refused(o.add_volume("", "/data", false));
        refused(o.add_device("dev/null"));
        refused(o.add_device("/dev/null:null"));
        refused(o.add_tmpfs("scratch", "size=1m"));
        refused(o.add_label("", "x"));
        assert!(o.env.is_empty() && o.ports.is_empty() && o.volumes.is_empty());
        assert!(o.devices.is_empty() && o.tmpfs.is_empty() && o.labels.is_empty());
    }

    #[test]
    fn setters_keep_what_is_good() {
        let mut o = ContainerOptions::default();
        o.add_env("A", "B=C").unwrap();
        o.add_port(0, 80, "udp").unwrap();
        o.add_volume("/tmp", "/data", true).unwrap();
        o.add_device("/dev/null:/dev/nothing").unwrap();
        o.add_tmpfs("/scratch", "size=1m").unwrap();
        o.add_label("team", "a").unwrap();
        assert_eq!(o.env, [("A".to_owned(), "B=C".to_owned())]);
        assert_eq!(o.ports[0].protocol, "udp");
        assert_eq!(o.devices, ["/dev/null:/dev/nothing"]);
        o.validate().unwrap();
    }

    #[test]
    fn long_or_blank_references_are_refused() {
        refused(image_ref(""));
        refused(image_ref("a b"));
        refused(image_ref("a\nb"));
        refused(image_ref(&"a".repeat(1 << 20)));
        refused(path_len("path", &"/x".repeat(1 << 19)));
        image_ref("pocketdock/minimal-python:latest").unwrap();
        image_ref("sha256:0123").unwrap();
    }
}
