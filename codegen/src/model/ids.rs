//! Id lists from prose and names: about 130 query parameters named `ids` or `...Ids` are
//! declared as strings holding comma-separated ids, 59 of them with a maximum given only
//! in the description ("Perform lookup by multiple IDs (maximum 50)"). They become
//! `runtime::IdList<i64>` (or of `Uuid`, where the resource's ids are guids) with the
//! maximum checked before sending. A correction of the description adds or fixes a
//! maximum.

use super::types::DomainBuilder;
use crate::input::schema::{self, Node, NodeKind};
use crate::ir::Ty;
use serde_json::Value;

/// What the generator knows of one id-list parameter.
#[derive(Debug, PartialEq, Eq)]
struct IdListInfo {
    /// The ids are guids (the property the list filters on has format `uuid`/`guid`).
    guid: bool,
    /// The documented maximum per request.
    max: Option<u32>,
    /// A paged stream may split the list into batches: the list filters on a value each
    /// record has once (`ids` on its `id`, `userIds` on its `userId`), so no record is in
    /// two batches. A filter on a value a record can hold several of (tags, say) is not
    /// split: a record would come back once per batch.
    split: bool,
}

/// Whether a query parameter of this name holds comma-separated ids.
pub(super) fn is_id_list(wire: &str) -> bool {
    wire == "ids" || (wire.len() > 3 && wire.ends_with("Ids"))
}

/// The maximum a description gives: "(maximum 50)", "maximum 50 items", "max 50".
pub(super) fn documented_max(description: &str) -> Option<u32> {
    let lower = description.to_ascii_lowercase();
    for marker in ["maximum", "max"] {
        let mut rest = lower.as_str();
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            let digits: String = rest
                .trim_start_matches([' ', ':', '.', 'o', 'f'])
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(n) = digits.parse() {
                return Some(n);
            }
        }
    }
    None
}

impl DomainBuilder<'_> {
    /// The type of the id list `wire` of operation `op`; its docs (`doc`) gain how the
    /// typed parameter behaves.
    pub(super) fn id_list_ty(&self, op: &Value, wire: &str, doc: &mut Option<String>) -> Ty {
        let info = self.id_list(op, wire, doc.as_deref().unwrap_or(""));
        let mut how = format!(
            "\n\nTyped: any iterator of {} ids, sent comma-separated.",
            if info.guid { "guid" } else { "integer" }
        );
        if let Some(max) = info.max {
            how += &format!(" At most {max} in one request: a longer list fails before it is sent");
            how += if info.split {
                ", except in pages() and items(), which send it in batches of that many."
            } else {
                " (this list is not split into batches: a record could match two of them)."
            };
        }
        how += " An empty list fails before it is sent (the API would read it as no filter).";
        *doc = Some(doc.take().unwrap_or_default() + &how);
        Ty::IdList {
            item: Box::new(if info.guid { Ty::Uuid } else { Ty::I64 }),
            max: info.max,
            split: info.split,
        }
    }

    /// The id list `wire` of operation `op`: its id type, documented maximum and whether
    /// streams may split it, from the property of the answer's items it filters on.
    fn id_list(&self, op: &Value, wire: &str, description: &str) -> IdListInfo {
        let key = if wire == "ids" {
            "id"
        } else {
            &wire[..wire.len() - 1]
        };
        let item = self.answer_item(op);
        let property = match item.as_ref().map(|i| &self.resolve(i).kind) {
            Some(NodeKind::Object(o)) => o
                .properties
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, p)| self.resolve(p)),
            _ => None,
        };
        let kind = property.map(|p| &p.kind);
        IdListInfo {
            guid: matches!(kind, Some(NodeKind::String { format: Some(f) }) if f == "uuid" || f == "guid"),
            max: documented_max(description),
            split: property.is_some() && !matches!(kind, Some(NodeKind::Array(_))),
        }
    }

    /// The schema of one item of the operation's success answer: of `data` in a page or a
    /// `{data}` result, or of the array itself.
    fn answer_item(&self, op: &Value) -> Option<Node> {
        let responses = op.get("responses")?.as_object()?;
        let (_, ok) = responses.iter().find(|(code, _)| code.starts_with('2'))?;
        let content = ok.get("content")?.as_object()?;
        let (_, media) = content.iter().find(|(t, _)| t.contains("json"))?;
        let node = schema::read(&self.doc.path, "", media.get("schema")?).ok()?;
        let mut at = self.resolve(&node);
        if let NodeKind::Object(o) = &at.kind {
            if let Some((_, data)) = o.properties.iter().find(|(k, _)| k == "data") {
                at = self.resolve(data);
            }
        }
        if let NodeKind::Array(items) = &at.kind {
            at = self.resolve(items);
        }
        Some(at.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_maxima_are_read() {
        assert!(is_id_list("ids") && is_id_list("businessUnitIds"));
        assert!(!is_id_list("Ids") && !is_id_list("id") && !is_id_list("idsOnly"));
        for (prose, max) in [
            ("Perform lookup by multiple IDs (maximum 50)", Some(50)),
            (
                "Comma-delimited list of account IDs, maximum 50 items",
                Some(50),
            ),
            ("Up to max 20 ids", Some(20)),
            ("Comma-delimited list of invoice IDs.", None),
            ("The maximum is not given", None),
        ] {
            assert_eq!(documented_max(prose), max, "{prose}");
        }
    }
}
