//! Engine addresses as users write them (`DOCKER_HOST`, `CONTAINER_HOST`, the client option):
//! a Unix socket path or `unix://PATH`, `tcp://HOST[:PORT]`, `ssh://[USER@]HOST[:PORT][/SOCKET]`.
//! Pure parsing, so every form is unit-tested without an engine.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Docker's ports: 2375 for plain TCP, 2376 for TLS.
pub(crate) const PLAIN_PORT: u16 = 2375;
pub(crate) const TLS_PORT: u16 = 2376;

/// Where an engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Address {
    Unix(PathBuf),
    /// `port` is `None` when the address left it out: the default depends on TLS.
    Tcp {
        host: String,
        port: Option<u16>,
    },
    Ssh(SshTarget),
}

/// `ssh://[USER@]HOST[:PORT][/SOCKET]`: the remote engine's socket is forwarded to a local
/// one by the system `ssh`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SshTarget {
    pub(crate) user: Option<String>,
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
    /// The engine's socket on the remote host; Docker's default when the address has none.
    pub(crate) socket: String,
}

/// The remote socket when an `ssh://` address names none: Docker's.
pub(crate) const DEFAULT_REMOTE_SOCKET: &str = "/var/run/docker.sock";

impl Address {
    pub(crate) fn parse(s: &str) -> Result<Address> {
        let bad = |why: &str| Error::invalid(format!("engine address {s:?}: {why}"));
        if s.is_empty() {
            return Err(Error::invalid("the engine address is empty"));
        }
        let Some((scheme, rest)) = s.split_once("://") else {
            return Ok(Address::Unix(PathBuf::from(s)));
        };
        match scheme {
            "unix" if rest.is_empty() => Err(bad("no socket path")),
            "unix" => Ok(Address::Unix(PathBuf::from(rest))),
            "tcp" => {
                let authority = rest.strip_suffix('/').unwrap_or(rest);
                if authority.contains('/') || authority.contains('@') {
                    return Err(bad("a tcp:// address is HOST[:PORT] and nothing else"));
                }
                let (host, port) = host_port(authority).map_err(|w| bad(&w))?;
                Ok(Address::Tcp { host, port })
            }
            "ssh" => {
                let (authority, socket) = match rest.find('/') {
                    Some(i) => (&rest[..i], rest[i..].to_owned()),
                    None => (rest, DEFAULT_REMOTE_SOCKET.to_owned()),
                };
                let (user, hostport) = match authority.rsplit_once('@') {
                    Some((u, h)) if !u.is_empty() && valid_word(u) => (Some(u.to_owned()), h),
                    Some(_) => return Err(bad("the user name is empty or unusable")),
                    None => (None, authority),
                };
                let (host, port) = host_port(hostport).map_err(|w| bad(&w))?;
                if socket.len() < 2 {
                    return Err(bad("the remote socket path is empty"));
                }
                Ok(Address::Ssh(SshTarget {
                    user,
                    host,
                    port,
                    socket,
                }))
            }
            other => Err(bad(&format!(
                "unsupported scheme {other}:// (use a path, unix://, tcp:// or ssh://)"
            ))),
        }
    }

    pub(crate) fn is_unix(&self) -> bool {
        matches!(self, Address::Unix(_))
    }
}

/// Only loopback may carry the engine API unencrypted: it is root on the engine's host.
pub(crate) fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A host name, IPv4 address or bracketed IPv6 address, and an optional port.
fn host_port(s: &str) -> std::result::Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address needs its closing ]")?;
        h.parse::<std::net::Ipv6Addr>()
            .map_err(|_| format!("{h:?} is not an IPv6 address"))?;
        match after {
            "" => (h, None),
            p => (
                h,
                Some(p.strip_prefix(':').ok_or("junk after the IPv6 address")?),
            ),
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty() || !valid_word(host) {
        return Err("the host is empty or unusable".into());
    }
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| format!("{p:?} is not a port"))?,
        ),
    };
    Ok((host.to_owned(), port))
}

/// No spaces, controls or a leading `-` (which `ssh` would read as an option).
fn valid_word(s: &str) -> bool {
    !s.starts_with('-') && s.chars().all(|c| c.is_ascii_graphic())
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Unix(p) => write!(f, "{}", p.display()),
            Address::Tcp { host, port } => {
                let host = bracketed(host);
                match port {
                    Some(p) => write!(f, "tcp://{host}:{p}"),
                    None => write!(f, "tcp://{host}"),
                }
            }
            Address::Ssh(t) => {
                write!(f, "ssh://")?;
                if let Some(u) = &t.user {
                    write!(f, "{u}@")?;
                }
                write!(f, "{}", bracketed(&t.host))?;
                if let Some(p) = t.port {
                    write!(f, ":{p}")?;
                }
                write!(f, "{}", t.socket)
            }
        }
    }
}

fn bracketed(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: Option<u16>) -> Address {
        Address::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn every_form_parses() {
        assert_eq!(Address::parse("/s").unwrap(), Address::Unix("/s".into()));
        assert_eq!(
            Address::parse("unix:///s").unwrap(),
            Address::Unix("/s".into())
        );
        assert_eq!(
            Address::parse("tcp://10.0.0.1:2376").unwrap(),
            tcp("10.0.0.1", Some(2376))
        );
        assert_eq!(Address::parse("tcp://h").unwrap(), tcp("h", None));
        assert_eq!(
            Address::parse("tcp://[::1]:1/").unwrap(),
            tcp("::1", Some(1))
        );
        assert_eq!(
            Address::parse("ssh://me@h:2222/run/podman/podman.sock").unwrap(),
            Address::Ssh(SshTarget {
                user: Some("me".into()),
                host: "h".into(),
                port: Some(2222),
                socket: "/run/podman/podman.sock".into(),
            })
        );
        let Address::Ssh(t) = Address::parse("ssh://h").unwrap() else {
            panic!()
        };
        assert_eq!(
            (t.user, t.port, t.socket.as_str()),
            (None, None, DEFAULT_REMOTE_SOCKET)
        );
    }

    #[test]
    fn bad_addresses_are_refused_by_name() {
        for bad in [
            "",
            "unix://",
            "http://h:1",
            "tcp://",
            "tcp://h:0",
            "tcp://h:99999",
            "tcp://h:1/path",
            "tcp://u@h",
            "ssh://-oProxyCommand=x",
            "ssh://@h",
            "ssh://h/",
            "tcp://[::1",
        ] {
            let e = Address::parse(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn loopback_is_127_8_ipv6_one_or_localhost() {
        for h in ["127.0.0.1", "127.3.2.1", "::1", "localhost", "LOCALHOST"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "10.0.0.1",
            "0.0.0.0",
            "example.com",
            "localhost.example.com",
            "::",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "tcp://127.0.0.1:2376",
            "tcp://[::1]:9",
            "ssh://u@h:22/x.sock",
            "/a/b",
        ] {
            assert_eq!(Address::parse(s).unwrap().to_string(), s);
        }
    }
}
