//! Keeps a copy of a tenant's data: every export and every list with a modification
//! filter of the chosen domains, written as JSON lines, one file per resource,
//! incremental from a state file and resumable after a kill at any moment.
//!
//! ```sh
//! cargo run -p servicetitan --example sync -- --domains crm,jpm --out copy --state copy.state.json
//! ```
//!
//! Each resource goes to `OUT/<domain>/<operation id>.jsonl`, one record per line, every
//! version of a record as it changes (exports also show deleted records, with
//! `active: false`; lists cannot show deletions). The state file holds, per resource, the
//! checkpoint and the length of its file that the checkpoint covers; both are written
//! after the records (flushed to disk), the state atomically. A run cut short (killed,
//! network gone) leaves records after the last checkpoint in the file: the next run cuts
//! them off and fetches them again, so no record is lost or repeated.
//!
//! Options: `--domains` (comma-separated modules, or `all`), `--out DIR`, `--state FILE`,
//! `--concurrency N` (resources read at once; default 4), `--page-size N` (default
//! 1000). The client is configured by the `ST_*` environment variables (see
//! `list_customers`); its rate limiter keeps the run within the tenant's limit.
//!
//! Progress goes to standard error (a bar when it is a terminal), then a summary: records
//! per resource, time, calls, retries. A resource that fails is reported and the others
//! go on; the exit status is 1 if any failed.

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use servicetitan::runtime::{ChangeOptions, Checkpoint, SyncSource};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Fallible<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

struct Args {
    domains: Vec<String>,
    out: PathBuf,
    state: PathBuf,
    concurrency: usize,
    page_size: i32,
}

const USAGE: &str =
    "usage: sync --domains crm,jpm|all --out DIR --state FILE [--concurrency N] [--page-size N]";

fn args() -> Fallible<Args> {
    let (mut domains, mut out, mut state) = (None, None, None);
    let (mut concurrency, mut page_size) = (4usize, 1_000i32);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value; {USAGE}"));
        match a.as_str() {
            "--domains" => domains = Some(value()?),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--state" => state = Some(PathBuf::from(value()?)),
            "--concurrency" => concurrency = value()?.parse()?,
            "--page-size" => page_size = value()?.parse()?,
            other => return Err(format!("unknown argument `{other}`; {USAGE}").into()),
        }
    }
    let domains = domains.ok_or(USAGE)?;
    let domains = if domains == "all" {
        servicetitan::SYNC_SOURCES
            .iter()
            .map(|(m, _)| m.to_string())
            .collect()
    } else {
        domains
            .split(',')
            .map(|d| d.trim().replace('-', "_"))
            .collect()
    };
    Ok(Args {
        domains,
        out: out.ok_or(USAGE)?,
        state: state.ok_or(USAGE)?,
        concurrency: concurrency.max(1),
        page_size,
    })
}

/// What the state file holds.
#[derive(Serialize, Deserialize, Default)]
struct State {
    tenant: Option<i64>,
    /// By `domain/operation id`.
    streams: BTreeMap<String, Stream>,
}

#[derive(Serialize, Deserialize, Default, Clone)]
struct Stream {
    checkpoint: Option<Checkpoint>,
    /// The length of the resource's file the checkpoint covers.
    bytes: u64,
    /// Records written over every run.
    records: u64,
}

/// The state, saved whole and atomically after each commit.
struct Saved {
    path: PathBuf,
    state: Mutex<State>,
}

impl Saved {
    fn commit(&self, key: &str, stream: Stream) -> Fallible<()> {
        let mut state = self.state.lock().map_err(|_| "state lock poisoned")?;
        state.streams.insert(key.to_string(), stream);
        let tmp = self.path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp)?;
        serde_json::to_writer(&mut f, &*state)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &self.path)?;
        Ok(())
    }
}

#[derive(Default)]
struct Progress {
    records: AtomicU64,
    done: AtomicU64,
}

/// What one resource did in this run.
struct Outcome {
    key: String,
    records: u64,
    error: Option<String>,
}

async fn run() -> Fallible<bool> {
    let args = args()?;
    let st = servicetitan::Client::from_env()?;
    let mut sources: Vec<(&str, SyncSource)> = Vec::new();
    for d in &args.domains {
        let Some((m, list)) = servicetitan::SYNC_SOURCES.iter().find(|(m, _)| m == d) else {
            let known: Vec<&str> = servicetitan::SYNC_SOURCES.iter().map(|(m, _)| *m).collect();
            return Err(format!("unknown domain `{d}`; known: {}", known.join(", ")).into());
        };
        sources.extend(list.iter().map(|s| (*m, *s)));
    }
    let state: State = match std::fs::read(&args.state) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a state file: {e}", args.state.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
        Err(e) => return Err(e.into()),
    };
    if state.tenant.is_some_and(|t| t != st.tenant()) {
        return Err(format!(
            "{} is the state of tenant {}, not {}",
            args.state.display(),
            state.tenant.unwrap_or_default(),
            st.tenant()
        )
        .into());
    }
    let saved = Arc::new(Saved {
        path: args.state.clone(),
        state: Mutex::new(State {
            tenant: Some(st.tenant()),
            ..state
        }),
    });
    let progress = Arc::new(Progress::default());
    let total = sources.len() as u64;
    let started = Instant::now();
    let bar = std::io::stderr()
        .is_terminal()
        .then(|| tokio::spawn(draw(progress.clone(), total, started)));
    let options = ChangeOptions::default().page_size(args.page_size);
    let outcomes: Vec<Outcome> = futures_util::stream::iter(sources)
        .map(|(domain, source)| {
            let (st, saved, progress) = (st.clone(), saved.clone(), progress.clone());
            let (out, options) = (args.out.clone(), options.clone());
            async move {
                let key = format!("{domain}/{}", source.operation.id);
                let mut records = 0;
                let result = copy(
                    &st,
                    &source,
                    domain,
                    &key,
                    &out,
                    &options,
                    &saved,
                    &progress,
                    &mut records,
                )
                .await;
                progress.done.fetch_add(1, Relaxed);
                Outcome {
                    key,
                    records,
                    error: result.err().map(|e| e.to_string()),
                }
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    if let Some(bar) = bar {
        bar.abort();
        eprintln!();
    }
    summary(&st, &outcomes, started.elapsed());
    Ok(outcomes.iter().all(|o| o.error.is_none()))
}

/// Copies one resource's changes into its file, committing at every checkpoint.
#[allow(clippy::too_many_arguments)]
async fn copy(
    st: &servicetitan::Client,
    source: &SyncSource,
    domain: &str,
    key: &str,
    out: &Path,
    options: &ChangeOptions,
    saved: &Saved,
    progress: &Progress,
    records: &mut u64,
) -> Fallible<()> {
    let dir = out.join(domain);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}.jsonl", source.operation.id));
    let mut stream = {
        let state = saved.state.lock().map_err(|_| "state lock poisoned")?;
        state.streams.get(key).cloned().unwrap_or_default()
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    // Records after the last checkpoint were not committed: they come again.
    file.set_len(stream.bytes)?;
    file.seek(std::io::SeekFrom::End(0))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
    let mut changes = source.open(st.runtime(), stream.checkpoint.as_ref(), options)?;
    let mut committed = changes.checkpoint().cloned();
    let mut uncommitted = 0u64;
    let mut commit = |w: &mut std::io::BufWriter<std::fs::File>,
                      checkpoint: Option<&Checkpoint>,
                      uncommitted: &mut u64|
     -> Fallible<()> {
        w.flush()?;
        w.get_ref().sync_data()?;
        stream.bytes = w.get_mut().stream_position()?;
        stream.records += *uncommitted;
        *records += *uncommitted;
        *uncommitted = 0;
        stream.checkpoint = checkpoint.cloned();
        saved.commit(key, stream.clone())
    };
    let mut failure = None;
    while let Some(record) = changes.next().await {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        serde_json::to_writer(&mut w, &record)?;
        w.write_all(b"\n")?;
        uncommitted += 1;
        progress.records.fetch_add(1, Relaxed);
        if changes.checkpoint() != committed.as_ref() {
            committed = changes.checkpoint().cloned();
            commit(&mut w, committed.as_ref(), &mut uncommitted)?;
        }
    }
    // The end (or an error) may move the checkpoint past the last records.
    if changes.checkpoint() != committed.as_ref() {
        commit(&mut w, changes.checkpoint(), &mut uncommitted)?;
    }
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// A progress bar on standard error, redrawn four times a second.
async fn draw(progress: Arc<Progress>, total: u64, started: Instant) {
    loop {
        let done = progress.done.load(Relaxed);
        let width = 30;
        let filled = (done * width / total.max(1)) as usize;
        eprint!(
            "\r[{}{}] {done}/{total} resources, {} records, {:.0?}   ",
            "#".repeat(filled),
            "-".repeat(width as usize - filled),
            progress.records.load(Relaxed),
            Duration::from_secs(started.elapsed().as_secs()),
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn summary(st: &servicetitan::Client, outcomes: &[Outcome], elapsed: Duration) {
    let counts = st.runtime().client().counts();
    let mut sorted: Vec<&Outcome> = outcomes.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let records: u64 = outcomes.iter().map(|o| o.records).sum();
    for o in &sorted {
        match &o.error {
            Some(e) => eprintln!("{:>10}  {}  FAILED: {e}", o.records, o.key),
            None if o.records > 0 => eprintln!("{:>10}  {}", o.records, o.key),
            None => {}
        }
    }
    let secs = elapsed.as_secs_f64().max(1e-3);
    let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
    eprintln!(
        "{records} records from {} resources ({} with changes, {failed} failed) in {secs:.1} s: {:.0} records/s; {} calls ({:.1}/s), {} retries, {} token requests",
        outcomes.len(),
        outcomes.iter().filter(|o| o.records > 0).count(),
        records as f64 / secs,
        counts.requests,
        counts.requests as f64 / secs,
        counts.retries,
        counts.token_requests,
    );
}
