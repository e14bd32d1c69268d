//! What an operation declares besides its inputs and its result: the scopes it needs and
//! the answers it may give (read by the runtime's drift observation).

use serde_json::Value;
use std::collections::BTreeSet;

/// OAuth scopes of a `security` list; `None` when it declares none.
pub(super) fn scopes_of(sec: Option<&Value>) -> Option<Vec<String>> {
    let list = sec?.as_array()?;
    let mut scopes = BTreeSet::new();
    for req in list {
        if let Some(o) = req.as_object() {
            for v in o.values() {
                if let Some(a) = v.as_array() {
                    scopes.extend(a.iter().filter_map(Value::as_str).map(str::to_owned));
                }
            }
        }
    }
    if scopes.is_empty() {
        None
    } else {
        Some(scopes.into_iter().collect())
    }
}

/// The statuses an operation's `responses` declare, each with its content's media types.
pub(super) fn declared_answers(op: &Value) -> Vec<(String, Vec<String>)> {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return Vec::new();
    };
    responses
        .iter()
        .map(|(status, r)| {
            let types = r
                .get("content")
                .and_then(Value::as_object)
                .map(|c| c.keys().cloned().collect())
                .unwrap_or_default();
            (status.clone(), types)
        })
        .collect()
}
