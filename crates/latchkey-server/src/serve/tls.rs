//! Optional TLS in the binary (`tls_cert`, `tls_key`), for deployments without a reverse
//! proxy: rustls on the aws-lc-rs provider (the crypto of the rest of Latchkey), TLS 1.2 and
//! 1.3, ALPN `h2` and `http/1.1`. The certificate chain and key are PEM files read once at
//! start; a bad file stops the start with a message naming it.
//!
//! The handshake runs inside the connection's slot and must finish within
//! `header_read_timeout`, so a client that opens TLS and stalls holds no more than one that
//! stalls in a header; anything that is not TLS (e.g. plain HTTP) fails the handshake at its
//! first bytes and the connection is closed.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
pub use tokio_rustls::TlsAcceptor;

/// The acceptor for the certificate chain at `cert` and the private key at `key`.
pub fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read the TLS certificate chain {}", cert.display()))?;
    anyhow::ensure!(!chain.is_empty(), "no certificate in {}", cert.display());
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read the TLS private key {}", key.display()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the TLS certificate does not match its key")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
