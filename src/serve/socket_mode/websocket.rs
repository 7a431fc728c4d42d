//! Connecting one WebSocket to a link from `apps.connections.open`: TCP, then TLS for `wss://`
//! (rustls with the ring provider and the Mozilla roots reqwest already uses, so no second TLS
//! stack), then the WebSocket handshake, all under one deadline.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_util::either::Either;

use super::open::LinkUrl;

/// A connected link.
pub type Socket = WebSocketStream<Either<TcpStream, TlsStream<TcpStream>>>;

/// How long connecting may take, handshakes included.
const CONNECT_WITHIN: Duration = Duration::from_secs(15);

/// The largest message taken: an envelope holds one event, command or interaction, which Slack
/// keeps to a few KB (the HTTP side's limit, with room for the envelope around it).
const MAX_MESSAGE: usize = 2 * crate::serve::MAX_BODY;

/// Connects to `link`.
pub async fn connect(link: &LinkUrl) -> Result<Socket> {
    tokio::time::timeout(CONNECT_WITHIN, handshakes(link))
        .await
        .map_err(|_| anyhow!("no connection within {} s", CONNECT_WITHIN.as_secs()))?
        .with_context(|| format!("cannot connect to {link}"))
}

async fn handshakes(link: &LinkUrl) -> Result<Socket> {
    let url = link.url();
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    let tcp =
        TcpStream::connect((host.trim_start_matches('[').trim_end_matches(']'), port)).await?;
    tcp.set_nodelay(true)?;
    let stream = if url.scheme() == "wss" {
        let name = ServerName::try_from(host.to_owned()).context("not a server name")?;
        Either::Right(tls()?.connect(name, tcp).await?)
    } else {
        Either::Left(tcp)
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let (socket, _) =
        tokio_tungstenite::client_async_with_config(url.as_str(), stream, Some(config)).await?;
    Ok(socket)
}

/// The TLS client, made once. The provider is named rather than taken from the process default:
/// with the S3 feature, rustls is built with two providers and would not pick one.
fn tls() -> Result<TlsConnector> {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if let Some(config) = CONFIG.get() {
        return Ok(TlsConnector::from(config.clone()));
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("cannot set up TLS")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let config = CONFIG.get_or_init(|| Arc::new(config));
    Ok(TlsConnector::from(config.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[test]
    fn tls_is_set_up_without_a_process_default_provider() {
        assert!(tls().is_ok());
    }

    /// A `wss://` link starts with a TLS handshake (the server here speaks none, so connecting
    /// fails, as it must, rather than falling back to plain text).
    #[tokio::test]
    async fn a_wss_link_speaks_tls_first() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let first_byte = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.read_u8().await.unwrap()
        });
        let link = LinkUrl::parse(&format!("wss://localhost:{port}/link/?ticket=t")).unwrap();
        assert!(connect(&link).await.is_err());
        // 0x16: a TLS handshake record (the ClientHello).
        assert_eq!(first_byte.await.unwrap(), 0x16);
    }
}
