//! Test support: a small HTTP/1.1 server on 127.0.0.1 that records every request and
//! answers with what the test says. Hand-rolled on tokio so that tests control every
//! byte (status, headers, delays, broken bodies).

pub mod fleet;
pub mod redis;

use servicetitan_runtime::{ClientBuilder, Credentials, Environment};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
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

/// Retries as the client's default policy makes them, with back-offs of milliseconds, so
/// that tests of retrying do not wait.
pub fn fast_retries() -> servicetitan_runtime::RetryPolicy {
    servicetitan_runtime::RetryPolicy {
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        ..servicetitan_runtime::RetryPolicy::default()
    }
}

/// A runtime client builder whose token endpoint is at `auth` and API at `api` (loopback
/// URLs), with an app key and one pair of credentials: what every test's client starts
/// from.
pub fn builder_at(
    auth: String,
    api: String,
    app_key: &str,
    client_id: &str,
    secret: &str,
) -> ClientBuilder {
    ClientBuilder::new(Environment::Custom {
        auth_url: auth,
        api_url: api,
    })
    .app_key(app_key)
    .credentials(Credentials::new(client_id, secret))
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
pub struct MockServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockServer {
    /// Starts a server whose every answer comes from `handler`.
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> MockServer {
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
        MockServer {
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
    ) -> MockServer {
        Self::with_token_lifetime(scope, 900, api).await
    }

    /// As [`MockServer::with_token`], with tokens that live `expires_in` seconds.
    pub async fn with_token_lifetime(
        scope: &str,
        expires_in: u64,
        api: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> MockServer {
        let scope = scope.to_string();
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        MockServer::start(move |r| {
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
    pub fn builder(&self, app_key: &str, client_id: &str, secret: &str) -> ClientBuilder {
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

/// The generated client for `tenant`, on a stand-in ServiceTitan (the runtime's settings
/// as the stand-in hands them out).
pub fn stand_in_client(m: &servicetitan_mock::MockServer, tenant: i64) -> servicetitan::Client {
    let runtime = servicetitan_runtime::Client::new(m.builder()).expect("a client of the stand-in");
    servicetitan::Client::new(runtime, tenant)
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// A set of ServiceTitan's documents in the repository: `v2` (the generator's input,
/// `specs/v2`) or `v2-openapi-3.0` (the older 3.0.1 export, a test fixture).
pub fn specs_dir(set: &str) -> PathBuf {
    use servicetitan_codegen::artifacts::{SPECS, SPECS_OPENAPI_3_0};
    match set {
        "v2" => workspace_root().join(SPECS),
        "v2-openapi-3.0" => workspace_root().join(SPECS_OPENAPI_3_0),
        other => panic!("no document set `{other}` (v2, v2-openapi-3.0)"),
    }
}

/// Runs the cargo running the tests, in `dir`, with a target folder of its own (`target`):
/// whether it succeeded, and what it printed (standard output, then standard error).
pub fn cargo_in(dir: &std::path::Path, target: &std::path::Path, args: &[&str]) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(dir)
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("cannot start cargo");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Every document of a set ([`specs_dir`]: `v2`, `v2-openapi-3.0`), parsed as
/// JSON, with its path, in file-name order.
pub fn spec_documents(set: &str) -> Vec<(PathBuf, serde_json::Value)> {
    let dir = specs_dir(set);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a folder entry").path())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let doc = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()));
            (p, doc)
        })
        .collect()
}

/// Generation options for one folder of documents, with the committed corrections and
/// name lock.
pub fn options(set: &str) -> servicetitan_codegen::Options {
    let lock =
        std::fs::read_to_string(workspace_root().join("specs/names.lock")).unwrap_or_default();
    servicetitan_codegen::Options {
        specs: specs_dir(set),
        corrections: Some(workspace_root().join("specs/corrections")),
        names: servicetitan_codegen::names::NameLock::parse(&lock).expect("names.lock parses"),
        domains: servicetitan_codegen::artifacts::read_domain_table(
            &workspace_root().join(servicetitan_codegen::artifacts::DOMAINS_LOCK),
        )
        .expect("domains.lock parses"),
        runtime_dependency: servicetitan_codegen::runtime_path_dependency(&workspace_root()),
        example_placeholders: Some(
            workspace_root().join(servicetitan_codegen::artifacts::PLACEHOLDERS),
        ),
    }
}

/// Generates from one folder of documents with the committed corrections and name lock.
pub fn generate(set: &str) -> servicetitan_codegen::Output {
    servicetitan_codegen::generate(&options(set))
        .unwrap_or_else(|d| panic!("generation of {set} failed:\n{d}"))
}

/// Everything the runtime logs at TRACE level in this test binary, from the first
/// [`scan_logs`] on.
static LOGS: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();

#[derive(Clone)]
struct LogSink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures all tracing output of this test binary (TRACE level, the runtime's and its
/// HTTP stack's) and, when the returned guard drops at the end of the test, fails if any
/// of `secrets` appears anywhere in it.
pub fn scan_logs(secrets: &[&str]) -> LogScan {
    let buf = LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = LogSink(buf.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buf
    });
    LogScan {
        buf: buf.clone(),
        secrets: secrets.iter().map(|s| s.to_string()).collect(),
    }
}

/// See [`scan_logs`].
pub struct LogScan {
    buf: Arc<Mutex<Vec<u8>>>,
    secrets: Vec<String>,
}

impl LogScan {
    /// Fails if any secret appears in what was logged so far, then forgets it (a long
    /// test checks as it goes, so that the captured text does not grow without bound).
    /// Returns the number of bytes checked.
    pub fn check_and_clear(&self) -> usize {
        let mut logs = self.buf.lock().unwrap_or_else(|p| p.into_inner());
        self.assert_clean(&logs);
        let n = logs.len();
        logs.clear();
        n
    }

    /// Whether what was logged since the last clear contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        let logs = self.buf.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&logs).contains(needle)
    }

    fn assert_clean(&self, logs: &[u8]) {
        let text = String::from_utf8_lossy(logs);
        for s in &self.secrets {
            assert!(
                !text.contains(s.as_str()),
                "a secret ({} bytes) appears in the runtime's logs",
                s.len()
            );
        }
    }
}

impl Drop for LogScan {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let logs = self.buf.lock().unwrap_or_else(|p| p.into_inner());
        self.assert_clean(&logs);
    }
}

/// A sort field the documents list compiles; one they do not list, or free text, does not
/// (the other half of `tests/tests/typed_sort.rs`).
///
/// ```
/// use servicetitan::crm::CustomersGetListSort;
/// use servicetitan::runtime::Sort;
///
/// async fn newest_first(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let page = st.crm().customers().get_list()
///         .sort(Sort::desc(CustomersGetListSort::ModifiedOn))
///         .await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
///
/// ```compile_fail,E0599
/// use servicetitan::crm::CustomersGetListSort;
/// use servicetitan::runtime::Sort;
///
/// async fn newest_first(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let page = st.crm().customers().get_list()
///         .sort(Sort::desc(CustomersGetListSort::ModifedOn))
///         .await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
///
/// ```compile_fail,E0308
/// async fn newest_first(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let page = st.crm().customers().get_list().sort("-ModifiedOn").await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
#[cfg(doctest)]
pub struct TypedSort;

/// Id lists take ids, not text: the comma-separated string callers used to format by hand
/// does not compile, nor do ids of the wrong type (guids where ids are integers).
///
/// ```
/// async fn these(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let page = st.crm().locations().get_list().ids([1, 2, 3]).await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
///
/// ```compile_fail,E0277
/// async fn these(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let page = st.crm().locations().get_list().ids("1,2,3").await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
///
/// ```compile_fail,E0277
/// async fn these(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let guid = servicetitan::runtime::Uuid::nil();
///     let page = st.crm().locations().get_list().ids([guid]).await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
#[cfg(doctest)]
pub struct TypedIds;

/// Generated structs are `#[non_exhaustive]`, so that a field the API adds breaks no code:
/// they are built with `new(..)` or `default()`, setters and field assignment, and a
/// struct literal, which a new field would break, does not compile.
///
/// ```
/// use servicetitan::crm::{CustomerResponse, UpdateCustomerRequest};
///
/// let mut customer = CustomerResponse::default();
/// customer.id = Some(7);
/// let update = UpdateCustomerRequest::default().with_name("Ada").with_active(false);
/// assert_eq!((customer.id, update.name.as_deref()), (Some(7), Some("Ada")));
/// ```
///
/// ```compile_fail,E0639
/// use servicetitan::crm::CustomerResponse;
///
/// let customer = CustomerResponse { id: Some(7), ..CustomerResponse::default() };
/// ```
#[cfg(doctest)]
pub struct NonExhaustiveModels;
