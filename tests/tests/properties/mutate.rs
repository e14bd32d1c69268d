//! Mutations of JSON input, shared by the targets: edits of the value (a node replaced by
//! a value of another type, removed, renamed, retyped, copied, given a field, nested deep)
//! and then of its text (cut short, bytes that are not UTF-8, numbers too large for any
//! type). A mutation is data, so proptest shrinks it (fewer edits) and its regression
//! files replay it.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Nesting added by one mutation, at most: past serde_json's limit (128) with room.
const MAX_NESTING: usize = 600;

/// A value put in place of another.
#[derive(Debug, Clone)]
pub enum Odd {
    Null,
    True,
    Zero,
    Negative,
    MaxU64,
    MinI64,
    Float(f64),
    Text(String),
    /// A number as text (`"12.50"`), as some answers send money.
    NumberText,
    /// A date-time no calendar has.
    BadDate,
    EmptyArray,
    EmptyObject,
    /// A string of this many characters.
    LongText(u16),
    /// An array of this many nulls.
    LongArray(u16),
}

impl Odd {
    fn value(&self) -> Value {
        match self {
            Odd::Null => Value::Null,
            Odd::True => json!(true),
            Odd::Zero => json!(0),
            Odd::Negative => json!(-1),
            Odd::MaxU64 => json!(u64::MAX),
            Odd::MinI64 => json!(i64::MIN),
            Odd::Float(f) => json!(f),
            Odd::Text(s) => json!(s),
            Odd::NumberText => json!("12.50"),
            Odd::BadDate => json!("2026-13-45T25:61:61.12345678901Z"),
            Odd::EmptyArray => json!([]),
            Odd::EmptyObject => json!({}),
            Odd::LongText(n) => json!("é".repeat(usize::from(*n))),
            Odd::LongArray(n) => Value::Array(vec![Value::Null; usize::from(*n)]),
        }
    }
}

/// A change of the value: at the node numbered `at` in pre-order (of every node, or of
/// the arrays and objects for the edits of a container), modulo their count.
#[derive(Debug, Clone)]
pub enum Edit {
    Replace(u32, Odd),
    /// A number or boolean as text, text as a number or boolean, an array as an object.
    Retype(u32),
    /// Wrapped in this many arrays (`true`) or objects.
    Nest(u32, u16, bool),
    /// A container loses one of its members (the `n`th, modulo their count).
    Remove(u32, u32),
    /// A container's member copied into it (under another name in an object).
    Duplicate(u32, u32),
    /// An object's member renamed (its case changed, or a suffix added).
    Rename(u32, u32),
    /// An object gains a member.
    AddField(u32, String, Odd),
}

/// Invalid text put into the JSON: bytes that are not UTF-8, an escaped lone surrogate,
/// a NUL, a byte-order mark.
const BAD: &[&[u8]] = &[
    b"\xff",
    b"\x80",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\\ud800",
    b"\\udc00\\ud800",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\\u0000",
];

/// Numbers no type holds, or only approximately.
const HUGE: &[&str] = &[
    "1e400",
    "-1e400",
    "18446744073709551616",
    "-9223372036854775809",
    "100000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "1.00000000000000000000000000000000000001",
    "1e-400",
    "-0",
    "0.1e2147483648",
    "79228162514264337593543950336",
];

/// A change of the text.
#[derive(Debug, Clone)]
pub enum ByteEdit {
    /// Cut at this byte (modulo the length, plus one).
    Truncate(u32),
    /// `BAD[k]` inserted at this byte.
    Insert(u32, u8),
    /// `BAD[k]` inserted just inside the first string at or after this byte.
    InString(u32, u8),
    /// The first number at or after this byte replaced by `HUGE[k]`.
    Number(u32, u8),
}

/// Edits of the value, then of its text.
#[derive(Debug, Clone)]
pub struct Mutation {
    pub edits: Vec<Edit>,
    pub bytes: Vec<ByteEdit>,
}

fn odd() -> impl Strategy<Value = Odd> {
    prop_oneof![
        Just(Odd::Null),
        Just(Odd::True),
        Just(Odd::Zero),
        Just(Odd::Negative),
        Just(Odd::MaxU64),
        Just(Odd::MinI64),
        any::<f64>().prop_map(Odd::Float),
        ".{0,12}".prop_map(Odd::Text),
        Just(Odd::NumberText),
        Just(Odd::BadDate),
        Just(Odd::EmptyArray),
        Just(Odd::EmptyObject),
        (0u16..5000).prop_map(Odd::LongText),
        (0u16..5000).prop_map(Odd::LongArray),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = any::<u32>();
    prop_oneof![
        4 => (at, odd()).prop_map(|(a, o)| Edit::Replace(a, o)),
        2 => at.prop_map(Edit::Retype),
        1 => (at, 1u16..300, any::<bool>()).prop_map(|(a, n, b)| Edit::Nest(a, n, b)),
        2 => (at, any::<u32>()).prop_map(|(a, n)| Edit::Remove(a, n)),
        1 => (at, any::<u32>()).prop_map(|(a, n)| Edit::Duplicate(a, n)),
        1 => (at, any::<u32>()).prop_map(|(a, n)| Edit::Rename(a, n)),
        1 => (at, "[a-zA-Z]{1,8}", odd()).prop_map(|(a, k, o)| Edit::AddField(a, k, o)),
    ]
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    let bad = 0..BAD.len() as u8;
    prop_oneof![
        any::<u32>().prop_map(ByteEdit::Truncate),
        (any::<u32>(), bad.clone()).prop_map(|(a, k)| ByteEdit::Insert(a, k)),
        (any::<u32>(), bad).prop_map(|(a, k)| ByteEdit::InString(a, k)),
        (any::<u32>(), 0..HUGE.len() as u8).prop_map(|(a, k)| ByteEdit::Number(a, k)),
    ]
}

/// Up to four edits of the value; a quarter of the mutations also edit the text (most
/// then fail to parse, so most keep it whole to reach the typed readers).
pub fn mutation() -> impl Strategy<Value = Mutation> {
    let bytes = prop_oneof![
        3 => Just(Vec::new()),
        1 => prop::collection::vec(byte_edit(), 1..3),
    ];
    (prop::collection::vec(edit(), 0..5), bytes)
        .prop_map(|(edits, bytes)| Mutation { edits, bytes })
}

impl Mutation {
    /// The mutated value, before its text is edited.
    pub fn value(&self, mut v: Value) -> Value {
        let mut nested = 0;
        for e in &self.edits {
            if let Edit::Nest(_, n, _) = e {
                nested += usize::from(*n);
                if nested > MAX_NESTING {
                    continue;
                }
            }
            edit_value(&mut v, e);
        }
        v
    }

    /// The mutated text of `v`.
    pub fn apply(&self, v: Value) -> Vec<u8> {
        let mut text = serde_json::to_vec(&self.value(v)).expect("a value serializes");
        for e in &self.bytes {
            edit_text(&mut text, e);
        }
        text
    }

    /// Only the text edits, on `text`.
    pub fn apply_to_text(&self, mut text: Vec<u8>) -> Vec<u8> {
        for e in &self.bytes {
            edit_text(&mut text, e);
        }
        text
    }
}

fn is_container(v: &Value) -> bool {
    v.is_array() || v.is_object()
}

fn count(v: &Value, containers: bool) -> usize {
    let own = usize::from(!containers || is_container(v));
    own + match v {
        Value::Array(a) => a.iter().map(|x| count(x, containers)).sum(),
        Value::Object(m) => m.values().map(|x| count(x, containers)).sum(),
        _ => 0,
    }
}

/// The `n`th node in pre-order (of containers only, if so).
fn nth<'a>(v: &'a mut Value, n: &mut usize, containers: bool) -> Option<&'a mut Value> {
    if !containers || is_container(v) {
        if *n == 0 {
            return Some(v);
        }
        *n -= 1;
    }
    match v {
        Value::Array(a) => a.iter_mut().find_map(|x| nth(x, n, containers)),
        Value::Object(m) => m.values_mut().find_map(|x| nth(x, n, containers)),
        _ => None,
    }
}

fn node(v: &mut Value, at: u32, containers: bool) -> Option<&mut Value> {
    let total = count(v, containers);
    if total == 0 {
        return None;
    }
    let mut n = at as usize % total;
    nth(v, &mut n, containers)
}

fn retype(v: &mut Value) {
    let new = match std::mem::take(v) {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::String(s) => match serde_json::from_str::<serde_json::Number>(&s) {
            Ok(n) => Value::Number(n),
            Err(_) => Value::Bool(!s.is_empty()),
        },
        Value::Null => json!(0),
        Value::Array(a) => Value::Object(
            a.into_iter()
                .enumerate()
                .map(|(i, x)| (i.to_string(), x))
                .collect(),
        ),
        Value::Object(m) => Value::Array(m.into_iter().map(|(_, x)| x).collect()),
    };
    *v = new;
}

fn nest(v: &mut Value, depth: u16, arrays: bool) {
    let mut inner = std::mem::take(v);
    for _ in 0..depth {
        inner = if arrays {
            Value::Array(vec![inner])
        } else {
            Value::Object(Map::from_iter([("a".to_string(), inner)]))
        };
    }
    *v = inner;
}

/// An object's `n`th key (modulo their count).
fn key_of(m: &Map<String, Value>, n: u32) -> Option<String> {
    let len = m.len();
    (len > 0)
        .then(|| m.keys().nth(n as usize % len).cloned())
        .flatten()
}

fn edit_container(v: &mut Value, e: &Edit) {
    match (v, e) {
        (Value::Array(a), Edit::Remove(_, n)) if !a.is_empty() => {
            let i = *n as usize % a.len();
            a.remove(i);
        }
        (Value::Array(a), Edit::Duplicate(_, n)) if !a.is_empty() => {
            let copy = a[*n as usize % a.len()].clone();
            a.push(copy);
        }
        (Value::Object(m), Edit::Remove(_, n)) => {
            if let Some(k) = key_of(m, *n) {
                m.remove(&k);
            }
        }
        (Value::Object(m), Edit::Duplicate(_, n)) => {
            if let Some(k) = key_of(m, *n) {
                let copy = m[&k].clone();
                m.insert(format!("{k}Copy"), copy);
            }
        }
        (Value::Object(m), Edit::Rename(_, n)) => {
            if let Some(k) = key_of(m, *n) {
                let val = m.remove(&k).unwrap_or(Value::Null);
                let renamed = match n % 3 {
                    0 => k.to_uppercase(),
                    1 => k.to_lowercase(),
                    _ => format!("{k}_x"),
                };
                m.insert(renamed, val);
            }
        }
        (Value::Object(m), Edit::AddField(_, k, odd)) => {
            m.insert(k.clone(), odd.value());
        }
        _ => {}
    }
}

fn edit_value(v: &mut Value, e: &Edit) {
    match e {
        Edit::Replace(at, odd) => {
            if let Some(n) = node(v, *at, false) {
                *n = odd.value();
            }
        }
        Edit::Retype(at) => {
            if let Some(n) = node(v, *at, false) {
                retype(n);
            }
        }
        Edit::Nest(at, depth, arrays) => {
            if let Some(n) = node(v, *at, false) {
                nest(n, *depth, *arrays);
            }
        }
        Edit::Remove(at, _)
        | Edit::Duplicate(at, _)
        | Edit::Rename(at, _)
        | Edit::AddField(at, _, _) => {
            if let Some(n) = node(v, *at, true) {
                edit_container(n, e);
            }
        }
    }
}

fn edit_text(text: &mut Vec<u8>, e: &ByteEdit) {
    let at = |a: u32, len: usize| a as usize % (len + 1);
    match e {
        ByteEdit::Truncate(a) => {
            let cut = at(*a, text.len());
            text.truncate(cut);
        }
        ByteEdit::Insert(a, k) => {
            let i = at(*a, text.len());
            text.splice(i..i, BAD[usize::from(*k) % BAD.len()].iter().copied());
        }
        ByteEdit::InString(a, k) => {
            let from = at(*a, text.len());
            if let Some(q) = text[from..].iter().position(|b| *b == b'"') {
                let i = from + q + 1;
                text.splice(i..i, BAD[usize::from(*k) % BAD.len()].iter().copied());
            }
        }
        ByteEdit::Number(a, k) => {
            let from = at(*a, text.len());
            let digit =
                |b: &u8| b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'e' | b'E' | b'+');
            if let Some(start) = text[from..].iter().position(u8::is_ascii_digit) {
                let start = from + start;
                let end = start + text[start..].iter().take_while(|b| digit(b)).count();
                let huge = HUGE[usize::from(*k) % HUGE.len()].bytes();
                text.splice(start..end, huge);
            }
        }
    }
}

#[test]
fn edits_reach_every_node_and_keep_nesting_bounded() {
    let v = json!({"a": [1, {"b": "x"}], "c": null});
    let m = Mutation {
        edits: vec![Edit::Nest(4, 400, true), Edit::Nest(4, 400, false)],
        bytes: vec![ByteEdit::Number(0, 0), ByteEdit::InString(0, 0)],
    };
    let depth = |v: &Value| {
        let mut d = 0;
        let mut cur = v;
        while let Some(next) = cur.as_array().and_then(|a| a.first()) {
            d += 1;
            cur = next;
        }
        d
    };
    let mutated = m.value(v.clone());
    assert_eq!(count(&v, false), 6);
    assert_eq!(
        count(&mutated, false),
        406,
        "one nest of 400 kept, the second past the limit left out"
    );
    assert_eq!(depth(&mutated["a"][1]["b"]), 400);
    let text = m.apply(v);
    assert!(
        String::from_utf8(text.clone()).is_err(),
        "a byte that is not UTF-8 went in"
    );
    assert!(text.windows(5).any(|w| w == b"1e400"));
}
