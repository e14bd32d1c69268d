//! Rows typed by the report's fields: each value found by the columns its answer lists
//! (`fields`, beside `data`), not by its place in the definition, read as its column's
//! declared data type where it is one, kept as the JSON it came as where it is not
//! (counted per column: never an error, never a lost row), and readable into a struct of
//! the program's own. A column the answer has and the definition lacks (added to the
//! report since) is kept as it came; a column the definition has and the answer lacks is
//! null; both are noted by name, never by value.

use crate::parameter::Field;
use crate::params::{parse_date, parse_time};
use serde::de::DeserializeOwned;
use servicetitan::reporting::HeaderField;
use servicetitan::runtime::{Decimal, Json};
use std::collections::{BTreeMap, BTreeSet};
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

/// One row, its values in the columns' order: the definition's, then those its answer
/// added.
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
    /// The columns, in order: the definition's, then those the answer added (whose
    /// `data_type` is empty: their values are kept as they came).
    pub fn fields(&self) -> &[Field] {
        &self.fields
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

/// Rows of one run (or window), with how many values of each column were kept raw, and
/// the columns its answers listed otherwise than the definition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypedRows {
    /// The rows, in the order the report gave them.
    pub rows: Vec<TypedRow>,
    /// Column -> values not of its declared type (columns with none are absent).
    pub raw: BTreeMap<String, u64>,
    /// Columns an answer listed that the definition lacks (added to the report since it
    /// was read): in every row after the definition's, their values as they came.
    pub added: BTreeSet<String>,
    /// Columns of the definition an answer did not list: null in its rows.
    pub missing: BTreeSet<String>,
}

impl TypedRows {
    /// Reads one page's rows (lists of values in the order of the answer's `header`; in
    /// the definition's order when the answer lists none).
    pub(crate) fn push_page(
        &mut self,
        fields: &Arc<[Field]>,
        header: &[HeaderField],
        data: Vec<Vec<Json>>,
        window: Option<Window>,
    ) {
        let layout = Layout::of(fields, header);
        for (i, name) in layout.fields.iter().enumerate() {
            match layout.source.get(i) {
                Some(None) => self.missing.insert(name.name.clone()),
                _ if i >= fields.len() => self.added.insert(name.name.clone()),
                _ => false,
            };
        }
        for values in data {
            let mut values: Vec<Option<Json>> = values.into_iter().map(Some).collect();
            let mut take = |at: Option<usize>| {
                at.and_then(|i| values.get_mut(i)?.take())
                    .unwrap_or(Json::Null)
            };
            let mut cells = Vec::with_capacity(layout.fields.len());
            for (f, at) in layout.fields.iter().zip(&layout.source) {
                let cell = match take(*at) {
                    Json::Null => Cell::Null,
                    v if cells.len() >= fields.len() => Cell::Raw(v),
                    v => {
                        let cell = Cell::read(&f.data_type, v);
                        if matches!(cell, Cell::Raw(_)) {
                            *self.raw.entry(f.name.clone()).or_insert(0) += 1;
                        }
                        cell
                    }
                };
                cells.push(cell);
            }
            self.rows.push(TypedRow {
                fields: layout.fields.clone(),
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

/// How an answer's rows map to the report's columns.
struct Layout {
    /// The definition's columns, then those the answer added.
    fields: Arc<[Field]>,
    /// For each of `fields`, the place of its value in the answer's rows (`None`: the
    /// answer lacks the column).
    source: Vec<Option<usize>>,
}

impl Layout {
    /// The layout of an answer listing `header`: each of the definition's `fields` by name
    /// (as written, else without case), then the answer's other columns in its order (one
    /// whose name is already a column's is left out, so no value shadows another).
    fn of(fields: &Arc<[Field]>, header: &[HeaderField]) -> Layout {
        if header.is_empty() {
            return Layout {
                fields: fields.clone(),
                source: (0..fields.len()).map(Some).collect(),
            };
        }
        let names: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                h.name
                    .clone()
                    .or_else(|| h.label.clone())
                    .unwrap_or_else(|| format!("column {}", i + 1))
            })
            .collect();
        let mut used = vec![false; names.len()];
        let mut find = |name: &str| {
            let free = |i: &usize| !used[*i];
            let at = (0..names.len())
                .filter(free)
                .find(|i| names[*i] == name)
                .or_else(|| {
                    (0..names.len())
                        .filter(free)
                        .find(|i| names[*i].eq_ignore_ascii_case(name))
                })?;
            used[at] = true;
            Some(at)
        };
        let mut source: Vec<Option<usize>> = fields.iter().map(|f| find(&f.name)).collect();
        let mut all: Vec<Field> = fields.to_vec();
        for (i, name) in names.into_iter().enumerate() {
            if !used[i] && !all.iter().any(|f| f.name == name) {
                all.push(Field {
                    name,
                    data_type: String::new(),
                });
                source.push(Some(i));
            }
        }
        let same =
            all.len() == fields.len() && source.iter().enumerate().all(|(i, s)| *s == Some(i));
        Layout {
            fields: if same { fields.clone() } else { all.into() },
            source,
        }
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
            &[],
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

    fn definition() -> Arc<[Field]> {
        [("Day", "Date"), ("Margin", "Number"), ("Open", "Boolean")]
            .map(|(n, t)| Field {
                name: n.into(),
                data_type: t.into(),
            })
            .into()
    }

    /// An answer's `fields`, as the API writes them.
    fn header(names: &[&str]) -> Vec<HeaderField> {
        names
            .iter()
            .map(|n| serde_json::from_value(json!({"name": n, "label": n, "dataType": "String"})))
            .collect::<Result<_, _>>()
            .expect("header fields")
    }

    #[test]
    fn a_reordered_pair_lands_under_its_own_names() {
        let mut rows = TypedRows::default();
        rows.push_page(
            &definition(),
            &header(&["Day", "Open", "Margin"]),
            vec![vec![json!("2026-11-01"), json!(true), json!(12.25)]],
            None,
        );
        let row = &rows.rows[0];
        assert_eq!(
            row.get("Margin"),
            Some(&Cell::Number("12.25".parse().unwrap()))
        );
        assert_eq!(row.get("Open"), Some(&Cell::Boolean(true)));
        // In the definition's order, whatever the answer's.
        let names: Vec<&str> = row.fields().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Day", "Margin", "Open"]);
        assert_eq!(row.cells()[2], Cell::Boolean(true));
        assert!(rows.raw.is_empty(), "nothing mistyped: {:?}", rows.raw);
        assert!(rows.added.is_empty() && rows.missing.is_empty());
        // An answer in the definition's order shares the definition's columns.
        let fields = definition();
        let mut same = TypedRows::default();
        same.push_page(
            &fields,
            &header(&["Day", "Margin", "Open"]),
            vec![vec![]],
            None,
        );
        assert!(Arc::ptr_eq(&same.rows[0].fields, &fields));
    }

    #[test]
    fn an_added_column_is_kept_as_it_came_and_noted_by_name() {
        let mut rows = TypedRows::default();
        rows.push_page(
            &definition(),
            // Added second, so every later value moved; `margin` written in another case.
            &header(&["Day", "Region", "margin", "Open"]),
            vec![
                vec![
                    json!("2026-11-01"),
                    json!("North"),
                    json!(3.5),
                    json!(false),
                ],
                vec![json!("2026-11-02"), json!(null), json!("n/a"), json!(true)],
            ],
            None,
        );
        let (first, second) = (&rows.rows[0], &rows.rows[1]);
        assert_eq!(first.get("Region"), Some(&Cell::Raw(json!("North"))));
        assert_eq!(
            first.get("Margin"),
            Some(&Cell::Number("3.5".parse().unwrap()))
        );
        assert_eq!(first.get("Open"), Some(&Cell::Boolean(false)));
        assert_eq!(second.get("Region"), Some(&Cell::Null));
        assert_eq!(second.get("Margin"), Some(&Cell::Raw(json!("n/a"))));
        let names: Vec<&str> = first.fields().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Day", "Margin", "Open", "Region"], "added after");
        assert_eq!(rows.added, BTreeSet::from(["Region".to_string()]));
        assert!(rows.missing.is_empty());
        // Only a value of a declared column is counted as not of its type.
        assert_eq!(rows.raw, BTreeMap::from([("Margin".into(), 1)]));
        let line: Json = first.deserialize().expect("a map");
        assert_eq!(
            line,
            json!({"Day": "2026-11-01", "Margin": 3.5, "Open": false, "Region": "North"})
        );
    }

    #[test]
    fn a_column_the_answer_lacks_is_null_and_noted() {
        let mut rows = TypedRows::default();
        rows.push_page(
            &definition(),
            &header(&["Open", "Day"]),
            vec![vec![json!(true), json!("2026-11-03")]],
            None,
        );
        let row = &rows.rows[0];
        assert_eq!(row.get("Margin"), Some(&Cell::Null));
        assert_eq!(
            row.get("Day"),
            Some(&Cell::Date(
                chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap()
            ))
        );
        assert_eq!(row.get("Open"), Some(&Cell::Boolean(true)));
        assert_eq!(rows.missing, BTreeSet::from(["Margin".to_string()]));
        assert!(rows.added.is_empty() && rows.raw.is_empty());
    }
}
