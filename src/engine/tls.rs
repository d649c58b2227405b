//! TLS to a remote engine, as Docker defines it: the engine's certificate must chain to the
//! CA in `ca.pem`; the client presents `cert.pem` + `key.pem` (the engine checks them against
//! its own CA). Failures are named by step and by which certificate, because "handshake
//! failed" alone leaves a user guessing which of three files is wrong.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{AlertDescription, CertificateError};

use crate::error::{Error, Result};

/// The files of a TLS client: the CA that signed the engine's certificate, and the client's
/// own certificate and key (both or neither; an engine started with `--tlsverify` requires
/// them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

impl TlsFiles {
    /// Docker's layout: `ca.pem`, `cert.pem`, `key.pem` in `dir` (`DOCKER_CERT_PATH`). As
    /// Docker does, a directory without `cert.pem` and `key.pem` means no client certificate.
    pub fn dir(dir: impl AsRef<Path>) -> TlsFiles {
        let dir = dir.as_ref();
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        let client = cert.exists() || key.exists();
        TlsFiles {
            ca: dir.join("ca.pem"),
            cert: client.then_some(cert),
            key: client.then_some(key),
        }
    }

    /// The files named in the environment, as Docker reads it: `DOCKER_TLS_VERIFY` set to
    /// anything non-empty turns TLS on, with the files in `DOCKER_CERT_PATH`, else `~/.docker`.
    pub(crate) fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Option<TlsFiles> {
        env("DOCKER_TLS_VERIFY").filter(|v| !v.is_empty())?;
        let dir = env("DOCKER_CERT_PATH")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|h| Path::new(&h).join(".docker")))
            .unwrap_or_else(|| PathBuf::from(".docker"));
        Some(TlsFiles::dir(dir))
    }

    /// Checks the combination without reading anything.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.cert.is_some() != self.key.is_some() {
            return Err(Error::invalid(
                "TLS: a client certificate needs its key and a key its certificate",
            ));
        }
        Ok(())
    }

    /// Reads the files into a client configuration. A missing or unreadable file is named.
    pub(crate) fn config(&self) -> Result<Arc<rustls::ClientConfig>> {
        self.validate()?;
        let unreadable = |what: &str, path: &Path, e: &dyn std::fmt::Display| {
            Error::invalid(format!("TLS: the {what} {}: {e}", path.display()))
        };
        let mut roots = rustls::RootCertStore::empty();
        let cas = CertificateDer::pem_file_iter(&self.ca)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| unreadable("CA file", &self.ca, &e))?;
        if cas.is_empty() {
            return Err(unreadable("CA file", &self.ca, &"no certificate in it"));
        }
        for ca in cas {
            roots
                .add(ca)
                .map_err(|e| unreadable("CA file", &self.ca, &e))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(Error::internal)?
            .with_root_certificates(roots);
        let config = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => {
                let chain = CertificateDer::pem_file_iter(cert)
                    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| unreadable("client certificate", cert, &e))?;
                if chain.is_empty() {
                    return Err(unreadable(
                        "client certificate",
                        cert,
                        &"no certificate in it",
                    ));
                }
                let key_der = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| unreadable("client key", key, &e))?;
                builder
                    .with_client_auth_cert(chain, key_der)
                    .map_err(|e| unreadable("client certificate and key", cert, &e))?
            }
            _ => builder.with_no_client_auth(),
        };
        Ok(Arc::new(config))
    }
}

/// The name the engine's certificate must carry: an IP address or a DNS name.
pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(host.to_owned())
        .map_err(|_| Error::invalid(format!("TLS: {host:?} is not a usable server name")))
}

/// Says which step of TLS failed and what to check, from rustls's own error.
pub(crate) fn explain(e: &rustls::Error, files: &TlsFiles, host: &str) -> String {
    let ca = files.ca.display();
    let client = || match &files.cert {
        Some(c) => format!("the client certificate {}", c.display()),
        None => "a missing client certificate".to_owned(),
    };
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => format!(
                "certificate check failed: the engine's certificate is not signed by the CA \
                 in {ca} ({e})"
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!(
                    "certificate check failed: the engine's certificate is not valid for \
                     {host} ({e})"
                )
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                format!("certificate check failed: the engine's certificate has expired ({e})")
            }
            _ => format!("certificate check failed: the engine's certificate: {e}"),
        },
        // Go engines answer a missing certificate with BadCertificate, not CertificateRequired.
        rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::HandshakeFailure,
        ) if files.cert.is_none() => "certificate check failed: the engine requires a client \
             certificate and none is configured (cert.pem and key.pem)"
            .to_owned(),
        rustls::Error::AlertReceived(
            a @ (AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::AccessDenied),
        ) => format!(
            "certificate check failed: the engine refused {} (alert {a:?}: it is not signed \
             by a CA the engine trusts, or is not a client certificate)",
            client()
        ),
        rustls::Error::InvalidMessage(_) => format!(
            "TLS handshake failed: the engine does not speak TLS on this port ({e}); use \
             plain tcp:// on loopback, or the engine's TLS port"
        ),
        _ => format!("TLS handshake failed: {e}"),
    }
}

/// The rustls error somewhere in an error's chain (hyper wraps it in an I/O error, whose
/// `source()` skips the error it carries, so each I/O error is opened too).
pub(crate) fn find_rustls_error<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(r) = find_rustls_error(inner) {
                return Some(r);
            }
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> TlsFiles {
        TlsFiles {
            ca: "/c/ca.pem".into(),
            cert: Some("/c/cert.pem".into()),
            key: Some("/c/key.pem".into()),
        }
    }

    #[test]
    fn each_failure_names_its_step_and_file() {
        let f = files();
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let m = explain(&unknown, &f, "h");
        assert!(
            m.starts_with("certificate check failed") && m.contains("/c/ca.pem"),
            "{m}"
        );
        let name = rustls::Error::InvalidCertificate(CertificateError::NotValidForName);
        assert!(explain(&name, &f, "10.1.1.1").contains("not valid for 10.1.1.1"));
        let refused = rustls::Error::AlertReceived(AlertDescription::BadCertificate);
        let m = explain(&refused, &f, "h");
        assert!(
            m.contains("refused the client certificate /c/cert.pem"),
            "{m}"
        );
        let none = TlsFiles {
            cert: None,
            key: None,
            ..f.clone()
        };
        for a in [
            AlertDescription::CertificateRequired,
            AlertDescription::BadCertificate,
        ] {
            let m = explain(&rustls::Error::AlertReceived(a), &none, "h");
            assert!(m.contains("requires a client certificate and none"), "{m}");
        }
        let plain = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        assert!(explain(&plain, &f, "h").contains("does not speak TLS"));
    }

    #[test]
    fn a_rustls_error_is_found_inside_io_errors() {
        let inner = rustls::Error::AlertReceived(AlertDescription::UnknownCA);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, inner);
        let outer = std::io::Error::other(io);
        assert!(matches!(
            find_rustls_error(&outer),
            Some(rustls::Error::AlertReceived(AlertDescription::UnknownCA))
        ));
        assert!(find_rustls_error(&std::io::Error::other("x")).is_none());
    }

    #[test]
    fn the_environment_is_read_as_docker_reads_it() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(TlsFiles::from_env(&env(&[("DOCKER_CERT_PATH", "/c")])).is_none());
        assert!(TlsFiles::from_env(&env(&[("DOCKER_TLS_VERIFY", "")])).is_none());
        let f = TlsFiles::from_env(&env(&[
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/c"),
        ]))
        .unwrap();
        assert_eq!(f.ca, PathBuf::from("/c/ca.pem"));
        let f = TlsFiles::from_env(&env(&[("DOCKER_TLS_VERIFY", "0"), ("HOME", "/h")])).unwrap();
        assert_eq!(f.ca, PathBuf::from("/h/.docker/ca.pem"));
    }

    #[test]
    fn a_certificate_without_its_key_is_refused() {
        let f = TlsFiles {
            key: None,
            ..files()
        };
        assert_eq!(
            f.validate().unwrap_err().kind(),
            crate::ErrorKind::InvalidArgument
        );
        let e = files().config().unwrap_err();
        assert!(e.to_string().contains("the CA file /c/ca.pem"), "{e}");
    }
}
