//! What a report's definition says of its parameters and columns: plain data, read by
//! the definition, the parameter values and the errors alike.

use servicetitan::runtime::Json;

/// What a report's definition says of one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// The name a value is set by.
    pub name: String,
    /// `String`, `Number`, `Boolean`, `Date`, `Time` (or what the definition says).
    pub data_type: String,
    /// Whether the value is a list of such values.
    pub is_array: bool,
    /// Whether a run needs a value.
    pub required: bool,
    /// The values it accepts, when the definition says.
    pub accepts: Accepts,
}

/// Which values a parameter accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum Accepts {
    /// Any value of its data type.
    Any,
    /// The values listed in the definition (each row's first value).
    Listed(Vec<Json>),
    /// The values of a dynamic value set, by its id: [`crate::Report::accepted_values`] reads
    /// them on request.
    DynamicSet(String),
}

/// A column of a report's rows: its name and declared data type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The column's name, as rows are read by.
    pub name: String,
    /// Its declared data type (`String`, `Number`, `Boolean`, `Date`, `Time`).
    pub data_type: String,
}

/// The parameters, one a line: `  From: Date, required`.
pub(crate) fn describe(params: &[Parameter]) -> String {
    params
        .iter()
        .map(|p| {
            let list = if p.is_array { " list" } else { "" };
            let required = if p.required { ", required" } else { "" };
            let values = match &p.accepts {
                Accepts::Listed(v) => format!(
                    ", one of {}",
                    v.iter().map(Json::to_string).collect::<Vec<_>>().join(", ")
                ),
                Accepts::DynamicSet(s) => format!(", from the dynamic value set `{s}`"),
                Accepts::Any => String::new(),
            };
            format!("  {}: {}{list}{required}{values}", p.name, p.data_type)
        })
        .collect::<Vec<_>>()
        .join("\n")
}
