//! Rows typed by the report's fields: each value read as its column's declared data type
//! where it is one, kept as the JSON it came as where it is not (counted per column:
//! never an error, never a lost row), and readable into a struct of the program's own.

use crate::definition::Field;
use crate::params::{parse_date, parse_time};
use serde::de::DeserializeOwned;
use servicetitan::runtime::{Decimal, Json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// `null`.
    Null,
    /// A `String` column's value.
    Text(String),
    /// Exact: a decimal never goes through a float.
    Number(Decimal),
    /// A `Boolean` column's value.
    Boolean(bool),
    /// A `Date` column's value.
    Date(chrono::NaiveDate),
    /// A `Time` column's value.
    Time(chrono::NaiveTime),
    /// A value that is not of its column's declared type, as it came.
    Raw(Json),
}

impl Cell {
    /// A JSON value read as `data_type`; [`Cell::Raw`] when it is not one.
    pub fn read(data_type: &str, v: Json) -> Cell {
        let typed = match (data_type, &v) {
            (_, Json::Null) => Some(Cell::Null),
            ("Number", Json::Number(n)) => n.to_string().parse::<Decimal>().ok().map(Cell::Number),
            ("Boolean", Json::Bool(b)) => Some(Cell::Boolean(*b)),
            ("Date", Json::String(s)) => parse_date(s).map(Cell::Date),
            ("Time", Json::String(s)) => parse_time(s).map(Cell::Time),
            ("String", Json::String(s)) => Some(Cell::Text(s.clone())),
            // A type the definition names that this version does not know: as it came.
            _ => None,
        };
        typed.unwrap_or(Cell::Raw(v))
    }

    /// The value as JSON: numbers as numbers, dates and times as text, raw ones as they
    /// came.
    pub fn to_json(&self) -> Json {
        match self {
            Cell::Null => Json::Null,
            Cell::Text(s) => Json::String(s.clone()),
            Cell::Number(d) => serde_json::to_value(d).unwrap_or(Json::Null),
            Cell::Boolean(b) => Json::Bool(*b),
            Cell::Date(d) => Json::String(d.format("%Y-%m-%d").to_string()),
            Cell::Time(t) => Json::String(t.format("%H:%M:%S").to_string()),
            Cell::Raw(v) => v.clone(),
        }
    }
}

/// The days a row was read for: the window of a dated run, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Window {
    /// The first day.
    pub from: chrono::NaiveDate,
    /// The last day.
    pub to: chrono::NaiveDate,
}

/// One row, its values in the columns' order.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedRow {
    fields: Arc<[Field]>,
    cells: Vec<Cell>,
    window: Option<Window>,
}

impl TypedRow {
    /// The value of a column, by name.
    pub fn get(&self, column: &str) -> Option<&Cell> {
        let i = self.fields.iter().position(|f| f.name == column)?;
        self.cells.get(i)
    }
    /// The values, in the columns' order.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }
    /// The window of the run that read the row (dated runs only).
    pub fn window(&self) -> Option<Window> {
        self.window
    }
    /// The row as a struct of the program's own, whose fields are named as the columns
    /// (`#[serde(rename = "..")]` where they differ); typed values arrive as JSON numbers,
    /// booleans, `YYYY-MM-DD` and `HH:MM:SS` text, raw ones as they came.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        let map: serde_json::Map<String, Json> = self
            .fields
            .iter()
            .zip(&self.cells)
            .map(|(f, c)| (f.name.clone(), c.to_json()))
            .collect();
        serde_json::from_value(Json::Object(map))
    }
}

/// Rows of one run (or window), with how many values of each column were kept raw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypedRows {
    /// The rows, in the order the report gave them.
    pub rows: Vec<TypedRow>,
    /// Column -> values not of its declared type (columns with none are absent).
    pub raw: BTreeMap<String, u64>,
}

impl TypedRows {
    /// Reads one page's rows (lists of values in the columns' order).
    pub(crate) fn push_page(
        &mut self,
        fields: &Arc<[Field]>,
        data: Vec<Vec<Json>>,
        window: Option<Window>,
    ) {
        for values in data {
            let mut cells = Vec::with_capacity(fields.len());
            let mut values = values.into_iter();
            for f in fields.iter() {
                let cell = Cell::read(&f.data_type, values.next().unwrap_or(Json::Null));
                if matches!(cell, Cell::Raw(_)) {
                    *self.raw.entry(f.name.clone()).or_insert(0) += 1;
                }
                cells.push(cell);
            }
            self.rows.push(TypedRow {
                fields: fields.clone(),
                cells,
                window,
            });
        }
    }

    /// Every row as a struct of the program's own ([`TypedRow::deserialize`]).
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<Vec<T>, serde_json::Error> {
        self.rows.iter().map(TypedRow::deserialize).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_of_their_type_are_typed_and_the_rest_kept_and_counted() {
        let fields: Arc<[Field]> = [("Day", "Date"), ("Margin", "Number"), ("Open", "Boolean")]
            .map(|(n, t)| Field {
                name: n.into(),
                data_type: t.into(),
            })
            .into();
        let mut rows = TypedRows::default();
        rows.push_page(
            &fields,
            vec![
                vec![json!("2026-11-01"), json!(12.25), json!(true)],
                vec![json!("2026-11-02"), json!("n/a"), json!(false)],
                vec![json!("11/03/2026"), json!(null), json!("yes")],
            ],
            None,
        );
        assert_eq!(rows.rows.len(), 3);
        assert_eq!(
            rows.raw,
            BTreeMap::from([("Day".into(), 1), ("Margin".into(), 1), ("Open".into(), 1)])
        );
        assert_eq!(
            rows.rows[0].get("Margin"),
            Some(&Cell::Number("12.25".parse().unwrap()))
        );
        assert_eq!(rows.rows[1].get("Margin"), Some(&Cell::Raw(json!("n/a"))));
        assert_eq!(rows.rows[2].get("Margin"), Some(&Cell::Null));
        #[derive(serde::Deserialize, PartialEq, Debug)]
        struct Day {
            #[serde(rename = "Day")]
            day: Json,
            #[serde(rename = "Open")]
            open: Json,
        }
        let first: Day = rows.rows[0].deserialize().expect("a struct");
        assert_eq!(
            first,
            Day {
                day: json!("2026-11-01"),
                open: json!(true)
            }
        );
    }
}
