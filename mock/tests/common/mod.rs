//! What the stand-in's tests start from.
#![allow(dead_code)] // each test binary uses a part of it

pub mod wire;

use servicetitan::runtime::{self as rt, RetryPolicy};
use servicetitan_mock::{MockServer, Settings};

/// A stand-in server on a free loopback port.
pub async fn mock(settings: Settings) -> MockServer {
    MockServer::start(settings).await.expect("mock starts")
}

/// The generated client against `mock`, for `tenant`, sending each call once.
pub fn typed(mock: &MockServer, tenant: i64) -> servicetitan::Client {
    let rt = rt::Runtime::new(mock.builder().retry(RetryPolicy::none())).expect("client");
    servicetitan::Client::new(rt, tenant)
}

/// A stand-in with `records` records in each list, and the client for its tenant 1.
pub async fn with_records(records: usize) -> (MockServer, servicetitan::Client) {
    let m = mock(Settings {
        records,
        ..Settings::default()
    })
    .await;
    let st = typed(&m, 1);
    (m, st)
}
