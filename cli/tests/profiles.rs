//! Profiles: a file of named profiles whose secrets come from the file, a variable or a
//! command; chosen by `--profile` or `ST_PROFILE`; listed and shown without a secret.

mod common;

use common::stand_in;
use std::path::Path;

#[tokio::test]
async fn a_profile_configures_a_command_and_is_listed_without_its_secrets() {
    let m = stand_in().await;
    let s = m.settings();
    let dir = common::temp_dir("profiles");
    let config = write_config(&dir, &m);
    let bin = Path::new(env!("CARGO_BIN_EXE_servicetitan"));
    let run = |args: &'static str, profile: Option<&str>| {
        let mut c = tokio::process::Command::new(bin);
        c.args(args.split(' '))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("ST_CONFIG", &config)
            .env("TEST_APP_KEY", &s.app_key)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(p) = profile {
            c.env("ST_PROFILE", p);
        }
        c.output()
    };
    let succeeded = |out: &std::process::Output| {
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{err}");
    };
    let get = "--profile stand-in crm customers get --id 3 -o json";
    let out = run(get, None).await.expect("runs");
    succeeded(&out);
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(c["id"], 3);

    // The profile allows writes and names an audit file: no flag needed for either.
    let update = "crm customers update --id 3 --set active=false";
    succeeded(&run(update, Some("stand-in")).await.expect("runs"));
    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).expect("audited");
    assert!(audit.contains("\"profile\":\"stand-in\""), "{audit}");

    for args in ["profiles list", "profiles show stand-in"] {
        let out = run(args, None).await.expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(
            text.contains("client_secret: printed by a command (`cat ...`)"),
            "{text}"
        );
        assert!(text.contains("app_key: from $TEST_APP_KEY"), "{text}");
        assert!(
            !text.contains(&s.app_key) && !text.contains(&s.client_secret),
            "{text}"
        );
    }
    let out = run("profiles list", None).await.expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("broken:"));

    let out = run("crm customers get --id 3", Some("broken"))
        .await
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("TEST_UNSET_SECRET, which is not set"), "{err}");
    let out = run("crm customers get --id 3", Some("nobody"))
        .await
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no profile `nobody`") && err.contains("broken"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A profiles file with a profile for the stand-in (its secrets from a variable and a
/// command) and a broken one.
fn write_config(dir: &Path, m: &servicetitan_mock::MockServer) -> std::path::PathBuf {
    let s = m.settings();
    let config = dir.join("config.toml");
    let secret_file = dir.join("secret");
    std::fs::write(&secret_file, format!("{}\n", s.client_secret)).expect("written");
    std::fs::write(
        &config,
        format!(
            "[profiles.stand-in]\ntenant = 42\nenvironment = \"integration\"\napi_url = \"{url}\"\nauth_url = \"{url}\"\n\
             app_key = {{ env = \"TEST_APP_KEY\" }}\nclient_id = \"{id}\"\nclient_secret = {{ command = \"cat {secret}\" }}\n\
             allow_writes = true\naudit = \"{audit}\"\n\n\
             [profiles.broken]\nclient_secret = {{ env = \"TEST_UNSET_SECRET\" }}\n",
            url = m.url(),
            id = s.client_id,
            secret = secret_file.display(),
            audit = dir.join("audit.jsonl").display(),
        ),
    )
    .expect("written");
    config
}
