//! Response models read field by field through one generic visitor.

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

use super::*;

// ---------------------------------------------------------------------------------------
// Response models

/// A generated response model, read field by field: `field` reads the value of one JSON
/// key it knows, and keys it does not know go to `unknown_fields`. One generic visitor
/// ([`de_model`]) serves every model, so each model compiles a field match instead of
/// serde's derived visitors (about half the generated crate's code).
pub trait ModelFields: Default {
    /// What the document says of the model's JSON object, for drift observation.
    const SHAPE: ModelShape;
    /// Reads the value of `key` from `map` into its field; `false` when the model has no
    /// field of that name (the value is then still to be read).
    fn field<'de, A: de::MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error>;
    /// Where keys the document does not list are kept.
    fn unknown_fields(&mut self) -> &mut Map<Json>;
}

/// What a document says of a response model's JSON object: its schema's name and which
/// properties it marks required or lets be `null`. Drift observation
/// ([`crate::RuntimeBuilder::observe_drift`]) checks answers against it; decoding never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelShape {
    /// The schema's name in its document (`Crm.V2.CustomerResponse`).
    pub schema: &'static str,
    /// Properties the document marks required.
    pub required: &'static [&'static str],
    /// Properties the document lets be `null`.
    pub nullable: &'static [&'static str],
}

/// Deserializes a [`ModelFields`] model from a JSON object: missing keys stay `None`, a
/// `null` is `None`, unknown keys are kept, and a repeated key keeps its last value. While
/// drift is observed for the answer being read, the object is also checked against the
/// model's [`ModelShape`] (`super::observed`).
pub fn de_model<'de, T: ModelFields, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: ModelFields> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            if super::observed::observing() {
                return super::observed::model::observed_map(map);
            }
            let mut model = T::default();
            while let Some(key) = map.next_key::<Key<'de>>()? {
                if !model.field(key.as_str(), &mut map)? {
                    let value: Json = map.next_value()?;
                    model.unknown_fields().insert(key.into_owned(), value);
                }
            }
            Ok(model)
        }
    }
    d.deserialize_map(V(std::marker::PhantomData))
}

/// An object key, borrowed from the input when it has no escapes.
pub(crate) enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
    pub(crate) fn into_owned(self) -> String {
        match self {
            Key::Borrowed(s) => s.to_owned(),
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}
