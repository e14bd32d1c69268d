//! `--report-param NAME=VALUE`: a report's own parameters besides its dates, each value
//! typed by the parameter's data type in the report's definition (a `Number` read as a
//! JSON number, a `Boolean` as `true` or `false`, the others as text), a name given
//! more than once a list, then checked by servicetitan-reports' own rules as it is set
//! (`Params::set`: an unknown name, a value not of its data type, a list for a single
//! value or the reverse, a value outside those listed), so every refusal names the
//! parameter and lists what the report takes.

use crate::fallible::Fallible;
use servicetitan::runtime::Json;
use servicetitan_reports::{Params, Report};

/// `NAME=VALUE` (the value may hold `=`; it may be empty, a name may not).
pub fn parse(text: &str) -> Fallible<(String, String)> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("--report-param `{text}`: not NAME=VALUE").into()),
    }
}

/// The values `given` for `report`'s parameters, set in the definition's order (so that a
/// checkpoint's record of them does not depend on the order of the options); the first
/// refusal, in words, when one is refused.
pub fn of<'r>(report: &'r Report, given: &[(String, String)]) -> Result<Params<'r>, String> {
    let dates = report.date_parameters().ok();
    for (name, _) in given {
        let Some(p) = report.parameter(name) else {
            // servicetitan-reports' refusal of an unknown name, with the parameters.
            return match report.params().set(name, Json::Null) {
                Err(e) => Err(e.to_string()),
                Ok(_) => Err(format!("report parameter `{name}` is not known")),
            };
        };
        if let Some((first, last)) = &dates {
            if p.name == *first || p.name == *last {
                return Err(format!(
                    "report parameter `{}` is each window's {} day, set by --report-from, \
                     --report-to and --report-window, not by --report-param",
                    p.name,
                    if p.name == *first { "first" } else { "last" }
                ));
            }
        }
    }
    let mut params = report.params();
    for p in report.parameters() {
        let values: Vec<Json> = given
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(&p.name))
            .map(|(_, v)| typed(&p.data_type, v))
            .collect();
        let value = match values.len() {
            0 => continue,
            1 if !p.is_array => values.into_iter().next().unwrap_or(Json::Null),
            _ => Json::Array(values),
        };
        params = params.set(&p.name, value).map_err(|e| e.to_string())?;
    }
    Ok(params)
}

/// A value as the parameter's data type reads it: a number or a boolean where it is one,
/// else text (which `Params::set` refuses for a `Number` or a `Boolean`).
fn typed(data_type: &str, v: &str) -> Json {
    let as_text = || Json::String(v.to_owned());
    match data_type {
        "Number" => serde_json::from_str::<Json>(v.trim())
            .ok()
            .filter(Json::is_number)
            .unwrap_or_else(as_text),
        "Boolean" if v.trim().eq_ignore_ascii_case("true") => Json::Bool(true),
        "Boolean" if v.trim().eq_ignore_ascii_case("false") => Json::Bool(false),
        _ => as_text(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pair_is_a_name_and_a_value() {
        assert_eq!(
            parse("Status=Open").expect("a pair"),
            ("Status".into(), "Open".into())
        );
        assert_eq!(
            parse("Note=a=b").expect("a pair"),
            ("Note".into(), "a=b".into())
        );
        assert_eq!(parse("Note=").expect("empty").1, "");
        for wrong in ["Status", "=Open", " =x"] {
            let e = parse(wrong).expect_err(wrong).to_string();
            assert!(e.contains("not NAME=VALUE"), "{e}");
        }
    }

    #[test]
    fn values_are_typed_by_the_data_type() {
        assert_eq!(typed("Number", "12"), json!(12));
        assert_eq!(typed("Number", "12.50"), json!(12.5));
        assert_eq!(typed("Number", "twelve"), json!("twelve"));
        assert_eq!(typed("Boolean", "TRUE"), json!(true));
        assert_eq!(typed("Boolean", "false"), json!(false));
        assert_eq!(typed("Boolean", "yes"), json!("yes"));
        assert_eq!(typed("Date", "2026-11-01"), json!("2026-11-01"));
        assert_eq!(typed("String", "42"), json!("42"));
    }
}
