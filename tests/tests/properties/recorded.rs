//! Calls recorded against the stand-in, for the recording reader's target, and the calls
//! the targets make: a recording is the runtime's own file of a run's exchanges, and a
//! replay of it answers the same calls with no server, so a mutated recording puts
//! mutated answers in front of every reader a call goes through.

use crate::guard::Scratch;
use serde_json::Value;
use servicetitan::ids::{CustomerId, ReportId};
use servicetitan::runtime::{Environment, Error, Recorder, Replay, Runtime, RuntimeBuilder};
use servicetitan_mock::{MockServer, Settings};
use servicetitan_reports::{ReportError, Reports, TypedRows};
use std::future::Future;
use std::path::Path;
use std::sync::OnceLock;

const TENANT: i64 = 1;

/// Runs `f` to its end on a runtime of the calling thread.
pub fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}

/// What a run's calls ended in, each `Ok` or the error's text: they end, that is all.
pub async fn calls(st: &servicetitan::Client) -> Vec<Result<(), String>> {
    let crm = st.crm();
    let text = |e: Error| e.to_string();
    vec![
        crm.customers()
            .get_list()
            .page_size(3)
            .send()
            .await
            .map(drop)
            .map_err(text),
        crm.customers()
            .get(CustomerId::new(1))
            .send()
            .await
            .map(drop)
            .map_err(text),
        crm.export_customers()
            .get_customers()
            .send()
            .await
            .map(drop)
            .map_err(text),
        st.forms()
            .jobs()
            .get(1)
            .send()
            .await
            .map(drop)
            .map_err(text),
    ]
}

/// The report's rows, and each read into a program's own struct of JSON values.
pub async fn report(st: &servicetitan::Client) -> Result<TypedRows, ReportError> {
    let report = Reports::new()
        .get(st, "operations", ReportId::new(1102))
        .await?;
    let params = report
        .params()
        .set("From", "2026-11-01")?
        .set("To", "2026-11-02")?;
    let rows = report.run(&params).await?;
    let _ = rows.deserialize::<std::collections::BTreeMap<String, Value>>();
    Ok(rows)
}

/// The lines of [`calls`] recorded against the stand-in (once per process), each as JSON.
pub fn lines() -> &'static [Value] {
    static LINES: OnceLock<Vec<Value>> = OnceLock::new();
    LINES.get_or_init(record)
}

fn record() -> Vec<Value> {
    let scratch = Scratch::new("record");
    let file = scratch.0.join("run.jsonl");
    block_on(async {
        let settings = Settings {
            rate_limit: false,
            records: 5,
            ..Settings::default()
        };
        let mock = MockServer::start(settings)
            .await
            .expect("the stand-in starts");
        let b = mock.builder().record(Recorder::to_file(&file));
        let st = servicetitan::Client::new(Runtime::new(b).expect("a runtime"), TENANT);
        let ended = calls(&st).await;
        assert!(ended.iter().all(Result::is_ok), "{ended:?}");
    });
    let text = std::fs::read_to_string(&file).expect("the recording");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a recording's line is JSON"))
        .collect();
    assert!(lines.len() > 2, "a header and exchanges: {text}");
    lines
}

/// A recording's text: each value on a line of its own.
pub fn render(lines: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend(serde_json::to_vec(l).expect("a line serializes"));
        out.push(b'\n');
    }
    out
}

/// The client of a runtime that replays `file`, observing drift, or why there is none.
pub fn replaying(file: &Path) -> Result<servicetitan::Client, Error> {
    let replay = Replay::open(file)?;
    let b = RuntimeBuilder::new(Environment::Integration)
        .replay(replay)
        .observe_drift_in_memory();
    Ok(servicetitan::Client::new(Runtime::new(b)?, TENANT))
}

/// A recording's text mutated: as a whole (`whole`: its lines as one array, so lines go,
/// come twice or change kind; then its text), or only one exchange's answer (the `at`th
/// exchange, modulo their count: its JSON body and that body's text, or its status), so
/// that the call still finds it.
pub fn mutated(lines: &[Value], whole: bool, at: u32, m: &crate::mutate::Mutation) -> Vec<u8> {
    if whole {
        let text = match m.value(Value::Array(lines.to_vec())) {
            Value::Array(lines) => render(&lines),
            other => render(&[other]),
        };
        return m.apply_to_text(text);
    }
    let mut lines = lines.to_vec();
    let k = 1 + at as usize % (lines.len() - 1).max(1);
    if let Some(Value::Object(line)) = lines.get_mut(k) {
        match line.remove("json") {
            // An answer that is no longer JSON goes in as a body of bytes.
            Some(answer) => {
                let text = m.apply(answer);
                match serde_json::from_slice::<Value>(&text) {
                    Ok(v) => line.insert("json".into(), v),
                    Err(_) => line.insert("bytes".into(), base64(&text).into()),
                }
            }
            None => line.insert("status".into(), m.value(Value::from(200))),
        };
    }
    render(&lines)
}

/// Standard base64 with padding, as a recording keeps a body that is not JSON.
fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_is_the_standard_one() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"\xff\xfe\x00\x01"), "//4AAQ==");
}
