//! What a date, a decimal, a time span or base64 bytes is, for the API model's value
//! checks (`servicetitan_api_model::check`): the runtime's own parsers, so that the
//! stand-in and the command line accept exactly what the client reads.

use super::{Binary, Date, DateTime, Decimal, TimeSpan};
use servicetitan_api_model::check::{Format, Formats};

/// The runtime's parsers behind the API model's checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct WireFormats;

impl Formats for WireFormats {
    fn fits(&self, format: Format, value: &serde_json::Value) -> bool {
        fn parses<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> bool {
            T::deserialize(value).is_ok()
        }
        match format {
            Format::Decimal => parses::<Decimal>(value),
            Format::DateTime => parses::<DateTime>(value),
            Format::Date => parses::<Date>(value),
            Format::TimeSpan => parses::<TimeSpan>(value),
            Format::Binary => parses::<Binary>(value),
        }
    }
}
