//! TLS with rustls (ring provider): one-way authentication against `--cafile` or the system
//! roots, mutual authentication with `--cert`/`--key`, SNI from `--servername`, and
//! `--insecure`, which verifies nothing and is reported loudly.

use super::{Target, TlsSettings};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// Which client certificate to present.
#[derive(Debug)]
pub enum Identity {
    /// The one in the settings (`--cert`/`--key`), or none when they are absent.
    FromSettings,
    /// None, even if the settings name one (transport checks: "refuses a client without one").
    Anonymous,
    /// This chain and key (transport checks: "refuses a certificate it does not trust").
    Given(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>),
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// The client configuration for `settings`, built once per distinct settings (every check opens
/// its own connections, so the CA file or system store is not read again each time).
///
/// # Errors
/// An unreadable or empty certificate file, a bad key, or no system roots.
pub fn client_config(settings: &TlsSettings) -> io::Result<Arc<ClientConfig>> {
    static CACHE: OnceLock<Mutex<HashMap<TlsSettings, Arc<ClientConfig>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(c) = cache.lock().ok().and_then(|m| m.get(settings).cloned()) {
        return Ok(c);
    }
    let config =
        Arc::new(build_config(settings, Identity::FromSettings).map_err(io::Error::other)?);
    if let Ok(mut m) = cache.lock() {
        m.insert(settings.clone(), config.clone());
    }
    Ok(config)
}

/// Builds a client configuration (uncached) presenting `identity`.
///
/// # Errors
/// What could not be loaded, naming the file.
pub fn build_config(settings: &TlsSettings, identity: Identity) -> Result<ClientConfig, String> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let builder = if settings.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
    } else {
        builder.with_root_certificates(roots(settings.cafile.as_deref())?)
    };
    let identity = match identity {
        Identity::FromSettings => match (&settings.cert, &settings.key) {
            (Some(cert), Some(key)) => Some((load_certs(cert)?, load_key(key)?)),
            (None, None) => None,
            _ => return Err("mutual TLS needs both --cert and --key".into()),
        },
        Identity::Anonymous => None,
        Identity::Given(chain, key) => Some((chain, key)),
    };
    match identity {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| format!("TLS client certificate: {e}")),
        None => Ok(builder.with_no_client_auth()),
    }
}

/// The trust anchors: the CA file's certificates, or the system's.
fn roots(cafile: Option<&Path>) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match cafile {
        Some(path) => {
            for cert in load_certs(path)? {
                store
                    .add(cert)
                    .map_err(|e| format!("{}: not a usable CA certificate: {e}", path.display()))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _ignored) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = found
                    .errors
                    .first()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default();
                return Err(format!(
                    "no system root certificates found{why}; name the broker's CA with --cafile"
                ));
            }
        }
    }
    Ok(store)
}

/// Every certificate in a PEM file.
///
/// # Errors
/// Unreadable, not PEM, or no certificate in it.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate in it", path.display()));
    }
    Ok(certs)
}

/// The first private key (PKCS#8, PKCS#1 or SEC1) in a PEM file.
///
/// # Errors
/// Unreadable or no key in it.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs the TLS handshake over `stream`, verifying the server against [`Target::server_name`].
///
/// # Errors
/// The handshake failure, saying it was TLS (e.g. "invalid peer certificate: UnknownIssuer").
pub async fn handshake<S>(
    stream: S,
    target: &Target,
    config: Arc<ClientConfig>,
) -> io::Result<TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let name = ServerName::try_from(target.server_name().to_string()).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("TLS server name {:?}: {e}", target.server_name()),
        )
    })?;
    TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(|e| {
            let text = e.to_string();
            // rustls refuses a self-signed certificate given as its own CA (the usual test
            // setup); say what to do instead of only its error's name.
            let hint = if text.contains("CaUsedAsEndEntity") {
                " (the broker shows the certificate given as --cafile itself, a self-signed \
                 certificate: sign the broker's certificate with a separate CA and pass that CA \
                 as --cafile, or use --insecure for a test broker)"
            } else if text.contains("InvalidContentType") {
                // What came first is not a TLS record at all: the port speaks something else.
                " (the server's answer is not TLS: this port may serve plain MQTT or another \
                 protocol; for plain MQTT use an mqtt:// target)"
            } else {
                ""
            };
            io::Error::new(
                e.kind(),
                format!("TLS handshake with {}: {e}{hint}", target.authority()),
            )
        })
}

/// `--insecure`: accepts any certificate for any name. The handshake signatures are still checked,
/// so the peer must at least hold the key of the certificate it shows.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A fresh certificate authority and a client certificate it signed, neither known to any broker:
/// what a client with the wrong certificate presents.
///
/// # Errors
/// Key generation or signing failed.
pub fn stranger_identity() -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String>
{
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let err = |e: rcgen::Error| format!("generating a throwaway certificate: {e}");
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "conformance stranger CA");
    let issuer =
        CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(err)?).map_err(err)?;
    let key = KeyPair::generate().map_err(err)?;
    let mut leaf = CertificateParams::new(vec!["conformance-stranger".to_string()]).map_err(err)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "conformance-stranger");
    let cert = leaf.signed_by(&key, &issuer).map_err(err)?;
    Ok((
        vec![cert.der().clone()],
        PrivateKeyDer::try_from(key.serialize_der()).map_err(|e| e.to_string())?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_named() {
        let settings = TlsSettings {
            cafile: Some("/nonexistent/ca.pem".into()),
            ..TlsSettings::default()
        };
        let err = build_config(&settings, Identity::FromSettings).unwrap_err();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn insecure_needs_no_roots() {
        let settings = TlsSettings {
            insecure: true,
            ..TlsSettings::default()
        };
        assert!(build_config(&settings, Identity::Anonymous).is_ok());
    }

    #[test]
    fn stranger_identity_is_usable_as_client_auth() {
        let (chain, key) = stranger_identity().unwrap();
        let settings = TlsSettings {
            insecure: true,
            ..TlsSettings::default()
        };
        assert!(build_config(&settings, Identity::Given(chain, key)).is_ok());
    }
}
