//! Drift observation: where the API's answers and the documents the client was generated
//! from disagree. Off by default; on from code ([`crate::RuntimeBuilder::observe_drift`])
//! or from the environment (`ST_DRIFT_NOTES=FILE`, read when a runtime is built, so a
//! program need not change).
//!
//! While it is on, every JSON answer a typed call decodes is checked against what the
//! document says: properties the model does not know (with their JSON type), required
//! properties that are absent, `null` where the document does not allow it, enum values it
//! does not list, values that do not parse as their declared type or format; and every
//! answer's status and media type against those the operation declares. What is noted is
//! the API's vocabulary (schema and property names, JSON types, enum values, statuses,
//! media types), counted per operation and place with the first and last time seen; never
//! a value of a record. The notes are merged into a JSON-lines file ([`notes_file`]) that a
//! team can attach to a bug or commit, and that `cargo xtask propose-corrections` turns
//! into Overlay corrections.
//!
//! Rooms: this one (the notes, the runtime's observer), `notes_file.rs` (the file: merged
//! across runs and processes); the decoding side, where the answer being decoded is and
//! how a model is read under observation, is in `types/observed/` (models and enums call
//! it, and types import nothing above them).

pub(crate) mod flush;
pub mod notes_file;

use crate::request::Operation;
pub use crate::types::observed::DriftKind;
use crate::types::observed::{self as scope, model, Finding};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// Where and what: a note's identity, the key notes are merged by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DriftPlace {
    /// The domain module (`crm`).
    pub domain: String,
    /// The operation (`Customers_GetList`).
    pub operation: String,
    /// The schema of the object the property belongs to (empty for statuses and media
    /// types).
    pub schema: String,
    /// The property of that schema.
    pub field: String,
    /// The properties from the answer's outermost model to this one, joined by `.`.
    pub path: String,
    /// The kind of disagreement.
    pub kind: DriftKind,
    /// A JSON type, an enum value, a status or a media type, as the kind says.
    pub detail: String,
}

/// How often a place was seen, and when first and last (UTC, whole seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftTally {
    /// Times seen (each object of a page counts).
    pub count: u64,
    /// First seen.
    pub first_seen: chrono::DateTime<chrono::Utc>,
    /// Last seen.
    pub last_seen: chrono::DateTime<chrono::Utc>,
}

impl DriftTally {
    fn merge(&mut self, other: &DriftTally) {
        // Saturating: a notes file is read from disk, whose counts may be anything.
        self.count = self.count.saturating_add(other.count);
        self.first_seen = self.first_seen.min(other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
    }
}

/// Notes by place.
pub type DriftNotes = BTreeMap<DriftPlace, DriftTally>;

/// A value's JSON type as a note names it: `string`, `integer`, `number`, `boolean`,
/// `object`, `array`, `null`; a string's format where its shape shows one
/// (`string(date-time)`), an array's items (`array(object)`). Never the value: for a
/// program that checks JSON it reads itself and notes what it finds ([`DriftKind::UnknownField`]).
pub fn json_type(v: &serde_json::Value) -> String {
    model::json_type(v)
}

/// A value's JSON type without format or items, as a [`DriftKind::WrongType`] note
/// names it.
pub fn base_type(v: &serde_json::Value) -> &'static str {
    model::base_type(v)
}

/// Adds `from` into `into`.
pub fn merge_notes(into: &mut DriftNotes, from: &DriftNotes) {
    for (place, tally) in from {
        match into.get_mut(place) {
            Some(t) => t.merge(tally),
            None => {
                into.insert(place.clone(), tally.clone());
            }
        }
    }
}

/// A runtime's observer: what this runtime has seen, and what is not yet in its file.
#[derive(Debug)]
pub(crate) struct Observer {
    file: Option<PathBuf>,
    seen: Mutex<DriftNotes>,
    pending: Mutex<DriftNotes>,
    /// Notes came since the file was last written.
    pub(crate) dirty: std::sync::atomic::AtomicBool,
}

impl Observer {
    pub(crate) fn new(file: Option<PathBuf>) -> Observer {
        Observer {
            file,
            seen: Mutex::default(),
            pending: Mutex::default(),
            dirty: Default::default(),
        }
    }

    /// Decodes a JSON answer of `op` as [`crate::decode`] does, noting what disagrees.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        &self,
        op: &Operation,
        bytes: &[u8],
    ) -> Result<T, crate::Error> {
        let (result, found) = decode_findings(bytes);
        self.add(op, found);
        result
    }

    /// Notes an answer's status and media type where `op` does not declare them. Statuses
    /// the runtime handles for every operation (401, 429, and the gateways' 502, 503, 504)
    /// are not noted, nor operations without declared answers ([`Operation::custom`]).
    pub(crate) fn answer(&self, op: &Operation, status: u16, content_type: Option<&str>) {
        if op.answers.is_empty() || matches!(status, 401 | 429 | 502 | 503 | 504) {
            return;
        }
        let text = status.to_string();
        let declared = op
            .answers
            .iter()
            .find(|(s, _)| *s == text)
            .or_else(|| op.answers.iter().find(|(s, _)| covers(s, &text)));
        let finding = |kind, detail: String| Finding {
            schema: "",
            field: String::new(),
            path: String::new(),
            kind,
            detail,
        };
        let found = match declared {
            None => finding(DriftKind::UndeclaredStatus, text),
            Some((_, types)) => {
                let media = content_type
                    .map(|c| {
                        c.split(';')
                            .next()
                            .unwrap_or("")
                            .trim()
                            .to_ascii_lowercase()
                    })
                    .filter(|m| !m.is_empty());
                match media {
                    Some(m) if !types.iter().any(|t| media_covers(t, &m)) => {
                        finding(DriftKind::UndeclaredContentType, format!("{text} {m}"))
                    }
                    _ => return,
                }
            }
        };
        self.add(op, vec![(found, 1)]);
    }

    fn add(&self, op: &Operation, found: Vec<(Finding, u64)>) {
        if found.is_empty() {
            return;
        }
        self.add_notes(&notes_of(op, found));
    }

    pub(crate) fn add_notes(&self, notes: &DriftNotes) {
        if notes.is_empty() {
            return;
        }
        for target in [&self.seen, &self.pending] {
            if let Ok(mut t) = target.lock() {
                merge_notes(&mut t, notes);
            }
        }
        self.dirty.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Everything this runtime has noted since it was built.
    pub(crate) fn notes(&self) -> DriftNotes {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Merges what is not yet in the notes file into it; the file, if there is one.
    pub(crate) fn flush(&self) -> Result<Option<PathBuf>, crate::Error> {
        let Some(file) = &self.file else {
            return Ok(None);
        };
        let pending = match self.pending.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            Err(_) => return Ok(Some(file.clone())),
        };
        // Merged even when empty: the file then says that nothing disagreed.
        if let Err(e) = notes_file::merge_into(file, &pending) {
            // Kept for the next flush.
            if let Ok(mut p) = self.pending.lock() {
                merge_notes(&mut p, &pending);
            }
            return Err(e);
        }
        Ok(Some(file.clone()))
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            tracing::warn!(error = %e, "the drift notes file could not be written");
        }
    }
}

/// Decodes a JSON answer of `op` as [`crate::decode`] does, and checks it against the
/// document as a runtime observing drift would: for a recording's answers after a
/// document update, or a benchmark. The notes' times are now.
///
/// ```
/// use servicetitan_runtime::{drift, Method, Operation};
///
/// const OP: Operation = Operation::custom("Things_Get", Method::Get, "/things/{id}");
/// let (value, notes) = drift::observe_decode::<serde_json::Value>(&OP, br#"{"id": 1}"#);
/// assert!(value.is_ok() && notes.is_empty(), "an untyped answer has nothing to disagree with");
/// ```
pub fn observe_decode<T: serde::de::DeserializeOwned>(
    op: &Operation,
    bytes: &[u8],
) -> (Result<T, crate::Error>, DriftNotes) {
    let (result, found) = decode_findings(bytes);
    (result, notes_of(op, found))
}

/// Decodes under observation; on failure, the error an unobserved decode gives (with its
/// path), and the value that failed noted if no model noted it.
fn decode_findings<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> (Result<T, crate::Error>, Vec<(Finding, u64)>) {
    let (first, mut found) = scope::observe(|| serde_json::from_slice::<T>(bytes));
    let result = match first {
        Ok(v) => Ok(v),
        Err(_) => {
            let error = crate::response::decode::<T>(bytes);
            if error.is_err() && !found.iter().any(|(f, _)| f.kind == DriftKind::WrongType) {
                found.push((outside_models(bytes, &error), 1));
            }
            error
        }
    };
    (result, found)
}

/// Findings of one answer of `op`, counted by place, seen now.
fn notes_of(op: &Operation, found: Vec<(Finding, u64)>) -> DriftNotes {
    let now = chrono::Utc::now();
    let now = chrono::Timelike::with_nanosecond(&now, 0).unwrap_or(now);
    let mut notes = DriftNotes::new();
    for (f, count) in found {
        let place = DriftPlace {
            domain: op.domain.to_owned(),
            operation: op.id.to_owned(),
            schema: f.schema.to_owned(),
            field: f.field,
            path: f.path,
            kind: f.kind,
            detail: f.detail,
        };
        let tally = notes.entry(place).or_insert(DriftTally {
            count: 0,
            first_seen: now,
            last_seen: now,
        });
        tally.count += count;
    }
    notes
}

/// Whether a status range as the document writes it (`4XX`, `default`) covers `status`.
fn covers(declared: &str, status: &str) -> bool {
    declared == "default"
        || (declared.len() == 3
            && declared
                .get(1..)
                .is_some_and(|x| x.eq_ignore_ascii_case("XX"))
            && declared.get(..1).is_some_and(|c| status.starts_with(c)))
}

/// Whether a declared media type (`application/json`, `application/*`, `*/*`, with or
/// without parameters) covers an answer's (parameters already taken off).
fn media_covers(declared: &str, media: &str) -> bool {
    let declared = declared.split(';').next().unwrap_or("").trim();
    match declared.split_once('/') {
        Some(("*", "*")) => true,
        Some((kind, "*")) => media
            .split('/')
            .next()
            .is_some_and(|k| k.eq_ignore_ascii_case(kind)),
        _ => declared.eq_ignore_ascii_case(media),
    }
}

/// A value that did not parse outside any model (a page's own fields): where the
/// decoder's error says, with the JSON type found there.
fn outside_models<T>(bytes: &[u8], error: &Result<T, crate::Error>) -> Finding {
    let at = match error.as_ref().err().map(crate::Error::kind) {
        Some(crate::ErrorKind::Decode { path, .. }) => path.clone(),
        _ => String::new(),
    };
    // One place for every index (`data[17]` -> `data[]`): an index is not vocabulary.
    let mut path = String::new();
    let mut in_index = false;
    for c in at.chars() {
        match c {
            '[' => {
                in_index = true;
                path.push_str("[]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            c => path.push(c),
        }
    }
    let found = serde_json::from_slice::<crate::types::Json>(bytes)
        .ok()
        .and_then(|v| at_path(&v, &at).map(model::json_type))
        .unwrap_or_else(|| "unreadable".into());
    Finding {
        schema: "",
        field: path.rsplit('.').next().unwrap_or_default().to_owned(),
        path,
        kind: DriftKind::WrongType,
        detail: found,
    }
}

/// The value at a `serde_path_to_error` path (`data[3].balance`).
fn at_path<'a>(v: &'a crate::types::Json, path: &str) -> Option<&'a crate::types::Json> {
    let mut cur = v;
    for part in path.split('.').filter(|p| !p.is_empty() && *p != "?") {
        let (name, rest) = part.split_once('[').unwrap_or((part, ""));
        if !name.is_empty() {
            cur = cur.get(name)?;
        }
        for index in rest.split('[') {
            let index = index.trim_end_matches(']');
            if !index.is_empty() {
                cur = cur.get(index.parse::<usize>().ok()?)?;
            }
        }
    }
    Some(cur)
}
