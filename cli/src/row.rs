//! A record, as the API wrote it, made a row of its table: each column's value read from
//! the record's field with the column's kind. Numbers keep their digits (a decimal is its
//! text, never a float); instants are written in one fixed-width UTC form, so that text
//! comparison orders them. A value that does not fit its column is an error naming the
//! table, the column and what was found, never the value (it is a customer's data).

use crate::schema::{Kind, Table};
use serde_json::value::RawValue;
use servicetitan::runtime::{DateTime, RawRecord};
use std::collections::HashMap;

/// One column's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Integer(i64),
    Double(f64),
    Boolean(bool),
    /// Text, a date, a uuid, a normalised instant.
    Text(String),
    /// A JSON number's text, exactly.
    Decimal(String),
    /// JSON text, as the API wrote it.
    Json(String),
}

/// A record as its table's row: a cell per column of `present` (the columns whose
/// fields the record has; the others keep what the row had).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Bit `i` set: the record has the field of column `i`.
    pub present: Vec<bool>,
    pub cells: Vec<Cell>,
}

impl Row {
    /// The id cell (column 0).
    pub fn id(&self) -> &Cell {
        &self.cells[0]
    }
}

/// Why a record could not be made a row.
#[derive(Debug)]
pub struct RowError(pub String);

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RowError {}

/// The row of `record` in `table`.
pub fn row(table: &Table, record: &RawRecord) -> Result<Row, RowError> {
    let fields: HashMap<String, &RawValue> = serde_json::from_str(record.get()).map_err(|e| {
        RowError(format!(
            "{}: a record that is not an object: {e}",
            table.name
        ))
    })?;
    let mut present = Vec::with_capacity(table.columns.len());
    let mut cells = Vec::with_capacity(table.columns.len());
    for c in table.columns {
        let raw = fields.get(c.wire);
        present.push(raw.is_some());
        let cell = match raw {
            None => Cell::Null,
            Some(raw) => cell(c.kind, raw.get()).map_err(|found| {
                RowError(format!(
                    "{}.{}: expected {:?}, found {found}",
                    table.name, c.name, c.kind
                ))
            })?,
        };
        cells.push(cell);
    }
    if cells[0] == Cell::Null {
        return Err(RowError(format!("{}: a record without an id", table.name)));
    }
    Ok(Row { present, cells })
}

/// What a JSON text is, for errors (never its value).
fn shape(text: &str) -> &'static str {
    match text.as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

fn string(text: &str) -> Option<String> {
    text.starts_with('"')
        .then(|| serde_json::from_str::<String>(text).ok())
        .flatten()
}

/// The cell of a JSON text in a column of `kind`, or what was found instead.
fn cell(kind: Kind, text: &str) -> Result<Cell, &'static str> {
    if text == "null" {
        return Ok(Cell::Null);
    }
    let found = shape(text);
    let is_number = found == "a number";
    match kind {
        Kind::Integer if is_number => text.parse().map(Cell::Integer).map_err(|_| found),
        Kind::Decimal if is_number => Ok(Cell::Decimal(text.to_string())),
        Kind::Double if is_number => text.parse().map(Cell::Double).map_err(|_| found),
        Kind::Boolean if found == "a boolean" => Ok(Cell::Boolean(text == "true")),
        Kind::Json => Ok(Cell::Json(text.to_string())),
        Kind::Text => Ok(Cell::Text(string(text).unwrap_or_else(|| text.to_string()))),
        Kind::Timestamp => {
            let s = string(text).ok_or(found)?;
            let t: DateTime = s.parse().map_err(|_| "a string that is not an instant")?;
            Ok(Cell::Text(instant(&t)))
        }
        Kind::Date => Ok(Cell::Text(string(text).ok_or(found)?)),
        Kind::Uuid => Ok(Cell::Text(string(text).ok_or(found)?.to_ascii_lowercase())),
        _ => Err(found),
    }
}

/// `2026-07-01T08:30:00.1234567Z`: UTC, seven fractional digits (the API's precision).
pub fn instant(t: &DateTime) -> String {
    let t = t.inner();
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_nanos() / 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Column;

    static TABLE: Table = Table {
        name: "t",
        module: "m",
        sources: &["S"],
        columns: &[
            Column {
                name: "id",
                wire: "id",
                kind: Kind::Integer,
            },
            Column {
                name: "total",
                wire: "total",
                kind: Kind::Decimal,
            },
            Column {
                name: "modified_on",
                wire: "modifiedOn",
                kind: Kind::Timestamp,
            },
            Column {
                name: "address",
                wire: "address",
                kind: Kind::Json,
            },
            Column {
                name: "active",
                wire: "active",
                kind: Kind::Boolean,
            },
            Column {
                name: "name",
                wire: "name",
                kind: Kind::Text,
            },
        ],
    };

    fn raw(text: &str) -> RawRecord {
        RawValue::from_string(text.to_string()).expect("json")
    }

    #[test]
    fn a_record_becomes_a_row_with_every_digit() {
        let r = row(
            &TABLE,
            &raw(r#"{"id": 7, "total": 12345678901234567.895, "modifiedOn": "2026-07-01T08:30:00.5+02:00", "address": {"city": "X"}, "active": false}"#),
        )
        .expect("a row");
        assert_eq!(
            r.cells,
            [
                Cell::Integer(7),
                Cell::Decimal("12345678901234567.895".into()),
                Cell::Text("2026-07-01T06:30:00.5000000Z".into()),
                Cell::Json(r#"{"city": "X"}"#.into()),
                Cell::Boolean(false),
                Cell::Null,
            ]
        );
        assert_eq!(r.present, [true, true, true, true, true, false]);
    }

    #[test]
    fn a_value_of_another_kind_is_named_not_shown() {
        let e = row(&TABLE, &raw(r#"{"id": 7, "total": "secret-ish"}"#)).expect_err("refused");
        assert_eq!(e.0, "t.total: expected Decimal, found a string");
        let e = row(&TABLE, &raw(r#"{"total": 1}"#)).expect_err("no id");
        assert!(e.0.contains("without an id"), "{e}");
    }
}
