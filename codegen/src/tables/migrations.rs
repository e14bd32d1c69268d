//! The schema's history: numbered migrations, each a list of steps, committed as
//! `cli/generated/migrations/NNNN.json`. Folding them gives the tables a database at the
//! newest version has; comparing that with the tables the documents give now yields the
//! next migration's steps. Nothing is ever dropped: a field the documents no longer have
//! keeps its column (retired, no longer filled), and a column whose kind changes is a
//! step every database refuses, naming the change, until someone decides.

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
    /// A change that cannot be applied without loss (a column's kind changed): every
    /// database refuses the migration, naming it.
    Refuse {
        table: String,
        column: String,
        from: Kind,
        to: Kind,
    },
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
            Step::Refuse { table, column, .. } => format!(
                "**refused**: `{table}.{column}`: {}; no database applies this migration \
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
    pub kind: Kind,
    pub retired: bool,
}

/// The tables a database at the newest of `history` has: table -> column -> state, and
/// whether the table is retired.
pub type State = BTreeMap<String, (bool, BTreeMap<String, Present>)>;

/// What applying every migration of `history`, in order, gives.
pub fn fold(history: &[Migration]) -> State {
    let mut state = State::new();
    for step in history.iter().flat_map(|m| &m.steps) {
        match step {
            Step::CreateTable { table, columns } => {
                let cols = columns
                    .iter()
                    .map(|c| {
                        let present = Present {
                            kind: c.kind,
                            retired: false,
                        };
                        (c.name.clone(), present)
                    })
                    .collect();
                state.insert(table.clone(), (false, cols));
            }
            Step::AddColumn { table, column } => {
                let present = Present {
                    kind: column.kind,
                    retired: false,
                };
                columns(&mut state, table).insert(column.name.clone(), present);
            }
            Step::RetireColumn { table, column } | Step::ReviveColumn { table, column } => {
                let retired = matches!(step, Step::RetireColumn { .. });
                if let Some(c) = columns(&mut state, table).get_mut(column) {
                    c.retired = retired;
                }
            }
            Step::RetireTable { table } => {
                if let Some(t) = state.get_mut(table) {
                    t.0 = true;
                }
            }
            // The migration claims the new kind: the next comparison does not refuse the
            // same change again.
            Step::Refuse {
                table, column, to, ..
            } => {
                if let Some(c) = columns(&mut state, table).get_mut(column) {
                    c.kind = *to;
                }
            }
        }
    }
    state
}

fn columns<'a>(state: &'a mut State, table: &str) -> &'a mut BTreeMap<String, Present> {
    &mut state.entry(table.to_string()).or_default().1
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
            Some((_, present)) => column_steps(name, table, present, &mut out),
        }
    }
    for (name, (retired, present)) in state {
        match schema.tables.get(name) {
            None if !retired => out.push(Step::RetireTable {
                table: name.clone(),
            }),
            None => {}
            Some(table) => {
                for (column, p) in present {
                    let gone = !table.columns.iter().any(|c| &c.name == column);
                    if gone && !p.retired {
                        out.push(Step::RetireColumn {
                            table: name.clone(),
                            column: column.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

fn column_steps(
    name: &str,
    table: &Table,
    present: &BTreeMap<String, Present>,
    out: &mut Vec<Step>,
) {
    for c in &table.columns {
        match present.get(&c.name) {
            None => out.push(Step::AddColumn {
                table: name.to_string(),
                column: c.clone(),
            }),
            Some(p) if p.kind != c.kind => out.push(Step::Refuse {
                table: name.to_string(),
                column: c.name.clone(),
                from: p.kind,
                to: c.kind,
            }),
            Some(p) if p.retired => out.push(Step::ReviveColumn {
                table: name.to_string(),
                column: c.name.clone(),
            }),
            Some(_) => {}
        }
    }
}

fn kind_name(k: Kind) -> String {
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
}
