//! The stand-in's own reports: each one description that its definition
//! (`ReportCategoryReports_Get`), its place in its category's list, its data
//! (`ReportCategoryReports_GetData`) and the dynamic value set of a parameter are all
//! answered from, so they agree. The data is checked as the API checks it (an unknown
//! parameter, a missing required one, a value not of its data type, a list for a single
//! value, a value outside those listed: 400, naming the parameter), and is dated: a
//! report over `From`..`To` has rows for those days only. One report, by design, answers
//! its data with other columns than its definition lists (`answers_with`: one added, two
//! swapped), as a report changed since a client read its definition; another requires a
//! parameter besides its dates (`operations/1103`: its business units).

use crate::data::{date_time, EPOCH};
use crate::store::Query;
use crate::validate::Problems;
use serde_json::{json, Value};

/// A parameter: name, data type, list or not, required or not, accepted values.
pub(crate) struct Param {
    pub name: &'static str,
    pub data_type: &'static str,
    pub is_array: bool,
    pub required: bool,
    pub accepts: Accepts,
}

/// Which values a parameter takes.
pub(crate) enum Accepts {
    Any,
    /// Listed in the definition.
    Listed(&'static [&'static str]),
    /// The values of a dynamic value set, by its id.
    Set(&'static str),
}

/// A report of the stand-in.
pub(crate) struct Report {
    pub category: &'static str,
    pub id: i64,
    pub name: &'static str,
    pub params: &'static [Param],
    /// Column names and data types, as its definition lists them.
    pub fields: &'static [(&'static str, &'static str)],
    /// The columns its data answers with, when they are not the definition's (a report
    /// changed since its definition was read): each row's values in this order.
    pub answers_with: Option<&'static [(&'static str, &'static str)]>,
}

/// The first day of a dated report's range.
const FROM: Param = Param {
    name: "From",
    data_type: "Date",
    is_array: false,
    required: true,
    accepts: Accepts::Any,
};

/// Its last day.
const TO: Param = Param {
    name: "To",
    data_type: "Date",
    is_array: false,
    required: true,
    accepts: Accepts::Any,
};

/// The parameters of the revenue reports.
const REVENUE_PARAMS: &[Param] = &[
    FROM,
    TO,
    Param {
        name: "BusinessUnitIds",
        data_type: "Number",
        is_array: true,
        required: false,
        accepts: Accepts::Set("business-units"),
    },
    Param {
        name: "Status",
        data_type: "String",
        is_array: false,
        required: false,
        accepts: Accepts::Listed(&["Open", "Closed"]),
    },
    Param {
        name: "IncludeAdjustments",
        data_type: "Boolean",
        is_array: false,
        required: false,
        accepts: Accepts::Any,
    },
];

/// The columns of the revenue reports' definitions.
const REVENUE_FIELDS: &[(&str, &str)] = &[
    ("Date", "Date"),
    ("BusinessUnitId", "Number"),
    ("BusinessUnit", "String"),
    ("Revenue", "Number"),
    ("Jobs", "Number"),
    ("Margin", "Number"),
    ("Closed", "Boolean"),
];

/// Revenue by business unit, a day at a time: three rows a day, one per business unit.
/// Its `Margin` column is declared a number, but every fifth row says `"n/a"` (as real
/// reports' columns sometimes do).
pub(crate) const REVENUE: Report = Report {
    category: "operations",
    id: 1101,
    name: "Revenue by business unit",
    params: REVENUE_PARAMS,
    fields: REVENUE_FIELDS,
    answers_with: None,
};

/// The same report changed since its definition: its data answers with a column the
/// definition lacks (`Region`, third) and `Revenue` and `BusinessUnit` swapped; every
/// value the same as [`REVENUE`]'s under the same name.
pub(crate) const REVENUE_CHANGED: Report = Report {
    category: "operations",
    id: 1102,
    name: "Revenue by business unit (columns changed)",
    params: REVENUE_PARAMS,
    fields: REVENUE_FIELDS,
    answers_with: Some(&[
        ("Date", "Date"),
        ("BusinessUnitId", "Number"),
        ("Region", "String"),
        ("Revenue", "Number"),
        ("BusinessUnit", "String"),
        ("Jobs", "Number"),
        ("Margin", "Number"),
        ("Closed", "Boolean"),
    ]),
};

/// The parameters of the jobs report: its business units required.
const JOBS_PARAMS: &[Param] = &[
    FROM,
    TO,
    Param {
        name: "BusinessUnitIds",
        data_type: "Number",
        is_array: true,
        required: true,
        accepts: Accepts::Set("business-units"),
    },
    Param {
        name: "DateType",
        data_type: "String",
        is_array: false,
        required: false,
        accepts: Accepts::Listed(&["Created", "Completed"]),
    },
];

/// Jobs by business unit, a day at a time: a row a day for each business unit asked for
/// (`BusinessUnitIds` is required: a run without it is refused, as the API refuses one);
/// its `FirstCall` column a time of day.
pub(crate) const JOBS: Report = Report {
    category: "operations",
    id: 1103,
    name: "Jobs by business unit",
    params: JOBS_PARAMS,
    fields: &[
        ("Date", "Date"),
        ("BusinessUnitId", "Number"),
        ("BusinessUnit", "String"),
        ("Jobs", "Number"),
        ("Revenue", "Number"),
        ("FirstCall", "Time"),
        ("Closed", "Boolean"),
    ],
    answers_with: None,
};

/// Every report of the stand-in.
pub(crate) const REPORTS: &[Report] = &[REVENUE, REVENUE_CHANGED, JOBS];

/// The business units: the dynamic value set `business-units`.
const BUSINESS_UNITS: [(i64, &str); 3] = [(1, "North"), (2, "South"), (3, "East")];

/// The report at `category`/`id`, if the stand-in has it.
pub(crate) fn find(category: &str, id: i64) -> Option<&'static Report> {
    REPORTS
        .iter()
        .find(|r| r.category == category && r.id == id)
}

/// A report's definition, as `ReportCategoryReports_Get` answers it.
pub(crate) fn definition(r: &Report) -> Value {
    let params: Vec<Value> = r
        .params
        .iter()
        .map(|p| {
            let accept = match p.accepts {
                Accepts::Any => Value::Null,
                Accepts::Listed(values) => json!({
                    "fields": [{"name": "Value", "label": "Value", "dataType": p.data_type}],
                    "values": values.iter().map(|v| json!([v])).collect::<Vec<_>>(),
                }),
                Accepts::Set(set) => json!({"dynamicSetId": set}),
            };
            json!({
                "name": p.name,
                "label": p.name,
                "dataType": p.data_type,
                "isArray": p.is_array,
                "isRequired": p.required,
                "acceptValues": accept,
            })
        })
        .collect();
    json!({
        "id": r.id,
        "name": r.name,
        "description": format!("{} (a report of the stand-in)", r.name),
        "modifiedOn": date_time(EPOCH),
        "parameters": params,
        "fields": fields(r.fields),
    })
}

fn fields(list: &[(&str, &str)]) -> Vec<Value> {
    list.iter()
        .map(|(name, ty)| json!({"name": name, "label": name, "dataType": ty}))
        .collect()
}

/// A category's reports, as `ReportCategoryReports_GetReports` lists them (one page).
pub(crate) fn listing(category: &str) -> Value {
    let items: Vec<Value> = REPORTS
        .iter()
        .filter(|r| r.category == category)
        .map(|r| json!({"id": r.id, "name": r.name, "description": r.name, "modifiedOn": date_time(EPOCH)}))
        .collect();
    json!({"page": 1, "pageSize": 50, "hasMore": false, "totalCount": items.len(), "data": items})
}

/// A dynamic value set the stand-in's reports use.
pub(crate) fn dynamic_set(id: &str) -> Option<Value> {
    (id == "business-units").then(|| {
        json!({
            "page": 1, "pageSize": 50, "hasMore": false, "totalCount": BUSINESS_UNITS.len(),
            "fields": fields(&[("Value", "Number"), ("Name", "String")]),
            "data": BUSINESS_UNITS.iter().map(|(id, name)| json!([id, name])).collect::<Vec<_>>(),
        })
    })
}

/// The page of a report's data that `q` asks for, its parameters checked as the API does.
pub(crate) fn data(r: &Report, body: Option<&Value>, q: &Query) -> Result<Value, Problems> {
    let given = parameters(r, body)?;
    let day = |name: &str| {
        given
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_str())
            .and_then(day_number)
    };
    let (Some(from), Some(to)) = (day("From"), day("To")) else {
        return Err(vec![(
            "From".into(),
            "The report needs From and To.".into(),
        )]);
    };
    if to < from || to - from > 3_660 {
        return Err(vec![(
            "To".into(),
            "To must be on or after From, within ten years.".into(),
        )]);
    }
    let units: Option<Vec<i64>> = given
        .iter()
        .find(|(n, _)| *n == "BusinessUnitIds")
        .and_then(|(_, v)| v.as_array())
        .map(|a| a.iter().filter_map(Value::as_i64).collect());
    let mut rows = Vec::new();
    for d in from..=to {
        for (unit, name) in BUSINESS_UNITS {
            if units.as_ref().is_some_and(|u| !u.contains(&unit)) {
                continue;
            }
            rows.push(row(r, d, unit, name));
        }
    }
    let count = rows.len();
    let columns = r.answers_with.unwrap_or(r.fields);
    super::labelled_page(q, count, |range| rows[range].to_vec(), fields(columns))
}

/// The row of business unit `unit` on day `d` (days since 1970-01-01), its values in the
/// order of the columns `r` answers with.
fn row(r: &Report, d: i64, unit: i64, name: &str) -> Value {
    let n = d * 3 + unit;
    let revenue = format!("{}.{:02}", 1_000 + n % 9_000, n % 100);
    let margin = if n % 5 == 0 {
        json!("n/a")
    } else {
        json!((n % 40) as f64 + 0.5)
    };
    let value = |column: &str| match column {
        "Date" => json!(&date_time(d * 86_400)[..10]),
        "BusinessUnitId" => json!(unit),
        "BusinessUnit" => json!(name),
        "Revenue" => json!(revenue.parse::<f64>().unwrap_or(0.0)),
        "Jobs" => json!(n % 17),
        "Margin" => margin.clone(),
        "Closed" => json!(n % 2 == 0),
        "Region" => json!(if unit == 1 { "Upstate" } else { "Downstate" }),
        "FirstCall" => json!(format!("{:02}:{:02}:00", 7 + n % 4, n * 7 % 60)),
        _ => Value::Null,
    };
    let columns = r.answers_with.unwrap_or(r.fields);
    Value::Array(columns.iter().map(|(c, _)| value(c)).collect())
}

/// The parameters of a data request, checked against the report's definition.
fn parameters<'a>(
    r: &Report,
    body: Option<&'a Value>,
) -> Result<Vec<(&'a str, &'a Value)>, Problems> {
    let mut problems = Problems::new();
    let list = body
        .and_then(|b| b.get("parameters"))
        .and_then(Value::as_array);
    let mut given = Vec::new();
    for p in list.into_iter().flatten() {
        let (Some(name), Some(value)) = (p.get("name").and_then(Value::as_str), p.get("value"))
        else {
            problems.push((
                "parameters".into(),
                "A parameter needs a name and a value.".into(),
            ));
            continue;
        };
        match r.params.iter().find(|d| d.name.eq_ignore_ascii_case(name)) {
            None => problems.push((name.into(), format!("The report has no parameter {name}."))),
            Some(d) => match check(d, value) {
                Ok(()) => given.push((d.name, value)),
                Err(m) => problems.push((d.name.into(), m)),
            },
        }
    }
    for d in r.params.iter().filter(|d| d.required) {
        if !given.iter().any(|(n, _)| *n == d.name) {
            problems.push((
                d.name.into(),
                format!("The {} parameter is required.", d.name),
            ));
        }
    }
    if problems.is_empty() {
        Ok(given)
    } else {
        Err(problems)
    }
}

/// A value against its parameter's data type, list-ness and accepted values.
fn check(d: &Param, value: &Value) -> Result<(), String> {
    let values: Vec<&Value> = match (d.is_array, value) {
        (true, Value::Array(a)) => a.iter().collect(),
        (true, _) => return Err(format!("{} takes a list.", d.name)),
        (false, Value::Array(_)) => return Err(format!("{} takes one value, not a list.", d.name)),
        (false, v) => vec![v],
    };
    for v in values {
        let fits = match d.data_type {
            "Date" => v.as_str().and_then(day_number).is_some(),
            "Number" => v.is_number(),
            "Boolean" => v.is_boolean(),
            "Time" => v
                .as_str()
                .is_some_and(|t| t.len() >= 5 && t.as_bytes()[2] == b':'),
            _ => v.is_string(),
        };
        if !fits {
            return Err(format!("The value {v} is not a valid {}.", d.data_type));
        }
        if let Accepts::Listed(list) = d.accepts {
            if !v.as_str().is_some_and(|s| list.contains(&s)) {
                return Err(format!("{v} is not one of the values of {}.", d.name));
            }
        }
    }
    Ok(())
}

/// `YYYY-MM-DD` as days since 1970-01-01; `None` for anything else (`2026-02-30` too).
pub(crate) fn day_number(s: &str) -> Option<i64> {
    let s = s.get(..10)?;
    let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    // Only the canonical form: `2026-1-01` is no day of the API's.
    (day.format("%Y-%m-%d").to_string() == s)
        .then(|| (day - chrono::DateTime::UNIX_EPOCH.date_naive()).num_days())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_counted_from_1970_and_impossible_dates_refused() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2026-11-01"), Some(20_758));
        assert_eq!(day_number("2026-02-30"), None);
        assert_eq!(day_number("11/01/2026"), None);
    }

    #[test]
    fn the_changed_report_answers_the_same_values_under_the_same_names() {
        let by_name = |r: &Report| {
            let columns = r.answers_with.unwrap_or(r.fields);
            let values = row(r, 20_758, 2, "South");
            let values = values.as_array().cloned().unwrap_or_default();
            assert_eq!(values.len(), columns.len());
            columns
                .iter()
                .map(|(c, _)| c.to_string())
                .zip(values)
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let (before, mut after) = (by_name(&REVENUE), by_name(&REVENUE_CHANGED));
        assert_eq!(after.remove("Region"), Some(json!("Downstate")));
        assert_eq!(before, after);
        let order = |r: &Report| r.answers_with.unwrap_or(r.fields).iter().map(|c| c.0);
        assert!(order(&REVENUE).ne(order(&REVENUE_CHANGED).filter(|c| *c != "Region")));
    }
}
