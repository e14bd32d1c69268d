//! The API model the binary embeds (`servicetitan-api-model`): read once, on the first
//! command that needs it, and turned into the runtime's operations on demand.

use servicetitan_api_model::{Domain, Model, Operation};
use servicetitan_runtime::{self as rt, RateLimit};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The embedded model.
pub fn model() -> Result<&'static Model, String> {
    static MODEL: OnceLock<Result<Model, String>> = OnceLock::new();
    MODEL
        .get_or_init(Model::embedded)
        .as_ref()
        .map_err(Clone::clone)
}

/// An operation and its domain.
pub type Found<'a> = (&'a Domain, &'a Operation);

/// The operation named on the command line: `crm customers get-list`.
pub fn by_command<'m>(
    model: &'m Model,
    domain: &str,
    resource: &str,
    action: &str,
) -> Option<Found<'m>> {
    let d = model.domains.iter().find(|d| d.command_name() == domain)?;
    let o = d
        .operations
        .iter()
        .find(|o| o.command_names() == (resource.to_string(), action.to_string()))?;
    Some((d, o))
}

/// The runtime's description of `o`, made once per operation and kept for the process's
/// life (the runtime takes operations by `'static` reference, as generated code has them).
pub fn runtime_operation(d: &Domain, o: &Operation) -> Result<&'static rt::Operation, String> {
    static MADE: OnceLock<Mutex<HashMap<(String, String), &'static rt::Operation>>> =
        OnceLock::new();
    let key = (d.module.clone(), o.id.clone());
    let mut made = MADE
        .get_or_init(Default::default)
        .lock()
        .map_err(|_| "the operation table is poisoned".to_string())?;
    if let Some(op) = made.get(&key) {
        return Ok(op);
    }
    let scopes: Option<&'static [&'static str]> = o.scopes.as_ref().map(|list| {
        let v: Vec<&'static str> = list.iter().map(|s| leak(s)).collect();
        &*Box::leak(v.into_boxed_slice())
    });
    let op = rt::Operation {
        id: leak(&o.id),
        domain: leak(&d.module),
        method: o.method,
        base: leak(&d.prefix),
        path: leak(&o.path),
        scopes,
        limit: o
            .limit
            .map(|l| RateLimit::new(l.calls, Duration::from_secs(l.seconds))),
        maintenance_conflicts: o.maintenance,
        answers: answers(o),
    };
    let op: &'static rt::Operation = Box::leak(Box::new(op));
    made.insert(key, op);
    Ok(op)
}

/// The operation's declared answers, for the runtime's drift notes on statuses and media
/// types (kept for the process's life, as the operation is).
fn answers(o: &Operation) -> &'static [(&'static str, &'static [&'static str])] {
    let list: Vec<(&'static str, &'static [&'static str])> = o
        .answers
        .iter()
        .map(|(status, media)| {
            let media: Vec<&'static str> = media.iter().map(|m| leak(m)).collect();
            (leak(status), &*Box::leak(media.into_boxed_slice()))
        })
        .collect();
    Box::leak(list.into_boxed_slice())
}

/// A string kept for the process's life.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}
