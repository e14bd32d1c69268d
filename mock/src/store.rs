//! State where the API pairs operations: a collection per list path and tenant (shared
//! with the export of the same resource), seeded with generated records on first use;
//! creating, reading, changing and deleting records by id; pages and export batches.
//!
//! Every change takes the next sequence number: an export's `continueFrom` is the last
//! number it delivered, so a later call returns exactly what changed after it. Records
//! keep their serialized JSON, so a page is written by concatenation.

use crate::data::{date_time, Gen, EPOCH};
use crate::model::{Api, Operation, Ty};
use crate::validate::{check_json, Problems};
use bytes::Bytes;
use serde_json::{json, Value};
use servicetitan_runtime as rt;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The `id` record `n` shows, of the JSON kind the item type gives it: the number, or
/// where ids are strings, the guid `Uuid::from_u128(n)` (`00000000-0000-0000-0000-00000000000a`
/// for record 10) if the type's ids are guids, the number as text if not.
fn record_id(n: i64, generated: &Value) -> Value {
    match generated {
        Value::String(s) if rt::Uuid::parse_str(s).is_ok() => {
            json!(rt::Uuid::from_u128(n as u128).to_string())
        }
        Value::String(_) => json!(n.to_string()),
        Value::Number(_) => json!(n),
        other => other.clone(),
    }
}

pub(crate) struct Record {
    pub value: Value,
    pub json: Bytes,
    seq: u64,
    deleted: bool,
}

struct Collection {
    item: Ty,
    records: BTreeMap<i64, Record>,
}

pub(crate) struct Store {
    collections: HashMap<String, Collection>,
    seq: u64,
    /// Seeds generated records.
    seed: u64,
    /// Records in a collection before any is created.
    records: usize,
    /// Lists answer in an order of their own (stable, by a hash of the id), not by id.
    unordered: bool,
}

/// Query values by parameter name (as the API's binder, names match without case).
pub(crate) struct Query<'a>(pub &'a [(String, String)]);

impl Query<'_> {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The page a list request asks for: `page` (from 1), `pageSize` (50 unless said, at
/// most 5,000) and `includeTotal`.
pub(crate) struct PageAsked {
    pub page: i64,
    pub size: i64,
    pub include_total: bool,
}

impl PageAsked {
    /// The page `q` asks for, or the API's 400 for a number out of range.
    pub fn of(q: &Query) -> Result<PageAsked, Problems> {
        let mut problems = Problems::new();
        let mut number = |name: &str, default: i64, max: i64| -> i64 {
            match q.get(name).map(str::parse::<i64>) {
                None => default,
                Some(Ok(n)) if (1..=max).contains(&n) => n,
                Some(_) => {
                    problems.push((name.into(), format!("{name} must be from 1 to {max}.")));
                    default
                }
            }
        };
        let page = number("page", 1, i64::from(i32::MAX));
        let size = number("pageSize", 50, 5000);
        if !problems.is_empty() {
            return Err(problems);
        }
        let include_total = q
            .get("includeTotal")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Ok(PageAsked {
            page,
            size,
            include_total,
        })
    }

    /// The indexes of this page's items among `total`, and whether more follow.
    pub fn range(&self, total: usize) -> (std::ops::Range<usize>, bool) {
        let start = (((self.page - 1) * self.size) as usize).min(total);
        let end = (start + self.size as usize).min(total);
        (start..end, end < total)
    }
}

/// The fields of a struct type, if `ty` is one.
pub(crate) fn struct_fields<'a>(api: &'a Api, ty: &Ty) -> Option<&'a [crate::model::Field]> {
    servicetitan_api_model::fields_of(&api.types, ty)
}

/// The stand-in's clock: the system's, or stopped at a time a test set.
#[derive(Default)]
pub(crate) struct Clock(std::sync::Mutex<Option<i64>>);

impl Clock {
    /// Seconds since 1970.
    pub fn now(&self) -> i64 {
        let stopped = *self.0.lock().unwrap_or_else(|e| e.into_inner());
        stopped.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        })
    }
    /// Stops the clock at `at`, or lets it run (`None`).
    pub fn set(&self, at: Option<i64>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

/// Sets the fields every stored record keeps current, where the type has them.
fn stamp(value: &mut Value, id: Option<i64>, created: Option<&str>, modified: &str, active: bool) {
    let Some(m) = value.as_object_mut() else {
        return;
    };
    if let (Some(n), Some(slot)) = (id, m.get_mut("id")) {
        *slot = record_id(n, slot);
    }
    // Only where the generated value has the same JSON kind.
    let mut set = |k: &str, v: Value| {
        if let Some(slot) = m.get_mut(k) {
            let same = matches!(
                (&*slot, &v),
                (Value::Number(_), Value::Number(_))
                    | (Value::String(_), Value::String(_))
                    | (Value::Bool(_), Value::Bool(_))
            );
            if same {
                *slot = v;
            }
        }
    };
    if let Some(c) = created {
        set("createdOn", json!(c));
    }
    set("modifiedOn", json!(modified));
    set("active", json!(active));
}

impl Record {
    fn new(value: Value, seq: u64) -> Record {
        let json = Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
        Record {
            value,
            json,
            seq,
            deleted: false,
        }
    }

    fn field_time(&self, field: &str) -> Option<rt::DateTime> {
        self.value.get(field)?.as_str()?.parse().ok()
    }
}

impl Store {
    pub fn new(seed: u64, records: usize, unordered: bool) -> Store {
        Store {
            collections: HashMap::new(),
            seq: 0,
            seed,
            records,
            unordered,
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The sequence number of a change to collection `key` (seeded first, so that the
    /// change comes after the seeds).
    fn change(&mut self, api: &Api, key: &str, item: &Ty) -> u64 {
        self.collection(api, key, item);
        self.next_seq()
    }

    /// The collection `key`, seeded with `records` generated items of `item` the first
    /// time.
    fn collection(&mut self, api: &Api, key: &str, item: &Ty) -> &mut Collection {
        if !self.collections.contains_key(key) {
            let mut c = Collection {
                item: item.clone(),
                records: BTreeMap::new(),
            };
            for i in 1..=self.records as i64 {
                let mut value = Gen::new(api, self.seed, &format!("{key}#{i}"))
                    .with_ids(self.records)
                    .value(item, "");
                let t = date_time(EPOCH + i * 60);
                stamp(&mut value, Some(i), Some(&t), &t, true);
                let seq = self.next_seq();
                c.records.insert(i, Record::new(value, seq));
            }
            self.collections.insert(key.to_string(), c);
        }
        self.collections.get_mut(key).expect("inserted above")
    }

    /// A page of the collection, filtered as the operation's parameters say.
    pub fn page(
        &mut self,
        api: &Api,
        key: &str,
        item: &Ty,
        op: &Operation,
        q: &Query,
    ) -> Result<Bytes, Problems> {
        let asked = PageAsked::of(q)?;
        let (page, size, include_total) = (asked.page, asked.size, asked.include_total);
        let filter = Filter::new(op, q);
        let seed = self.seed;
        let unordered = self.unordered;
        let c = self.collection(api, key, item);
        let mut matching: Vec<(&i64, &Record)> =
            c.records.iter().filter(|(_, r)| filter.keeps(r)).collect();
        if unordered {
            matching
                .sort_by_key(|(id, _)| (**id as u64 ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        }
        let matching: Vec<&Record> = matching.into_iter().map(|(_, r)| r).collect();
        let (range, more) = asked.range(matching.len());
        let slice = matching.get(range).unwrap_or_default();
        let mut out = format!(
            "{{\"page\":{page},\"pageSize\":{size},\"hasMore\":{more},\"totalCount\":{},\"data\":[",
            if include_total {
                matching.len().to_string()
            } else {
                "null".into()
            }
        )
        .into_bytes();
        let stored = &c.item;
        join_records(&mut out, slice.iter().copied(), |r| {
            conform(api, seed, key, item, stored, r)
        });
        out.extend_from_slice(b"]}");
        Ok(Bytes::from(out))
    }

    /// An export batch: records changed after the `from` token (or modified on or after a
    /// `from` date), deleted ones included, oldest change first.
    pub fn export(
        &mut self,
        api: &Api,
        batch: usize,
        key: &str,
        item: &Ty,
        from: Option<&str>,
    ) -> Result<Bytes, Problems> {
        let (after, since) = match from {
            None | Some("") => (0, None),
            Some(t) => match t.strip_prefix("mock-").map(str::parse::<u64>) {
                Some(Ok(n)) => (n, None),
                _ => match t.parse::<rt::DateTime>() {
                    Ok(d) => (0, Some(d)),
                    Err(_) => {
                        return Err(vec![(
                            "from".into(),
                            "from is neither a continuation token nor a date.".into(),
                        )])
                    }
                },
            },
        };
        let seed = self.seed;
        let c = self.collection(api, key, item);
        let mut changed: Vec<&Record> = c
            .records
            .values()
            .filter(|r| r.seq > after)
            .filter(|r| since.is_none_or(|s| r.field_time("modifiedOn").is_none_or(|m| m >= s)))
            .collect();
        changed.sort_by_key(|r| r.seq);
        let taken = &changed[..batch.min(changed.len())];
        let last = taken.last().map_or(after, |r| r.seq);
        let mut out = format!(
            "{{\"hasMore\":{},\"continueFrom\":\"mock-{last}\",\"data\":[",
            taken.len() < changed.len()
        )
        .into_bytes();
        let stored = &c.item;
        join_records(&mut out, taken.iter().copied(), |r| {
            conform(api, seed, key, item, stored, r)
        });
        out.extend_from_slice(b"]}");
        Ok(Bytes::from(out))
    }

    /// The live record `id` of the collection.
    pub fn get(&mut self, api: &Api, key: &str, item: &Ty, id: i64) -> Option<&Record> {
        let c = self.collection(api, key, item);
        c.records.get(&id).filter(|r| !r.deleted)
    }

    /// A new record from a request body: generated, then the body's fields that fit the
    /// item type.
    pub fn create(
        &mut self,
        api: &Api,
        key: &str,
        item: &Ty,
        body: Option<&Value>,
        now: i64,
    ) -> &Record {
        let seq = self.change(api, key, item);
        let c = self.collections.get_mut(key).expect("seeded by change");
        let id = c.records.keys().next_back().map_or(1, |k| k + 1);
        let mut value = Gen::new(api, self.seed, &format!("{key}#{id}"))
            .with_ids(self.records)
            .value(item, "");
        if let Some(b) = body {
            merge(api, item, &mut value, b);
        }
        let t = date_time(now);
        stamp(&mut value, Some(id), Some(&t), &t, true);
        c.records.insert(id, Record::new(value, seq));
        &c.records[&id]
    }

    /// Changes record `id` with the body's fields that fit; `None` when there is no such
    /// live record.
    pub fn update(
        &mut self,
        api: &Api,
        key: &str,
        item: &Ty,
        id: i64,
        body: Option<&Value>,
        now: i64,
    ) -> Option<&Record> {
        let seq = self.change(api, key, item);
        let c = self.collections.get_mut(key)?;
        let r = c.records.get_mut(&id).filter(|r| !r.deleted)?;
        let mut value = r.value.clone();
        if let Some(b) = body {
            merge(api, &c.item, &mut value, b);
        }
        let active = value.get("active").and_then(Value::as_bool).unwrap_or(true);
        stamp(&mut value, None, None, &date_time(now), active);
        *r = Record::new(value, seq);
        Some(r)
    }

    /// Deletes record `id`: gone from reads and lists; its export shows it inactive.
    pub fn delete(
        &mut self,
        api: &Api,
        key: &str,
        item: &Ty,
        id: i64,
        now: i64,
    ) -> Option<&Record> {
        let seq = self.change(api, key, item);
        let c = self.collections.get_mut(key)?;
        let r = c.records.get_mut(&id).filter(|r| !r.deleted)?;
        let mut value = r.value.clone();
        stamp(&mut value, None, None, &date_time(now), false);
        *r = Record::new(value, seq);
        r.deleted = true;
        Some(r)
    }
}

/// The records, each as `as_item` writes it, comma-separated.
fn join_records<'a>(
    out: &mut Vec<u8>,
    records: impl Iterator<Item = &'a Record>,
    as_item: impl Fn(&Record) -> Bytes,
) {
    for (i, r) in records.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&as_item(r));
    }
}

/// Copies the fields of `body` that the item type has, with a value of the field's type.
fn merge(api: &Api, item: &Ty, value: &mut Value, body: &Value) {
    let (Some(fields), Some(target), Some(source)) = (
        struct_fields(api, item),
        value.as_object_mut(),
        body.as_object(),
    ) else {
        return;
    };
    for f in fields {
        if let Some(v) = source.get(&f.wire) {
            let mut p = Problems::new();
            if !v.is_null() {
                check_json(api, &f.ty, v, &f.wire, &mut p);
            }
            if p.is_empty() {
                target.insert(f.wire.clone(), v.clone());
            }
        }
    }
}

/// A stored record as a value of `ty`: the record itself when `ty` is its type, its id for
/// an integer, otherwise a generated value of `ty` with the record's fields that fit.
pub(crate) fn conform(
    api: &Api,
    seed: u64,
    salt: &str,
    ty: &Ty,
    item: &Ty,
    record: &Record,
) -> Bytes {
    if ty == item {
        return record.json.clone();
    }
    let mut value = match ty {
        Ty::I64 | Ty::I32 => {
            return Bytes::from(record.value.get("id").map_or("0".into(), Value::to_string))
        }
        Ty::Data(inner) => {
            let inner = conform(api, seed, salt, inner, item, record);
            let mut out = b"{\"data\":".to_vec();
            out.extend_from_slice(&inner);
            out.push(b'}');
            return Bytes::from(out);
        }
        _ => Gen::new(api, seed, salt).value(ty, ""),
    };
    merge(api, ty, &mut value, &record.value);
    Bytes::from(serde_json::to_vec(&value).unwrap_or_default())
}

/// The filters a list applies, from the parameters the operation has.
struct Filter {
    /// The ids asked for, as written (integers, or guids in lower case).
    ids: Option<HashSet<String>>,
    /// `Some(true)`: active only (the API's default); `Some(false)`: inactive only.
    active: Option<bool>,
    times: Vec<(&'static str, bool, rt::DateTime)>,
}

impl Filter {
    fn new(op: &Operation, q: &Query) -> Filter {
        let ids = q.get("ids").map(|t| {
            t.split(',')
                .map(|i| i.trim().to_ascii_lowercase())
                .collect()
        });
        let active = if op.param("active").is_some() {
            match q.get("active").map(str::to_ascii_lowercase).as_deref() {
                Some("any") => None,
                Some("false" | "inactive") => Some(false),
                _ => Some(true),
            }
        } else {
            None
        };
        let mut times = Vec::new();
        for (param, field, on_or_after) in [
            ("modifiedOnOrAfter", "modifiedOn", true),
            ("modifiedBefore", "modifiedOn", false),
            ("createdOnOrAfter", "createdOn", true),
            ("createdBefore", "createdOn", false),
        ] {
            if let Some(t) = q.get(param).and_then(|t| t.parse().ok()) {
                times.push((field, on_or_after, t));
            }
        }
        Filter { ids, active, times }
    }

    fn keeps(&self, r: &Record) -> bool {
        if r.deleted {
            return false;
        }
        if let Some(ids) = &self.ids {
            let id = match r.value.get("id") {
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(Value::String(s)) => Some(s.to_ascii_lowercase()),
                _ => None,
            };
            if !id.is_some_and(|i| ids.contains(&i)) {
                return false;
            }
        }
        if let Some(want) = self.active {
            if let Some(a) = r.value.get("active").and_then(Value::as_bool) {
                if a != want {
                    return false;
                }
            }
        }
        self.times
            .iter()
            .all(|(field, on_or_after, t)| match r.field_time(field) {
                Some(v) if *on_or_after => v >= *t,
                Some(v) => v < *t,
                None => true,
            })
    }
}
