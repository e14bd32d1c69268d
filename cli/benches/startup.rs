//! What a person and an assistant wait for: the whole process of `--help` of one command
//! (a person types it), and an MCP server's start to its `tools/list` answer (an assistant
//! waits for it), in the discovery mode and with every operation as a tool; and, in
//! process, the parts of a start (reading the embedded model, building the commands).
//! Each figure is the median (and the slowest) of its runs, taken side by side in one run.
//!
//! `cargo bench -p servicetitan-cli --bench startup` (a release build)

use rmcp::transport::TokioChildProcess;
use rmcp::ServiceExt;
use std::path::Path;
use std::time::{Duration, Instant};

const RUNS: usize = 21;

fn stats(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!(
        "median {:7.2} ms, fastest {:7.2} ms, slowest {:7.2} ms",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    )
}

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_servicetitan"))
}

fn help_once(args: &[&str]) -> Duration {
    let start = Instant::now();
    let out = std::process::Command::new(bin())
        .args(args)
        .output()
        .expect("runs");
    let took = start.elapsed();
    assert!(out.status.success() && !out.stdout.is_empty(), "{args:?}");
    took
}

async fn tools_list_once(args: &[&str]) -> (Duration, usize) {
    let mut cmd = tokio::process::Command::new(bin());
    cmd.arg("mcp")
        .args(args)
        .env("ST_ENVIRONMENT", "integration")
        .env("ST_CLIENT_ID", "bench")
        .env("ST_CLIENT_SECRET", "bench")
        .env("ST_APP_KEY", "bench")
        .env("ST_TENANT_ID", "1")
        .env("ST_CONFIG", "/nonexistent/servicetitan-bench.toml")
        .stderr(std::process::Stdio::null());
    let start = Instant::now();
    let client = ().serve(TokioChildProcess::new(cmd).expect("starts")).await.expect("a session");
    let tools = client.list_all_tools().await.expect("tools");
    let took = start.elapsed();
    client.cancel().await.expect("ends");
    (took, tools.len())
}

fn in_process() {
    let start = Instant::now();
    let model = servicetitan_api_model::Model::embedded().expect("the model");
    let parse = start.elapsed();
    let start = Instant::now();
    let cmd = servicetitan_cli::app::command(&["crm".to_string()]).expect("commands");
    let build = start.elapsed();
    let start = Instant::now();
    let mut all = servicetitan_cli::app::command(
        &model
            .domains
            .iter()
            .map(|d| d.command_name())
            .collect::<Vec<_>>(),
    )
    .expect("commands");
    all.build();
    let build_all = start.elapsed();
    drop(cmd);
    println!(
        "in process: the model read in {:.2} ms ({} operations); one domain's commands built in {:.2} ms; every domain's, with every flag, in {:.2} ms",
        parse.as_secs_f64() * 1e3,
        model.operations().count(),
        build.as_secs_f64() * 1e3,
        build_all.as_secs_f64() * 1e3
    );
}

fn main() {
    in_process();
    let help = ["crm", "customers", "get-list", "--help"];
    let mut by_case: Vec<(String, Vec<Duration>)> = vec![
        (
            "servicetitan crm customers get-list --help".into(),
            Vec::new(),
        ),
        ("servicetitan --help".into(), Vec::new()),
    ];
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let mut lists: Vec<(String, Vec<Duration>, usize)> = vec![
        ("mcp (discovery) start to tools/list".into(), Vec::new(), 0),
        (
            "mcp --domains all start to tools/list".into(),
            Vec::new(),
            0,
        ),
    ];
    help_once(&help);
    for _ in 0..RUNS {
        by_case[0].1.push(help_once(&help));
        by_case[1].1.push(help_once(&["--help"]));
        for (i, args) in [&[][..], &["--domains", "all"][..]].iter().enumerate() {
            let (took, n) = rt.block_on(tools_list_once(args));
            lists[i].1.push(took);
            lists[i].2 = n;
        }
    }
    for (name, times) in by_case {
        println!("{name:48} {}", stats(times));
    }
    for (name, times, n) in lists {
        println!("{name:48} {} ({n} tools)", stats(times));
    }
}
