//! What each fault does: [`apply`] gives an answer instead of the usual one, or says how
//! the usual one is delivered; [`deliver`] writes an answer as its [`Delivery`] says (whole,
//! cut short, reset, trickled).

use super::Fault;
use crate::answer::{reason, too_many, unauthorized, Answer, Delivery};
use crate::auth::Tokens;
use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Frame;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

/// A fault's effect on a request that carried the token `bearer` (revoked from `tokens`
/// by the fault that revokes it): an answer instead of the usual one, or how to deliver
/// the usual one.
pub(crate) async fn apply(
    tokens: &Mutex<Tokens>,
    bearer: Option<&str>,
    f: Fault,
) -> Result<Delivery, Answer> {
    match f {
        Fault::Pass => Ok(Delivery::Whole),
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            Ok(Delivery::Whole)
        }
        Fault::Truncate => Ok(Delivery::Truncate),
        Fault::Trickle(every) => Ok(Delivery::Trickle {
            chunk: super::trickle::CHUNK,
            every,
        }),
        Fault::Reset => Err(Answer {
            delivery: Delivery::Reset,
            ..Answer::json(0, Bytes::new())
        }),
        Fault::RevokeToken => {
            if let Some(t) = bearer {
                // A poisoned lock still holds consistent tokens (each update is one insert).
                tokens.lock().unwrap_or_else(|e| e.into_inner()).revoke(t);
            }
            Err(unauthorized("The access token was revoked."))
        }
        Fault::Status(s) => Err(Answer::error(s, reason(s), &[])),
        Fault::Html(s) => Err(Answer::new(
            s,
            "text/html",
            format!(
                "<html><head><title>{s} {}</title></head><body><h1>{s} {}</h1></body></html>",
                reason(s),
                reason(s)
            ),
        )),
        Fault::Maintenance => Err(Answer::error(
            409,
            "The service is suspended for maintenance. Please try again later.",
            &[],
        )),
        Fault::RateLimited(secs) => Err(too_many(Duration::from_secs(secs))),
    }
}

/// A response body.
pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// The error that makes hyper drop a connection without an answer.
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

/// The answer as its delivery says; a reset marks the connection (`reset`) so that it
/// closes with a TCP reset, and drops it.
pub(crate) fn deliver(
    answer: Answer,
    reset: &AtomicBool,
) -> Result<hyper::Response<Body>, Dropped> {
    Ok(match answer.delivery {
        Delivery::Reset => {
            reset.store(true, Ordering::SeqCst);
            return Err(Dropped);
        }
        Delivery::Whole => response(answer, |b| Full::new(b).map_err(|e| match e {}).boxed()),
        Delivery::Truncate => response(answer, |b| Truncated(Some(b.slice(..b.len() / 2))).boxed()),
        Delivery::Trickle { chunk, every } => {
            response(answer, |b| super::trickle::body(b, chunk, every).boxed())
        }
    })
}

fn response(answer: Answer, body: impl FnOnce(Bytes) -> Body) -> hyper::Response<Body> {
    let mut b = hyper::Response::builder().status(answer.status);
    for (k, v) in &answer.headers {
        b = b.header(*k, v.as_str());
    }
    b = b.header("content-length", answer.body.len().to_string());
    b.body(body(answer.body)).unwrap_or_else(|_| {
        hyper::Response::new(
            Full::new(Bytes::new())
                .map_err(|e: Infallible| match e {})
                .boxed(),
        )
    })
}

/// The first half of a body, then an error: hyper stops writing and closes the
/// connection, so the client reads fewer bytes than `Content-Length` promised.
struct Truncated(Option<Bytes>);

impl hyper::body::Body for Truncated {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(match self.0.take() {
            Some(half) => Ok(Frame::data(half)),
            None => Err(std::io::Error::other("body cut short on purpose")),
        }))
    }
}
