//! What each operation does to the state ([`Role`]), found once when the server starts,
//! and which collection and record a request path names.

use crate::model::{Api, Method, Operation, Paging, Response, Ty, TypeDef};
use servicetitan_runtime as rt;
use std::collections::HashMap;

/// What an operation does to the state.
#[derive(Debug, Clone)]
pub(crate) enum Role {
    /// A paged list of a collection, whose items are of this type.
    List(Ty),
    /// A list paged in its POST body, on a path below its collection's
    /// (`/vehicles/search` lists `/vehicles`).
    Search(Ty),
    /// The export of a collection.
    Export(Ty),
    /// POST on a list's path: a new record.
    Create(Ty),
    /// GET, PATCH, PUT or DELETE of one record, by the last path parameter.
    Item(Ty),
    /// A page of rows labelled by its `fields` (a report's data): a table of the
    /// settings' number of rows.
    Table,
    /// Answered from the response type alone.
    Plain,
}

/// The role of every operation, by (module, operation id).
pub(crate) fn roles(api: &Api) -> HashMap<(String, String), Role> {
    let mut out = HashMap::new();
    for d in &api.domains {
        let mut lists: HashMap<&str, &Ty> = d
            .operations
            .iter()
            .filter(|o| o.method == Method::Get && matches!(o.paging, Some(Paging::Pages(_))))
            .filter_map(|o| match &o.response {
                Response::Json(Ty::Paged(item)) => Some((o.path.as_str(), &**item)),
                _ => None,
            })
            .collect();
        // A list paged in a POST body lists the collection above its path, unless a GET
        // list already does.
        for o in &d.operations {
            if let (Some(Paging::Body { .. }), Response::Json(Ty::Paged(item))) =
                (&o.paging, &o.response)
            {
                let parent = o.path.rsplit_once('/').map_or("", |p| p.0);
                lists.entry(parent).or_insert(&**item);
            }
        }
        for o in &d.operations {
            let parent = o.path.rsplit_once('/').map_or("", |p| p.0);
            let role = match (&o.paging, &o.response, o.method.as_str()) {
                (Some(Paging::Export(_)), Response::Json(Ty::Export(item)), _) => {
                    Role::Export((**item).clone())
                }
                (Some(Paging::Body { .. }), Response::Json(Ty::Paged(item)), _) => {
                    Role::Search((**item).clone())
                }
                (_, _, "GET") if lists.contains_key(o.path.as_str()) => {
                    Role::List(lists[o.path.as_str()].clone())
                }
                (_, _, "POST") if lists.contains_key(o.path.as_str()) => {
                    Role::Create(lists[o.path.as_str()].clone())
                }
                (_, _, "GET" | "PATCH" | "PUT" | "DELETE")
                    if o.is_item() && lists.contains_key(parent) =>
                {
                    Role::Item(lists[parent].clone())
                }
                (Some(Paging::Pages(_)), Response::Json(Ty::Ref(key)), _)
                    if matches!(
                        api.type_def(key),
                        Some(TypeDef::Struct {
                            labelled_rows: true,
                            ..
                        })
                    ) =>
                {
                    Role::Table
                }
                _ => Role::Plain,
            };
            out.insert((d.module.clone(), o.id.clone()), role);
        }
    }
    out
}

/// The key of the collection a request path belongs to: the domain prefix, the tenant,
/// and the path after it without `export` (exports share their list's records) and, for
/// an item, without the id. The id, for an item.
pub(crate) fn collection_key(
    op: &Operation,
    prefix: &str,
    tenant: i64,
    rest: &[String],
    role: &Role,
) -> (String, Option<i64>) {
    let mut parts: Vec<&str> = rest
        .iter()
        .zip(&op.segments)
        .filter(|(_, s)| !matches!(s, crate::model::Segment::Tenant))
        .map(|(p, _)| p.as_str())
        .filter(|p| !p.eq_ignore_ascii_case("tenant"))
        .collect();
    if matches!(role, Role::Export(_)) {
        parts.retain(|p| !p.eq_ignore_ascii_case("export"));
    }
    let id = match role {
        Role::Item(_) => parts.pop().map(record_number),
        Role::Search(_) => {
            parts.pop();
            None
        }
        _ => None,
    };
    (format!("{prefix}|{tenant}|{}", parts.join("/")), id)
}

/// A number no record has: the key of an item path whose id names none.
const NO_RECORD: i64 = i64::MIN;

/// The key of the record an item path names: its number, or, where a collection's ids
/// are guids, the number of the guid ([`record_id`]); [`NO_RECORD`] for any other id.
fn record_number(id: &str) -> i64 {
    if let Ok(n) = id.parse() {
        return n;
    }
    rt::Uuid::parse_str(id)
        .ok()
        .and_then(|u| i64::try_from(u.as_u128()).ok())
        .unwrap_or(NO_RECORD)
}
