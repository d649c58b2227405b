//! From an explicit engine address and the caller's settings to a transport: a Unix
//! socket as is, `tcp://` with TLS (from the options, else the environment as Docker reads
//! it) or plain on loopback only, `ssh://` through a forwarder started here.

use std::path::PathBuf;
use std::time::Duration;

use super::address::{is_loopback, Address, PLAIN_PORT, TLS_PORT};
use super::discover::Wanted;
use super::ssh;
use super::tls::{self, TlsFiles};
use super::transport::{Endpoint, Tls, Transport};
use crate::error::{Error, Result};

/// The transport to an explicit address: `Err` for bad settings (nothing was tried),
/// `Ok(Err(why))` when the engine could not be reached at all (no socket, ssh failed).
pub(crate) async fn transport_for(
    address: &Address,
    wanted: Wanted<'_>,
    env: &dyn Fn(&str) -> Option<String>,
    budget: Duration,
) -> Result<std::result::Result<Transport, String>> {
    let label = address.to_string();
    if wanted.tls.is_some() && !matches!(address, Address::Tcp { .. }) {
        return Err(Error::invalid(format!(
            "TLS files were given but the engine address {label} is not tcp://"
        )));
    }
    Ok(match address {
        Address::Unix(p) if !p.exists() => Err("no such socket".into()),
        Address::Unix(p) => Ok(Transport::unix(p.clone())),
        Address::Tcp { host, port } => {
            let files = wanted.tls.cloned().or_else(|| TlsFiles::from_env(env));
            let tls = match &files {
                None if !is_loopback(host) => {
                    return Err(Error::invalid(format!(
                        "engine address {label}: plain tcp:// is allowed only on loopback \
                         (anyone who reaches the port is root on that host); use TLS \
                         (DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, or the client's TLS \
                         files) or ssh://"
                    )))
                }
                None => None,
                Some(f) => Some(Tls {
                    connector: tokio_rustls::TlsConnector::from(f.config()?),
                    name: tls::server_name(host)?,
                    files: f.clone(),
                }),
            };
            let port = port.unwrap_or(if tls.is_some() { TLS_PORT } else { PLAIN_PORT });
            let endpoint = Endpoint::Tcp {
                host: host.clone(),
                port,
                tls,
            };
            Ok(Transport::new(endpoint, label, None))
        }
        Address::Ssh(target) => {
            let mut ssh = wanted.ssh.clone();
            if ssh.identity.is_none() {
                ssh.identity = env("CONTAINER_SSHKEY")
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from);
            }
            match ssh::start(target, &ssh, budget).await {
                Ok(fwd) => {
                    let local = fwd.socket.clone();
                    Ok(Transport::new(Endpoint::Unix(local), label, Some(fwd)))
                }
                Err(why) => Err(why),
            }
        }
    })
}
