//! The trickle fault (`trickle:100ms`): the usual answer, its body a few bytes at a time,
//! one piece each period, so that a client waits on a server that answers but too slowly.

use bytes::Bytes;
use hyper::body::Frame;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Bytes a trickled body sends at a time.
pub(super) const CHUNK: usize = 16;

/// `bytes`, `chunk` at a time, one piece each `every` (the first after `every` too).
pub(super) fn body(
    bytes: Bytes,
    chunk: usize,
    every: Duration,
) -> impl hyper::body::Body<Data = Bytes, Error = std::io::Error> + Send + Sync + 'static {
    Trickled {
        rest: bytes,
        chunk: chunk.max(1),
        every,
        wait: None,
    }
}

/// A whole body, `chunk` bytes each `every`: a server that answers, but slowly.
struct Trickled {
    rest: Bytes,
    chunk: usize,
    every: Duration,
    wait: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl hyper::body::Body for Trickled {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.rest.is_empty() {
            return Poll::Ready(None);
        }
        let every = self.every;
        let wait = self
            .wait
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(every)));
        if wait.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.wait = None;
        let n = self.chunk.min(self.rest.len());
        let piece = self.rest.split_to(n);
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty()
    }
}
