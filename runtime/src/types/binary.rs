//! Bytes: base64 in JSON models, files downloaded and uploaded, redirects to a file.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

// ---------------------------------------------------------------------------------------
// Binary

/// Bytes in a JSON model (`format: binary`), carried as a base64 string in JSON.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Binary(pub Vec<u8>);

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binary({} bytes)", self.0.len())
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&b64_encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        b64_decode(&s)
            .map(Binary)
            .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(&s), &"base64 bytes"))
    }
}

/// A file downloaded from the API.
#[derive(Clone)]
#[non_exhaustive]
pub struct Download {
    /// `Content-Type` of the answer.
    pub content_type: Option<String>,
    /// From `Content-Disposition`, when the server names the file.
    pub file_name: Option<String>,
    /// The file's contents.
    pub bytes: bytes::Bytes,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("content_type", &self.content_type)
            .field("file_name", &self.file_name)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A file to upload as one part of a `multipart/form-data` body.
#[derive(Clone)]
pub struct FilePart {
    /// The file name the server keeps.
    pub file_name: String,
    /// Sent as the part's `Content-Type`; `None` leaves it to the server
    /// (`application/octet-stream`).
    pub content_type: Option<String>,
    /// The file's contents.
    pub bytes: bytes::Bytes,
}

impl FilePart {
    /// A file with its name (the server keeps it) and contents.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<bytes::Bytes>) -> Self {
        FilePart {
            file_name: file_name.into(),
            content_type: None,
            bytes: bytes.into(),
        }
    }
    /// Sets the part's content type, e.g. `image/png`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A redirect the API answers with (the file is at `location`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Redirect {
    /// The HTTP status (302).
    pub status: u16,
    /// Where the file is: a temporary URL.
    pub location: String,
}
