//! A report's parameter values, each checked against the definition as it is set: an
//! unknown name, a value not of the parameter's data type, a list for a single value (or
//! the reverse), a value outside those the definition lists; the required ones checked
//! before a run. Every refusal lists the report's parameters, so a misspelt name is a
//! message, not a 400 after the call.

use crate::definition::Report;
use crate::error::ReportError;
use crate::parameter::{Accepts, Parameter};
use servicetitan::runtime::Json;

impl Report {
    /// An empty set of parameter values for this report; each value is checked as it is
    /// set.
    pub fn params(&self) -> Params<'_> {
        Params::new(self)
    }
}

/// Parameter values for one report, each checked when set.
#[derive(Debug, Clone)]
pub struct Params<'r> {
    report: &'r Report,
    values: Vec<(String, Json)>,
}

impl<'r> Params<'r> {
    pub(crate) fn new(report: &'r Report) -> Params<'r> {
        Params {
            report,
            values: Vec::new(),
        }
    }

    /// Sets a parameter (replacing an earlier value), checked against the definition.
    pub fn set(mut self, name: &str, value: impl Into<Json>) -> Result<Self, ReportError> {
        let value = value.into();
        let p = self
            .report
            .parameter(name)
            .ok_or_else(|| ReportError::unknown(self.report.parameters(), name))?;
        check(p, &value)
            .map_err(|m| ReportError::parameter(self.report.parameters(), &p.name, m))?;
        let name = p.name.clone();
        self.values.retain(|(n, _)| *n != name);
        self.values.push((name, value));
        Ok(self)
    }

    /// The value set for a parameter.
    pub fn get(&self, name: &str) -> Option<&Json> {
        self.values
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The values, in the order they were set.
    pub fn values(&self) -> &[(String, Json)] {
        &self.values
    }

    /// Fails naming the first required parameter without a value.
    pub(crate) fn complete(&self) -> Result<(), ReportError> {
        match self
            .report
            .parameters()
            .iter()
            .find(|p| p.required && self.get(&p.name).is_none())
        {
            Some(p) => Err(ReportError::parameter(
                self.report.parameters(),
                &p.name,
                "is required and has no value".into(),
            )),
            None => Ok(()),
        }
    }
}

/// A value against its parameter: list or not, data type, listed values.
fn check(p: &Parameter, value: &Json) -> Result<(), String> {
    let values: Vec<&Json> = match (p.is_array, value) {
        (true, Json::Array(a)) => a.iter().collect(),
        (true, _) => return Err(format!("takes a list of {}s", p.data_type)),
        (false, Json::Array(_)) => return Err(format!("takes one {}, not a list", p.data_type)),
        (false, v) => vec![v],
    };
    for v in values {
        if !fits(&p.data_type, v) {
            return Err(format!(
                "takes a {} ({}), not {v}",
                p.data_type,
                shape(&p.data_type)
            ));
        }
        if let Accepts::Listed(list) = &p.accepts {
            if !list.contains(v) {
                return Err(format!(
                    "takes one of {}, not {v}",
                    list.iter()
                        .map(Json::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// Whether a JSON value is one of a data type, as the API reads it.
pub(crate) fn fits(data_type: &str, v: &Json) -> bool {
    match data_type {
        "Number" => v.is_number(),
        "Boolean" => v.is_boolean(),
        "Date" => v.as_str().is_some_and(|s| parse_date(s).is_some()),
        "Time" => v.as_str().is_some_and(|s| parse_time(s).is_some()),
        _ => v.is_string(),
    }
}

fn shape(data_type: &str) -> &'static str {
    match data_type {
        "Number" => "a JSON number",
        "Boolean" => "true or false",
        "Date" => "\"YYYY-MM-DD\"",
        "Time" => "\"HH:MM\" or \"HH:MM:SS\"",
        _ => "a string",
    }
}

/// `YYYY-MM-DD` (a date-time's date part is taken too).
pub(crate) fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// `HH:MM` or `HH:MM:SS`.
pub(crate) fn parse_time(s: &str) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| chrono::NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()
}
