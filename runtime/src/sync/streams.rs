//! Streams of changes: a list's records modified since a checkpoint, an export's batches
//! since its token, both with the checkpoint to store; and the same streams untyped, as
//! JSON, for a program that copies every resource of a domain.

use super::checkpoint::{Checkpoint, Fingerprint, Position, StreamId};
use super::planner::{ms, Answer, Planner};
use crate::client::TenantClient;
use crate::error::Error;
use crate::paging::{BoxStream, PageItem, PageLike, PagedRequest};
use crate::request::{Operation, Request};
use crate::types::{DateTime, ExportBatch, Json, Paged};
use futures_core::Stream;
use futures_util::stream::{self, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The query parameters a list's stream of changes sets itself (wire names), as the
/// document names them for the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The lower bound of the modification time (`modifiedOnOrAfter`), inclusive.
    pub from: &'static str,
    /// The upper bound (`modifiedBefore`), exclusive.
    pub before: &'static str,
    /// The page number (`page`).
    pub page: &'static str,
    /// The page size (`pageSize`).
    pub page_size: &'static str,
    /// `includeTotal`, where the operation has it.
    pub total: Option<&'static str>,
    /// `active` (`True`, `Any`, `False`), where the operation has it.
    pub active: Option<&'static str>,
}

impl Window {
    fn own(&self) -> Vec<&'static str> {
        let mut own = vec![self.from, self.before, self.page, self.page_size];
        own.extend(self.total);
        own
    }
}

/// How a stream of a list's changes reads.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChangeOptions {
    /// Records asked for per request (1,000; the API allows up to 5,000 on most lists).
    pub page_size: i32,
    /// How far before the watermark each run asks again (60 seconds): records that
    /// became visible late (a slow commit, a clock a little behind) are caught there,
    /// and those already delivered dropped. It must exceed the difference between the
    /// API's clocks and the time a change takes to become visible.
    pub overlap: Duration,
    /// Ask for inactive records too (`active=Any`) where the operation filters by
    /// `active` and the request does not say (true: a copy must see deactivations).
    pub include_inactive: bool,
}

impl ChangeOptions {
    /// With `n` records asked for per request.
    pub fn page_size(mut self, n: i32) -> Self {
        self.page_size = n;
        self
    }
    /// With `d` asked again before the watermark on each run.
    pub fn overlap(mut self, d: Duration) -> Self {
        self.overlap = d;
        self
    }
    /// Asking, or not, for inactive records too where the operation filters by `active`.
    pub fn include_inactive(mut self, on: bool) -> Self {
        self.include_inactive = on;
        self
    }
}

impl Default for ChangeOptions {
    fn default() -> Self {
        ChangeOptions {
            page_size: 1_000,
            overlap: Duration::from_secs(60),
            include_inactive: true,
        }
    }
}

/// A paged list that filters by modification time (generated for every such operation
/// whose records carry `modifiedOn`).
pub trait IncrementalRequest: PagedRequest {
    /// The parameters the stream sets.
    const WINDOW: Window;
    /// The tenant-bound client the request goes through.
    fn client(&self) -> &TenantClient;
    /// The request as built so far.
    fn request(&self) -> Request;
    /// When a record was last modified.
    fn modified_on(item: &PageItem<Self>) -> Option<DateTime>;
}

/// An export (generated for every export operation).
pub trait ExportRequest: Clone + Send + Sized + 'static {
    /// What a batch holds.
    type Item: DeserializeOwned + Send + 'static;
    /// The wire name of the continuation parameter (`from`).
    const FROM: &'static str;
    /// The tenant-bound client the request goes through.
    fn client(&self) -> &TenantClient;
    /// The request as built so far.
    fn request(&self) -> Request;
}

/// Records in batches, each batch with the checkpoint that covers it once it is done.
type Batches<T> = BoxStream<(Vec<T>, Option<Checkpoint>)>;

/// The records of a stream of changes (a list's or an export's), with
/// [`Changes::checkpoint`]: the checkpoint that covers every record yielded so far whose
/// window or batch is complete. Store it with those records (in one transaction, or
/// after them); hand it to the same stream later and nothing is lost or repeated.
/// Records yielded after the checkpoint you stored are delivered again by a stream
/// resumed from it.
pub struct Changes<T> {
    batches: Batches<T>,
    current: VecDeque<T>,
    pending: Option<Checkpoint>,
    checkpoint: Option<Checkpoint>,
    done: bool,
}

impl<T> Changes<T> {
    fn new(batches: Batches<T>, start: Option<Checkpoint>) -> Changes<T> {
        Changes {
            batches,
            current: VecDeque::new(),
            pending: None,
            checkpoint: start,
            done: false,
        }
    }

    /// The checkpoint to store: resuming from it delivers none of the records yielded
    /// before it was reached, and every record after. The checkpoint the stream started
    /// from (or `None`) until a first window or batch is complete.
    ///
    /// It changes only when it covers every record yielded so far: as the last record of
    /// a window or batch is yielded, and at the end of the stream (or at an error). So a
    /// program that commits, whenever it sees a new checkpoint, the checkpoint with the
    /// records read since the last commit never stores a checkpoint ahead of its records.
    pub fn checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoint.as_ref()
    }
}

impl<T> Stream for Changes<T> {
    type Item = Result<T, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.pop_front() {
                if this.current.is_empty() {
                    // Last record of its batch: the batch's checkpoint now covers it.
                    if let Some(c) = this.pending.take() {
                        this.checkpoint = Some(c);
                    }
                }
                return Poll::Ready(Some(Ok(item)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            // Every record yielded so far is covered by `pending` when it is set here.
            match this.batches.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.done = true;
                    if let Some(c) = this.pending.take() {
                        this.checkpoint = Some(c);
                    }
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    if let Some(c) = this.pending.take() {
                        this.checkpoint = Some(c);
                    }
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok((items, checkpoint)))) => {
                    if items.is_empty() {
                        // Held until a record or the end is yielded, so that the
                        // checkpoint never changes in the middle of a batch's records.
                        if checkpoint.is_some() {
                            this.pending = checkpoint;
                        }
                    } else {
                        this.pending = checkpoint;
                        this.current = items.into();
                    }
                }
            }
        }
    }
}

impl<T> Unpin for Changes<T> {}

/// A list's records modified since `since` (everything, without one), with default
/// [`ChangeOptions`]. See [`list_changes_with`].
pub fn list_changes<R>(
    request: R,
    since: Option<&Checkpoint>,
) -> Result<Changes<PageItem<R>>, Error>
where
    R: IncrementalRequest,
    R::Page: DeserializeOwned,
    PageItem<R>: Serialize,
{
    list_changes_with(request, since, &ChangeOptions::default())
}

/// A list's records modified since `since`, or since the request's own
/// `modifiedOnOrAfter`, or all of them: inactive ones too unless the request or
/// `options` say otherwise, in whatever order the API answers, each version once, with a
/// checkpoint to store. Fails, before sending anything, when `since` belongs to another
/// stream or the request sets `modifiedBefore`.
pub fn list_changes_with<R>(
    request: R,
    since: Option<&Checkpoint>,
    options: &ChangeOptions,
) -> Result<Changes<PageItem<R>>, Error>
where
    R: IncrementalRequest,
    R::Page: DeserializeOwned,
    PageItem<R>: Serialize,
{
    let client = request.client().clone();
    let whole = request.request();
    // An id list longer than the operation takes goes in batches, each window asked of
    // every batch (no record can match two: `PagedRequest::split_ids`).
    let batches = request.split_ids();
    let parts = if batches.len() > 1 {
        batches.iter().map(IncrementalRequest::request).collect()
    } else {
        vec![whole.clone()]
    };
    window_changes::<R::Page>(
        client,
        whole,
        parts,
        R::WINDOW,
        since,
        options,
        R::modified_on,
    )
}

/// An export's records from `since` (its continuation token), or from the request's own
/// `from`, or from the start. See [`Changes`].
pub fn export_changes<R: ExportRequest>(
    request: R,
    since: Option<&Checkpoint>,
) -> Result<Changes<R::Item>, Error> {
    let client = request.client().clone();
    batch_changes(client, request.request(), R::FROM, since)
}

/// An export's records, every batch from the request's `from` (or the start) on, with
/// the checkpoint to store.
pub fn export_items<R: ExportRequest>(request: R) -> Changes<R::Item> {
    let client = request.client().clone();
    let base = request.request();
    let id = StreamId::of(&base, client.tenant(), &[R::FROM]);
    let start = base.query_value(R::FROM).map(str::to_string);
    export_stream(client, base, R::FROM, id, start, None)
}

/// Every batch of an export, following `continueFrom` while the API says `hasMore`.
/// Each batch carries the token to store once its items are processed.
pub fn batches<R: ExportRequest>(request: R) -> BoxStream<ExportBatch<R::Item>> {
    let client = request.client().clone();
    let base = request.request();
    let from = base.query_value(R::FROM).map(str::to_string);
    export_batches(client, base, R::FROM, from)
}

fn export_batches<T: DeserializeOwned + Send + 'static>(
    client: TenantClient,
    base: Request,
    name: &'static str,
    from: Option<String>,
) -> BoxStream<ExportBatch<T>> {
    Box::pin(stream::unfold(Some(from), move |state| {
        let client = client.clone();
        let mut request = base.clone();
        async move {
            let token = state?;
            match token {
                Some(t) => request.set_query(name, t),
                None => request.remove_query(name),
            }
            match client.send_json::<ExportBatch<T>>(request).await {
                Ok(b) => {
                    let next = (b.has_more && !b.continue_from.is_empty())
                        .then(|| Some(b.continue_from.clone()));
                    Some((Ok(b), next))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    }))
}

fn batch_changes<T: DeserializeOwned + Send + 'static>(
    client: TenantClient,
    base: Request,
    from: &'static str,
    since: Option<&Checkpoint>,
) -> Result<Changes<T>, Error> {
    let op = base.operation();
    let id = StreamId::of(&base, client.tenant(), &[from]);
    let start = match since {
        Some(c) => match c.check(&id, true).map_err(|e| e.with_operation(op.id))? {
            Position::Export { token } => Some(token.clone()),
            Position::Window { .. } => None,
        },
        None => base.query_value(from).map(str::to_string),
    };
    Ok(export_stream(client, base, from, id, start, since.cloned()))
}

/// Stream `id`'s records from `start` (a token or a date), each batch with the checkpoint
/// of its continuation token; `since` is the checkpoint it started from.
fn export_stream<T: DeserializeOwned + Send + 'static>(
    client: TenantClient,
    base: Request,
    from: &'static str,
    id: StreamId,
    start: Option<String>,
    since: Option<Checkpoint>,
) -> Changes<T> {
    let batches =
        export_batches::<T>(client, base, from, start.clone()).scan(start, move |token, batch| {
            let out = batch.map(|b| {
                // An empty token at the end keeps the last one: resuming from nothing
                // would start over.
                if !b.continue_from.is_empty() {
                    *token = Some(b.continue_from);
                }
                let checkpoint = token
                    .clone()
                    .map(|t| Checkpoint::new(id.clone(), Position::Export { token: t }));
                (b.data, checkpoint)
            });
            std::future::ready(Some(out))
        });
    Changes::new(Box::pin(batches), since)
}

/// The engine of every list's changes: the planner's requests, sent with the window
/// set, their answers fingerprinted and filtered. `base` is the stream's request, which
/// names it; `parts` what is sent for it (`base` itself, or its batches of ids, each asked
/// for every window and their answers taken together as one).
fn window_changes<P>(
    client: TenantClient,
    mut base: Request,
    mut parts: Vec<Request>,
    window: Window,
    since: Option<&Checkpoint>,
    options: &ChangeOptions,
    modified: fn(&P::Item) -> Option<DateTime>,
) -> Result<Changes<P::Item>, Error>
where
    P: PageLike + DeserializeOwned,
    P::Item: Serialize,
{
    let op: &'static Operation = base.operation();
    if base.query_value(window.before).is_some() {
        return Err(Error::config(format!(
            "a stream of changes sets `{}` itself; leave it unset",
            window.before
        ))
        .with_operation(op.id));
    }
    if let Some(active) = window.active {
        if options.include_inactive && base.query_value(active).is_none() {
            base.set_query(active, "Any");
            for part in &mut parts {
                part.set_query(active, "Any");
            }
        }
    }
    let id = StreamId::of(&base, client.tenant(), &window.own());
    let start = match since {
        Some(c) => Some(c.check(&id, false).map_err(|e| e.with_operation(op.id))?),
        None => None,
    };
    let from = base
        .query_value(window.from)
        .and_then(|v| v.parse::<DateTime>().ok())
        .map(ms);
    let overlap = i64::try_from(options.overlap.as_millis()).unwrap_or(i64::MAX);
    let planner = Planner::new(
        start,
        from,
        options.page_size,
        overlap,
        window.total.is_some(),
    );
    let page_size = options.page_size;
    let state = (planner, client, parts, id);
    let batches = stream::unfold(Some(state), move |state| async move {
        let (mut planner, client, parts, id) = state?;
        let ask = planner.next()?;
        let mut page = Merged::default();
        for part in &parts {
            let mut request = part.clone();
            match ask.from {
                Some(f) => request.set_query(window.from, super::planner::at(f).to_rfc3339()),
                None => request.remove_query(window.from),
            }
            if let Some(b) = ask.before {
                request.set_query(window.before, super::planner::at(b).to_rfc3339());
            }
            request.set_query(window.page, ask.page.to_string());
            request.set_query(window.page_size, page_size.to_string());
            if let Some(t) = window.total {
                request.set_query(t, "true");
            }
            match client.send_json::<P>(request).await {
                Ok(p) => page.add(p),
                Err(e) => return Some((Err(e), None)),
            }
        }
        let keys: Vec<(u128, Option<i64>)> = page
            .items
            .iter()
            .map(|item| (Fingerprint::of(item), modified(item).map(ms)))
            .collect();
        // The API's clock, or this machine's when answers carry no `Date`.
        let now = client
            .client()
            .server_now()
            .unwrap_or_else(|| DateTime(chrono::Utc::now()));
        let outcome = planner.answer(Answer {
            has_more: page.has_more,
            total: page.total,
            items: &keys,
            now: ms(now),
        });
        let items: Vec<P::Item> = page
            .items
            .into_iter()
            .zip(outcome.keep)
            .filter_map(|(item, keep)| keep.then_some(item))
            .collect();
        let checkpoint = outcome.checkpoint.map(|p| Checkpoint::new(id.clone(), p));
        Some((Ok((items, checkpoint)), Some((planner, client, parts, id))))
    });
    Ok(Changes::new(Box::pin(batches), since.cloned()))
}

/// The answers of a request's parts to one ask, taken together: their items, more if
/// any part has more, the sum of their totals (unknown if one is).
struct Merged<T> {
    items: Vec<T>,
    has_more: bool,
    total: Option<i64>,
}

impl<T> Default for Merged<T> {
    fn default() -> Self {
        Merged {
            items: Vec::new(),
            has_more: false,
            total: Some(0),
        }
    }
}

impl<T> Merged<T> {
    fn add<P: PageLike<Item = T>>(&mut self, page: P) {
        self.has_more |= page.has_more();
        self.total = self.total.zip(page.total()).map(|(a, b)| a + b);
        self.items.extend(page.into_items());
    }
}

/// What a [`SyncSource`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// An export, continued by this parameter (`from`).
    Export {
        /// The continuation parameter's wire name.
        from: &'static str,
    },
    /// A paged list filtered by modification time.
    List(Window),
}

/// One resource of a domain to copy: an export, or a list with a modification filter,
/// that needs no argument but the tenant. Generated as each domain module's
/// `SYNC_SOURCES`; read untyped (records as JSON), for programs that copy everything.
#[derive(Debug, Clone, Copy)]
pub struct SyncSource {
    /// The operation.
    pub operation: &'static Operation,
    /// The domain's path prefix (`/crm/v2`).
    pub prefix: &'static str,
    /// Export or list.
    pub kind: SourceKind,
}

/// A record exactly as the API wrote it: numbers keep every digit (a decimal never goes
/// through a float), for programs that store what they read.
pub type RawRecord = Box<serde_json::value::RawValue>;

impl SyncSource {
    /// The records changed since `since` (all of them without one), as JSON.
    pub fn open(
        &self,
        client: &TenantClient,
        since: Option<&Checkpoint>,
        options: &ChangeOptions,
    ) -> Result<Changes<Json>, Error> {
        self.open_as(client, since, options, |v: &Json| {
            v.get("modifiedOn")?.as_str()?.parse().ok()
        })
    }

    /// As [`SyncSource::open`], each record as the API wrote it ([`RawRecord`]); the
    /// checkpoints are the same.
    pub fn open_raw(
        &self,
        client: &TenantClient,
        since: Option<&Checkpoint>,
        options: &ChangeOptions,
    ) -> Result<Changes<RawRecord>, Error> {
        self.open_as(client, since, options, raw_modified)
    }

    /// The changes with records of type `T`, whose modification time `modified` reads.
    fn open_as<T: DeserializeOwned + Serialize + Send + 'static>(
        &self,
        client: &TenantClient,
        since: Option<&Checkpoint>,
        options: &ChangeOptions,
        modified: fn(&T) -> Option<DateTime>,
    ) -> Result<Changes<T>, Error> {
        let base = self.request(client);
        match self.kind {
            SourceKind::Export { from } => batch_changes(client.clone(), base, from, since),
            SourceKind::List(window) => {
                let parts = vec![base.clone()];
                window_changes::<Paged<T>>(
                    client.clone(),
                    base,
                    parts,
                    window,
                    since,
                    options,
                    modified,
                )
            }
        }
    }

    fn request(&self, client: &TenantClient) -> Request {
        let path = format!(
            "{}{}",
            self.prefix,
            self.operation
                .path
                .replace("{tenant}", &client.tenant().to_string())
        );
        Request::new(self.operation, path)
    }
}

/// A raw record's `modifiedOn`, read without building the record.
fn raw_modified(record: &RawRecord) -> Option<DateTime> {
    #[derive(serde::Deserialize)]
    struct Modified<'a> {
        #[serde(rename = "modifiedOn", borrow)]
        modified_on: Option<std::borrow::Cow<'a, str>>,
    }
    let m: Modified = serde_json::from_str(record.get()).ok()?;
    m.modified_on?.parse().ok()
}
