//! The system's proxy settings (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`) are honoured,
//! through a proxy on loopback. A test binary of its own, with one test: it sets
//! process-wide environment variables, which no other test may see change.

use servicetitan::runtime::{self as rt, RetryPolicy};
use servicetitan_tests::{builder_at, Reply, ScriptedServer};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A forward proxy on loopback: records each request line; forwards plain-HTTP requests
/// (absolute form) to their host, one per connection; refuses tunnels (`CONNECT`) with a 403.
struct Proxy {
    url: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    async fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = lines.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(forward(conn, seen.clone()));
            }
        });
        Proxy { url, lines }
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("lock").clone()
    }
}

/// One HTTP/1.1 message: its head (up to the blank line) and a `content-length` body.
async fn read_message(conn: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = data[end..].to_vec();
    while body.len() < length {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    Some((head, body))
}

/// Forwards one request, as a forward proxy does (the request line in origin form), and
/// its answer with `connection: close`, so that the next request comes through here
/// again on a new connection.
async fn forward(mut conn: TcpStream, seen: Arc<Mutex<Vec<String>>>) {
    let Some((head, body)) = read_message(&mut conn).await else {
        return;
    };
    let line = head.lines().next().unwrap_or_default().to_string();
    seen.lock().expect("lock").push(line.clone());
    if line.starts_with("CONNECT ") {
        let _ = conn
            .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            .await;
        return;
    }
    let target = line.split(' ').nth(1).unwrap_or_default();
    let Some(host) = target
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
    else {
        return;
    };
    let Ok(mut upstream) = TcpStream::connect(host).await else {
        return;
    };
    let origin = line.replacen(&format!("http://{host}"), "", 1);
    let request = [origin.as_bytes(), &head.as_bytes()[line.len()..], &body].concat();
    if upstream.write_all(&request).await.is_err() {
        return;
    }
    let Some((answer, body)) = read_message(&mut upstream).await else {
        return;
    };
    let status = answer.lines().next().unwrap_or_default();
    let answer = format!("{status}\r\nconnection: close{}", &answer[status.len()..]);
    let _ = conn.write_all(&[answer.as_bytes(), &body].concat()).await;
}

fn set(vars: &[(&str, Option<&str>)]) {
    for (k, v) in vars {
        for name in [k.to_string(), k.to_ascii_lowercase()] {
            match v {
                Some(v) => std::env::set_var(&name, v),
                None => std::env::remove_var(&name),
            }
        }
    }
}

fn once() -> RetryPolicy {
    RetryPolicy::default().max_attempts(1)
}

#[tokio::test]
async fn proxy_settings_from_the_environment_are_honoured() {
    let api = ScriptedServer::with_token("", |_| Reply::empty_page()).await;
    let proxy = Proxy::start().await;
    let client = |b: rt::RuntimeBuilder| servicetitan_tests::typed_client(b, 7);

    // HTTP_PROXY: the token request and the call go through the proxy.
    set(&[
        ("HTTP_PROXY", Some(&proxy.url)),
        ("HTTPS_PROXY", None),
        ("ALL_PROXY", None),
        ("NO_PROXY", None),
    ]);
    let st = client(api.builder("ak", "cid", "secret"));
    st.crm()
        .customers()
        .get_list()
        .await
        .expect("a page through the proxy");
    let lines = proxy.lines();
    let base = api.url();
    assert!(
        lines.contains(&format!("POST {base}/connect/token HTTP/1.1")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("GET {base}/crm/v2/tenant/7/customers"))),
        "{lines:?}"
    );
    assert_eq!(api.api_requests().len(), 1);

    // HTTPS_PROXY: an https API is reached through a tunnel the proxy is asked for (this
    // one refuses it, so the call fails, and the proxy saw the host it was for).
    set(&[("HTTP_PROXY", None), ("HTTPS_PROXY", Some(&proxy.url))]);
    let st = client(
        builder_at(
            "https://auth.example.invalid".into(),
            "https://api.example.invalid".into(),
            "ak",
            "cid",
            "secret",
        )
        .retry(once()),
    );
    let err = st
        .crm()
        .customers()
        .get_list()
        .await
        .expect_err("the proxy refuses the tunnel");
    assert!(!err.to_string().contains("secret"), "{err}");
    let lines = proxy.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("CONNECT auth.example.invalid:443 ")),
        "{lines:?}"
    );

    // NO_PROXY: the listed host is reached directly; the proxy sees nothing more.
    set(&[
        ("HTTP_PROXY", Some(&proxy.url)),
        ("HTTPS_PROXY", None),
        ("NO_PROXY", Some("127.0.0.1")),
    ]);
    let before = proxy.lines().len();
    let st = client(api.builder("ak", "cid", "secret"));
    st.crm()
        .customers()
        .get_list()
        .await
        .expect("a direct page");
    assert_eq!(proxy.lines().len(), before, "{:?}", proxy.lines());
    assert_eq!(api.api_requests().len(), 2);

    // Proxy settings of the user's own, in code, over the environment's.
    set(&[("HTTP_PROXY", None), ("NO_PROXY", None)]);
    let via = proxy.url.clone();
    let st = client(
        api.builder("ak", "cid", "secret")
            .configure_http(move |http| {
                http.proxy(rt::reqwest::Proxy::http(&via).expect("proxy URL"))
            }),
    );
    st.crm().customers().get_list().await.expect("a page");
    assert!(proxy.lines().len() > before, "{:?}", proxy.lines());
}
