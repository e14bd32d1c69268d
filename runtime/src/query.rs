//! Query strings and path segments, encoded the way the API's ASP.NET binder reads them.

use crate::types::{Date, DateTime, Decimal, Flags, Json, Map, TimeSpan, Uuid, WireEnum};
use std::fmt;

/// Query pairs of one request, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryPairs(pub(crate) Vec<(String, String)>);

impl QueryPairs {
    /// Adds one pair.
    pub fn push(&mut self, name: &str, value: &str) {
        self.0.push((name.to_string(), value.to_string()));
    }

    /// An object parameter: `name.field=value` for each scalar field (ASP.NET's binding of
    /// complex query parameters). Inside a list, `name` is `sort[0]` and so on.
    pub fn push_object<T: serde::Serialize>(&mut self, name: &str, value: &T) {
        if let Ok(Json::Object(map)) = serde_json::to_value(value) {
            for (k, v) in map {
                let key = format!("{name}.{k}");
                match v {
                    Json::Null => {}
                    Json::String(s) => self.push(&key, &s),
                    other => self.push(&key, &other.to_string()),
                }
            }
        }
    }

    /// The pairs, in the order they were added.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

/// A value that can be a query parameter.
pub trait QueryValue {
    /// Appends the value under `name`, as the API's ASP.NET binder reads it.
    fn append_to(&self, name: &str, query: &mut QueryPairs);
    /// Objects in a list are written `name[i].field`; scalars repeat `name`.
    fn is_object(&self) -> bool {
        false
    }
}

impl<T: QueryValue> QueryValue for Option<T> {
    fn append_to(&self, name: &str, query: &mut QueryPairs) {
        if let Some(v) = self {
            v.append_to(name, query);
        }
    }
}

impl<T: QueryValue> QueryValue for Vec<T> {
    fn append_to(&self, name: &str, query: &mut QueryPairs) {
        for (i, v) in self.iter().enumerate() {
            if v.is_object() {
                v.append_to(&format!("{name}[{i}]"), query);
            } else {
                v.append_to(name, query);
            }
        }
    }
}

/// A string map (`customField.Fields`): `name[key]=value`.
impl<T: QueryValue> QueryValue for Map<T> {
    fn append_to(&self, name: &str, query: &mut QueryPairs) {
        for (k, v) in self {
            v.append_to(&format!("{name}[{k}]"), query);
        }
    }
}

macro_rules! display_query {
    ($($t:ty),*) => {$(
        impl QueryValue for $t {
            fn append_to(&self, name: &str, query: &mut QueryPairs) {
                query.push(name, &self.to_string());
            }
        }
    )*};
}
display_query!(bool, i32, i64, f64, str, String, Decimal, DateTime, Date, TimeSpan, Uuid);

impl QueryValue for Json {
    fn append_to(&self, name: &str, query: &mut QueryPairs) {
        match self {
            Json::Null => {}
            Json::String(s) => query.push(name, s),
            other => query.push(name, &other.to_string()),
        }
    }
}

/// A path parameter, percent-encoded as one path segment.
pub struct PathSegment<'a, T: fmt::Display>(pub &'a T);

impl<T: fmt::Display> fmt::Display for PathSegment<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.to_string();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "%{b:02X}")?;
            }
        }
        Ok(())
    }
}
/// How a list is sorted: a field the operation's documentation lists (its generated sort
/// enum) and a direction, sent as `+Field` or `-Field`.
///
/// ```
/// use servicetitan_runtime::{QueryPairs, QueryValue, Sort, WireEnum};
///
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// enum Field { ModifiedOn }
/// impl WireEnum for Field {
///     fn from_wire(_: &str) -> Self { Field::ModifiedOn }
///     fn as_wire(&self) -> &str { "ModifiedOn" }
///     fn is_listed(&self) -> bool { true }
/// }
/// let mut q = QueryPairs::default();
/// Sort::desc(Field::ModifiedOn).append_to("sort", &mut q);
/// assert_eq!(q.pairs(), &[("sort".to_string(), "-ModifiedOn".to_string())]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort<F> {
    field: F,
    descending: bool,
}

impl<F> Sort<F> {
    /// Ascending by `field` (`+Field`).
    pub fn asc(field: F) -> Self {
        Sort {
            field,
            descending: false,
        }
    }
    /// Descending by `field` (`-Field`).
    pub fn desc(field: F) -> Self {
        Sort {
            field,
            descending: true,
        }
    }
    /// The field sorted by.
    pub fn field(&self) -> &F {
        &self.field
    }
    /// Whether the order is descending.
    pub fn is_descending(&self) -> bool {
        self.descending
    }
}

impl<F: WireEnum> QueryValue for Sort<F> {
    fn append_to(&self, name: &str, query: &mut QueryPairs) {
        let sign = if self.descending { '-' } else { '+' };
        query.push(name, &format!("{sign}{}", self.field.as_wire()));
    }
}

impl<T: WireEnum> QueryValue for Flags<T> {
    fn append_to(&self, name: &str, query: &mut QueryPairs) {
        query.push(name, &self.to_wire());
    }
}
