//! Generated enums (string and integer, with unlisted values kept), flags, and unions
//! picked by shape.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

use super::*;

// ---------------------------------------------------------------------------------------
// Enums

/// A generated string enum: known values have variants, others are kept as sent.
pub trait WireEnum: Sized {
    /// The variant for a wire value (`Unknown` for one the document does not list).
    fn from_wire(value: &str) -> Self;
    /// The value as sent on the wire.
    fn as_wire(&self) -> &str;
    /// Whether the document lists the value (`false` for `Unknown`).
    fn is_listed(&self) -> bool;
}

/// A generated integer enum: known values have variants, others are kept as sent.
pub trait IntEnum: Sized {
    /// The variant for a number (`Unknown` for one the document does not list).
    fn from_i64(value: i64) -> Self;
    /// The variant for a name, for APIs that send integer enums by name.
    fn from_name(name: &str) -> Option<Self>;
    /// The number sent on the wire.
    fn to_i64(&self) -> i64;
    /// Whether the document lists the value (`false` for `Unknown`).
    fn is_listed(&self) -> bool;
}

/// Deserializes a [`WireEnum`]; never fails on an unlisted value.
pub fn de_string_enum<'de, T: WireEnum, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: WireEnum> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Ok(listed(T::from_wire(v), v))
        }
        // Some enums arrive as their numeric value; keep it as text.
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            let v = v.to_string();
            Ok(listed(T::from_wire(&v), &v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            let v = v.to_string();
            Ok(listed(T::from_wire(&v), &v))
        }
        // A number under serde_json's `arbitrary_precision`.
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            let v = precise_number(map, &self)?;
            Ok(listed(T::from_wire(&v), &v))
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// `value`, noted as a value the document does not list when it is one and drift is
/// observed.
fn listed<T: WireEnum>(value: T, wire: &str) -> T {
    if !value.is_listed() && super::observed::observing() {
        super::observed::note_enum_value(wire);
    }
    value
}

/// `value`, noted like [`listed`].
fn int_listed<T: IntEnum>(value: T) -> T {
    if !value.is_listed() && super::observed::observing() {
        super::observed::note_enum_value(&value.to_i64().to_string());
    }
    value
}

/// Deserializes an [`IntEnum`] from a number, a numeric string, or a variant name.
pub fn de_int_enum<'de, T: IntEnum, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: IntEnum> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer, or an enum name")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            Ok(int_listed(T::from_i64(v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            i64::try_from(v)
                .map(|v| int_listed(T::from_i64(v)))
                .map_err(|_| {
                    E::invalid_value(de::Unexpected::Unsigned(v), &"an integer within i64")
                })
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            if let Ok(n) = v.trim().parse::<i64>() {
                return Ok(int_listed(T::from_i64(n)));
            }
            T::from_name(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
        }
        // A number under serde_json's `arbitrary_precision`.
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            let text = precise_number(map, &self)?;
            text.parse::<i64>()
                .map(|v| int_listed(T::from_i64(v)))
                .map_err(|_| de::Error::invalid_value(de::Unexpected::Str(&text), &self))
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// A set of values of a flags enum, sent as `"A, B"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Flags<T>(pub Vec<T>);

impl<T: WireEnum> Flags<T> {
    /// Whether `value` is one of the set.
    pub fn contains(&self, value: &T) -> bool {
        self.0.iter().any(|v| v.as_wire() == value.as_wire())
    }
    /// The set as the API writes it: `"A, B"`.
    pub(crate) fn to_wire(&self) -> String {
        self.0
            .iter()
            .map(WireEnum::as_wire)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl<T: WireEnum> Serialize for Flags<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_wire())
    }
}

impl<'de, T: WireEnum> Deserialize<'de> for Flags<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Flags(
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|v| listed(T::from_wire(v), v))
                .collect(),
        ))
    }
}

/// Picks which of several object shapes fits `value`: the one whose property names cover
/// all of the object's keys, with the fewest properties beyond them. `None` when no shape
/// covers it or two shapes fit equally well.
pub fn pick_shape(value: &Json, shapes: &[&[&str]]) -> Option<usize> {
    let obj = value.as_object()?;
    let mut best: Option<(usize, usize)> = None;
    let mut tie = false;
    for (i, shape) in shapes.iter().enumerate() {
        if obj.keys().all(|k| shape.contains(&k.as_str())) {
            let extra = shape.len() - obj.keys().filter(|k| shape.contains(&k.as_str())).count();
            match best {
                Some((_, e)) if e < extra => {}
                Some((_, e)) if e == extra => tie = true,
                _ => {
                    best = Some((i, extra));
                    tie = false;
                }
            }
        }
    }
    if tie {
        None
    } else {
        best.map(|b| b.0)
    }
}
