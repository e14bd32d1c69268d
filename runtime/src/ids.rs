//! Id lists: about 130 query parameters (`ids`, `businessUnitIds`, `jobIds`, ...) are
//! declared as strings holding comma-separated ids, 59 of them with a documented maximum
//! (50). Builders take any iterator of the id type, requests check the maximum before
//! sending, and paged streams split a longer list into batches of the maximum.

use crate::query::{QueryPairs, QueryValue};
use std::fmt;

/// Ids sent as one comma-separated value (`ids=1,2,3`), in the order given. Builders
/// take any iterator of the id type (`i64`, or [`crate::Uuid`] where the resource uses
/// guids) and collect it into one of these.
///
/// ```
/// use servicetitan_runtime::{IdList, QueryPairs, QueryValue};
///
/// let ids: IdList<i64> = [3, 1, 2].into_iter().collect();
/// let mut q = QueryPairs::default();
/// ids.append_to("ids", &mut q);
/// assert_eq!(q.pairs(), &[("ids".to_string(), "3,1,2".to_string())]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct IdList<T>(Vec<T>);

impl<T> IdList<T> {
    /// The ids, in the order given.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
    /// How many ids the list holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether the list holds no id.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T, I: Into<T>> FromIterator<I> for IdList<T> {
    fn from_iter<It: IntoIterator<Item = I>>(iter: It) -> Self {
        IdList(iter.into_iter().map(Into::into).collect())
    }
}

impl<T: fmt::Display> fmt::Display for IdList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, id) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{id}")?;
        }
        Ok(())
    }
}

impl<T: fmt::Display> QueryValue for IdList<T> {
    fn append_to(&self, name: &str, query: &mut QueryPairs) {
        query.push(name, &self.to_string());
    }
}

/// What is wrong with an id list for one request: `None` when it can be sent. An empty
/// list is refused because the API reads `ids=` as no filter at all and would answer with
/// every record.
pub(crate) fn problem<T>(ids: &IdList<T>, max: Option<usize>) -> Option<String> {
    match max {
        _ if ids.is_empty() => Some(
            "the list holds no id; the API reads an empty list as no filter and would answer \
             with every record (leave it unset for every record)"
                .to_string(),
        ),
        Some(max) if ids.len() > max => Some(format!(
            "the list holds {} ids; the API takes at most {max} in one request",
            ids.len()
        )),
        _ => None,
    }
}

/// Splits each request whose id list (`list`) holds more than `max` ids into requests of
/// at most `max` ids each, in order (generated `PagedRequest::split_ids` of operations
/// whose list filters on a value each record has once, so no record is in two batches).
pub fn split_ids<R: Clone, T: Clone>(
    requests: Vec<R>,
    list: fn(&mut R) -> &mut Option<IdList<T>>,
    max: usize,
) -> Vec<R> {
    let mut out = Vec::with_capacity(requests.len());
    for mut request in requests {
        let chunks: Vec<Vec<T>> = match list(&mut request) {
            Some(ids) if max > 0 && ids.len() > max => {
                ids.0.chunks(max).map(<[T]>::to_vec).collect()
            }
            _ => {
                out.push(request);
                continue;
            }
        };
        for chunk in chunks {
            let mut part = request.clone();
            *list(&mut part) = Some(IdList(chunk));
            out.push(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Req {
        ids: Option<IdList<i64>>,
        user_ids: Option<IdList<i64>>,
    }

    #[test]
    fn lists_longer_than_the_maximum_are_split_in_order() {
        let req = Req {
            ids: Some((1..=120).collect()),
            user_ids: Some((1..=3).collect()),
        };
        let parts = split_ids(vec![req], |r| &mut r.ids, 50);
        let sizes: Vec<usize> = parts
            .iter()
            .map(|r| r.ids.as_ref().unwrap().len())
            .collect();
        assert_eq!(sizes, [50, 50, 20]);
        assert_eq!(parts[1].ids.as_ref().unwrap().as_slice()[0], 51);
        assert!(parts
            .iter()
            .all(|r| r.user_ids.as_ref().unwrap().len() == 3));
        // A second list splits each part again.
        let parts = split_ids(parts, |r| &mut r.user_ids, 2);
        assert_eq!(parts.len(), 6);
    }

    #[test]
    fn short_unset_and_empty_lists_are_left_alone() {
        for ids in [None, Some(IdList::default()), Some((1..=50).collect())] {
            let req = Req {
                ids: ids.clone(),
                user_ids: None,
            };
            assert_eq!(split_ids(vec![req.clone()], |r| &mut r.ids, 50), [req]);
        }
    }

    #[test]
    fn empty_and_long_lists_are_problems() {
        let empty: IdList<i64> = IdList::default();
        assert!(problem(&empty, None).unwrap().contains("every record"));
        let long: IdList<i64> = (0..51).collect();
        assert!(problem(&long, Some(50)).unwrap().contains("holds 51 ids"));
        assert!(problem(&long, Some(50)).unwrap().contains("at most 50"));
        assert_eq!(problem(&long, None), None);
        assert_eq!(problem(&long, Some(51)), None);
    }
}
