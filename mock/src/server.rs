//! The HTTP side: hyper on a loopback listener, one task per connection, the requests
//! received kept for assertions, and the two answers a well-behaved server never gives (a
//! body cut short, a connection reset) delivered for real.

use crate::faults::{self, Body, Dropped, Fault, Faults, Target};
use crate::handler;
use crate::model::Api;
use crate::roles::roles;
use crate::state::{lock, Recorded, Shared};
use crate::store::Store;
use crate::Settings;
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A running stand-in ServiceTitan. Dropping it stops the server.
pub struct MockServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl MockServer {
    /// Binds `settings.bind:settings.port` and serves until dropped (on the current tokio
    /// runtime).
    pub async fn start(settings: Settings) -> Result<MockServer, String> {
        let api = Api::embedded()?;
        let listener = TcpListener::bind((settings.bind, settings.port))
            .await
            .map_err(|e| format!("cannot listen on {}:{}: {e}", settings.bind, settings.port))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("the listener has no address: {e}"))?;
        let shared = Arc::new(Shared {
            roles: roles(&api),
            base_url: format!("http://{addr}"),
            tokens: Mutex::default(),
            limits: Mutex::default(),
            store: Mutex::new(Store::new(
                settings.seed,
                settings.records,
                settings.unordered,
            )),
            faults: Mutex::new(Faults::new(settings.chaos, settings.seed)),
            log: Mutex::default(),
            clock: Default::default(),
            api,
            settings,
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(accept(listener, shared.clone(), stopped));
        Ok(MockServer {
            shared,
            addr,
            stop: Some(stop),
        })
    }

    /// Stops the stand-in's clock at `at` (what its `Date` headers say, and the
    /// `modifiedOn` of records changed meanwhile), or lets it run again (`None`). Its
    /// times are whole seconds, as many changes fall in the same instant.
    pub fn set_clock(&self, at: Option<servicetitan_runtime::DateTime>) {
        self.shared.clock.set(at.map(|d| d.inner().timestamp()));
    }

    /// Deletes record `id` of the list at `list_path` (`/crm/v2/tenant/1/customers`), as
    /// if the API's users had: gone from the list, shown deleted by its export. `false`
    /// when the path is not a list or there is no such live record.
    pub fn delete_record(&self, list_path: &str, id: i64) -> bool {
        handler::delete_record(&self.shared, list_path, id)
    }

    /// `http://127.0.0.1:PORT`: both the auth URL and the API URL.
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A client builder pointed at this server, with its credentials and app key.
    pub fn builder(&self) -> servicetitan_runtime::RuntimeBuilder {
        let s = &self.shared.settings;
        servicetitan_runtime::RuntimeBuilder::new(servicetitan_runtime::Environment::Custom {
            auth_url: self.url(),
            api_url: self.url(),
        })
        .app_key(s.app_key.as_str())
        .credentials(servicetitan_runtime::Credentials::new(
            s.client_id.as_str(),
            s.client_secret.as_str(),
        ))
    }

    /// Answers requests to `target` with `faults`, one each, then as usual again.
    pub fn on(&self, target: Target, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.shared.faults).add(target, faults);
    }

    /// Forgets the fault rules not yet used up.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every request received so far, in order of answer (none unless `Settings::record`).
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.log).clone()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Tokens issued so far.
    pub fn tokens_issued(&self) -> u64 {
        lock(&self.shared.tokens).count()
    }

    /// The API this server knows.
    pub fn api(&self) -> &Api {
        &self.shared.api
    }

    /// Valid values for the required inputs of operation `id` of `module`, in the order
    /// the generated method takes them (path parameters, required query parameters, the
    /// body or the required multipart parts); ids are 1, or the guid of 1
    /// (`Uuid::from_u128(1)`), which every list has.
    pub fn sample_inputs(&self, module: &str, id: &str) -> Option<Vec<serde_json::Value>> {
        handler::sample_inputs(&self.shared, module, id)
    }

    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.shared.base_url)
            .field("settings", &self.shared.settings)
            .finish()
    }
}

async fn accept(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
            _ = &mut stopped => return,
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let reset = Arc::new(AtomicBool::new(false));
            let io = hyper_util::rt::TokioIo::new(Conn {
                inner: stream,
                reset: reset.clone(),
            });
            let service = hyper::service::service_fn(move |req| {
                serve_one(shared.clone(), req, reset.clone())
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(io, service)
                .await;
        });
    }
}

async fn serve_one(
    shared: Arc<Shared>,
    req: hyper::Request<hyper::body::Incoming>,
    reset: Arc<AtomicBool>,
) -> Result<hyper::Response<Body>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(Dropped),
    };
    let answer = handler::handle(&shared, &parts, body).await;
    faults::deliver(answer, &reset)
}

/// A TCP connection that, once told to, closes with a reset rather than an orderly
/// shutdown.
struct Conn {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            // A zero linger makes the close a TCP reset (and never blocks).
            #[allow(deprecated)]
            let _ = self.inner.set_linger(Some(std::time::Duration::ZERO));
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
