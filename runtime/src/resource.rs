//! Typed ids: `Id<R>` is the id of a record of resource `R` (a customer, a job, a
//! business unit), so a job's id cannot be passed where a customer's is expected. The
//! generated crate declares one resource per record kind the documents name (its `ids`
//! module: `CustomerId = Id<Customer>`); on the wire an id is the bare number (or guid).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

/// A kind of record with ids of its own. Implemented by the generated crate's resource
/// markers (uninhabited types: they only name the resource).
pub trait Resource: 'static {
    /// What the id is on the wire: `i64`, or [`crate::Uuid`] for resources with guid ids.
    type Value: Copy
        + Eq
        + Ord
        + Hash
        + fmt::Debug
        + fmt::Display
        + FromStr
        + Serialize
        + for<'de> Deserialize<'de>
        + Send
        + Sync
        + 'static;
    /// The resource's name, as the id type is named without `Id` (`Customer`).
    const NAME: &'static str;
}

/// The id of a record of resource `R`. Built explicitly from the wire value
/// ([`Id::new`]) and read back with [`Id::get`]; never converted implicitly, so ids of
/// different resources cannot be swapped.
///
/// ```
/// use servicetitan_runtime::{Id, Resource};
///
/// enum Customer {}
/// impl Resource for Customer {
///     type Value = i64;
///     const NAME: &'static str = "Customer";
/// }
/// type CustomerId = Id<Customer>;
///
/// let id = CustomerId::new(42);
/// assert_eq!(id.get(), 42);
/// assert_eq!(serde_json::to_string(&id).unwrap(), "42");
/// assert_eq!(format!("{id:?}"), "CustomerId(42)");
/// assert_eq!("42".parse::<CustomerId>().unwrap(), id);
/// ```
pub struct Id<R: Resource> {
    value: R::Value,
    resource: PhantomData<fn() -> R>,
}

impl<R: Resource> Id<R> {
    /// The id whose wire value is `value`.
    pub const fn new(value: R::Value) -> Self {
        Self {
            value,
            resource: PhantomData,
        }
    }

    /// The wire value.
    pub fn get(self) -> R::Value {
        self.value
    }
}

impl<R: Resource> Clone for Id<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R: Resource> Copy for Id<R> {}

impl<R: Resource> PartialEq for Id<R> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<R: Resource> Eq for Id<R> {}

impl<R: Resource> PartialOrd for Id<R> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<R: Resource> Ord for Id<R> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl<R: Resource> Hash for Id<R> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<R: Resource> fmt::Debug for Id<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Id({:?})", R::NAME, self.value)
    }
}

/// The bare wire value, as paths and query strings carry it.
impl<R: Resource> fmt::Display for Id<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

impl<R: Resource> FromStr for Id<R> {
    type Err = <R::Value as FromStr>::Err;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Self::new)
    }
}

impl<R: Resource> Serialize for Id<R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<'de, R: Resource> Deserialize<'de> for Id<R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        R::Value::deserialize(d).map(Self::new)
    }
}

impl<R: Resource> crate::QueryValue for Id<R> {
    fn append_to(&self, name: &str, query: &mut crate::QueryPairs) {
        query.push(name, &self.value.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    enum Contact {}
    impl Resource for Contact {
        type Value = crate::Uuid;
        const NAME: &'static str = "Contact";
    }

    #[test]
    fn a_guid_id_is_the_bare_guid_on_the_wire() {
        let g = crate::Uuid::from_u128(7);
        let id = Id::<Contact>::new(g);
        let json = serde_json::to_string(&id).expect("serializes");
        assert_eq!(json, format!("\"{g}\""));
        let back: Id<Contact> = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back.get(), g);
        let mut q = crate::QueryPairs::default();
        crate::QueryValue::append_to(&id, "contactId", &mut q);
        assert_eq!(q.pairs(), &[("contactId".to_string(), g.to_string())]);
        assert!(serde_json::from_str::<Id<Contact>>("12").is_err());
    }
}
