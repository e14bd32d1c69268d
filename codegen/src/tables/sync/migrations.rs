//! The schema's history: numbered migrations, each a list of steps, committed as
//! `cli/generated/migrations/NNNN.json`. Folding them gives the tables a database at the
//! newest version has; comparing that with the tables the documents give now yields the
//! next migration's steps. Nothing is ever dropped: a field the documents no longer have
//! keeps its column (retired, no longer filled). A column whose kind widens without loss
//! ([`widens`]: an integer to a decimal or a double, a date to a timestamp) is converted
//! in place, every row kept; any other change of kind is a step every database refuses,
//! naming the column and the change, until someone decides.

use super::{Column, Kind, Schema, Table};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One change to the tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// A new table, with its columns.
    CreateTable { table: String, columns: Vec<Column> },
    /// A new column, empty in the rows already there until a sync fills it.
    AddColumn { table: String, column: Column },
    /// A field the documents no longer have: the column stays, no longer filled.
    RetireColumn { table: String, column: String },
    /// A retired column whose field is back, with the same kind.
    ReviveColumn { table: String, column: String },
    /// A resource no longer synced: the table stays, no longer filled.
    RetireTable { table: String },
    /// Columns whose kind widened ([`widens`]): every row kept, its values converted.
    /// `columns` is the table as it is after the step, in order, retired columns too:
    /// SQLite cannot change a column's type, and builds the table again from them.
    Widen {
        table: String,
        widened: Vec<Widening>,
        columns: Vec<Column>,
    },
    /// A change that cannot be applied without loss (a column's kind changed, and not
    /// to a kind that holds every value of the old): every database refuses the
    /// migration, naming it.
    Refuse {
        table: String,
        column: String,
        from: Kind,
        to: Kind,
    },
}

/// One column's change of kind in a [`Step::Widen`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Widening {
    pub column: String,
    pub from: Kind,
    pub to: Kind,
}

/// Whether a column of kind `from` becomes one of kind `to` with every value kept: an
/// integer as a decimal or a double (exact below 2^53), a date as the instant it starts
/// (midnight, UTC). Nothing else: a decimal loses digits as a double, a narrowing loses
/// values, and text or JSON holds values no other kind can.
pub fn widens(from: Kind, to: Kind) -> bool {
    use Kind::*;
    matches!((from, to), (Integer, Decimal | Double) | (Date, Timestamp))
}

impl Step {
    /// A refused step's change, in words: `the column's kind changed, text -> integer`.
    pub fn refused_change(&self) -> Option<String> {
        match self {
            Step::Refuse { from, to, .. } => Some(format!(
                "the column's kind changed, {} -> {}",
                kind_name(*from),
                kind_name(*to)
            )),
            _ => None,
        }
    }
}

/// One numbered migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    pub version: u32,
    pub steps: Vec<Step>,
}

impl Migration {
    /// Its file's name under `migrations/`, without extension: `0001`.
    pub fn stem(&self) -> String {
        format!("{:04}", self.version)
    }

    pub fn render(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a migration serializes");
        s.push('\n');
        s
    }

    pub fn parse(text: &str) -> Result<Migration, String> {
        serde_json::from_str(text).map_err(|e| format!("not a migration: {e}"))
    }

    /// Why a database cannot apply this migration, when it cannot.
    pub fn refusals(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Refuse { table, column, .. } => {
                    Some(format!("{table}.{column}: {}", s.refused_change()?))
                }
                _ => None,
            })
            .collect()
    }
}

/// The migration for a change report: what it does to a database, step by step.
pub fn markdown(m: &Migration) -> String {
    let mut s = format!(
        "\n## Database tables: migration {}\n\nApplied by the next `servicetitan sync` to \
         a database it writes (`cli/generated/migrations/{}.*`).\n\n",
        m.stem(),
        m.stem()
    );
    for step in &m.steps {
        let line = match step {
            Step::CreateTable { table, columns } => {
                format!("table `{table}` created ({} columns)", columns.len())
            }
            Step::AddColumn { table, column } => format!(
                "`{table}.{}` added ({}), empty in existing rows until a sync fills it",
                column.name,
                kind_name(column.kind)
            ),
            Step::RetireColumn { table, column } => {
                format!("`{table}.{column}` retired: kept, no longer filled")
            }
            Step::ReviveColumn { table, column } => format!("`{table}.{column}` filled again"),
            Step::RetireTable { table } => {
                format!("table `{table}` retired: kept, no longer filled")
            }
            Step::Widen { table, widened, .. } => widened
                .iter()
                .map(|w| {
                    format!(
                        "`{table}.{}` widened, {} -> {}: every row kept, its value converted \
                         (SQLite builds the table again, with its indexes)",
                        w.column,
                        kind_name(w.from),
                        kind_name(w.to)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n- "),
            Step::Refuse { table, column, .. } => format!(
                "**refused**: `{table}.{column}`: {}, not a widening (an integer to a decimal \
                 or a double, a date to a timestamp); no database applies this migration \
                 until it is replaced by one that says what to do with the column's data",
                step.refused_change().unwrap_or_default()
            ),
        };
        s.push_str(&format!("- {line}\n"));
    }
    s
}

/// A column as a database at some version has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Present {
    pub column: Column,
    pub retired: bool,
}

/// A table as a database at some version has it: its columns in order, and whether it
/// is retired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    pub retired: bool,
    pub columns: Vec<Present>,
}

impl Stored {
    fn column(&self, name: &str) -> Option<&Present> {
        self.columns.iter().find(|p| p.column.name == name)
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Present> {
        self.columns.iter_mut().find(|p| p.column.name == name)
    }
}

/// The tables a database at the newest of `history` has, by name.
pub type State = BTreeMap<String, Stored>;

/// What applying every migration of `history`, in order, gives.
pub fn fold(history: &[Migration]) -> State {
    let mut state = State::new();
    let live = |c: &Column| Present {
        column: c.clone(),
        retired: false,
    };
    for step in history.iter().flat_map(|m| &m.steps) {
        match step {
            Step::CreateTable { table, columns } => {
                let columns = columns.iter().map(live).collect();
                state.insert(
                    table.clone(),
                    Stored {
                        retired: false,
                        columns,
                    },
                );
            }
            Step::AddColumn { table, column } => {
                stored(&mut state, table).columns.push(live(column));
            }
            Step::RetireColumn { table, column } | Step::ReviveColumn { table, column } => {
                let retired = matches!(step, Step::RetireColumn { .. });
                if let Some(c) = stored(&mut state, table).column_mut(column) {
                    c.retired = retired;
                }
            }
            Step::RetireTable { table } => stored(&mut state, table).retired = true,
            Step::Widen { table, widened, .. } => {
                let t = stored(&mut state, table);
                for w in widened {
                    if let Some(c) = t.column_mut(&w.column) {
                        c.column.kind = w.to;
                    }
                }
            }
            // The migration claims the new kind: the next comparison does not refuse the
            // same change again.
            Step::Refuse {
                table, column, to, ..
            } => {
                if let Some(c) = stored(&mut state, table).column_mut(column) {
                    c.column.kind = *to;
                }
            }
        }
    }
    state
}

fn stored<'a>(state: &'a mut State, table: &str) -> &'a mut Stored {
    state.entry(table.to_string()).or_default()
}

/// The steps from `state` to `schema`, or none when they agree.
pub fn steps(state: &State, schema: &Schema) -> Vec<Step> {
    let mut out = Vec::new();
    for (name, table) in &schema.tables {
        match state.get(name) {
            None => out.push(Step::CreateTable {
                table: name.clone(),
                columns: table.columns.clone(),
            }),
            Some(stored) => column_steps(name, table, stored, &mut out),
        }
    }
    for (name, stored) in state {
        match schema.tables.get(name) {
            None if !stored.retired => out.push(Step::RetireTable {
                table: name.clone(),
            }),
            None => {}
            Some(table) => {
                for p in &stored.columns {
                    let gone = !table.columns.iter().any(|c| c.name == p.column.name);
                    if gone && !p.retired {
                        out.push(Step::RetireColumn {
                            table: name.clone(),
                            column: p.column.name.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// A table's steps: columns added, kinds widened (one step for the table, after the
/// columns it adds) or refused, columns filled again.
fn column_steps(name: &str, table: &Table, stored: &Stored, out: &mut Vec<Step>) {
    let mut widened = Vec::new();
    let mut added = Vec::new();
    for c in &table.columns {
        let Some(p) = stored.column(&c.name) else {
            out.push(Step::AddColumn {
                table: name.to_string(),
                column: c.clone(),
            });
            added.push(c.clone());
            continue;
        };
        let (from, to) = (p.column.kind, c.kind);
        if from != to && !widens(from, to) {
            out.push(Step::Refuse {
                table: name.to_string(),
                column: c.name.clone(),
                from,
                to,
            });
            continue;
        }
        if from != to {
            widened.push(Widening {
                column: c.name.clone(),
                from,
                to,
            });
        }
        if p.retired {
            out.push(Step::ReviveColumn {
                table: name.to_string(),
                column: c.name.clone(),
            });
        }
    }
    if widened.is_empty() {
        return;
    }
    let columns = stored
        .columns
        .iter()
        .map(|p| {
            let mut c = p.column.clone();
            if let Some(w) = widened.iter().find(|w| w.column == c.name) {
                c.kind = w.to;
            }
            c
        })
        .chain(added)
        .collect();
    out.push(Step::Widen {
        table: name.to_string(),
        widened,
        columns,
    });
}

/// A kind as the migrations' files spell it: `integer`, `timestamp`.
pub fn kind_name(k: Kind) -> String {
    match serde_json::to_value(k) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{k:?}"),
    }
}

/// `history` and, when the documents' tables differ from what it leads to, one more
/// migration that takes a database there.
pub fn extend(history: &[Migration], schema: &Schema) -> Vec<Migration> {
    let mut out = history.to_vec();
    let steps = steps(&fold(history), schema);
    if !steps.is_empty() {
        let version = history.last().map_or(1, |m| m.version + 1);
        out.push(Migration { version, steps });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, kind: Kind) -> Column {
        Column {
            name: name.into(),
            wire: name.into(),
            kind,
        }
    }

    fn schema(columns: Vec<Column>) -> Schema {
        let table = Table {
            name: "crm_customers".into(),
            module: "crm".into(),
            sources: vec!["Customers_GetList".into()],
            models: vec!["CustomerResponse".into()],
            columns,
        };
        Schema {
            tables: [(table.name.clone(), table)].into(),
            skipped: vec![],
        }
    }

    #[test]
    fn a_new_field_is_a_column_added_and_nothing_is_dropped() {
        let v1 = extend(&[], &schema(vec![col("id", Kind::Integer)]));
        assert_eq!(v1.len(), 1);
        assert!(matches!(v1[0].steps[0], Step::CreateTable { .. }));
        assert_eq!(extend(&v1, &schema(vec![col("id", Kind::Integer)])), v1);
        let with_name = schema(vec![col("id", Kind::Integer), col("name", Kind::Text)]);
        let v2 = extend(&v1, &with_name);
        assert_eq!(v2.len(), 2);
        assert_eq!(
            v2[1].steps,
            [Step::AddColumn {
                table: "crm_customers".into(),
                column: col("name", Kind::Text)
            }]
        );
        let v3 = extend(&v2, &schema(vec![col("id", Kind::Integer)]));
        assert!(
            matches!(&v3[2].steps[..], [Step::RetireColumn { column, .. }] if column == "name")
        );
        let v4 = extend(&v3, &with_name);
        assert!(
            matches!(&v4[3].steps[..], [Step::ReviveColumn { column, .. }] if column == "name")
        );
        assert_eq!(extend(&v4, &with_name), v4, "settled");
    }

    #[test]
    fn a_changed_kind_is_refused_once() {
        let v1 = extend(
            &[],
            &schema(vec![col("id", Kind::Integer), col("n", Kind::Text)]),
        );
        let narrowed = schema(vec![col("id", Kind::Integer), col("n", Kind::Integer)]);
        let v2 = extend(&v1, &narrowed);
        assert_eq!(
            v2[1].refusals(),
            ["crm_customers.n: the column's kind changed, text -> integer"]
        );
        assert_eq!(extend(&v2, &narrowed), v2, "not refused twice");
        let again = Migration::parse(&v2[1].render()).expect("parses");
        assert_eq!(again, v2[1]);
        let report = markdown(&v2[1]);
        assert!(
            report.contains("## Database tables: migration 0002"),
            "{report}"
        );
        assert!(
            report.contains("**refused**: `crm_customers.n`"),
            "{report}"
        );
    }

    #[test]
    fn only_changes_that_keep_every_value_are_widenings() {
        use Kind::*;
        for (from, to) in [(Integer, Decimal), (Integer, Double), (Date, Timestamp)] {
            assert!(widens(from, to), "{from:?} -> {to:?}");
        }
        for (from, to) in [
            (Decimal, Double),
            (Decimal, Integer),
            (Double, Integer),
            (Double, Decimal),
            (Timestamp, Date),
            (Text, Integer),
            (Integer, Text),
            (Uuid, Text),
            (Json, Text),
            (Integer, Integer),
        ] {
            assert!(!widens(from, to), "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn a_widened_kind_is_converted_in_place_with_the_table_as_it_stands() {
        let v1 = extend(
            &[],
            &schema(vec![
                col("id", Kind::Integer),
                col("n", Kind::Integer),
                col("gone", Kind::Text),
                col("d", Kind::Date),
            ]),
        );
        let v2 = extend(
            &v1,
            &schema(vec![
                col("id", Kind::Integer),
                col("n", Kind::Integer),
                col("d", Kind::Date),
            ]),
        );
        let widened = schema(vec![
            col("id", Kind::Integer),
            col("n", Kind::Decimal),
            col("d", Kind::Timestamp),
            col("email", Kind::Text),
        ]);
        let v3 = extend(&v2, &widened);
        let widening = |column: &str, from, to| Widening {
            column: column.into(),
            from,
            to,
        };
        assert_eq!(
            v3[2].steps,
            [
                Step::AddColumn {
                    table: "crm_customers".into(),
                    column: col("email", Kind::Text),
                },
                Step::Widen {
                    table: "crm_customers".into(),
                    widened: vec![
                        widening("n", Kind::Integer, Kind::Decimal),
                        widening("d", Kind::Date, Kind::Timestamp),
                    ],
                    // In the database's order, the retired column kept, the added last.
                    columns: vec![
                        col("id", Kind::Integer),
                        col("n", Kind::Decimal),
                        col("gone", Kind::Text),
                        col("d", Kind::Timestamp),
                        col("email", Kind::Text),
                    ],
                },
            ]
        );
        assert!(v3[2].refusals().is_empty());
        assert_eq!(extend(&v3, &widened), v3, "settled");
        let stored = &fold(&v3)["crm_customers"];
        assert_eq!(
            stored.column("n").map(|p| p.column.kind),
            Some(Kind::Decimal)
        );
        assert_eq!(Migration::parse(&v3[2].render()).expect("parses"), v3[2]);
        let report = markdown(&v3[2]);
        assert!(
            report.contains(
                "- `crm_customers.n` widened, integer -> decimal: every row kept, its value converted"
            ) && report.contains("- `crm_customers.d` widened, date -> timestamp:"),
            "{report}"
        );
        assert!(!report.contains("refused"), "{report}");
    }

    #[test]
    fn a_retired_column_back_widened_is_widened_and_filled_again() {
        let v1 = extend(
            &[],
            &schema(vec![col("id", Kind::Integer), col("n", Kind::Integer)]),
        );
        let v2 = extend(&v1, &schema(vec![col("id", Kind::Integer)]));
        let v3 = extend(
            &v2,
            &schema(vec![col("id", Kind::Integer), col("n", Kind::Double)]),
        );
        assert!(
            matches!(&v3[2].steps[..], [Step::ReviveColumn { column, .. }, Step::Widen { widened, .. }]
                if column == "n" && widened.len() == 1),
            "{:?}",
            v3[2].steps
        );
    }

    #[test]
    fn a_narrowing_is_refused_naming_the_column_beside_a_widening() {
        let v1 = extend(
            &[],
            &schema(vec![
                col("id", Kind::Integer),
                col("total", Kind::Decimal),
                col("n", Kind::Integer),
            ]),
        );
        let v2 = extend(
            &v1,
            &schema(vec![
                col("id", Kind::Integer),
                col("total", Kind::Double),
                col("n", Kind::Decimal),
            ]),
        );
        assert_eq!(
            v2[1].refusals(),
            ["crm_customers.total: the column's kind changed, decimal -> double"]
        );
        let report = markdown(&v2[1]);
        assert!(
            report.contains("**refused**: `crm_customers.total`: the column's kind changed, decimal -> double, not a widening")
                && report.contains("`crm_customers.n` widened, integer -> decimal"),
            "{report}"
        );
    }
}
