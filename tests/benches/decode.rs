//! Decoding a 5,000-item CRM customers page: into the generated types
//! (`Paged<CustomerResponse>`) against into `serde_json::Value`, side by side in one run.
//!
//! `cargo bench -p servicetitan-tests --bench decode`

use servicetitan::crm::CustomerResponse;
use servicetitan::runtime::{self as rt, Paged};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// A page shaped like the API's: nested address, custom fields, money as a string, 7-digit
/// fraction date-times, a field the document does not list.
fn page(n: usize) -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "id": 10_000 + i, "active": i % 7 != 0, "name": format!("Customer number {i}"),
                "type": if i % 2 == 0 { "Residential" } else { "Commercial" },
                "address": {"street": "123 Main St", "unit": null, "city": "Glendale", "state": "CA", "zip": "91203", "country": "USA",
                            "latitude": 34.1425, "longitude": -118.255},
                "customFields": [{"typeId": 1, "name": "Source", "value": "Web"}],
                "balance": "1234.56", "taxExempt": false, "tagTypeIds": [1, 2, 3],
                "doNotMail": false, "doNotService": false, "createdOn": "2021-07-19T20:35:38.2876004Z",
                "createdById": 55, "modifiedOn": "2024-01-02T03:04:05.1234567Z", "mergedToId": null,
                "paymentTermId": 4, "creditLimit": 5000.0, "creditLimitBalance": 4200.5,
                "externalData": [{"key": "crm", "value": format!("ext-{i}")}],
                "someFieldAddedLater": {"x": 1}
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"page": 1, "pageSize": n, "hasMore": true, "totalCount": 123_456, "data": items}))
        .expect("json")
}

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
    let bytes = page(5000);
    // Check the typed decode is complete before timing it.
    let typed: Paged<CustomerResponse> = rt::decode(&bytes).expect("typed decode");
    assert_eq!(typed.data.len(), 5000);
    assert_eq!(typed.data[1].balance.expect("money").to_string(), "1234.56");
    let rounds = 41;
    for _ in 0..3 {
        black_box(rt::decode::<Paged<CustomerResponse>>(&bytes).expect("warm"));
        black_box(serde_json::from_slice::<serde_json::Value>(&bytes).expect("warm"));
    }
    // Interleaved runs, median of each, so machine noise hits both alike.
    let mut typed_t = Vec::new();
    let mut value_t = Vec::new();
    for _ in 0..5 {
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
    let (t, v) = (typed_t[2], value_t[2]);
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
    println!("figure: decode.value_ms {:.2}", v.as_secs_f64() * 1e3);
    println!("figure: decode.typed_ms {:.2}", t.as_secs_f64() * 1e3);
}
