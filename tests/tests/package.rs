//! `servicetitan-runtime`, `servicetitan`, `servicetitan-api-model` and `servicetitan-mock`
//! are publishable: `cargo package` builds each from its packaged files alone (the
//! generated crate and the stand-in against the packaged runtime and model), the
//! packages hold nothing but what the crates need, and they are well within the
//! registry's size limit (10 MiB per crate file).

use std::path::Path;

const REGISTRY_LIMIT: u64 = 10 * 1024 * 1024;

fn cargo(root: &Path, args: &[&str]) -> String {
    let (ok, text) = servicetitan_tests::cargo_in(root, &root.join("target/package-check"), args);
    assert!(ok, "cargo {args:?} failed:\n{text}");
    text
}

/// Cargo verifies the generated crate against the packaged runtime through a registry of
/// its own, and unpacks that registry's crates into `$CARGO_HOME/registry/src/-<hash>/`
/// once per version: a runtime changed since, still 0.1.0, would be read from the old
/// copy. The copies of this project's crates are removed first (nothing else is), and
/// their builds in the test's target folder.
fn forget_unpacked_copies() {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry/src")) else {
        return;
    };
    for registry in std::fs::read_dir(&src).into_iter().flatten().flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for krate in std::fs::read_dir(registry.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if krate
                .file_name()
                .to_string_lossy()
                .starts_with("servicetitan")
            {
                let _ = std::fs::remove_dir_all(krate.path());
            }
        }
    }
}

#[test]
fn the_runtime_the_generated_crate_and_the_stand_in_package_and_build_from_their_packages() {
    let root = servicetitan_tests::workspace_root();
    forget_unpacked_copies();
    let packages = [
        "servicetitan-runtime",
        "servicetitan",
        "servicetitan-api-model",
        "servicetitan-mock",
    ];
    let with = |command: &str, extra: &[&str]| -> Vec<String> {
        let mut args = vec![command.to_string()];
        for p in packages {
            args.extend(["-p".to_string(), p.to_string()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    // Nor is a registry crate's build checked against its sources: built anew.
    let clean = with("clean", &[]);
    cargo(&root, &clean.iter().map(String::as_str).collect::<Vec<_>>());
    let package = with("package", &["--allow-dirty"]);
    let out = cargo(
        &root,
        &package.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    for (name, must) in [
        (
            "servicetitan-runtime",
            &[
                "Cargo.toml",
                "README.md",
                "src/lib.rs",
                "src/budget/redis/mod.rs",
            ][..],
        ),
        (
            "servicetitan",
            &[
                "Cargo.toml",
                "README.md",
                "src/lib.rs",
                "src/crm/ops.rs",
                "src/timesheets/models.rs",
                "examples/list_customers.rs",
            ][..],
        ),
        (
            "servicetitan-api-model",
            &["Cargo.toml", "api.json", "src/lib.rs"][..],
        ),
        (
            "servicetitan-mock",
            &["Cargo.toml", "README.md", "src/lib.rs", "src/main.rs"][..],
        ),
    ] {
        let file = root.join(format!("target/package-check/package/{name}-0.1.0.crate"));
        let size = std::fs::metadata(&file)
            .unwrap_or_else(|e| panic!("{}: {e}\n{out}", file.display()))
            .len();
        assert!(size < REGISTRY_LIMIT / 4, "{name}: {size} bytes");
        println!("figure: package.{name}_bytes {size}");
        let list = cargo(&root, &["package", "-p", name, "--allow-dirty", "--list"]);
        let files: Vec<&str> = list.lines().collect();
        for m in must {
            assert!(files.contains(m), "{name} lacks {m}: {files:?}");
        }
        let allowed = |f: &&str| {
            f.starts_with("src/")
                || f.starts_with("examples/")
                || matches!(
                    *f,
                    "Cargo.toml"
                        | "Cargo.toml.orig"
                        | "Cargo.lock"
                        | "README.md"
                        | "api.json"
                        | ".cargo_vcs_info.json"
                )
        };
        let extra: Vec<&&str> = files.iter().filter(|f| !allowed(f)).collect();
        assert!(
            extra.is_empty(),
            "{name} packages more than it needs: {extra:?}"
        );
    }
}
