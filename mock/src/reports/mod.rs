//! Pages whose rows are lists of values labelled by their `fields` (a report's data, a
//! dynamic value set): the stand-in's own reports (`catalog.rs`: definition, parameters
//! and dated data from one description) are answered from their description; any other
//! report, and any other dynamic value set, with a table of `--records` rows, one column
//! of each data type the documents name, paged like a list, so that a program reads them
//! by column name and its streams end.

pub(crate) mod catalog;

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
    let fields: Vec<Value> = COLUMNS
        .iter()
        .map(|(name, ty)| json!({"name": name, "label": name, "dataType": ty}))
        .collect();
    labelled_page(
        q,
        records,
        |range| range.map(|i| row(i + 1)).collect(),
        fields,
    )
}

/// The page `q` asks for of `records` rows labelled by `fields`, its rows made by `rows`
/// from their range.
pub(crate) fn labelled_page(
    q: &Query,
    records: usize,
    rows: impl FnOnce(std::ops::Range<usize>) -> Vec<Value>,
    fields: Vec<Value>,
) -> Result<Value, Problems> {
    let asked = PageAsked::of(q)?;
    let (range, more) = asked.range(records);
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
        "data": rows(range),
        "fields": fields,
    }))
}

/// The answer to a reporting call about one of the stand-in's own reports (or dynamic
/// value sets), from its description; `None` for anything else.
pub(crate) fn own_answer(
    op_id: &str,
    path: &str,
    body: Option<&Value>,
    q: &Query,
) -> Option<Result<Value, Problems>> {
    let segments: Vec<&str> = path.split('/').collect();
    let after = |name: &str| {
        segments
            .iter()
            .position(|s| *s == name)
            .and_then(|i| segments.get(i + 1))
            .copied()
    };
    let report = || catalog::find(after("report-category")?, after("reports")?.parse().ok()?);
    match op_id {
        "ReportCategoryReports_GetReports" => {
            let category = after("report-category")?;
            catalog::REPORTS
                .iter()
                .any(|r| r.category == category)
                .then(|| Ok(catalog::listing(category)))
        }
        "ReportCategoryReports_Get" => report().map(|r| Ok(catalog::definition(r))),
        "ReportCategoryReports_GetData" => report().map(|r| catalog::data(r, body, q)),
        "DynamicValueSets_GetDynamicSet" => {
            catalog::dynamic_set(after("dynamic-value-sets")?).map(Ok)
        }
        _ => None,
    }
}
