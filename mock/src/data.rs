//! Values built from the model's types: deterministic for a seed and a salt (the operation,
//! the record), valid for the type (the runtime's own parsers read every one; a test says
//! so for every response of the API).

use crate::model::{Api, Ty, TypeDef};
use serde_json::{json, Map, Value};

/// How deep generation follows references before it stops adding optional content.
const MAX_DEPTH: usize = 5;

/// The first instant of generated times: 2024-01-01T00:00:00Z, in Unix seconds.
pub const EPOCH: i64 = 1_704_067_200;

/// A deterministic generator of values.
pub struct Gen<'a> {
    api: &'a Api,
    state: u64,
    depth: usize,
    /// Ids of records a collection holds (`1..=n`): a field that refers to a record (a
    /// typed id: a job's `customerId`) takes one of them, so that references point at
    /// records the stand-in has.
    ids: Option<u64>,
    /// The object being made stands for a record named by its field (`"job": {"id": ..}`):
    /// its `id` is a reference.
    names_a_record: bool,
}

/// FNV-1a: a stable hash of a salt (the standard library's hasher may change).
pub fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// splitmix64: the next number of the sequence `state` stands at.
pub fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl<'a> Gen<'a> {
    pub fn new(api: &'a Api, seed: u64, salt: &str) -> Gen<'a> {
        Gen {
            api,
            state: seed ^ hash(salt),
            depth: 0,
            ids: None,
            names_a_record: false,
        }
    }

    /// References to other records are ids from `1` to `n`, the ids every collection is
    /// seeded with.
    pub fn with_ids(mut self, n: usize) -> Gen<'a> {
        self.ids = Some(n as u64);
        self
    }

    /// A value of `ty` for a field that refers to a record: one of the seeded ids
    /// (lists of them too), or any value of the type when no ids are set.
    fn reference(&mut self, ty: &Ty, name: &str) -> Value {
        match (ty, self.ids) {
            (Ty::I32 | Ty::I64, Some(n)) => json!(1 + self.below(n)),
            (Ty::Vec(item) | Ty::Ids { of: item, .. }, Some(_)) => {
                let n = 1 + self.below(2);
                Value::Array((0..n).map(|_| self.reference(item, name)).collect())
            }
            _ => self.value(ty, name),
        }
    }

    fn below(&mut self, n: u64) -> u64 {
        splitmix(&mut self.state) % n.max(1)
    }

    /// A value of `ty`; `name` is the property or parameter it is for (it shapes strings).
    pub fn value(&mut self, ty: &Ty, name: &str) -> Value {
        match ty {
            Ty::Bool => Value::Bool(self.below(2) == 0),
            Ty::I32 => json!(1 + self.below(1000)),
            Ty::I64 => json!(1 + self.below(100_000)),
            Ty::F64 => json!(self.below(100_000) as f64 / 100.0),
            Ty::Decimal => json!(self.below(100_000) as f64 / 100.0),
            Ty::String => json!(format!("{} {}", words(name), 1 + self.below(1000))),
            Ty::DateTime => json!(date_time(EPOCH + self.below(365 * 86_400) as i64)),
            Ty::Date => json!(date_time(EPOCH + self.below(365) as i64 * 86_400)[..10]),
            Ty::TimeSpan => {
                let s = self.below(86_400);
                json!(format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60))
            }
            Ty::Uuid => json!(self.uuid()),
            Ty::Binary => json!("bW9jaw=="),
            Ty::Json => json!({ "value": self.below(100) }),
            Ty::ApiError => error_body(400, "Bad Request", &[]),
            Ty::File => json!({"name": format!("{}.txt", words(name)), "text": "mock file"}),
            Ty::Vec(item) => {
                if self.depth >= MAX_DEPTH {
                    return json!([]);
                }
                let n = 1 + self.below(2);
                Value::Array((0..n).map(|_| self.value(item, name)).collect())
            }
            Ty::Map(item) => {
                let mut m = Map::new();
                if self.depth < MAX_DEPTH {
                    m.insert(format!("{name}1"), self.value(item, name));
                }
                Value::Object(m)
            }
            Ty::Paged(item) => {
                let data = self.value(&Ty::Vec(item.clone()), name);
                let n = data.as_array().map_or(0, Vec::len);
                json!({"page": 1, "pageSize": 50, "hasMore": false, "totalCount": n, "data": data})
            }
            Ty::Export(item) => {
                let data = self.value(&Ty::Vec(item.clone()), name);
                json!({"hasMore": false, "continueFrom": "mock-0", "data": data})
            }
            Ty::Data(inner) => json!({ "data": self.value(inner, name) }),
            Ty::Flags(inner) => match self.enum_values(inner) {
                Some(values) if !values.is_empty() => {
                    let i = self.below(values.len() as u64) as usize;
                    json!(values[i])
                }
                _ => json!(""),
            },
            Ty::Sort(inner) => match self.enum_values(inner) {
                Some(values) if !values.is_empty() => {
                    let i = self.below(values.len() as u64) as usize;
                    json!(format!("-{}", values[i]))
                }
                _ => json!(""),
            },
            Ty::Ids { of, .. } => json!([self.value(of, name)]),
            Ty::Ref(key) => self.named(key, name),
        }
    }

    fn named(&mut self, key: &str, name: &str) -> Value {
        let Some(def) = self.api.type_def(key) else {
            return Value::Null;
        };
        match def {
            TypeDef::Struct {
                fields, page_item, ..
            } => {
                let names_a_record = std::mem::take(&mut self.names_a_record);
                self.depth += 1;
                let deep = self.depth > MAX_DEPTH;
                let mut m = Map::new();
                for f in fields {
                    if deep && !f.required {
                        continue;
                    }
                    let v = match (&f.ty, page_item) {
                        (Ty::Vec(_), Some(item)) if f.wire == "data" => {
                            self.value(&Ty::Vec(Box::new(item.clone())), &f.wire)
                        }
                        _ if deep && f.nullable => Value::Null,
                        _ if f.refers_to.is_some() => self.reference(&f.ty, &f.wire),
                        _ if names_a_record && f.wire == "id" => self.reference(&f.ty, &f.wire),
                        (Ty::Ref(_), _) => {
                            self.names_a_record =
                                self.api.resources.contains(&upper_camel(&f.wire));
                            let v = self.value(&f.ty, &f.wire);
                            self.names_a_record = false;
                            v
                        }
                        _ => self.value(&f.ty, &f.wire),
                    };
                    m.insert(f.wire.clone(), v);
                }
                self.depth -= 1;
                Value::Object(m)
            }
            TypeDef::Enum { values, .. } => {
                let i = self.below(values.len() as u64) as usize;
                values.get(i).map_or(Value::Null, |v| json!(v))
            }
            TypeDef::IntEnum { values } => {
                let i = self.below(values.len() as u64) as usize;
                values.get(i).map_or(Value::Null, |v| json!(v))
            }
            TypeDef::Union { variants } => match variants.first() {
                Some(v) => {
                    let v = v.clone();
                    self.value(&v, name)
                }
                None => json!({}),
            },
            TypeDef::Alias { ty } => {
                let ty = ty.clone();
                self.value(&ty, name)
            }
        }
    }

    /// The values of a string enum type (for flags).
    fn enum_values(&self, ty: &Ty) -> Option<&'a [String]> {
        match ty {
            Ty::Ref(key) => match self.api.type_def(key)? {
                TypeDef::Enum { values, .. } => Some(values),
                _ => None,
            },
            _ => None,
        }
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (splitmix(&mut self.state), splitmix(&mut self.state));
        let hex = format!("{a:016x}{b:016x}");
        format!(
            "{}-{}-4{}-8{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..32]
        )
    }
}

/// `businessUnit` -> `BusinessUnit`: a field's name as the resource it may name.
fn upper_camel(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `customerId` -> `customer id`: readable text for a generated string.
fn words(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    if out.is_empty() {
        "text".into()
    } else {
        out
    }
}

/// An RFC 3339 UTC date-time for Unix seconds `t`: `2024-01-01T00:00:00Z` (empty past
/// chrono's range, which no generated time reaches).
pub fn date_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// `t` (seconds since 1970) as HTTP writes dates: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default()
}

/// The `type` of an error: the RFC section of its status, as ASP.NET writes it.
fn problem_type(status: u16) -> &'static str {
    match status {
        400 => "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        401 => "https://tools.ietf.org/html/rfc7235#section-3.1",
        403 => "https://tools.ietf.org/html/rfc7231#section-6.5.3",
        404 => "https://tools.ietf.org/html/rfc7231#section-6.5.4",
        405 => "https://tools.ietf.org/html/rfc7231#section-6.5.5",
        409 => "https://tools.ietf.org/html/rfc7231#section-6.5.8",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        500 => "https://tools.ietf.org/html/rfc7231#section-6.6.1",
        502 => "https://tools.ietf.org/html/rfc7231#section-6.6.3",
        503 => "https://tools.ietf.org/html/rfc7231#section-6.6.4",
        504 => "https://tools.ietf.org/html/rfc7231#section-6.6.5",
        _ => "about:blank",
    }
}

/// The API's error shape (`ApiErrorResponse`): `errors` names each offending field.
pub fn error_body(status: u16, title: &str, errors: &[(String, String)]) -> Value {
    let mut by_field: Map<String, Value> = Map::new();
    for (field, message) in errors {
        match by_field.get_mut(field) {
            Some(Value::Array(list)) => list.push(json!(message)),
            _ => {
                by_field.insert(field.clone(), json!([message]));
            }
        }
    }
    json!({
        "type": problem_type(status),
        "title": title,
        "status": status,
        "traceId": format!("mock-{:016x}", hash(title) ^ u64::from(status)),
        "errors": by_field,
        "data": {}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(date_time(EPOCH), "2024-01-01T00:00:00Z");
        assert_eq!(
            date_time(EPOCH + 59 * 86_400 + 3661),
            "2024-02-29T01:01:01Z"
        );
        assert_eq!(date_time(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn generation_is_deterministic_for_a_seed() {
        let api = Api::embedded().expect("model");
        let ty = Ty::Ref("crm.CustomerResponse".into());
        let a = Gen::new(&api, 7, "x").value(&ty, "");
        let b = Gen::new(&api, 7, "x").value(&ty, "");
        let c = Gen::new(&api, 8, "x").value(&ty, "");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a["name"].is_string(), "{a}");
    }
}
