//! A real `redis-server` on loopback for the fleet tests and benchmark: started on a free
//! port with nothing persisted, stopped (killed) when dropped. A test that cannot start
//! it fails with a message saying what to install; it never skips.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`.
pub struct RedisServer {
    child: Child,
    port: u16,
    password: Option<String>,
    /// With TLS: the certificate of the authority that signed the server's.
    ca: Option<PathBuf>,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts `redis-server` on a free loopback port.
    pub fn start() -> RedisServer {
        Self::start_on(free_port(), None)
    }

    /// Starts `redis-server` requiring `password` (`AUTH`).
    pub fn with_password(password: &str) -> RedisServer {
        Self::start_on(free_port(), Some(password))
    }

    /// Starts `redis-server` on `port` (to restart one that was stopped).
    pub fn start_on(port: u16, password: Option<&str>) -> RedisServer {
        Self::spawn(port, password, false)
    }

    /// Starts `redis-server` serving TLS only, with a certificate for 127.0.0.1 signed by
    /// a new authority ([`RedisServer::ca`]), made with `openssl`.
    pub fn with_tls() -> RedisServer {
        Self::spawn(free_port(), None, true)
    }

    fn spawn(port: u16, password: Option<&str>, tls: bool) -> RedisServer {
        let dir = std::env::temp_dir().join(format!("st-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory for redis-server");
        let mut cmd = Command::new("redis-server");
        let ca = tls.then(|| make_certificates(&dir));
        if tls {
            cmd.args(["--port", "0", "--tls-port", &port.to_string()])
                .args(["--tls-auth-clients", "no"])
                .arg("--tls-cert-file")
                .arg(dir.join("server.pem"))
                .arg("--tls-key-file")
                .arg(dir.join("server.key"))
                .arg("--tls-ca-cert-file")
                .arg(dir.join("ca.pem"));
        } else {
            cmd.args(["--port", &port.to_string()]);
        }
        cmd.args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(p) = password {
            cmd.args(["--requirepass", p]);
        }
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!(
                "cannot start redis-server ({e}): the fleet tests need a real Redis; install the \
                 Debian package redis-server (.ci/run does)"
            ),
        };
        let server = RedisServer {
            child,
            port,
            password: password.map(str::to_owned),
            ca,
            dir,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if self.ca.is_some() {
                if self.redis_cli(&["PING"]).is_some() {
                    return;
                }
            } else if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let mut buf = [0u8; 64];
                // Any answer to PING (PONG, or NOAUTH with a password) means it serves.
                if s.write_all(b"PING\r\n").is_ok() && s.read(&mut buf).is_ok_and(|n| n > 0) {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer on 127.0.0.1:{} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `redis://[:password@]127.0.0.1:port/`, or `rediss://` with TLS.
    pub fn url(&self) -> String {
        let scheme = if self.ca.is_some() { "rediss" } else { "redis" };
        match &self.password {
            Some(p) => format!("{scheme}://:{p}@127.0.0.1:{}/", self.port),
            None => format!("{scheme}://127.0.0.1:{}/", self.port),
        }
    }

    /// With TLS, the authority's certificate (PEM) a client must trust.
    pub fn ca(&self) -> Option<&std::path::Path> {
        self.ca.as_deref()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Runs one command with `redis-cli` and returns its output, trimmed.
    pub fn cli(&self, args: &[&str]) -> String {
        self.redis_cli(args)
            .unwrap_or_else(|| panic!("redis-cli {args:?} failed"))
    }

    fn redis_cli(&self, args: &[&str]) -> Option<String> {
        let mut cmd = Command::new("redis-cli");
        cmd.args(["-h", "127.0.0.1", "-p", &self.port.to_string()]);
        if let Some(ca) = &self.ca {
            cmd.arg("--tls").arg("--cacert").arg(ca);
        }
        if let Some(p) = &self.password {
            cmd.env("REDISCLI_AUTH", p);
        }
        let out = cmd
            .args(args)
            .stderr(Stdio::null())
            .output()
            .expect("redis-cli runs (Debian package redis-tools, installed with redis-server)");
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !text.starts_with("Could not connect")).then_some(text)
    }

    /// Sends a signal to the server (`STOP` freezes it: it accepts connections and answers
    /// nothing; `CONT` thaws it).
    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{name} redis-server");
    }

    /// Kills the server and waits for it to be gone.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A certificate authority and a certificate for 127.0.0.1 it signed, in `dir`
/// (`ca.pem`, `server.pem`, `server.key`); returns the authority's path.
pub fn make_certificates(dir: &std::path::Path) -> PathBuf {
    let openssl = |args: &[&str]| {
        let ok = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run openssl ({e}): install the Debian package openssl (.ci/run does)"
                )
            })
            .success();
        assert!(ok, "openssl {args:?} failed");
    };
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write server.ext");
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec![
        "req",
        "-x509",
        "-days",
        "2",
        "-subj",
        "/CN=fleet test authority",
    ];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(&ca);
    let mut csr = vec!["req", "-subj", "/CN=127.0.0.1"];
    csr.extend(ec);
    csr.extend(["-keyout", "server.key", "-out", "server.csr"]);
    openssl(&csr);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
    dir.join("ca.pem")
}

/// A loopback port nothing listens on (now).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}
