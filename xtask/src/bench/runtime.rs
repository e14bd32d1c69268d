//! Runtime overhead, decoding and streaming memory: the benchmarks of `tests/benches/`,
//! whose `figure:` lines this reads.

use super::measure::{bench_figures, Targets};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Runs `overhead`, `decode` and `stream_memory`; their figures by name.
pub(super) fn run_benches(root: &Path) -> Result<BTreeMap<String, f64>, String> {
    let mut figures = BTreeMap::new();
    for bench in ["overhead", "decode", "stream_memory"] {
        figures.extend(bench_figures(root, "servicetitan-tests", bench)?);
    }
    Ok(figures)
}

pub(super) fn render(figures: &BTreeMap<String, f64>, s: &mut String, targets: &mut Targets) {
    let f = |k: &str| figures.get(k).copied();
    if let (Some(h), Some(g), Some(ratio), Some(rounds)) = (
        f("overhead.hand_written_us"),
        f("overhead.generated_us"),
        f("overhead.ratio"),
        f("overhead.rounds"),
    ) {
        let _ = writeln!(
            s,
            "\nruntime overhead: GET a 50-customer page from 127.0.0.1, sequential calls,\nmedians of {rounds} rounds in alternating order; the percentage is the median of the paired rounds' ratios"
        );
        let _ = writeln!(
            s,
            "  {:<58} {:>9.1} us",
            "hand-written reqwest + serde_json", h
        );
        let pct = (ratio - 1.0) * 100.0;
        let _ = writeln!(s, "  {:<58} {:>9.1} us   {pct:+.1}%", "generated client", g);
        targets.push((
            format!("runtime overhead at most 5%: {pct:+.1}%"),
            pct <= 5.0,
        ));
    }
    if let (Some(v), Some(t)) = (f("decode.value_ms"), f("decode.typed_ms")) {
        let _ = writeln!(s, "\ndecode a 5,000-customer page");
        let _ = writeln!(s, "  {:<58} {:>9.1} ms", "serde_json::Value", v);
        let _ = writeln!(
            s,
            "  {:<58} {:>9.1} ms   {:.2}x the time of Value",
            "Paged<crm::CustomerResponse>",
            t,
            t / v
        );
        targets.push((
            format!("decode faster than Value: {:.2}x its time", t / v),
            t < v,
        ));
    }
    let peaks: Vec<(u64, f64)> = figures
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("stream.peak_mib.")
                .and_then(|n| n.parse().ok())
                .map(|n| (n, *v))
        })
        .collect();
    if peaks.len() >= 2 {
        let _ = writeln!(
            s,
            "\nstreaming memory: peak RSS of a fresh process streaming every item"
        );
        for (n, mib) in &peaks {
            let _ = writeln!(s, "  {:<58} {:>9.1} MiB", format!("{n} items"), mib);
        }
        let small = peaks.iter().find(|(n, _)| *n == 10_000).map(|p| p.1);
        let million = peaks.iter().find(|(n, _)| *n == 1_000_000).map(|p| p.1);
        if let (Some(a), Some(b)) = (small, million) {
            targets.push((
                format!("flat memory: 1,000,000 items peak at {:.2}x the peak of 10,000 (100x the items)", b / a),
                b / a <= 2.0,
            ));
        }
    }
}
