//! A report's table, made from its definition: `report_<category>_<id>`, a typed column
//! per field (its name in snake case, made unique and safe), the window's days and the
//! row's place in it (with the tenant and the report, the primary key), and `extra`: a
//! JSON object of the values no typed column holds (columns the answer added, values not
//! of their column's declared type). The statements both databases run on it, and the
//! report checkpoints' table.

use crate::sink::sql::{quote, Dialect};
use servicetitan_reports::{Cell, Field, TypedRow};
use std::collections::BTreeSet;

/// What a column holds, by the field's declared data type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Exact: SQLite keeps the number's text, PostgreSQL a `numeric`.
    Number,
    Boolean,
    Date,
    Time,
    /// A data type this version does not know: the values as JSON.
    Json,
}

impl Kind {
    pub fn of(data_type: &str) -> Kind {
        match data_type {
            "String" => Kind::Text,
            "Number" => Kind::Number,
            "Boolean" => Kind::Boolean,
            "Date" => Kind::Date,
            "Time" => Kind::Time,
            _ => Kind::Json,
        }
    }

    /// The column's type in `CREATE TABLE`, and as the catalogue names it (SQLite's
    /// `pragma_table_info`, PostgreSQL's `information_schema.columns.data_type`).
    pub fn sql(self, d: Dialect) -> &'static str {
        match (d, self) {
            (Dialect::Sqlite, Kind::Boolean) => "INTEGER",
            (Dialect::Sqlite, _) => "TEXT",
            (Dialect::Postgres, Kind::Text) => "text",
            (Dialect::Postgres, Kind::Number) => "numeric",
            (Dialect::Postgres, Kind::Boolean) => "boolean",
            (Dialect::Postgres, Kind::Date) => "date",
            (Dialect::Postgres, Kind::Time) => "time",
            (Dialect::Postgres, Kind::Json) => "jsonb",
        }
    }

    /// Whether a column the catalogue describes as `seen` holds this kind.
    pub fn is(self, d: Dialect, seen: &str) -> bool {
        let seen = seen.to_ascii_lowercase();
        match (d, self) {
            (Dialect::Postgres, Kind::Time) => seen == "time without time zone",
            _ => seen == self.sql(d).to_ascii_lowercase(),
        }
    }
}

/// The columns every report table has before its fields' (and `extra` after them).
pub const FIXED: [&str; 5] = ["tenant", "report", "window_from", "window_to", "row"];
const EXTRA: &str = "extra";

/// A field's column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The field's name in the report.
    pub field: String,
    pub name: String,
    pub kind: Kind,
}

/// A report's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub table: String,
    /// `category/id`, the `report` column's value.
    pub report: String,
    /// One per field of the definition, in its order.
    pub columns: Vec<Column>,
}

/// PostgreSQL keeps the first 63 bytes of a name.
const MAX_NAME: usize = 63;

/// `BusinessUnitId` -> `business_unit_id`, `ABCCode` -> `abc_code`, `% of total` ->
/// `of_total`: ASCII letters, digits and single underscores, lower case.
pub fn snake(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p));
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let boundary = prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next_lower)
            });
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(*c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// `report_<category>_<id>`.
pub fn table_name(category: &str, id: i64) -> String {
    let category = snake(category);
    let category = if category.is_empty() {
        "report"
    } else {
        &category
    };
    let name = format!("report_{category}_{id}");
    if name.len() <= MAX_NAME {
        return name;
    }
    let keep = MAX_NAME - format!("report__{id}").len();
    format!("report_{}_{id}", &category[..keep])
}

/// Each field's column name: snake case, never one of the fixed columns' or `extra`, not
/// starting with a digit, within 63 bytes, and unique (`_2`, `_3`, ... after the first of
/// a name, in the definition's order).
fn column_names(fields: &[Field]) -> Vec<String> {
    let mut taken: BTreeSet<String> = FIXED
        .iter()
        .chain(&[EXTRA])
        .map(|s| s.to_string())
        .collect();
    fields
        .iter()
        .map(|f| {
            let mut base = snake(&f.name);
            if base.is_empty() {
                base = "column".into();
            }
            if base.starts_with(|c: char| c.is_ascii_digit()) {
                base = format!("c_{base}");
            }
            base.truncate(MAX_NAME);
            let mut name = base.clone();
            let mut n = 2;
            while taken.contains(&name) {
                let suffix = format!("_{n}");
                let mut b = base.clone();
                b.truncate(MAX_NAME - suffix.len());
                name = format!("{b}{suffix}");
                n += 1;
            }
            taken.insert(name.clone());
            name
        })
        .collect()
}

impl Layout {
    /// The table of report `category`/`id`, whose definition lists `fields`.
    pub fn of(category: &str, id: i64, fields: &[Field]) -> Layout {
        let columns = fields
            .iter()
            .zip(column_names(fields))
            .map(|(f, name)| Column {
                field: f.name.clone(),
                name,
                kind: Kind::of(&f.data_type),
            })
            .collect();
        Layout {
            table: table_name(category, id),
            report: format!("{category}/{id}"),
            columns,
        }
    }

    /// `CREATE TABLE IF NOT EXISTS`: the fixed columns, the fields', `extra`; the key.
    pub fn create(&self, d: Dialect) -> String {
        let (int, date, json) = match d {
            Dialect::Sqlite => ("INTEGER", "TEXT", "TEXT"),
            Dialect::Postgres => ("bigint", "date", "jsonb"),
        };
        let text = Kind::Text.sql(d);
        let mut columns = vec![
            format!("\"tenant\" {int} NOT NULL"),
            format!("\"report\" {text} NOT NULL"),
            format!("\"window_from\" {date} NOT NULL"),
            format!("\"window_to\" {date} NOT NULL"),
            format!("\"row\" {int} NOT NULL"),
        ];
        columns.extend(
            self.columns
                .iter()
                .map(|c| format!("{} {}", quote(&c.name), c.kind.sql(d))),
        );
        columns.push(format!("\"{EXTRA}\" {json}"));
        let strict = if d == Dialect::Sqlite { " STRICT" } else { "" };
        format!(
            "CREATE TABLE IF NOT EXISTS {} ({}, PRIMARY KEY (\"tenant\", \"report\", \
             \"window_from\", \"window_to\", \"row\")){strict}",
            quote(&self.table),
            columns.join(", ")
        )
    }

    /// `ALTER TABLE ... ADD COLUMN` for a field the table lacks.
    pub fn add_column(&self, c: &Column, d: Dialect) -> String {
        format!(
            "ALTER TABLE {} ADD COLUMN {} {}",
            quote(&self.table),
            quote(&c.name),
            c.kind.sql(d)
        )
    }

    /// Deletes the rows of every window within the one read again: tenant, report, its
    /// first and last day (`YYYY-MM-DD`).
    pub fn delete_window(&self, d: Dialect) -> String {
        let (a, b, from, to) = match d {
            Dialect::Sqlite => ("?1", "?2", "?3", "?4"),
            Dialect::Postgres => ("$1", "$2", "$3::text::date", "$4::text::date"),
        };
        format!(
            "DELETE FROM {} WHERE \"tenant\" = {a} AND \"report\" = {b} AND \
             \"window_from\" >= {from} AND \"window_to\" <= {to}",
            quote(&self.table)
        )
    }

    /// The insert of a row into the columns where `usable` is set (those of the table's
    /// that hold their field's kind), then `extra`. SQLite: tenant, report, first and
    /// last day, row, the values, `extra` (`?1`, `?2`, ...). PostgreSQL: tenant, report,
    /// first and last day, the row number before the batch's first, then the batch as a
    /// JSON array of rows, each an array of the values as text (or null), `extra` last.
    pub fn insert(&self, usable: &[bool], d: Dialect) -> String {
        let used: Vec<&Column> = self
            .columns
            .iter()
            .zip(usable)
            .filter(|(_, u)| **u)
            .map(|(c, _)| c)
            .collect();
        let mut names: Vec<String> = FIXED.iter().map(|n| quote(n)).collect();
        names.extend(used.iter().map(|c| quote(&c.name)));
        names.push(quote(EXTRA));
        let values = match d {
            Dialect::Sqlite => {
                let n = names.len();
                let list: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
                format!("VALUES ({})", list.join(", "))
            }
            Dialect::Postgres => {
                let mut list: Vec<String> = vec![
                    "$1::bigint".into(),
                    "$2::text".into(),
                    "$3::text::date".into(),
                    "$4::text::date".into(),
                    "$5::bigint + x.n".into(),
                ];
                let cast = |k: Kind| match k {
                    Kind::Text => "",
                    Kind::Number => "::numeric",
                    Kind::Boolean => "::boolean",
                    Kind::Date => "::date",
                    Kind::Time => "::time",
                    Kind::Json => "::jsonb",
                };
                list.extend(
                    used.iter()
                        .enumerate()
                        .map(|(i, c)| format!("(x.e->>{i}){}", cast(c.kind))),
                );
                list.push(format!("(x.e->>{})::jsonb", used.len()));
                format!(
                    "SELECT {} FROM jsonb_array_elements($6::text::jsonb) WITH ORDINALITY AS x(e, n)",
                    list.join(", ")
                )
            }
        };
        format!(
            "INSERT INTO {} ({}) {values}",
            quote(&self.table),
            names.join(", ")
        )
    }

    /// A row's values for the columns where `usable` is set, and its `extra` (JSON text,
    /// or `None` when every value has a typed column).
    pub fn values(&self, row: &TypedRow, usable: &[bool]) -> (Vec<Value>, Option<String>) {
        let mut values = Vec::new();
        let mut extra = serde_json::Map::new();
        for (i, (field, cell)) in row.fields().iter().zip(row.cells()).enumerate() {
            let column = self.columns.get(i).filter(|_| usable.get(i) == Some(&true));
            let typed = column.map(|c| Value::of(c.kind, cell));
            match typed {
                Some(Some(v)) => values.push(v),
                Some(None) => {
                    values.push(Value::Null);
                    extra.insert(field.name.clone(), cell.to_json());
                }
                None if *cell == Cell::Null => {}
                None => {
                    extra.insert(field.name.clone(), cell.to_json());
                }
            }
        }
        // A row shorter than the definition (it never is): its columns null.
        let wanted = usable.iter().filter(|u| **u).count();
        values.resize(wanted, Value::Null);
        let extra = (!extra.is_empty()).then(|| serde_json::Value::Object(extra).to_string());
        (values, extra)
    }
}

/// Which of `layout`'s columns the table, whose columns the catalogue lists as `existing`
/// (name, type), can take its fields' values in, and the statements that add those it
/// lacks. A column the table has with another type (a field whose declared type changed)
/// is not used: its values go into `extra`.
pub fn plan(
    layout: &Layout,
    existing: &[(String, String)],
    d: Dialect,
) -> (Vec<bool>, Vec<String>) {
    let mut usable = Vec::new();
    let mut add = Vec::new();
    for c in &layout.columns {
        match existing.iter().find(|(name, _)| *name == c.name) {
            Some((_, seen)) => usable.push(c.kind.is(d, seen)),
            None => {
                add.push(layout.add_column(c, d));
                usable.push(true);
            }
        }
    }
    (usable, add)
}

/// A value for a typed column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Boolean(bool),
}

impl Value {
    /// `cell` as a value of a column of `kind`; `None` when it is not one (a value not of
    /// its field's declared type, kept in `extra`).
    pub fn of(kind: Kind, cell: &Cell) -> Option<Value> {
        Some(match (kind, cell) {
            (_, Cell::Null) => Value::Null,
            (Kind::Json, c) => Value::Text(c.to_json().to_string()),
            (Kind::Text, Cell::Text(s)) => Value::Text(s.clone()),
            (Kind::Number, Cell::Number(n)) => Value::Text(n.to_string()),
            (Kind::Boolean, Cell::Boolean(b)) => Value::Boolean(*b),
            (Kind::Date, Cell::Date(d)) => Value::Text(d.format("%Y-%m-%d").to_string()),
            (Kind::Time, Cell::Time(t)) => Value::Text(t.format("%H:%M:%S").to_string()),
            _ => return None,
        })
    }
}

/// The report checkpoints' table.
pub fn checkpoints(d: Dialect) -> &'static str {
    match d {
        Dialect::Sqlite => {
            "CREATE TABLE IF NOT EXISTS servicetitan_report_checkpoints (\
                 tenant INTEGER NOT NULL, report TEXT NOT NULL, checkpoint TEXT NOT NULL, \
                 written_at TEXT NOT NULL, PRIMARY KEY (tenant, report)) STRICT"
        }
        Dialect::Postgres => {
            "CREATE TABLE IF NOT EXISTS servicetitan_report_checkpoints (\
                 tenant bigint NOT NULL, report text NOT NULL, checkpoint text NOT NULL, \
                 written_at timestamptz NOT NULL, PRIMARY KEY (tenant, report))"
        }
    }
}

/// A report's checkpoint: tenant, report.
pub fn load_checkpoint(d: Dialect) -> &'static str {
    match d {
        Dialect::Sqlite => {
            "SELECT checkpoint FROM servicetitan_report_checkpoints WHERE tenant = ?1 AND report = ?2"
        }
        Dialect::Postgres => {
            "SELECT checkpoint FROM servicetitan_report_checkpoints WHERE tenant = $1 AND report = $2"
        }
    }
}

/// Saves a report's checkpoint: tenant, report, checkpoint (JSON), and (SQLite) when.
pub fn save_checkpoint(d: Dialect) -> &'static str {
    match d {
        Dialect::Sqlite => {
            "INSERT INTO servicetitan_report_checkpoints (tenant, report, checkpoint, written_at) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant, report) DO UPDATE SET \
             checkpoint = excluded.checkpoint, written_at = excluded.written_at"
        }
        Dialect::Postgres => {
            "INSERT INTO servicetitan_report_checkpoints (tenant, report, checkpoint, written_at) \
             VALUES ($1, $2, $3, now()) ON CONFLICT (tenant, report) DO UPDATE SET \
             checkpoint = excluded.checkpoint, written_at = excluded.written_at"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(list: &[(&str, &str)]) -> Vec<Field> {
        list.iter()
            .map(|(n, t)| Field {
                name: n.to_string(),
                data_type: t.to_string(),
            })
            .collect()
    }

    #[test]
    fn names_are_snake_case_unique_and_never_a_fixed_column() {
        assert_eq!(snake("BusinessUnitId"), "business_unit_id");
        assert_eq!(snake("ABCCode"), "abc_code");
        assert_eq!(snake("Revenue % of total"), "revenue_of_total");
        assert_eq!(snake("Año 2"), "a_o_2");
        let long = "X".repeat(80);
        let layout = Layout::of(
            "Technician-Performance",
            7,
            &fields(&[
                ("Total", "Number"),
                ("total", "Number"),
                ("Row", "Number"),
                ("Extra", "String"),
                ("2nd", "String"),
                ("¿?", "String"),
                (&long, "String"),
                (&format!("{long}y"), "String"),
            ]),
        );
        assert_eq!(layout.table, "report_technician_performance_7");
        assert_eq!(layout.report, "Technician-Performance/7");
        let names: Vec<&str> = layout.columns.iter().map(|c| c.name.as_str()).collect();
        let x63 = "x".repeat(63);
        let x61 = format!("{}_2", "x".repeat(61));
        assert_eq!(
            names,
            ["total", "total_2", "row_2", "extra_2", "c_2nd", "column", &x63, &x61]
        );
        assert_eq!(table_name(&"c".repeat(70), 1101).len(), 63);
    }

    #[test]
    fn each_dialect_has_its_types_and_a_window_key() {
        let layout = Layout::of(
            "operations",
            1101,
            &fields(&[
                ("Day", "Date"),
                ("Amount", "Number"),
                ("At", "Time"),
                ("Odd", "Money"),
            ]),
        );
        let pg = layout.create(Dialect::Postgres);
        assert_eq!(
            pg,
            "CREATE TABLE IF NOT EXISTS \"report_operations_1101\" (\"tenant\" bigint NOT NULL, \
             \"report\" text NOT NULL, \"window_from\" date NOT NULL, \"window_to\" date NOT NULL, \
             \"row\" bigint NOT NULL, \"day\" date, \"amount\" numeric, \"at\" time, \"odd\" jsonb, \
             \"extra\" jsonb, PRIMARY KEY (\"tenant\", \"report\", \"window_from\", \"window_to\", \
             \"row\"))"
        );
        let lite = layout.create(Dialect::Sqlite);
        assert!(
            lite.ends_with(")) STRICT") && lite.contains("\"amount\" TEXT"),
            "{lite}"
        );
        let insert = layout.insert(&[true, true, false, true], Dialect::Postgres);
        assert!(
            insert.contains(
                "(x.e->>0)::date, (x.e->>1)::numeric, (x.e->>2)::jsonb, (x.e->>3)::jsonb FROM \
                 jsonb_array_elements($6::text::jsonb) WITH ORDINALITY AS x(e, n)"
            ),
            "{insert}"
        );
        assert!(!insert.contains("\"at\""), "{insert}");
        let lite = layout.insert(&[true; 4], Dialect::Sqlite);
        assert!(
            lite.ends_with("VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
            "{lite}"
        );
    }

    #[test]
    fn a_column_missing_is_added_and_one_of_another_type_left_unused() {
        let layout = Layout::of(
            "operations",
            1101,
            &fields(&[("Day", "Date"), ("Amount", "Number"), ("At", "Time")]),
        );
        let existing =
            [("day", "date"), ("amount", "text")].map(|(n, t)| (n.to_string(), t.to_string()));
        let (usable, add) = plan(&layout, &existing, Dialect::Postgres);
        assert_eq!(usable, [true, false, true]);
        assert_eq!(
            add,
            ["ALTER TABLE \"report_operations_1101\" ADD COLUMN \"at\" time"]
        );
        assert!(Kind::Time.is(Dialect::Postgres, "time without time zone"));
        assert!(Kind::Boolean.is(Dialect::Sqlite, "integer"));
    }

    #[test]
    fn values_without_a_typed_column_go_into_extra() {
        let cell = |kind, c: Cell| Value::of(kind, &c);
        assert_eq!(
            cell(Kind::Number, Cell::Number("12.50".parse().unwrap())),
            Some(Value::Text("12.50".into()))
        );
        assert_eq!(cell(Kind::Number, Cell::Raw(json!("n/a"))), None);
        assert_eq!(
            cell(Kind::Json, Cell::Raw(json!({"a": 1}))),
            Some(Value::Text("{\"a\":1}".into()))
        );
        assert_eq!(cell(Kind::Boolean, Cell::Null), Some(Value::Null));
    }
}
