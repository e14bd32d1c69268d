//! Paged lists and exports as streams. Both fetch lazily, one page or batch at a time,
//! keep every filter of the request, and stop fetching when dropped.

use crate::client::ResponseFuture;
use crate::error::Error;
use crate::types::{DateTime, ExportBatch, Paged};
use futures_core::Stream;
use futures_util::stream::{self, StreamExt};
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A boxed stream of results.
pub type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>;

/// One page of a list: [`Paged`], or a page with more to it (reporting's
/// `ReportDataResponse` also carries the `fields` its rows are made of).
pub trait PageLike: Send + 'static {
    /// What a page holds.
    type Item: Send + 'static;
    /// The API says there are more pages.
    fn has_more(&self) -> bool;
    /// The items of this page.
    fn items(&self) -> &[Self::Item];
    /// The page's items, taken out of it.
    fn into_items(self) -> Vec<Self::Item>;
}

impl<T: Send + 'static> PageLike for Paged<T> {
    type Item = T;
    fn has_more(&self) -> bool {
        self.has_more
    }
    fn items(&self) -> &[T] {
        &self.data
    }
    fn into_items(self) -> Vec<T> {
        self.data
    }
}

/// A request for one page of a paged list (generated for every paged operation).
pub trait PagedRequest: Clone + Send + Sized + 'static {
    /// The page type the operation returns.
    type Page: PageLike;
    /// The same request, for page `page` (1-based).
    fn with_page(self, page: i32) -> Self;
    /// The page the request starts at (1 unless set).
    fn first_page(&self) -> i32;
    /// Sends the request for one page.
    fn fetch(self) -> ResponseFuture<Self::Page>;
}

/// The item type of a paged request.
pub type PageItem<R> = <<R as PagedRequest>::Page as PageLike>::Item;

/// Every page, from the request's page on, while the API says `hasMore`.
pub fn pages<R: PagedRequest>(request: R) -> BoxStream<R::Page> {
    let start = request.first_page();
    Box::pin(stream::unfold(Some((request, start)), |state| async move {
        let (request, page) = state?;
        match request.clone().with_page(page).fetch().await {
            Ok(p) => {
                // An empty page that says "more" would loop forever: stop there.
                let next = (p.has_more() && !p.items().is_empty()).then(|| (request, page + 1));
                Some((Ok(p), next))
            }
            Err(e) => Some((Err(e), None)),
        }
    }))
}

/// Every item of every page; one page is held in memory at a time.
pub fn items<R: PagedRequest>(request: R) -> BoxStream<PageItem<R>> {
    Box::pin(pages(request).flat_map(|page| {
        let items: Vec<Result<PageItem<R>, Error>> = match page {
            Ok(p) => p.into_items().into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        stream::iter(items)
    }))
}

/// Where an export starts: a continuation token stored from an earlier run, or a date
/// ("modified since").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFrom(pub String);

impl From<String> for ExportFrom {
    fn from(s: String) -> Self {
        ExportFrom(s)
    }
}

impl From<&str> for ExportFrom {
    fn from(s: &str) -> Self {
        ExportFrom(s.to_string())
    }
}

impl From<&String> for ExportFrom {
    fn from(s: &String) -> Self {
        ExportFrom(s.clone())
    }
}

impl From<DateTime> for ExportFrom {
    fn from(d: DateTime) -> Self {
        ExportFrom(d.to_rfc3339())
    }
}

impl From<ExportFrom> for String {
    fn from(f: ExportFrom) -> Self {
        f.0
    }
}

/// A request for one batch of an export (generated for every export operation).
pub trait ExportRequest: Clone + Send + Sized + 'static {
    /// What a batch holds.
    type Item: Send + 'static;
    /// The same request, continuing from `token`.
    fn continue_from(self, token: String) -> Self;
    /// Sends the request for one batch.
    fn fetch(self) -> ResponseFuture<ExportBatch<Self::Item>>;
}

/// Every batch, following `continueFrom` while the API says `hasMore`. Each batch carries
/// the token to store once its items are processed: a later run resumes from it.
pub fn batches<R: ExportRequest>(request: R) -> BoxStream<ExportBatch<R::Item>> {
    Box::pin(stream::unfold(Some(request), |state| async move {
        let request = state?;
        match request.clone().fetch().await {
            Ok(b) => {
                let next = (b.has_more && !b.continue_from.is_empty())
                    .then(|| request.continue_from(b.continue_from.clone()));
                Some((Ok(b), next))
            }
            Err(e) => Some((Err(e), None)),
        }
    }))
}

/// Every item of an export, with [`ExportItems::checkpoint`]: the continuation token
/// that covers every item yielded so far whose batch is complete.
pub struct ExportItems<T> {
    batches: BoxStream<ExportBatch<T>>,
    current: VecDeque<T>,
    pending: Option<String>,
    checkpoint: Option<String>,
    done: bool,
}

impl<T> ExportItems<T> {
    /// The token to store: resuming from it repeats none of the items of completed
    /// batches. `None` until the first batch is fully yielded.
    pub fn checkpoint(&self) -> Option<&str> {
        self.checkpoint.as_deref()
    }
}

/// See [`ExportItems`].
pub fn export_items<R: ExportRequest>(request: R) -> ExportItems<R::Item> {
    ExportItems {
        batches: batches(request),
        current: VecDeque::new(),
        pending: None,
        checkpoint: None,
        done: false,
    }
}

impl<T> Stream for ExportItems<T> {
    type Item = Result<T, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.pop_front() {
                if this.current.is_empty() {
                    // Last item of its batch: the batch's token now covers everything yielded.
                    this.checkpoint = this.pending.take().or(this.checkpoint.take());
                }
                return Poll::Ready(Some(Ok(item)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match this.batches.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok(batch))) => {
                    if batch.data.is_empty() {
                        this.checkpoint = Some(batch.continue_from);
                    } else {
                        this.pending = Some(batch.continue_from);
                        this.current = batch.data.into();
                    }
                }
            }
        }
    }
}

impl<T> Unpin for ExportItems<T> {}
