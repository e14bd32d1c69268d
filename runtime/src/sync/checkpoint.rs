//! Checkpoints: where a stream of changes stopped, and which stream it was.

use crate::error::{Error, ErrorKind};
use crate::request::Request;
use crate::types::DateTime;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// The version of the checkpoint format this runtime writes and reads.
const FORMAT: u32 = 1;

/// Which stream a checkpoint belongs to: the operation, the tenant, and every filter of
/// the request (the parameters the stream sets itself left out). Resuming a stream from a
/// checkpoint of another is an error ([`ErrorKind::Checkpoint`]): it would skip or repeat
/// records without a word.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StreamId {
    /// The domain module, e.g. `crm`.
    pub domain: String,
    /// The operation id, e.g. `Customers_GetList`.
    pub operation: String,
    /// The tenant.
    pub tenant: i64,
    /// The request path, path parameters filled in.
    pub path: String,
    /// The other query parameters, sorted and URL-encoded (`active=Any&name=Smith`).
    pub filters: String,
}

impl StreamId {
    /// The identity of the stream `request` starts, to tenant `tenant`; the query
    /// parameters named in `own` (those the stream sets) are not filters.
    pub(crate) fn of(request: &Request, tenant: i64, own: &[&str]) -> StreamId {
        let mut pairs: Vec<(&str, &str)> = request
            .query_pairs()
            .pairs()
            .iter()
            .filter(|(k, _)| !own.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.sort_unstable();
        let filters = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let op = request.operation();
        StreamId {
            domain: op.domain.to_string(),
            operation: op.id.to_string(),
            tenant,
            path: request.path().to_string(),
            filters,
        }
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} of tenant {} ({}",
            self.domain, self.operation, self.tenant, self.path
        )?;
        if !self.filters.is_empty() {
            write!(f, "?{}", self.filters)?;
        }
        f.write_str(")")
    }
}

/// Where a stream of changes stopped: store it with the records it covers, and hand it
/// back to the same stream to go on from there. A small value that survives
/// serialization (serde; JSON in the examples) and names the stream it belongs to.
///
/// An export's checkpoint is its continuation token. A list's is a watermark (every
/// record modified before it has been delivered) and the fingerprints of the records
/// delivered in the overlap window before it, so that the next run, which asks again from
/// a little before the watermark, drops exactly those.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    format: u32,
    stream: StreamId,
    position: Position,
}

/// How far a stream got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Position {
    /// An export's `continueFrom` token.
    Export { token: String },
    /// Everything modified before `watermark` (and visible when asked) was delivered;
    /// `seen`: what was delivered of the records modified within the overlap before it.
    Window {
        watermark: DateTime,
        seen: Vec<Seen>,
    },
}

/// A delivered record: the fingerprint of its JSON, and when it was modified
/// (milliseconds since 1970; `None` for a record without a modification time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Seen {
    pub hash: u128,
    pub modified: Option<i64>,
}

impl Serialize for Seen {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.modified {
            Some(m) => s.serialize_str(&format!("{:032x}@{m}", self.hash)),
            None => s.serialize_str(&format!("{:032x}", self.hash)),
        }
    }
}

impl<'de> Deserialize<'de> for Seen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let (hash, modified) = match text.split_once('@') {
            Some((h, m)) => (h, Some(m.parse::<i64>().map_err(de::Error::custom)?)),
            None => (text.as_str(), None),
        };
        let hash = u128::from_str_radix(hash, 16).map_err(de::Error::custom)?;
        Ok(Seen { hash, modified })
    }
}

impl Checkpoint {
    pub(crate) fn new(stream: StreamId, position: Position) -> Checkpoint {
        Checkpoint {
            format: FORMAT,
            stream,
            position,
        }
    }

    /// The stream this checkpoint belongs to.
    pub fn stream(&self) -> &StreamId {
        &self.stream
    }

    /// An export's continuation token.
    pub fn token(&self) -> Option<&str> {
        match &self.position {
            Position::Export { token } => Some(token),
            Position::Window { .. } => None,
        }
    }

    /// A list's watermark: every record modified before it has been delivered.
    pub fn watermark(&self) -> Option<DateTime> {
        match &self.position {
            Position::Window { watermark, .. } => Some(*watermark),
            Position::Export { .. } => None,
        }
    }

    /// How many delivered records the checkpoint remembers (those modified within the
    /// overlap window before the watermark).
    pub fn remembered(&self) -> usize {
        match &self.position {
            Position::Window { seen, .. } => seen.len(),
            Position::Export { .. } => 0,
        }
    }

    /// The position, if this checkpoint belongs to `expected` and is of the kind it
    /// needs (`export`: a token; otherwise a window).
    pub(crate) fn check(&self, expected: &StreamId, export: bool) -> Result<&Position, Error> {
        let mismatch = |why: String| {
            Err(Error::new(ErrorKind::Checkpoint {
                stream: expected.to_string(),
                message: why,
            }))
        };
        if self.format != FORMAT {
            return mismatch(format!(
                "the checkpoint is of format {}; this client reads format {FORMAT}",
                self.format
            ));
        }
        if &self.stream != expected {
            return mismatch(format!("the checkpoint belongs to {}", self.stream));
        }
        match (&self.position, export) {
            (Position::Export { .. }, true) | (Position::Window { .. }, false) => {
                Ok(&self.position)
            }
            _ => mismatch("the checkpoint is of another kind of stream".into()),
        }
    }
}

impl fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Checkpoint");
        d.field("stream", &self.stream);
        match &self.position {
            Position::Export { token } => d.field("token", token),
            Position::Window { watermark, seen } => d
                .field("watermark", watermark)
                .field("remembered", &seen.len()),
        };
        d.finish()
    }
}

/// A 128-bit FNV-1a hash of what is written to it: the fingerprint of a record's JSON.
/// Fixed by this file, not by the standard library, because checkpoints outlive builds.
pub(crate) struct Fingerprint(u128);

impl Fingerprint {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;

    /// The fingerprint of `value` as serde_json writes it.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> u128 {
        let mut h = Fingerprint(Self::OFFSET);
        // Writing to a hasher cannot fail; a value that cannot be serialized hashes what
        // was written before it failed, which is still the same for the same value.
        let _ = serde_json::to_writer(&mut h, value);
        h.0
    }
}

impl std::io::Write for Fingerprint {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for b in buf {
            self.0 ^= u128::from(*b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
