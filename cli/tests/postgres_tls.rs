//! The sync into PostgreSQL over TLS (Debian's server with `ssl=on`, a certificate made
//! for `localhost` by a test authority): `verify-full` with that authority syncs; each
//! check that fails says which one (an authority not trusted, a host name the certificate
//! is not for, a server offering no TLS), and no error shows the URL's password.

mod common;

use common::{command, stand_in, sync_once};
use servicetitan_tests::postgres::{Certificates, PostgresServer};

const PASSWORD: &str = "s3cret-pw";

/// The `servicetitan sync` process's standard error, when it fails as it must.
async fn refused(m: &servicetitan_mock::MockServer, url: &str) -> String {
    let out = command(m, url).output().await.expect("the command runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{url} connected: {stderr}");
    assert!(!stderr.contains(PASSWORD), "the password shown: {stderr}");
    println!("{}", stderr.trim_end());
    stderr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_the_test_authority_syncs_and_verify_ca_leaves_out_the_name() {
    let certs = Certificates::make();
    let pg = PostgresServer::start_tls(&certs);
    pg.psql("postgres", "CREATE DATABASE copy");
    let m = stand_in().await;
    let ca = certs.path("ca.crt");
    let user = format!("postgres:{PASSWORD}");

    let url = pg.url_by(&user, "localhost", "copy") + "?sslmode=verify-full&sslrootcert=" + &ca;
    let run = sync_once(&m, &url).await;
    assert!(run.failed.is_empty(), "{:?}", run.failed);
    let ids = common::customer_ids(&m).await;
    let count = pg.psql(
        "copy",
        "SELECT count(*) FROM crm_customers WHERE tenant = 42",
    );
    assert_eq!(count.trim(), ids.len().to_string(), "one row per customer");
    assert!(run.written > 0 && run.records >= ids.len() as u64);

    // The certificate names `localhost` only: `verify-ca` checks the chain, not the name,
    // and `require` checks nothing.
    for mode in ["verify-ca", "require"] {
        let url = pg.url_by(&user, "127.0.0.1", "copy") + "?sslmode=" + mode;
        let url = if mode == "verify-ca" {
            url + "&sslrootcert=" + &ca
        } else {
            url
        };
        let again = sync_once(&m, &url).await;
        assert!(again.failed.is_empty(), "{mode}: {:?}", again.failed);
        assert_eq!(again.written, 0, "{mode}: nothing changed since");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_failed_check_says_which_without_the_password() {
    let certs = Certificates::make();
    let tls = PostgresServer::start_tls(&certs);
    let plain = PostgresServer::start();
    let m = stand_in().await;
    let user = format!("postgres:{PASSWORD}");
    let (ca, other) = (certs.path("ca.crt"), certs.path("other-ca.crt"));

    let url = tls.url_by(&user, "localhost", "postgres");
    let e = refused(
        &m,
        &format!("{url}?sslmode=verify-full&sslrootcert={other}"),
    )
    .await;
    assert!(
        e.contains(&format!(
            "the server's certificate is not signed by the authority in sslrootcert={other}"
        )),
        "an unknown authority: {e}"
    );
    // With an authority given, `require` checks the chain (as libpq does).
    let e = refused(&m, &format!("{url}?sslmode=require&sslrootcert={other}")).await;
    assert!(e.contains("is not signed by the authority"), "{e}");

    let url = tls.url_by(&user, "127.0.0.1", "postgres");
    let e = refused(&m, &format!("{url}?sslmode=verify-full&sslrootcert={ca}")).await;
    assert!(
        e.contains("the server's certificate is not for the host name `127.0.0.1`"),
        "a wrong host name: {e}"
    );
    assert!(!e.contains("is not signed"), "{e}");

    let url = plain.url_by(&user, "127.0.0.1", "postgres");
    for mode in ["require", "verify-full"] {
        let e = refused(&m, &format!("{url}?sslmode={mode}&sslrootcert={ca}")).await;
        assert!(
            e.contains(&format!(
                "the server offers no TLS, and sslmode={mode} requires it"
            )),
            "no TLS: {e}"
        );
    }
    // `prefer` (the default) connects without.
    assert!(sync_once(&m, &url).await.failed.is_empty());
}
