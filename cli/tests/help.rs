//! `--help` of every operation renders from the documents: summary, method and path,
//! scope, and every flag with its type.

use servicetitan_api_model::Body;
use servicetitan_cli::{api, app};
use std::path::Path;

#[test]
fn every_operation_has_a_help_of_its_own() {
    let model = api::model().expect("the model");
    let mut walked = 0;
    for d in &model.domains {
        let mut root = app::command(&[d.command_name()]).expect("the commands");
        root.build();
        let dc = root
            .find_subcommand_mut(d.command_name())
            .unwrap_or_else(|| panic!("{}", d.module));
        for o in &d.operations {
            let (resource, action) = o.command_names();
            let rc = dc
                .find_subcommand_mut(&resource)
                .unwrap_or_else(|| panic!("{} {resource}", d.module));
            let oc = rc
                .find_subcommand_mut(&action)
                .unwrap_or_else(|| panic!("{} {resource} {action}", d.module));
            let help = oc.render_long_help().to_string();
            let place = format!("{} {}{}", o.method, d.prefix, o.path);
            assert!(help.contains(&place), "{}: {help}", o.id);
            assert!(help.contains(&format!("Operation: {}", o.id)), "{help}");
            if let Some(scopes) = &o.scopes {
                assert!(help.contains(&scopes.join(", ")), "{}: {help}", o.id);
            }
            if let Some(summary) = &o.summary {
                let first = summary.lines().next().unwrap_or_default();
                assert!(help.contains(first.trim()), "{}: {help}", o.id);
            }
            for p in &o.params {
                let arg = oc
                    .get_arguments()
                    .find(|a| a.get_id().as_str().ends_with(&format!(":{}", p.wire)))
                    .unwrap_or_else(|| panic!("{} lacks a flag for {}", o.id, p.wire));
                let long = arg.get_long().expect("a long flag");
                assert!(help.contains(&format!("--{long}")), "{}: --{long}", o.id);
            }
            if let Some(Body::Json { .. }) = &o.body {
                assert!(
                    help.contains("--body <FILE>") && help.contains("--set"),
                    "{}",
                    o.id
                );
            }
            if o.writes() {
                assert!(help.contains("--allow-writes"), "{}", o.id);
            }
            walked += 1;
        }
    }
    assert_eq!(walked, model.operations().count());
    assert!(walked > 500, "{walked}");
    println!("figure: commands {walked}");
}

#[test]
fn the_binary_prints_a_commands_help() {
    let bin = Path::new(env!("CARGO_BIN_EXE_servicetitan"));
    let out = std::process::Command::new(bin)
        .args(["jpm", "jobs", "get-list", "--help"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("GET /jpm/v2/tenant/{tenant}/jobs"), "{text}");
    assert!(text.contains("Scope: tn.jpm.jobs:r"), "{text}");
    assert!(text.contains("--job-status <VALUE>"), "{text}");
    assert!(text.contains("Scheduled"), "{text}");
    let out = std::process::Command::new(bin)
        .args(["crm", "--help"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("customers") && text.contains("export-customers"),
        "{text}"
    );
}
