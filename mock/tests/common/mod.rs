//! What the stand-in's tests start from.

use servicetitan::runtime::{self as rt, RetryPolicy};
use servicetitan_mock::{MockServer, Settings};

/// A stand-in server on a free loopback port.
pub async fn mock(settings: Settings) -> MockServer {
    MockServer::start(settings).await.expect("mock starts")
}

/// The generated client against `mock`, for `tenant`, sending each call once.
pub fn typed(mock: &MockServer, tenant: i64) -> servicetitan::Client {
    let rt = rt::Client::new(mock.builder().retry(RetryPolicy::none())).expect("client");
    servicetitan::Client::new(rt, tenant)
}
