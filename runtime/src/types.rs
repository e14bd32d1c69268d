//! Value types for what the API really sends: exact money that arrives as a number or a
//! string, date-times with 7 fraction digits or no offset, .NET time spans, enums with
//! values the documents do not list, and the list/export/result wrappers.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

pub use uuid::Uuid;

/// Any JSON value.
pub type Json = serde_json::Value;

/// A JSON object with string keys, in key order.
pub type Map<T> = std::collections::BTreeMap<String, T>;

// ---------------------------------------------------------------------------------------
// Decimal

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
        let err = || ParseError {
            what: "decimal",
            input: truncate(s),
        };
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
        impl Visitor<'_> for V {
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
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------
// Date-time

/// A point in time, UTC. Accepts RFC 3339 with any number of fraction digits (the API
/// sends 7), and date-times without an offset (taken as UTC, which is what the API
/// means). Serializes as RFC 3339 with `Z`, the form the API's filters accept.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub chrono::DateTime<chrono::Utc>);

impl DateTime {
    /// The `chrono` value, for arithmetic and formatting.
    pub fn inner(&self) -> chrono::DateTime<chrono::Utc> {
        self.0
    }
    /// RFC 3339 with `Z`, as the API's filters want it.
    pub fn to_rfc3339(&self) -> String {
        self.0.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }
}

impl From<chrono::DateTime<chrono::Utc>> for DateTime {
    fn from(d: chrono::DateTime<chrono::Utc>) -> Self {
        DateTime(d)
    }
}

impl FromStr for DateTime {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
            return Ok(DateTime(d.with_timezone(&chrono::Utc)));
        }
        // No offset: `2021-07-19T20:35:38.2876004`, or a space instead of `T`.
        for fmt in [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
        ] {
            if let Ok(n) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
                return Ok(DateTime(n.and_utc()));
            }
        }
        // Offsets without a colon (`+0000`).
        if let Ok(d) = chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
            return Ok(DateTime(d.with_timezone(&chrono::Utc)));
        }
        if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(DateTime(
                d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
            ));
        }
        Err(ParseError {
            what: "date-time",
            input: truncate(s),
        })
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(FromStrVisitor::<DateTime>::new("an RFC 3339 date-time"))
    }
}

// ---------------------------------------------------------------------------------------
// Date

/// A calendar date (`2024-05-01`). Also accepts a date-time and keeps its date.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub chrono::NaiveDate);

impl FromStr for Date {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(Date(d));
        }
        // A date-time: keep the calendar date as written, not shifted to UTC.
        if s.len() > 10 && s.is_char_boundary(10) {
            if let Ok(d) = chrono::NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d") {
                return Ok(Date(d));
            }
        }
        Err(ParseError {
            what: "date",
            input: truncate(s),
        })
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(FromStrVisitor::<Date>::new("a date"))
    }
}

// ---------------------------------------------------------------------------------------
// TimeSpan

/// A .NET `TimeSpan` as the API writes it: `[-][d.]hh:mm[:ss[.fffffff]]`, e.g. `"09:00"`
/// or `"1.02:30:00"`. Not ISO 8601. Kept in 100-nanosecond ticks, as .NET does.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TimeSpan {
    ticks: i64,
}

impl TimeSpan {
    /// .NET ticks (100 ns) in one second.
    pub const TICKS_PER_SECOND: i64 = 10_000_000;

    /// A span of `ticks` .NET ticks (100 ns each).
    pub fn from_ticks(ticks: i64) -> Self {
        TimeSpan { ticks }
    }
    /// A span of hours, minutes and seconds.
    pub fn from_hms(hours: i64, minutes: i64, seconds: i64) -> Self {
        TimeSpan {
            ticks: ((hours * 60 + minutes) * 60 + seconds) * Self::TICKS_PER_SECOND,
        }
    }
    /// The span in .NET ticks (100 ns each).
    pub fn ticks(&self) -> i64 {
        self.ticks
    }
    /// The span as a `std::time::Duration`; `None` when negative.
    pub fn to_std(&self) -> Option<std::time::Duration> {
        u64::try_from(self.ticks)
            .ok()
            .map(|t| std::time::Duration::from_nanos(t.saturating_mul(100)))
    }
}

impl FromStr for TimeSpan {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = || ParseError {
            what: "time span",
            input: truncate(s),
        };
        let t = s.trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let mut parts: Vec<&str> = t.split(':').collect();
        if parts.len() < 2 || parts.len() > 3 {
            // A bare number of days is valid .NET too.
            let days: i64 = t.parse().map_err(|_| err())?;
            let ticks = days
                .checked_mul(86_400 * Self::TICKS_PER_SECOND)
                .ok_or_else(err)?;
            return Ok(TimeSpan {
                ticks: if neg { -ticks } else { ticks },
            });
        }
        let (days, hours) = match parts[0].split_once('.') {
            Some((d, h)) => (d.parse::<i64>().map_err(|_| err())?, h),
            None => (0, parts[0]),
        };
        let hours: i64 = hours.parse().map_err(|_| err())?;
        let minutes: i64 = parts[1].parse().map_err(|_| err())?;
        let mut frac_ticks = 0i64;
        let seconds: i64 = if parts.len() == 3 {
            let sec = parts.remove(2);
            match sec.split_once('.') {
                Some((s, f)) => {
                    if f.is_empty() || f.len() > 7 || !f.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(err());
                    }
                    frac_ticks = format!("{f:0<7}").parse().map_err(|_| err())?;
                    s.parse().map_err(|_| err())?
                }
                None => sec.parse().map_err(|_| err())?,
            }
        } else {
            0
        };
        if !(0..24).contains(&hours) && days != 0
            || !(0..60).contains(&minutes)
            || !(0..60).contains(&seconds)
        {
            return Err(err());
        }
        let total = (((days * 24 + hours) * 60 + minutes) * 60 + seconds)
            .checked_mul(Self::TICKS_PER_SECOND)
            .and_then(|t| t.checked_add(frac_ticks))
            .ok_or_else(err)?;
        Ok(TimeSpan {
            ticks: if neg { -total } else { total },
        })
    }
}

impl fmt::Display for TimeSpan {
    /// The .NET "c" format: `[-][d.]hh:mm:ss[.fffffff]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.ticks < 0;
        let t = self.ticks.unsigned_abs();
        let tps = Self::TICKS_PER_SECOND as u64;
        let frac = t % tps;
        let secs = t / tps;
        let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
        if neg {
            f.write_str("-")?;
        }
        if d > 0 {
            write!(f, "{d}.")?;
        }
        write!(f, "{h:02}:{m:02}:{s:02}")?;
        if frac > 0 {
            write!(f, ".{frac:07}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TimeSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for TimeSpan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeSpan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(FromStrVisitor::<TimeSpan>::new(
            "a .NET time span such as \"09:00\"",
        ))
    }
}

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

fn b64_encode(data: &[u8]) -> String {
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

fn b64_decode(s: &str) -> Option<Vec<u8>> {
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
            .ok_or_else(|| de::Error::custom("invalid base64"))
    }
}

// ---------------------------------------------------------------------------------------
// Parsing helpers

/// A value that did not parse as the type the document declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    what: &'static str,
    input: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {:?}", self.what, self.input)
    }
}

impl std::error::Error for ParseError {}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

struct FromStrVisitor<T> {
    expecting: &'static str,
    _t: std::marker::PhantomData<T>,
}

impl<T> FromStrVisitor<T> {
    fn new(expecting: &'static str) -> Self {
        FromStrVisitor {
            expecting,
            _t: std::marker::PhantomData,
        }
    }
}

impl<T: FromStr> Visitor<'_> for FromStrVisitor<T>
where
    T::Err: fmt::Display,
{
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_str(v).map_err(E::custom)
    }
}

// ---------------------------------------------------------------------------------------
// Enums

/// A generated string enum: known values have variants, others are kept as sent.
pub trait WireEnum: Sized {
    /// The variant for a wire value (`Unknown` for one the document does not list).
    fn from_wire(value: &str) -> Self;
    /// The value as sent on the wire.
    fn as_wire(&self) -> &str;
}

/// A generated integer enum: known values have variants, others are kept as sent.
pub trait IntEnum: Sized {
    /// The variant for a number (`Unknown` for one the document does not list).
    fn from_i64(value: i64) -> Self;
    /// The variant for a name, for APIs that send integer enums by name.
    fn from_name(name: &str) -> Option<Self>;
    /// The number sent on the wire.
    fn to_i64(&self) -> i64;
}

/// Deserializes a [`WireEnum`]; never fails on an unlisted value.
pub fn de_string_enum<'de, T: WireEnum, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<T: WireEnum> Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Ok(T::from_wire(v))
        }
        // Some enums arrive as their numeric value; keep it as text.
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            Ok(T::from_wire(&v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            Ok(T::from_wire(&v.to_string()))
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// Deserializes an [`IntEnum`] from a number, a numeric string, or a variant name.
pub fn de_int_enum<'de, T: IntEnum, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<T: IntEnum> Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer, or an enum name")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            Ok(T::from_i64(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            i64::try_from(v)
                .map(T::from_i64)
                .map_err(|_| E::custom("integer enum value out of range"))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            if let Ok(n) = v.trim().parse::<i64>() {
                return Ok(T::from_i64(n));
            }
            T::from_name(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
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
    fn to_wire(&self) -> String {
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
                .map(T::from_wire)
                .collect(),
        ))
    }
}

impl<T: WireEnum> crate::QueryValue for Flags<T> {
    fn append_to(&self, name: &str, query: &mut crate::QueryPairs) {
        query.push(name, &self.to_wire());
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

// ---------------------------------------------------------------------------------------
// Response models

/// A generated response model, read field by field: `field` reads the value of one JSON
/// key it knows, and keys it does not know go to `unknown_fields`. One generic visitor
/// ([`de_model`]) serves every model, so each model compiles a field match instead of
/// serde's derived visitors (about half the generated crate's code).
pub trait ModelFields: Default {
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

/// Deserializes a [`ModelFields`] model from a JSON object: missing keys stay `None`, a
/// `null` is `None`, unknown keys are kept, and a repeated key keeps its last value.
pub fn de_model<'de, T: ModelFields, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: ModelFields> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
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
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
    fn into_owned(self) -> String {
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

// ---------------------------------------------------------------------------------------
// Three-state fields

/// A request field that can be left out, sent as `null`, or sent with a value: PATCH
/// models distinguish "leave unchanged" (absent) from "clear" (null).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Nullable<T> {
    #[default]
    /// Left out of the request: the API leaves the field as it is.
    Absent,
    /// Sent as `null`: the API clears the field.
    Null,
    /// Sent with this value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether the field is left out.
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }
    /// The value, when there is one.
    pub fn as_option(&self) -> Option<&T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(v: T) -> Self {
        Nullable::Value(v)
    }
}

impl<T> From<Option<T>> for Nullable<T> {
    /// `None` becomes an explicit `null`.
    fn from(v: Option<T>) -> Self {
        match v {
            Some(v) => Nullable::Value(v),
            None => Nullable::Null,
        }
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Value(v) => v.serialize(s),
            _ => s.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(d)?.into())
    }
}

// ---------------------------------------------------------------------------------------
// Wrappers

/// One page of a paged list: `{page, pageSize, hasMore, totalCount?, data}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
pub struct Paged<T> {
    #[serde(default)]
    /// The page number, from 1.
    pub page: i32,
    #[serde(default)]
    /// The page size the API used.
    pub page_size: i32,
    #[serde(default)]
    /// Whether another page follows.
    pub has_more: bool,
    /// Filled only when the request set `includeTotal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    /// The items of this page.
    pub data: Vec<T>,
}

/// One batch of an export: `{hasMore, continueFrom, data}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
pub struct ExportBatch<T> {
    /// More data can be fetched right away with `continue_from`.
    #[serde(default)]
    pub has_more: bool,
    /// The token to pass as `from` to continue; store it to resume later.
    #[serde(default)]
    pub continue_from: String,
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    /// The records of this batch.
    pub data: Vec<T>,
}

/// `{data: T}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataResult<T> {
    #[serde(default)]
    /// The result.
    pub data: Option<T>,
}

fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// The API's error body (RFC 7807 style).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorResponse {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    /// `type`: a URI naming the kind of error.
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// A short summary.
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The HTTP status.
    pub status: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The server's trace id: quote it to ServiceTitan support.
    pub trace_id: Option<String>,
    /// Field name -> messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Map<Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// More data about the error.
    pub data: Option<Map<Json>>,
}

/// A file downloaded from the API.
#[derive(Clone)]
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
pub struct Redirect {
    /// The HTTP status (302).
    pub status: u16,
    /// Where the file is: a temporary URL.
    pub location: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_from_number_and_string_is_exact() {
        let a: Decimal = serde_json::from_str("\"0.00\"").expect("string");
        let b: Decimal = serde_json::from_str("0.0").expect("number");
        assert_eq!(a, b);
        let c: Decimal = serde_json::from_str("1234567.89").expect("number");
        assert_eq!(c.to_string(), "1234567.89");
        let d: Decimal = serde_json::from_str("0.1").expect("number");
        assert_eq!(d, Decimal::new(1, 1), "no binary rounding");
        assert_eq!(
            serde_json::to_string(&Decimal::new(1250, 2)).expect("ser"),
            "12.5"
        );
        let e: Decimal = serde_json::from_str("\" 42 \"").expect("padded string");
        assert_eq!(e, Decimal::from(42));
        assert!(serde_json::from_str::<Decimal>("\"abc\"").is_err());
    }

    #[test]
    fn decimal_reads_formatted_amounts_and_never_rounds_on_the_way_out() {
        let cases = [
            ("$1,234.50", Decimal::new(123450, 2)),
            ("-$12.00", Decimal::new(-1200, 2)),
            ("$-12.00", Decimal::new(-1200, 2)),
            ("(12.00)", Decimal::new(-1200, 2)),
            ("($1,000)", Decimal::from(-1000)),
            ("1,000,000", Decimal::from(1_000_000)),
            ("1e3", Decimal::from(1000)),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<Decimal>().expect(text), want, "{text}");
        }
        for bad in ["1,5", "12,34.5", "$", "1.2.3", "(12", "1,0000", "--1"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad} was accepted");
        }
        // 20 significant digits do not fit an f64: they go out as a string, exactly.
        let big: Decimal = "12345678901234567.891".parse().expect("big");
        let json = serde_json::to_string(&big).expect("ser");
        assert_eq!(json, "\"12345678901234567.891\"");
        assert_eq!(serde_json::from_str::<Decimal>(&json).expect("de"), big);
        for n in [
            "0.01",
            "19.99",
            "1234567.89",
            "-0.5",
            "999999999999.99",
            "0",
        ] {
            let d: Decimal = n.parse().expect(n);
            let json = serde_json::to_string(&d).expect("ser");
            assert!(!json.starts_with('"'), "{n} went out as {json}");
            assert_eq!(
                serde_json::from_str::<Decimal>(&json).expect("de"),
                d,
                "{n}"
            );
        }
    }

    #[test]
    fn date_times_with_seven_digits_or_no_offset() {
        let a: DateTime =
            serde_json::from_str("\"2021-07-19T20:35:38.2876004Z\"").expect("7 digits");
        assert_eq!(a.0.timestamp_subsec_nanos(), 287_600_400);
        let b: DateTime =
            serde_json::from_str("\"2021-07-19T20:35:38.2876004\"").expect("no offset");
        assert_eq!(a, b, "no offset means UTC");
        let c: DateTime =
            serde_json::from_str("\"2021-07-19T22:35:38.2876004+02:00\"").expect("offset");
        assert_eq!(a, c);
        let back: DateTime =
            serde_json::from_str(&serde_json::to_string(&a).expect("ser")).expect("de");
        assert_eq!(a, back);
        assert_eq!(
            "2024-01-02T03:04:05Z"
                .parse::<DateTime>()
                .expect("p")
                .to_string(),
            "2024-01-02T03:04:05Z"
        );
        assert!("yesterday".parse::<DateTime>().is_err());
        let d: Date =
            serde_json::from_str("\"2024-05-01T00:00:00\"").expect("date from a date-time");
        assert_eq!(d.to_string(), "2024-05-01");
    }

    #[test]
    fn dotnet_time_spans() {
        let nine = "09:00".parse::<TimeSpan>().expect("hh:mm");
        assert_eq!(nine, TimeSpan::from_hms(9, 0, 0));
        assert_eq!(nine.to_string(), "09:00:00");
        let long = "1.02:30:15.5".parse::<TimeSpan>().expect("d.hh:mm:ss.f");
        assert_eq!(long.to_string(), "1.02:30:15.5000000");
        assert_eq!(
            long.ticks(),
            ((26 * 60 + 30) * 60 + 15) * TimeSpan::TICKS_PER_SECOND + 5_000_000
        );
        assert_eq!(
            "-00:30:00".parse::<TimeSpan>().expect("neg").to_string(),
            "-00:30:00"
        );
        assert!(
            "PT9H".parse::<TimeSpan>().is_err(),
            "ISO 8601 is not what the API sends"
        );
        let v: TimeSpan = serde_json::from_str("\"00:15:00\"").expect("json");
        assert_eq!(v.to_std(), Some(std::time::Duration::from_secs(900)));
    }

    #[derive(Debug, PartialEq)]
    enum Color {
        Red,
        Unknown(String),
    }
    impl WireEnum for Color {
        fn from_wire(v: &str) -> Self {
            if v == "Red" {
                Color::Red
            } else {
                Color::Unknown(v.into())
            }
        }
        fn as_wire(&self) -> &str {
            match self {
                Color::Red => "Red",
                Color::Unknown(s) => s,
            }
        }
    }
    impl<'de> Deserialize<'de> for Color {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            de_string_enum(d)
        }
    }

    #[derive(Debug, PartialEq)]
    enum Freq {
        Daily,
        Unknown(i64),
    }
    impl IntEnum for Freq {
        fn from_i64(v: i64) -> Self {
            if v == 0 {
                Freq::Daily
            } else {
                Freq::Unknown(v)
            }
        }
        fn from_name(n: &str) -> Option<Self> {
            (n == "Daily").then_some(Freq::Daily)
        }
        fn to_i64(&self) -> i64 {
            match self {
                Freq::Daily => 0,
                Freq::Unknown(v) => *v,
            }
        }
    }
    impl<'de> Deserialize<'de> for Freq {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            de_int_enum(d)
        }
    }

    #[test]
    fn enums_keep_unknown_values() {
        assert_eq!(
            serde_json::from_str::<Color>("\"Red\"").expect("known"),
            Color::Red
        );
        assert_eq!(
            serde_json::from_str::<Color>("\"Mauve\"").expect("unknown"),
            Color::Unknown("Mauve".into())
        );
        assert_eq!(serde_json::from_str::<Freq>("0").expect("int"), Freq::Daily);
        assert_eq!(
            serde_json::from_str::<Freq>("\"0\"").expect("numeric string"),
            Freq::Daily
        );
        assert_eq!(
            serde_json::from_str::<Freq>("\"Daily\"").expect("name"),
            Freq::Daily
        );
        assert_eq!(
            serde_json::from_str::<Freq>("7").expect("unknown"),
            Freq::Unknown(7)
        );
        let flags: Flags<Color> = serde_json::from_str("\"Red, Blue\"").expect("flags");
        assert!(flags.contains(&Color::Red));
        assert_eq!(flags.0[1], Color::Unknown("Blue".into()));
        assert_eq!(serde_json::to_string(&flags).expect("ser"), "\"Red, Blue\"");
    }

    #[test]
    fn shapes_are_picked_by_their_keys() {
        let shapes: &[&[&str]] = &[
            &["type", "id", "value"],
            &["type", "id", "units"],
            &["type", "id", "value", "options"],
        ];
        assert_eq!(
            pick_shape(
                &serde_json::json!({"type": "Text", "id": "1", "value": "x"}),
                shapes
            ),
            Some(0)
        );
        assert_eq!(
            pick_shape(&serde_json::json!({"type": "S", "units": []}), shapes),
            Some(1)
        );
        assert_eq!(
            pick_shape(&serde_json::json!({"options": [], "value": 1}), shapes),
            Some(2)
        );
        assert_eq!(
            pick_shape(&serde_json::json!({"type": "X", "new": 1}), shapes),
            None,
            "fits no shape"
        );
        assert_eq!(
            pick_shape(
                &serde_json::json!({"type": "X"}),
                &[&["type", "a"], &["type", "b"]]
            ),
            None,
            "ambiguous"
        );
    }

    #[derive(Debug, Default, PartialEq)]
    struct Model {
        id: Option<i64>,
        name: Option<String>,
        unknown: Map<Json>,
    }
    impl ModelFields for Model {
        fn field<'de, A: de::MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut A,
        ) -> Result<bool, A::Error> {
            match key {
                "id" => self.id = map.next_value()?,
                "name" => self.name = map.next_value()?,
                _ => return Ok(false),
            }
            Ok(true)
        }
        fn unknown_fields(&mut self) -> &mut Map<Json> {
            &mut self.unknown
        }
    }
    impl<'de> Deserialize<'de> for Model {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            de_model(d)
        }
    }

    #[test]
    fn models_read_known_keys_keep_unknown_ones_and_name_bad_paths() {
        let m: Model = serde_json::from_str(
            r#"{"id": 1, "na\u006de": "escaped key", "new": [1, {"a": null}], "id": 2, "name": null}"#,
        )
        .expect("model");
        assert_eq!(m.id, Some(2), "a repeated key keeps its last value");
        assert_eq!(m.name, None, "null after a value");
        assert_eq!(m.unknown["new"], serde_json::json!([1, {"a": null}]));
        assert_eq!(
            m.unknown.len(),
            1,
            "the escaped key is `name`: {:?}",
            m.unknown
        );
        let from_value: Model =
            serde_json::from_value(serde_json::json!({"name": "x"})).expect("from a Value");
        assert_eq!(from_value.name.as_deref(), Some("x"));
        let bad = crate::decode::<Model>(br#"{"id": "seven"}"#).expect_err("a string id");
        assert!(bad.to_string().contains("`id`"), "{bad}");
        assert!(
            serde_json::from_str::<Model>("[1, 2]").is_err(),
            "not an object"
        );
    }

    #[test]
    fn nullable_tells_absent_from_null() {
        #[derive(Serialize)]
        struct Patch {
            #[serde(skip_serializing_if = "Nullable::is_absent")]
            a: Nullable<i32>,
            #[serde(skip_serializing_if = "Nullable::is_absent")]
            b: Nullable<i32>,
            #[serde(skip_serializing_if = "Nullable::is_absent")]
            c: Nullable<i32>,
        }
        let p = Patch {
            a: Nullable::Absent,
            b: Nullable::Null,
            c: 5.into(),
        };
        assert_eq!(
            serde_json::to_string(&p).expect("ser"),
            r#"{"b":null,"c":5}"#
        );
    }
}
