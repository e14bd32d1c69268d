//! Streamable HTTP on a loopback address, at `/mcp`, behind a bearer token (compared in
//! constant time); rmcp's service answers, hyper serves it.

use super::Server;
use crate::exit::Failure;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{header, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::Arc;

/// Serves `server` on `addr` (a loopback address) until the process is stopped.
pub async fn serve(server: Server, addr: &str, token: String) -> Result<(), Failure> {
    let at: std::net::SocketAddr = addr.parse().map_err(|_| {
        Failure::Usage(format!(
            "--http {addr}: write an address and port (127.0.0.1:8765)"
        ))
    })?;
    if !at.ip().is_loopback() {
        return Err(Failure::Usage(format!(
            "--http {addr}: the server listens on loopback only (127.0.0.1 or [::1])"
        )));
    }
    let listener = tokio::net::TcpListener::bind(at)
        .await
        .map_err(|e| Failure::Failed(format!("--http {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Failure::Failed(e.to_string()))?;
    eprintln!("servicetitan mcp: listening on http://{bound}/mcp");
    let service = Arc::new(StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    ));
    let token: Arc<[u8]> = Arc::from(token.into_bytes());
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Too many open files, a connection reset before it was accepted: the
                // server goes on.
                eprintln!("servicetitan mcp: a connection was not accepted: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let (service, token) = (service.clone(), token.clone());
        tokio::spawn(async move {
            let handle = hyper::service::service_fn(move |req: Request<Incoming>| {
                let (service, token) = (service.clone(), token.clone());
                async move { Ok::<_, std::convert::Infallible>(answer(&service, &token, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), handle)
                .await;
        });
    }
}

type Body = http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>;

async fn answer(
    service: &StreamableHttpService<Server, LocalSessionManager>,
    token: &[u8],
    req: Request<Incoming>,
) -> Response<Body> {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::as_bytes);
    if !given.is_some_and(|g| same(g, token)) {
        return refuse(StatusCode::UNAUTHORIZED, "a bearer token is required");
    }
    if req.uri().path() != "/mcp" {
        return refuse(StatusCode::NOT_FOUND, "the MCP endpoint is /mcp");
    }
    service.handle(req).await
}

fn refuse(status: StatusCode, why: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from_static(why.as_bytes())).boxed());
    *r.status_mut() = status;
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    r
}

/// Compares two byte strings in time that depends on their lengths only.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
