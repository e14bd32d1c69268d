//! What a recording leaves out: every header but the media types and those a call reads
//! (`Location`, `Content-Disposition`, `Retry-After`), and every value the documents do
//! not type as something other than text. Each exchange is redacted alongside its
//! operation in the API model (`model.rs`): the answer by the operation's response type
//! (the API's error shape for an answer that is not a success), the request's JSON body by
//! its body type, the query by its parameters' types (`typed.rs` says what is kept). The
//! names a program gives ([`crate::Recorder::allow`], [`crate::Recorder::redact`]) come
//! first, compared without case.

use super::model::{self, Index};
use super::typed::{Names, Walk, REDACTED};
use crate::request::Operation;
use serde_json::Value;
use servicetitan_api_model::check::Checker;
use servicetitan_api_model::{Operation as Described, Paging, Param, Place, Ty, TypeDef};
use std::collections::BTreeMap;

/// Redaction by the model's types, with a program's names.
#[derive(Debug, Clone)]
pub(crate) struct Redaction {
    names: Names,
}

/// No named types: what a walk sees when the model does not read.
static NO_TYPES: BTreeMap<String, TypeDef> = BTreeMap::new();

impl Redaction {
    pub(crate) fn new(allow: &[String], redact: &[String]) -> Redaction {
        Redaction {
            names: Names::new(allow, redact),
        }
    }

    /// The model's description of `op`, and a walk over the model's types.
    fn described(&self, op: &Operation) -> (Option<&'static Described>, Walk<'_>) {
        let index: Option<&'static Index> = model::index();
        let walk = Walk {
            types: index.map_or(&NO_TYPES, Index::types),
            names: &self.names,
        };
        (index.and_then(|i| i.operation(op.domain, op.id)), walk)
    }

    /// An answer of `op` with status `status`, redacted: a success by the operation's
    /// response type, anything else as the API's error; an operation the model does not
    /// describe (a raw call) as a value it does not describe.
    pub(crate) fn answer(&self, op: &Operation, status: u16, v: &mut Value) {
        let (described, walk) = self.described(op);
        let ty = match (described, status) {
            (_, 300..) => Some(&Ty::ApiError),
            (Some(d), _) => model::answer_type(d),
            (None, _) => None,
        };
        match ty {
            Some(ty) => walk.typed(ty, v),
            None => walk.undescribed(v),
        }
    }

    /// A JSON request body of `op`, redacted by the operation's body type.
    pub(crate) fn request(&self, op: &Operation, v: &mut Value) {
        let (described, walk) = self.described(op);
        match described.and_then(model::body_type) {
            Some(ty) => walk.typed(ty, v),
            None => walk.undescribed(v),
        }
    }

    /// A query string of `op` with each value redacted by its parameter's type.
    pub(crate) fn query(&self, op: &Operation, query: Option<&str>) -> String {
        let Some(query) = query else {
            return String::new();
        };
        let (described, walk) = self.described(op);
        let mut map_keys = 0;
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| self.pair(described, &walk, &k, &v, &mut map_keys))
            .collect();
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }

    /// One query pair: a parameter's value kept where its type keeps it; a free-form
    /// map's key (`customField.Fields[key]`) replaced; a parameter the model does not
    /// describe keeps its name only.
    fn pair(
        &self,
        op: Option<&Described>,
        walk: &Walk,
        key: &str,
        value: &str,
        map_keys: &mut usize,
    ) -> (String, String) {
        let param = op.and_then(|o| query_param(o, key));
        let name = param.map_or(key, |p| p.wire.as_str());
        let keep = |kept: bool| {
            if kept || value.is_empty() {
                value.to_owned()
            } else {
                REDACTED.to_owned()
            }
        };
        if self.names.redacts(name) || self.names.redacts(key) {
            return (key.to_owned(), keep(false));
        }
        if self.names.allows(name) || self.names.allows(key) {
            return (key.to_owned(), keep(true));
        }
        let (Some(op), Some(p)) = (op, param) else {
            return (key.to_owned(), keep(false));
        };
        let rest = &key[p.wire.len()..];
        match &p.ty {
            _ if rest.is_empty() => (key.to_owned(), keep(param_kept(op, p, walk, value))),
            Ty::Map(item) if rest.starts_with('[') && rest.ends_with(']') => {
                *map_keys += 1;
                let key = format!("{}[redacted-{map_keys}]", p.wire);
                (key, keep(text_kept(walk, item, value)))
            }
            _ => (key.to_owned(), keep(false)),
        }
    }
}

/// The query parameter `key` is (`ids`), or is a part of (`customField.Fields[k]`): the
/// longest such name.
fn query_param<'o>(op: &'o Described, key: &str) -> Option<&'o Param> {
    op.params
        .iter()
        .filter(|p| p.place == Place::Query)
        .filter(|p| match key.strip_prefix(p.wire.as_str()) {
            Some(rest) => rest.is_empty() || rest.starts_with('[') || rest.starts_with('.'),
            None => false,
        })
        .max_by_key(|p| p.wire.len())
}

/// Whether a parameter's text is kept: an export's position, an id, or a value its type
/// keeps.
fn param_kept(op: &Described, p: &Param, walk: &Walk, text: &str) -> bool {
    let position = matches!(&op.paging, Some(Paging::Export(name)) if *name == p.wire);
    position || p.refers_to.is_some() || text_kept(walk, &p.ty, text)
}

/// Whether a query text of type `ty` is kept: it is not free text, and it is a value of
/// its type (a number, a date, a listed enum value, ids, ...).
fn text_kept(walk: &Walk, ty: &Ty, text: &str) -> bool {
    match ty {
        Ty::Vec(item) => text.split(',').all(|part| text_kept(walk, item, part)),
        Ty::Ref(key) => match walk.types.get(key) {
            Some(TypeDef::Alias { ty }) => text_kept(walk, ty, text),
            Some(TypeDef::Union { variants }) => variants.iter().any(|v| text_kept(walk, v, text)),
            Some(TypeDef::Enum { .. } | TypeDef::IntEnum { .. }) => checks(walk, ty, text),
            _ => false,
        },
        _ if walk.free_text(ty) => false,
        _ => checks(walk, ty, text),
    }
}

fn checks(walk: &Walk, ty: &Ty, text: &str) -> bool {
    let checker = Checker {
        types: walk.types,
        formats: &crate::types::WireFormats,
        unknown_fields: false,
    };
    let mut problems = Vec::new();
    checker.text(ty, text, "", &mut problems);
    problems.is_empty()
}
