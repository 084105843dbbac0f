//! Optional TLS termination with rustls (ring provider): the certificate chain and key from PEM
//! files, a minimum protocol version that is 1.3 unless configured otherwise, HTTP/2 and 1.1.

use std::{path::Path, sync::Arc};

use anyhow::Context;
use rustls::{ServerConfig, SupportedProtocolVersion, version};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

/// The protocol versions from `min_version` (`1.3` or `1.2`) upwards.
fn versions(min_version: &str) -> anyhow::Result<&'static [&'static SupportedProtocolVersion]> {
    static TLS13_ONLY: [&SupportedProtocolVersion; 1] = [&version::TLS13];
    static TLS12_UP: [&SupportedProtocolVersion; 2] = [&version::TLS13, &version::TLS12];
    match min_version.trim() {
        "1.3" => Ok(&TLS13_ONLY),
        "1.2" => Ok(&TLS12_UP),
        other => anyhow::bail!("tls_min_version must be 1.3 or 1.2, not {other:?}"),
    }
}

/// A rustls server configuration from PEM files.
pub fn server_config(
    cert_file: &Path,
    key_file: &Path,
    min_version: &str,
) -> anyhow::Result<Arc<ServerConfig>> {
    let certs = CertificateDer::pem_file_iter(cert_file)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .with_context(|| format!("cannot read certificates from {}", cert_file.display()))?;
    anyhow::ensure!(
        !certs.is_empty(),
        "{} holds no certificate",
        cert_file.display()
    );
    let key = PrivateKeyDer::from_pem_file(key_file)
        .with_context(|| format!("cannot read a private key from {}", key_file.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions(min_version)?)
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the certificate does not match the private key")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_minimum_versions_are_accepted() {
        assert_eq!(versions("1.3").expect("1.3").len(), 1);
        assert_eq!(versions("1.2").expect("1.2").len(), 2);
        assert!(versions("1.1").is_err());
    }

    #[test]
    fn a_mismatched_or_missing_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("dir");
        let one = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
        let two = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&cert, one.cert.pem()).expect("write");
        std::fs::write(&key, two.signing_key.serialize_pem()).expect("write");
        let error = server_config(&cert, &key, "1.3")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("the certificate does not match the private key")
        );
        let missing = server_config(&dir.path().join("none.pem"), &key, "1.3");
        assert!(missing.is_err());
        std::fs::write(&key, one.signing_key.serialize_pem()).expect("write");
        assert!(server_config(&cert, &key, "1.3").is_ok());
    }
}
