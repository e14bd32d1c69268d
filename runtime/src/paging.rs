//! Paged lists as streams: fetched lazily, one page at a time, with every filter of the
//! request, until dropped. (Exports, and changes since a checkpoint, are in `sync`.)

use crate::client::ResponseFuture;
use crate::error::Error;
use crate::types::{DateTime, Paged};
use futures_core::Stream;
use futures_util::stream::{self, StreamExt};
use std::pin::Pin;

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
    /// How many items all pages hold, when the API said (`includeTotal`).
    fn total(&self) -> Option<i64> {
        None
    }
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
    fn total(&self) -> Option<i64> {
        self.total_count
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
    /// The requests a stream sends in turn: this one, or, when an id list holds more ids
    /// than the operation takes in one request, one request per batch of them
    /// ([`crate::split_ids`]). Generated for operations whose id lists can be split.
    fn split_ids(self) -> Vec<Self> {
        vec![self]
    }
}

/// The item type of a paged request.
pub type PageItem<R> = <<R as PagedRequest>::Page as PageLike>::Item;

/// Every page, from the request's page on, while the API says `hasMore`. When the
/// request's id list is longer than the operation takes, the pages of each batch of ids
/// in turn ([`PagedRequest::split_ids`]); the stream ends at the first error.
pub fn pages<R: PagedRequest>(request: R) -> BoxStream<R::Page> {
    let mut parts = request.split_ids();
    if parts.len() == 1 {
        if let Some(one) = parts.pop() {
            return pages_of(one);
        }
    }
    let mut failed = false;
    Box::pin(
        stream::iter(parts)
            .flat_map(pages_of)
            .take_while(move |page| {
                let go = !failed;
                failed |= page.is_err();
                std::future::ready(go)
            }),
    )
}

/// The pages of one request.
fn pages_of<R: PagedRequest>(request: R) -> BoxStream<R::Page> {
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

/// Where an export starts: a continuation token stored from an earlier run, or a date,
/// meaning the records modified at or after it. The API's `from` date is inclusive: a
/// record modified at exactly that instant is delivered, so a date taken from the last
/// record of an earlier run delivers that record again. To continue where a run stopped,
/// resume from its checkpoint instead (`changes(Some(&checkpoint))`): its continuation
/// token repeats nothing.
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
