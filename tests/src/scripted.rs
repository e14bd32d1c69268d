//! A scripted HTTP/1.1 server on 127.0.0.1: it records every request and answers with
//! what the test says. Hand-rolled on tokio so that tests control every byte (status,
//! headers, delays, broken bodies, resets), which the stand-in ServiceTitan
//! (`servicetitan_mock::MockServer`), built to answer as the API does, does not.

use crate::builder_at;
use servicetitan_runtime::RuntimeBuilder;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path without the query string, percent-encoded as sent.
    pub path: String,
    /// The raw query string (without `?`).
    pub query: String,
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
    /// Decoded query pairs (`application/x-www-form-urlencoded`, as the client sends them).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }
    /// The first value of query parameter `name`, decoded.
    pub fn query_value(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Send these bytes as the whole answer instead (status line and headers included),
    /// then close the connection; with `reset`, close it with a TCP reset.
    pub raw: Option<Vec<u8>>,
    pub reset: bool,
}

impl Reply {
    /// A page with no records and nothing more: what most tests' list calls get.
    pub fn empty_page() -> Reply {
        Reply::json(
            200,
            serde_json::json!({"page": 1, "pageSize": 50, "hasMore": false, "data": []}),
        )
    }
    pub fn json(status: u16, v: serde_json::Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(&v).expect("json"),
            delay: Duration::ZERO,
            raw: None,
            reset: false,
        }
    }
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: vec![],
            delay: Duration::ZERO,
            raw: None,
            reset: false,
        }
    }
    pub fn bytes(status: u16, content_type: &str, body: &[u8]) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.to_vec(),
            delay: Duration::ZERO,
            raw: None,
            reset: false,
        }
    }
    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }
    /// These exact bytes, then the connection is closed (with a reset if `reset`).
    pub fn raw(bytes: &[u8], reset: bool) -> Reply {
        Reply {
            status: 0,
            headers: vec![],
            body: vec![],
            delay: Duration::ZERO,
            raw: Some(bytes.to_vec()),
            reset,
        }
    }
    pub fn delayed(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
}

type Handler = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

/// A running loopback server. Dropping it stops accepting connections.
pub struct ScriptedServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ScriptedServer {
    /// Starts a server whose every answer comes from `handler`.
    pub async fn start(
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let reqs = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let h = handler.clone();
                let r = reqs.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, h, r).await;
                });
            }
        });
        ScriptedServer {
            addr,
            requests,
            task,
        }
    }

    /// A server with a token endpoint at `/connect/token` (token `token-N`, 900 s, the
    /// given scope) and `api` answering everything else.
    pub async fn with_token(
        scope: &str,
        api: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> ScriptedServer {
        Self::with_token_lifetime(scope, 900, api).await
    }

    /// A server whose first API call is answered with `first`, and every later one by
    /// `then`; with the count of API calls.
    pub async fn first_then(
        first: Reply,
        then: impl Fn() -> Reply + Send + Sync + 'static,
    ) -> (ScriptedServer, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let server = ScriptedServer::with_token("", move |_| {
            if c.fetch_add(1, Ordering::SeqCst) == 0 {
                first.clone()
            } else {
                then()
            }
        })
        .await;
        (server, calls)
    }

    /// As [`ScriptedServer::with_token`], with tokens that live `expires_in` seconds.
    pub async fn with_token_lifetime(
        scope: &str,
        expires_in: u64,
        api: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> ScriptedServer {
        let scope = scope.to_string();
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        ScriptedServer::start(move |r| {
            if r.path == "/connect/token" {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                let mut body = serde_json::json!({"access_token": format!("token-{n}"), "expires_in": expires_in, "token_type": "Bearer"});
                if !scope.is_empty() {
                    body["scope"] = scope.clone().into();
                }
                return Reply::json(200, body);
            }
            api(r)
        })
        .await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A runtime client builder pointed at this server, for the token endpoint and the
    /// API alike ([`builder_at`]).
    pub fn builder(&self, app_key: &str, client_id: &str, secret: &str) -> RuntimeBuilder {
        builder_at(self.url(), self.url(), app_key, client_id, secret)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }

    /// Requests other than token requests.
    pub fn api_requests(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path != "/connect/token")
            .collect()
    }

    pub fn token_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path == "/connect/token")
            .count()
    }
}

async fn serve(
    mut stream: TcpStream,
    handler: Handler,
    requests: Arc<Mutex<Vec<Recorded>>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        // Read the head.
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 8192];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let mut headers = BTreeMap::new();
        for l in lines {
            if let Some((k, v)) = l.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let body_start = head_end + 4;
        while buf.len() < body_start + len {
            let mut chunk = [0u8; 8192];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = buf[body_start..body_start + len].to_vec();
        buf.drain(..body_start + len);
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (target.clone(), String::new()),
        };
        let rec = Recorded {
            method,
            path,
            query,
            headers,
            body,
        };
        requests.lock().expect("lock").push(rec.clone());
        let reply = handler(&rec);
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        if let Some(raw) = &reply.raw {
            stream.write_all(raw).await?;
            stream.flush().await?;
            if reply.reset {
                // A zero linger makes the close a TCP reset; with zero it does not block.
                #[allow(deprecated)]
                stream.set_linger(Some(Duration::ZERO))?;
            }
            return Ok(());
        }
        let mut out = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
        for (k, v) in &reply.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str(&format!("content-length: {}\r\n\r\n", reply.body.len()));
        stream.write_all(out.as_bytes()).await?;
        stream.write_all(&reply.body).await?;
        stream.flush().await?;
    }
}

fn find(h: &[u8], needle: &[u8]) -> Option<usize> {
    h.windows(needle.len()).position(|w| w == needle)
}

fn reason(s: u16) -> &'static str {
    match s {
        200 => "OK",
        202 => "Accepted",
        201 => "Created",
        204 => "No Content",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// A page shaped like the API's: nested address, custom fields, money as a string, 7-digit
/// fraction date-times, a field the document does not list.
pub fn customers_page(n: usize) -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "id": 10_000 + i, "active": i % 7 != 0, "name": format!("Customer number {i}"),
                "type": if i % 2 == 0 { "Residential" } else { "Commercial" },
                "address": {"street": "123 Main St", "unit": null, "city": "Glendale", "state": "CA", "zip": "91203", "country": "USA",
                            "latitude": 34.1425, "longitude": -118.255},
                "customFields": [{"typeId": 1, "name": "Source", "value": "Web"}],
                "balance": "1234.56", "taxExempt": false, "tagTypeIds": [1, 2, 3],
                "doNotMail": false, "doNotService": false, "createdOn": "2021-07-19T20:35:38.2876004Z",
                "createdById": 55, "modifiedOn": "2024-01-02T03:04:05.1234567Z", "mergedToId": null,
                "paymentTermId": 4, "creditLimit": 5000.0, "creditLimitBalance": 4200.5,
                "externalData": [{"key": "crm", "value": format!("ext-{i}")}],
                "someFieldAddedLater": {"x": 1}
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"page": 1, "pageSize": n, "hasMore": true, "totalCount": 123_456, "data": items}))
        .expect("json")
}
