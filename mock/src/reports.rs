//! Pages whose rows are lists of values labelled by their `fields` (a report's data, a
//! dynamic value set): the stand-in answers them with a table of `--records` rows, one
//! column of each data type the documents name, paged like a list, so that a program
//! reads them by column name and its streams end.

use crate::data::date_time;
use crate::store::{PageAsked, Query};
use crate::validate::Problems;
use serde_json::{json, Value};

/// The table's columns: name and data type (`Reporting.V2.DataType`).
const COLUMNS: [(&str, &str); 5] = [
    ("Name", "String"),
    ("Total", "Number"),
    ("Active", "Boolean"),
    ("Date", "Date"),
    ("Time", "Time"),
];

/// Row `n` (from 1): a value of each column's type, the same for the same `n`.
fn row(n: usize) -> Value {
    let t = crate::data::EPOCH + n as i64 * 3_600;
    json!([
        format!("Row {n}"),
        n as f64 * 12.5,
        n % 2 == 1,
        date_time(t)[..10],
        format!("{:02}:{:02}:00", n % 24, n * 7 % 60),
    ])
}

/// The page `q` asks for of a table of `records` rows.
pub(crate) fn table_page(q: &Query, records: usize) -> Result<Value, Problems> {
    let asked = PageAsked::of(q)?;
    let (range, more) = asked.range(records);
    let rows: Vec<Value> = range.map(|i| row(i + 1)).collect();
    let fields: Vec<Value> = COLUMNS
        .iter()
        .map(|(name, ty)| json!({"name": name, "label": name, "dataType": ty}))
        .collect();
    let total = if asked.include_total {
        json!(records)
    } else {
        Value::Null
    };
    Ok(json!({
        "page": asked.page,
        "pageSize": asked.size,
        "hasMore": more,
        "totalCount": total,
        "data": rows,
        "fields": fields,
    }))
}
