//! Why a report could not be run, or a parameter's value not set.

use crate::parameter::{describe, Parameter};
use std::fmt;

/// Why a report could not be run, or a value not set.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReportError {
    /// A parameter's name or value the definition refuses; nothing was sent.
    Parameter {
        /// The parameter as named.
        name: String,
        /// What is wrong.
        problem: String,
        /// The report's parameters, one a line: name, data type, list or not, required.
        valid: String,
    },
    /// A date range the report cannot be run over (no pair of date parameters, a range
    /// that ends before it starts, a checkpoint of another report).
    Dates(String),
    /// The API refused or failed.
    Api(servicetitan::runtime::Error),
}

impl ReportError {
    /// `name` is not one of `parameters`.
    pub(crate) fn unknown(parameters: &[Parameter], name: &str) -> ReportError {
        ReportError::parameter(parameters, name, "is not a parameter of this report".into())
    }

    /// `name`'s value is refused for `problem`; the report's `parameters` listed.
    pub(crate) fn parameter(parameters: &[Parameter], name: &str, problem: String) -> ReportError {
        ReportError::Parameter {
            name: name.to_owned(),
            problem,
            valid: describe(parameters),
        }
    }
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Parameter {
                name,
                problem,
                valid,
            } => write!(
                f,
                "report parameter `{name}` {problem}; the report's parameters:\n{valid}"
            ),
            ReportError::Dates(m) => f.write_str(m),
            ReportError::Api(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReportError::Api(e) => Some(e),
            _ => None,
        }
    }
}
