//! What the server shares between connections: the API it knows, its settings, the
//! tokens it issued, the limits, the records, the faults to come, and every request it
//! received.

use crate::faults::{Fault, Faults};
use crate::model::Api;
use crate::roles::Role;
use crate::store::{Clock, Store};
use crate::{auth, limits, Settings};
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// One request the server received.
#[derive(Clone)]
pub struct Recorded {
    /// When the request arrived (its head and body read), before it was answered.
    pub received: std::time::Instant,
    pub method: String,
    /// Without the query.
    pub path: String,
    /// Query pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// The operation the path and method lead to.
    pub operation: Option<String>,
    /// The fault this request was answered with, if any (a rule's or the chaos').
    pub fault: Option<Fault>,
    /// The status answered (0 for a connection reset).
    pub status: u16,
}

impl Recorded {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for Recorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| match k.as_str() {
                "authorization" | "st-app-key" => (k.as_str(), "<redacted>"),
                _ => (k.as_str(), v.as_str()),
            })
            .collect();
        f.debug_struct("Recorded")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .field("operation", &self.operation)
            .field("fault", &self.fault)
            .field("status", &self.status)
            .finish()
    }
}

/// What the server shares between connections.
pub(crate) struct Shared {
    pub api: Api,
    pub settings: Settings,
    pub roles: HashMap<(String, String), Role>,
    pub base_url: String,
    pub tokens: Mutex<auth::Tokens>,
    pub limits: Mutex<limits::Limits>,
    pub store: Mutex<Store>,
    pub faults: Mutex<Faults>,
    pub log: Mutex<Vec<Recorded>>,
    pub clock: Clock,
}

/// A poisoned lock still holds consistent data here (every update is one assignment).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
