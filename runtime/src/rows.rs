//! Rows of a report: each page's `data` is a list of rows, each row a list of values in
//! the order of the page's `fields`. A [`Row`] labels its values with those fields'
//! names, so that a program reads a column by name (`row.get("JobNumber")`) or a whole
//! row into a struct of its own ([`Row::deserialize`]) instead of by position, which
//! changes when the report's columns do.

use crate::error::{decode_error, value_at, Error};
use crate::paging::{pages, BoxStream, PageLike, PagedRequest};
use crate::types::{Json, Map};
use futures_util::stream::{self, StreamExt};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// One row of a report page, its values labelled by the names of the page's fields.
///
/// ```
/// use servicetitan_runtime::Row;
/// use serde_json::json;
///
/// #[derive(serde::Deserialize)]
/// struct Revenue {
///     #[serde(rename = "JobNumber")]
///     job: String,
///     #[serde(rename = "Total")]
///     total: f64,
/// }
///
/// let labels: std::sync::Arc<[String]> = vec!["JobNumber".to_string(), "Total".to_string()].into();
/// let row = Row::new(labels, vec![json!("J-1001"), json!(249.5)], 0);
/// assert_eq!(row.get("Total"), Some(&json!(249.5)));
/// let revenue: Revenue = row.deserialize()?;
/// assert_eq!((revenue.job.as_str(), revenue.total), ("J-1001", 249.5));
/// # Ok::<(), servicetitan_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    labels: Arc<[String]>,
    values: Vec<Json>,
    index: usize,
}

impl Row {
    /// The row `values`, labelled by `labels` in order; `index` is its place in its page
    /// (errors name it).
    pub fn new(labels: Arc<[String]>, values: Vec<Json>, index: usize) -> Row {
        Row {
            labels,
            values,
            index,
        }
    }

    /// The value of the column named `label`; `None` when the page has no such field, or
    /// the row is shorter than the page's fields.
    pub fn get(&self, label: &str) -> Option<&Json> {
        let at = self.labels.iter().position(|l| l == label)?;
        self.values.get(at)
    }

    /// The names of the page's fields, in the order of the row's values.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The values as the API sent them, in order (a value beyond the page's fields, which
    /// no label names, is kept here).
    pub fn values(&self) -> &[Json] {
        &self.values
    }

    /// The row's place in its page (0 for the first).
    pub fn index(&self) -> usize {
        self.index
    }

    /// Each labelled value with its label, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Json)> {
        self.labels.iter().map(String::as_str).zip(&self.values)
    }

    /// The row as a JSON object from label to value (a label the row has no value for is
    /// left out).
    pub fn to_map(&self) -> Map<Json> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// The row read into `T` by label (serde's `rename` names the report's field): a
    /// column `T` does not name is ignored unless `T` denies unknown fields. Fails with a
    /// decoding error naming the row and the column (`data[3].Total`), what `T` expected
    /// and the JSON type found there (a missing column, a value of another type), never
    /// the value.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let object = Json::Object(
            self.iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        );
        serde_path_to_error::deserialize::<_, T>(&object).map_err(|e| {
            let path = match e.path().iter().next() {
                None => format!("data[{}]", self.index),
                Some(_) => format!("data[{}].{}", self.index, e.path()),
            };
            decode_error(path, value_at(&object, e.path()), e.inner())
        })
    }
}

/// A page whose rows are lists of values labelled by its fields (generated for
/// reporting's `ReportDataResponse`).
pub trait LabelledRows: PageLike {
    /// The names of the page's fields, in the order of each row's values.
    fn labels(&self) -> Vec<String>;
    /// The page's rows as sent, taken out of it.
    fn take_rows(&mut self) -> Vec<Vec<Json>>;

    /// The page's rows, each labelled.
    fn into_rows(mut self) -> Vec<Row>
    where
        Self: Sized,
    {
        let labels: Arc<[String]> = self.labels().into();
        self.take_rows()
            .into_iter()
            .enumerate()
            .map(|(i, values)| Row::new(labels.clone(), values, i))
            .collect()
    }
}

/// Every row of every page, each labelled by its own page's fields; one page in memory
/// at a time. The stream ends at the first error.
pub fn rows<R>(request: R) -> BoxStream<Row>
where
    R: PagedRequest,
    R::Page: LabelledRows,
{
    Box::pin(pages(request).flat_map(|page| {
        let rows: Vec<Result<Row, Error>> = match page {
            Ok(p) => p.into_rows().into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        stream::iter(rows)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(values: Vec<Json>) -> Row {
        let labels: Arc<[String]> = vec!["Job".to_string(), "Total".to_string()].into();
        Row::new(labels, values, 3)
    }

    #[test]
    fn values_are_read_by_label_and_a_short_or_long_row_keeps_what_it_has() {
        let r = row(vec![json!("J-1"), json!(10)]);
        assert_eq!(r.get("Job"), Some(&json!("J-1")));
        assert_eq!(r.get("Missing"), None);
        assert_eq!(r.to_map().len(), 2);
        let short = row(vec![json!("J-2")]);
        assert_eq!((short.get("Total"), short.to_map().len()), (None, 1));
        let long = row(vec![json!("J-3"), json!(1), json!("extra")]);
        assert_eq!((long.values().len(), long.to_map().len()), (3, 2));
    }

    #[test]
    fn a_row_that_does_not_fit_names_itself_and_what_is_wrong() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Wanted {
            #[serde(rename = "Total")]
            total: f64,
        }
        let err = row(vec![json!("J-1"), json!("Jane Doe")])
            .deserialize::<Wanted>()
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(
            text.contains("data[3].Total")
                && text.contains("expected f64, found a string of 8 characters"),
            "{text}"
        );
        assert!(!text.contains("Jane"), "no value in the error: {text}");
        assert!(err
            .customer_data_detail()
            .is_some_and(|d| d.contains("Jane Doe")));
        let err = row(vec![json!("J-1")]).deserialize::<Wanted>().unwrap_err();
        assert!(
            err.to_string()
                .contains("at `data[3]`: expected a field `Total`, found an object of 1 property"),
            "{err}"
        );
    }
}
