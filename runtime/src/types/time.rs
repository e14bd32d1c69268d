//! Time: date-times (7 fraction digits, no offset), dates, and .NET time spans.

use serde::de::Deserializer;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

use super::*;

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

impl DateTime {
    /// Now, by this machine's clock.
    ///
    /// ```
    /// use servicetitan_runtime::DateTime;
    /// use std::time::Duration;
    ///
    /// let yesterday = DateTime::now() - Duration::from_secs(24 * 3600);
    /// assert!(yesterday < DateTime::now());
    /// assert_eq!((yesterday + Duration::from_secs(60)) - yesterday, Duration::from_secs(60));
    /// ```
    pub fn now() -> Self {
        DateTime(chrono::Utc::now())
    }
}

impl From<std::time::SystemTime> for DateTime {
    fn from(t: std::time::SystemTime) -> Self {
        DateTime(t.into())
    }
}

/// A later time; saturates at the latest time chrono represents.
impl std::ops::Add<std::time::Duration> for DateTime {
    type Output = DateTime;
    fn add(self, d: std::time::Duration) -> DateTime {
        let d = chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX);
        DateTime(
            self.0
                .checked_add_signed(d)
                .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
        )
    }
}

/// An earlier time; saturates at the earliest time chrono represents.
impl std::ops::Sub<std::time::Duration> for DateTime {
    type Output = DateTime;
    fn sub(self, d: std::time::Duration) -> DateTime {
        let d = chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX);
        DateTime(
            self.0
                .checked_sub_signed(d)
                .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC),
        )
    }
}

/// The time between two points (zero when `other` is later).
impl std::ops::Sub for DateTime {
    type Output = std::time::Duration;
    fn sub(self, other: DateTime) -> std::time::Duration {
        (self.0 - other.0).to_std().unwrap_or_default()
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
        Err(ParseError::new("date-time", s))
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
        Err(ParseError::new("date", s))
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
        let err = || ParseError::new("time span", s);
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
