//! Decoding a 5,000-item CRM customers page: into the generated types
//! (`Paged<CustomerResponse>`) against into `serde_json::Value`, and the typed decode with
//! drift observation on (`drift::observe_decode`: every object checked against its
//! schema) against the same with it off, side by side in one run.
//!
//! `cargo bench -p servicetitan-tests --bench decode`

use servicetitan::crm::{ops::CustomersGetList, CustomerResponse};
use servicetitan::runtime::drift;
use servicetitan::runtime::{self as rt, Paged};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn time(rounds: usize, mut f: impl FnMut()) -> Duration {
    let mut v: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    v[rounds / 2]
}

fn main() {
    let bytes = servicetitan_tests::customers_page(5000);
    // Check the typed decode is complete before timing it.
    let typed: Paged<CustomerResponse> = rt::decode(&bytes).expect("typed decode");
    assert_eq!(typed.data.len(), 5000);
    assert_eq!(typed.data[1].balance.expect("money").to_string(), "1234.56");
    let rounds = 41;
    for _ in 0..3 {
        black_box(rt::decode::<Paged<CustomerResponse>>(&bytes).expect("warm"));
        black_box(serde_json::from_slice::<serde_json::Value>(&bytes).expect("warm"));
    }
    let op = &CustomersGetList::OPERATION;
    let observe = |bytes: &[u8]| {
        let (page, notes) = drift::observe_decode::<Paged<CustomerResponse>>(op, bytes);
        (page.expect("observed"), notes)
    };
    let (observed, notes) = observe(&bytes);
    assert_eq!(observed, typed, "observation changes nothing decoded");
    // Each of the page's records carries a field the document does not list and lacks
    // one it marks required: two notes a record.
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(
        notes.values().map(|t| t.count).sum::<u64>(),
        10_000,
        "{notes:?}"
    );
    // Interleaved runs, median of each, so machine noise hits all alike.
    let mut typed_t = Vec::new();
    let mut value_t = Vec::new();
    let mut observed_t = Vec::new();
    for _ in 0..5 {
        observed_t.push(time(rounds, || {
            black_box(observe(black_box(&bytes)));
        }));
        typed_t.push(time(rounds, || {
            black_box(rt::decode::<Paged<CustomerResponse>>(black_box(&bytes)).expect("typed"));
        }));
        value_t.push(time(rounds, || {
            black_box(
                serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).expect("value"),
            );
        }));
    }
    typed_t.sort();
    value_t.sort();
    observed_t.sort();
    let (t, v, o) = (typed_t[2], value_t[2], observed_t[2]);
    println!(
        "decode a 5,000-customer page ({:.1} MiB), median of 5 x {rounds} runs",
        bytes.len() as f64 / 1048576.0
    );
    println!(
        "  serde_json::Value                {:>8.2} ms",
        v.as_secs_f64() * 1e3
    );
    println!(
        "  Paged<crm::CustomerResponse>     {:>8.2} ms   {:.2}x the time of Value",
        t.as_secs_f64() * 1e3,
        t.as_secs_f64() / v.as_secs_f64()
    );
    println!(
        "  the same, drift observed         {:>8.2} ms   {:.2}x the time unobserved; {:.0} ns a record more",
        o.as_secs_f64() * 1e3,
        o.as_secs_f64() / t.as_secs_f64(),
        (o.as_secs_f64() - t.as_secs_f64()) * 1e9 / 5000.0
    );
    println!("figure: decode.value_ms {:.2}", v.as_secs_f64() * 1e3);
    println!("figure: decode.observed_ms {:.2}", o.as_secs_f64() * 1e3);
    println!("figure: decode.typed_ms {:.2}", t.as_secs_f64() * 1e3);
}
