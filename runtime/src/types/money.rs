//! Exact money: `Decimal`, read from a JSON number, a numeric string, or an en-US amount.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

use super::*;

/// An exact decimal number, for money. Accepts a JSON number (`12.5`) or a numeric
/// string (`"12.50"`, as some Accounting fields are sent); serializes as a JSON number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal(pub rust_decimal::Decimal);

impl Decimal {
    /// `num` scaled down by `scale` decimal places: `Decimal::new(1250, 2)` is 12.50.
    pub fn new(num: i64, scale: u32) -> Self {
        Decimal(rust_decimal::Decimal::new(num, scale))
    }
    /// The `rust_decimal` value, for arithmetic.
    pub fn inner(&self) -> rust_decimal::Decimal {
        self.0
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for Decimal {
    type Err = ParseError;
    /// Plain (`"1234.50"`, `"-0.5"`, `"1e3"`) or en-US formatted (`"$1,234.50"`,
    /// `"-$12.00"`, `"(12.00)"` for a negative amount): some amounts are documented "as a
    /// formatted string". Commas are accepted only as thousands separators.
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        let plain = |t: &str| {
            rust_decimal::Decimal::from_str(t)
                .or_else(|_| rust_decimal::Decimal::from_scientific(t))
                .ok()
        };
        if let Some(d) = plain(t) {
            return Ok(Decimal(d));
        }
        let err = || ParseError::new("decimal", s);
        let (neg, t) = match t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            Some(inner) => (true, inner.trim()),
            None => match t.strip_prefix('-') {
                Some(rest) => (true, rest.trim_start()),
                None => (false, t),
            },
        };
        let t = t.strip_prefix('$').unwrap_or(t);
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) if !neg => (true, rest),
            _ => (neg, t),
        };
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        let mut groups = int.split(',');
        let first = groups.next().unwrap_or_default();
        let grouped = (1..=3).contains(&first.len())
            && groups.all(|g| g.len() == 3)
            && int.bytes().all(|b| b.is_ascii_digit() || b == b',')
            && frac.bytes().all(|b| b.is_ascii_digit());
        if !grouped || t.is_empty() {
            return Err(err());
        }
        let digits = t.replace(',', "");
        let d = plain(&digits).ok_or_else(err)?;
        Ok(Decimal(if neg { -d } else { d }))
    }
}

impl From<rust_decimal::Decimal> for Decimal {
    fn from(d: rust_decimal::Decimal) -> Self {
        Decimal(d)
    }
}

impl From<i64> for Decimal {
    fn from(n: i64) -> Self {
        Decimal(n.into())
    }
}

impl Serialize for Decimal {
    /// A JSON number when a number carries the value exactly (every amount of up to 15
    /// significant digits); otherwise the exact digits as a string, which [`Decimal`]
    /// reads back: a value is never rounded on the way out.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.0.normalize().to_string();
        if s.is_human_readable() {
            if let Ok(f) = text.parse::<f64>() {
                let exact = rust_decimal::Decimal::from_str(&format!("{f}"))
                    .is_ok_and(|back| back == self.0);
                if exact && f.is_finite() {
                    return s.serialize_f64(f);
                }
            }
        }
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number or a numeric string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
                Ok(Decimal(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
                Ok(Decimal(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
                // The shortest text that reads back as this f64 is the text that was sent
                // for any amount with up to 15 significant digits: exact for money.
                Decimal::from_str(&format!("{v}"))
                    .map_err(|_| E::invalid_value(de::Unexpected::Float(v), &self))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                Decimal::from_str(v).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
            // A number under serde_json's `arbitrary_precision`: its exact text.
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Decimal, A::Error> {
                let text = precise_number(map, &self)?;
                Decimal::from_str(&text)
                    .or_else(|_| rust_decimal::Decimal::from_scientific(&text).map(Decimal))
                    .map_err(|_| de::Error::invalid_value(de::Unexpected::Str(&text), &self))
            }
        }
        d.deserialize_any(V)
    }
}
