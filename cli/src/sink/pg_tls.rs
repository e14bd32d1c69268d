//! PostgreSQL over TLS: the URL's `sslmode` and `sslrootcert` read as libpq reads them,
//! and tokio-postgres's TLS hooks over tokio-rustls, on the API client's rustls provider
//! (ring) and the operating system's trust store (rustls-platform-verifier).
//!
//! libpq's modes: `disable` (plain), `prefer` (the default: TLS when the server offers
//! it, else plain), `require` (TLS, the certificate unchecked), `verify-ca` (the chain
//! checked, not the host name), `verify-full` (both). With `sslrootcert=FILE` (PEM) that
//! authority is trusted instead of the system's store, and `prefer`/`require` check the
//! chain as `verify-ca` does; `sslrootcert=system` is the system's store, which goes
//! with `verify-full` only (as in libpq 16). A failed check is an error saying which
//! check failed; no error shows a password or anything of a certificate.

use crate::fallible::Fallible;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Disable => "disable",
            Mode::Prefer => "prefer",
            Mode::Require => "require",
            Mode::VerifyCa => "verify-ca",
            Mode::VerifyFull => "verify-full",
        }
    }
}

/// Where the authorities a certificate is checked against come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Roots {
    System,
    File(String),
}

/// A database URL made ready to connect: tokio-postgres's configuration (without the
/// parameters it does not know) and the TLS to connect with.
#[derive(Clone)]
pub struct Target {
    pub config: tokio_postgres::Config,
    pub tls: MakeRustls,
    /// The URL as errors show it: no password, no parameters.
    pub shown: String,
}

/// Reads `url`'s `sslmode` and `sslrootcert` (the other parameters are tokio-postgres's).
pub fn target(url: &str) -> Fallible<Target> {
    let shown = super::without_password(url.split('?').next().unwrap_or(url));
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let (mut mode, mut roots) = (None, None);
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => mode = Some(mode_of(&decode(value)?)?),
            "sslrootcert" => {
                let v = decode(value)?;
                roots = Some(if v == "system" {
                    Roots::System
                } else {
                    Roots::File(v)
                });
            }
            _ => rest.push(pair),
        }
    }
    let mode = match (mode, &roots) {
        (None, Some(Roots::System)) => Mode::VerifyFull,
        (None, _) => Mode::Prefer,
        (Some(m), Some(Roots::System)) if m != Mode::VerifyFull => {
            return Err(format!(
                "PostgreSQL at {shown}: sslrootcert=system goes with sslmode=verify-full only \
                 (the system's authorities vouch for host names), not sslmode={}",
                m.name()
            )
            .into());
        }
        (Some(Mode::VerifyCa), None) => {
            return Err(format!(
                "PostgreSQL at {shown}: sslmode=verify-ca needs sslrootcert=FILE, the \
                 authority to check the server's certificate against (with the system's \
                 trust store, use sslmode=verify-full)"
            )
            .into());
        }
        (Some(m), _) => m,
    };
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| format!("PostgreSQL at {shown}: {e}"))?;
    config.ssl_mode(match mode {
        Mode::Disable => SslMode::Disable,
        Mode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    let tls = MakeRustls::new(mode, roots, &shown)?;
    Ok(Target { config, tls, shown })
}

fn mode_of(value: &str) -> Fallible<Mode> {
    Ok(match value {
        "disable" => Mode::Disable,
        "prefer" => Mode::Prefer,
        "require" => Mode::Require,
        "verify-ca" => Mode::VerifyCa,
        "verify-full" => Mode::VerifyFull,
        other => {
            return Err(format!(
                "sslmode={other} is not one this program knows: disable, prefer, require, \
                 verify-ca or verify-full"
            )
            .into());
        }
    })
}

/// A URL parameter's value, `%XX` decoded.
fn decode(value: &str) -> Fallible<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            out.push(hex.ok_or("a `%` in the URL not followed by two hexadecimal digits")?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8(out).map_err(|_| "a URL parameter that is not UTF-8")?)
}

/// Connects to the target; an error says which check failed.
pub async fn connect(target: &Target) -> Fallible<tokio_postgres::Client> {
    let (client, connection) = target
        .config
        .connect(target.tls.clone())
        .await
        .map_err(|e| explain(&e, target))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("PostgreSQL connection: {e}");
        }
    });
    Ok(client)
}

/// A refused connection in the user's words.
fn explain(e: &tokio_postgres::Error, target: &Target) -> String {
    use std::error::Error as _;
    let shown = &target.shown;
    match e.source() {
        Some(s) if s.downcast_ref::<Refused>().is_some() => format!("PostgreSQL at {shown}: {s}"),
        Some(s) if s.to_string() == "server does not support TLS" => format!(
            "PostgreSQL at {shown}: the server offers no TLS, and sslmode={} requires it \
             (the server's `ssl` setting turns it on)",
            target.tls.mode.name()
        ),
        _ => format!("PostgreSQL at {shown}: {e}"),
    }
}

/// A TLS handshake that failed, said in words (never a certificate's content).
#[derive(Debug)]
pub struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// What a failed handshake means, for `host` checked as `mode` against `roots`.
fn refusal(e: &io::Error, host: &str, mode: Mode, roots: &Roots) -> Refused {
    let authority = match roots {
        Roots::File(f) => format!("the authority in sslrootcert={f}"),
        Roots::System => "an authority the system trusts (sslrootcert=FILE names another)".into(),
    };
    let tls = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    let Some(rustls::Error::InvalidCertificate(cert)) = tls else {
        return Refused(match tls {
            Some(t) => format!("the TLS handshake failed: {t}"),
            None => format!("the TLS handshake failed: {}", e.kind()),
        });
    };
    use CertificateError::*;
    let why = match cert {
        UnknownIssuer => format!("the server's certificate is not signed by {authority}"),
        NotValidForName | NotValidForNameContext { .. } => format!(
            "the server's certificate is not for the host name `{host}` (sslmode={} checks \
             it: connect by a name the certificate lists)",
            mode.name()
        ),
        Expired | ExpiredContext { .. } => "the server's certificate has expired".into(),
        NotValidYet | NotValidYetContext { .. } => {
            "the server's certificate is not valid yet".into()
        }
        Revoked => "the server's certificate is revoked".into(),
        InvalidPurpose | InvalidPurposeContext { .. } => {
            "the server's certificate is not one for a server".into()
        }
        BadSignature
        | UnsupportedSignatureAlgorithmContext { .. }
        | UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "the server's certificate has a signature that cannot be checked".into()
        }
        BadEncoding => "the server's certificate cannot be read".into(),
        _ => "the server's certificate was refused".into(),
    };
    Refused(why)
}

/// tokio-postgres's `MakeTlsConnect` on rustls: the configuration of one `sslmode`.
#[derive(Clone)]
pub struct MakeRustls {
    config: Arc<rustls::ClientConfig>,
    mode: Mode,
    roots: Roots,
}

impl MakeRustls {
    fn new(mode: Mode, roots: Option<Roots>, shown: &str) -> Fallible<MakeRustls> {
        // rustls 0.23.48 deprecates ring's provider (see runtime/src/http.rs).
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let checked = match (&roots, mode) {
            (Some(Roots::File(f)), Mode::Prefer | Mode::Require | Mode::VerifyCa)
            | (Some(Roots::File(f)), Mode::VerifyFull) => Some(from_file(f, &provider)?),
            (_, Mode::VerifyFull) => Some(Arc::new(
                rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| {
                    format!("PostgreSQL at {shown}: the system's certificate verifier: {e}")
                })?,
            ) as Arc<dyn ServerCertVerifier>),
            _ => None,
        };
        let verifier = Check {
            inner: checked,
            names: mode == Mode::VerifyFull,
            provider: provider.clone(),
        };
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("no TLS version to use: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        // PostgreSQL 17's direct TLS asks for it; older servers ignore it.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
        Ok(MakeRustls {
            config: Arc::new(config),
            mode,
            roots: roots.unwrap_or(Roots::System),
        })
    }
}

/// A verifier trusting the authorities in the PEM file `path` only.
fn from_file(path: &str, provider: &Arc<CryptoProvider>) -> Fallible<Arc<dyn ServerCertVerifier>> {
    let unreadable = |why: String| format!("sslrootcert={path}: {why}");
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(e.to_string()))? {
        let cert = cert.map_err(|e| unreadable(format!("not a PEM certificate ({e})")))?;
        roots
            .add(cert)
            .map_err(|_| unreadable("a certificate that cannot be an authority".into()))?;
    }
    if roots.is_empty() {
        return Err(unreadable("the file holds no certificate".into()).into());
    }
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| unreadable(e.to_string()))?;
    Ok(verifier)
}

/// The certificate check of a mode: none (`prefer`, `require`), the chain (`verify-ca`),
/// or the chain and the host name (`verify-full`). The handshake's signatures are
/// always checked.
#[derive(Debug)]
struct Check {
    inner: Option<Arc<dyn ServerCertVerifier>>,
    names: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Check {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(inner) = &self.inner else {
            return Ok(ServerCertVerified::assertion());
        };
        match inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            // webpki checks the chain before the name: a wrong name means a good chain.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.names => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

impl<S> MakeTlsConnect<S> for MakeRustls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = Refused;

    fn make_tls_connect(&mut self, host: &str) -> Result<RustlsConnect, Refused> {
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| Refused(format!("`{host}` is no host name a certificate can name")))?;
        Ok(RustlsConnect {
            connector: tokio_rustls::TlsConnector::from(self.config.clone()),
            name,
            mode: self.mode,
            roots: self.roots.clone(),
        })
    }
}

/// One connection's handshake.
pub struct RustlsConnect {
    connector: tokio_rustls::TlsConnector,
    name: ServerName<'static>,
    mode: Mode,
    roots: Roots,
}

type Handshake<S> = Pin<Box<dyn Future<Output = Result<RustlsStream<S>, Refused>> + Send>>;

impl<S> TlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = Refused;
    type Future = Handshake<S>;

    fn connect(self, stream: S) -> Handshake<S> {
        Box::pin(async move {
            let host = self.name.to_str().into_owned();
            self.connector
                .connect(self.name, stream)
                .await
                .map(RustlsStream)
                .map_err(|e| refusal(&e, &host, self.mode, &self.roots))
        })
    }
}

/// A TLS connection to PostgreSQL (no channel binding: SCRAM without `-PLUS`).
pub struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_are_read_and_the_rest_left_to_tokio_postgres() {
        let t = target("postgres://u:pw@db:6543/copy?application_name=st&sslmode=require")
            .expect("a target");
        assert_eq!(t.tls.mode, Mode::Require);
        assert_eq!(t.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(t.config.get_application_name(), Some("st"));
        assert_eq!(t.shown, "postgres://u:***@db:6543/copy");
        let t = target("postgres://db/copy").expect("a target");
        assert_eq!(
            (t.tls.mode, t.config.get_ssl_mode()),
            (Mode::Prefer, SslMode::Prefer)
        );
        let t = target("postgres://db/copy?sslmode=disable").expect("a target");
        assert_eq!(t.config.get_ssl_mode(), SslMode::Disable);
        let t = target("postgres://db/copy?sslrootcert=system").expect("a target");
        assert_eq!((t.tls.mode, t.tls.roots), (Mode::VerifyFull, Roots::System));
    }

    #[test]
    fn what_cannot_be_checked_is_refused_saying_why_without_the_password() {
        let refused = |url: &str| target(url).err().expect("refused").to_string();
        let e = refused("postgres://u:s3cret@db/copy?sslmode=verify-ca");
        assert!(
            e.contains("verify-ca needs sslrootcert=FILE") && !e.contains("s3cret"),
            "{e}"
        );
        let e = refused("postgres://db/copy?sslmode=require&sslrootcert=system");
        assert!(
            e.contains("sslrootcert=system goes with sslmode=verify-full"),
            "{e}"
        );
        let e = refused("postgres://db/copy?sslmode=allow");
        assert!(
            e.contains("sslmode=allow is not one this program knows"),
            "{e}"
        );
        let e =
            refused("postgres://db/copy?sslmode=verify-full&sslrootcert=/nonexistent%20dir/ca.pem");
        assert!(e.contains("sslrootcert=/nonexistent dir/ca.pem: "), "{e}");
    }
}
