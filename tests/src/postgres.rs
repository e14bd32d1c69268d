//! A real PostgreSQL server (Debian's package) on loopback for the database sink's tests
//! and benchmark: a new cluster in a temporary data directory, on a free port, fsync off,
//! stopped and removed when dropped. PostgreSQL refuses to run as root, so as root the
//! cluster belongs to the `postgres` user and its commands run through `runuser`. A test
//! that cannot start it fails saying what to install; it never skips.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A running PostgreSQL cluster.
pub struct PostgresServer {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The folder of `initdb` and `pg_ctl`: Debian keeps them under
/// `/usr/lib/postgresql/<version>/bin`, the newest version first.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, p)| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p).unwrap_or_else(|| {
        panic!(
            "PostgreSQL's server is not installed (no /usr/lib/postgresql/*/bin/initdb): \
             `apt-get install postgresql` (scripts/test does)"
        )
    })
}

impl PostgresServer {
    /// Creates and starts a cluster; its superuser is `postgres`, trusted on loopback.
    pub fn start() -> PostgresServer {
        PostgresServer::start_with(None)
    }

    /// A cluster with TLS on (`ssl=on`), serving `certs`' server certificate and key
    /// (copied into its folder: the key owned by the server's user, mode 0600).
    pub fn start_tls(certs: &Certificates) -> PostgresServer {
        PostgresServer::start_with(Some(certs))
    }

    fn start_with(tls: Option<&Certificates>) -> PostgresServer {
        let bin = bin_dir();
        let as_postgres = is_root();
        let port = crate::redis::free_port();
        let dir = std::env::temp_dir().join(format!("st-pg-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory for PostgreSQL");
        let server = PostgresServer {
            dir,
            bin,
            port,
            as_postgres,
        };
        let mut options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            server.dir.display()
        );
        if let Some(certs) = tls {
            let (cert, key) = (server.dir.join("server.crt"), server.dir.join("server.key"));
            std::fs::copy(certs.dir.join("server.crt"), &cert).expect("the certificate copied");
            std::fs::copy(certs.dir.join("server.key"), &key).expect("the key copied");
            let private = std::fs::Permissions::from_mode(0o600);
            std::fs::set_permissions(&key, private).expect("the key's mode");
            options += &format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                cert.display(),
                key.display()
            );
        }
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&server.dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown of {} to postgres", server.dir.display());
        }
        let data = server.dir.join("data");
        server.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "-A".as_ref(),
                "trust".as_ref(),
                "--no-sync".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
            ],
        );
        let log = server.dir.join("log");
        server.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
                "-l".as_ref(),
                log.as_os_str(),
                "-w".as_ref(),
                "start".as_ref(),
            ],
        );
        server
    }

    fn run(&self, tool: &str, args: &[&std::ffi::OsStr]) {
        let path = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = cmd
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("{} could not run: {e}", path.display()));
        assert!(
            out.status.success(),
            "{tool} failed: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
        );
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        self.url_of("postgres")
    }

    /// The URL of database `name` on this server.
    pub fn url_of(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// The URL of database `name` by host name `host` (`localhost`, the name the test
    /// certificate is for), with `user_part` (`postgres`, or `postgres:PASSWORD`).
    pub fn url_by(&self, user_part: &str, host: &str, name: &str) -> String {
        format!("postgres://{user_part}@{host}:{}/{name}", self.port)
    }

    /// Runs SQL with `psql` (creating databases, reading results as text).
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let out = Command::new("psql")
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .arg(self.url_of(database))
            .args(["-c", sql])
            .output()
            .expect("psql runs (apt-get install postgresql-client)");
        assert!(
            out.status.success(),
            "psql failed on `{sql}`: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let path = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let _ = cmd
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A test certificate authority (`ca.crt`), a server certificate it signed for
/// `localhost` only (`server.crt`, `server.key`), and another authority that signed
/// nothing (`other-ca.crt`), made by the `openssl` command line in a folder of their own,
/// valid for two days from now. Elliptic-curve keys (P-256): quick to make.
pub struct Certificates {
    pub dir: PathBuf,
}

impl Certificates {
    pub fn make() -> Certificates {
        static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("st-pg-certs-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a folder for certificates");
        let certs = Certificates { dir };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        for (name, subject) in [("ca", "servicetitan test CA"), ("other-ca", "another CA")] {
            let (key, crt) = (format!("{name}.key"), format!("{name}.crt"));
            let subject = format!("/CN={subject}");
            let mut args = vec!["req", "-x509", "-days", "2", "-subj", &subject];
            args.extend(ec);
            args.extend(["-keyout", &key, "-out", &crt]);
            args.extend(["-addext", "basicConstraints=critical,CA:TRUE"]);
            args.extend(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
            certs.openssl(&args);
        }
        std::fs::write(
            certs.dir.join("server.ext"),
            "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n\
             basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n",
        )
        .expect("the server certificate's extensions");
        let mut args = vec!["req", "-new", "-subj", "/CN=localhost"];
        args.extend(ec);
        args.extend(["-keyout", "server.key", "-out", "server.csr"]);
        certs.openssl(&args);
        certs.openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "2",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ]);
        certs
    }

    fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("openssl runs (apt-get install openssl; scripts/test does)");
        assert!(
            out.status.success(),
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A file of this folder, as a URL parameter's value (no character to escape).
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for Certificates {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
