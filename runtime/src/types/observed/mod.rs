//! Drift observation's decoding side (`crate::observe::drift` is the rest): where the answer being
//! decoded is: a thread-local scope, set while one answer is read
//! (decoding is synchronous, so one thread reads one answer at a time), with the schema
//! and field each value belongs to, and what was found in it. When no answer is observed,
//! the only cost is reading one thread-local flag per object and per unlisted enum value.

pub(crate) mod model;

use std::cell::{Cell, RefCell};

/// What kind of disagreement a note is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DriftKind {
    /// A property the model does not list (detail: its JSON type).
    UnknownField,
    /// A property the document marks required was absent.
    MissingRequired,
    /// `null` in a property the document does not let be null.
    UnexpectedNull,
    /// An enum value the document does not list (detail: the value).
    UnlistedEnumValue,
    /// A value that does not parse as its declared type or format (detail: its JSON type);
    /// the answer fails to decode, as it does unobserved.
    WrongType,
    /// A status the operation does not declare (detail: the status).
    UndeclaredStatus,
    /// A media type the operation does not declare for that status (detail: `status
    /// media-type`).
    UndeclaredContentType,
}

impl DriftKind {
    /// Every kind, in report order.
    pub const ALL: [DriftKind; 7] = [
        DriftKind::UnknownField,
        DriftKind::MissingRequired,
        DriftKind::UnexpectedNull,
        DriftKind::UnlistedEnumValue,
        DriftKind::WrongType,
        DriftKind::UndeclaredStatus,
        DriftKind::UndeclaredContentType,
    ];

    /// The kind as the report writes it (`unknown_field`).
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::UnknownField => "unknown_field",
            DriftKind::MissingRequired => "missing_required",
            DriftKind::UnexpectedNull => "unexpected_null",
            DriftKind::UnlistedEnumValue => "unlisted_enum_value",
            DriftKind::WrongType => "wrong_type",
            DriftKind::UndeclaredStatus => "undeclared_status",
            DriftKind::UndeclaredContentType => "undeclared_content_type",
        }
    }

    /// The kind the report's text names.
    pub fn parse(s: &str) -> Option<DriftKind> {
        DriftKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static SCOPE: RefCell<Scope> = RefCell::new(Scope::default());
}

/// One finding in one answer: the document's vocabulary only, never a value of a record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Finding {
    /// The schema of the innermost model (empty outside any model).
    pub schema: &'static str,
    /// The property of that schema (empty outside any model).
    pub field: String,
    /// The properties from the answer's outermost model to this one, joined by `.`.
    pub path: String,
    pub kind: DriftKind,
    /// A JSON type, an enum value, a status or a media type, as the kind says.
    pub detail: String,
}

/// Where the reading is, and what it found (each finding counted: a page's records
/// repeat the same ones).
#[derive(Default)]
struct Scope {
    /// The models being read, each with the length of `path` when it began.
    models: Vec<(&'static str, usize)>,
    /// The keys from the outermost model to the value being read, joined by `.`.
    path: String,
    /// Where each key of `path` begins.
    starts: Vec<usize>,
    findings: std::collections::HashMap<Finding, u64>,
    wrong_types: usize,
}

/// Whether the answer being decoded on this thread is observed.
#[inline]
pub(crate) fn observing() -> bool {
    ACTIVE.with(Cell::get)
}

/// Runs `f` (the decoding of one answer) observed, and returns what it found, counted.
pub(crate) fn observe<T>(f: impl FnOnce() -> T) -> (T, Vec<(Finding, u64)>) {
    struct Off;
    impl Drop for Off {
        fn drop(&mut self) {
            ACTIVE.with(|a| a.set(false));
        }
    }
    SCOPE.with(|s| *s.borrow_mut() = Scope::default());
    ACTIVE.with(|a| a.set(true));
    let off = Off;
    let value = f();
    drop(off);
    let found = SCOPE.with(|s| std::mem::take(&mut *s.borrow_mut()).findings);
    (value, found.into_iter().collect())
}

/// A model being read, until dropped.
pub(crate) struct ModelGuard;

/// Begins reading an object of `schema`.
pub(crate) fn enter_model(schema: &'static str) -> ModelGuard {
    SCOPE.with(|s| {
        let mut s = s.borrow_mut();
        let depth = s.starts.len();
        s.models.push((schema, depth));
    });
    ModelGuard
}

impl Drop for ModelGuard {
    fn drop(&mut self) {
        SCOPE.with(|s| {
            s.borrow_mut().models.pop();
        });
    }
}

/// A property being read, until dropped.
pub(crate) struct FieldGuard;

/// Begins reading the value of property `key` of the current model.
pub(crate) fn enter_field(key: &str) -> FieldGuard {
    SCOPE.with(|s| {
        let mut s = s.borrow_mut();
        let start = s.path.len();
        s.starts.push(start);
        if start > 0 {
            s.path.push('.');
        }
        s.path.push_str(key);
    });
    FieldGuard
}

impl Drop for FieldGuard {
    fn drop(&mut self) {
        SCOPE.with(|s| {
            let mut s = s.borrow_mut();
            if let Some(start) = s.starts.pop() {
                s.path.truncate(start);
            }
        });
    }
}

/// Notes `kind` at the value being read (the current model's current property).
pub(crate) fn note(kind: DriftKind, detail: impl Into<String>) {
    note_at(None, kind, detail.into());
}

/// Notes `kind` at property `field` of the current model (one it did not read: a required
/// property that is absent), or at the value being read when `field` is `None`.
pub(crate) fn note_at(field: Option<&str>, kind: DriftKind, detail: String) {
    SCOPE.with(|s| {
        let mut s = s.borrow_mut();
        let (schema, depth) = s.models.last().copied().unwrap_or(("", 0));
        let mut path = s.path.clone();
        let name = match field {
            Some(f) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(f);
                f.to_owned()
            }
            // The current key, when the current model has begun one.
            None if s.starts.len() > depth => {
                let start = s.starts.last().copied().unwrap_or(0);
                s.path[start..].trim_start_matches('.').to_owned()
            }
            None => String::new(),
        };
        if kind == DriftKind::WrongType {
            s.wrong_types += 1;
        }
        let finding = Finding {
            schema,
            field: name,
            path,
            kind,
            detail,
        };
        *s.findings.entry(finding).or_insert(0) += 1;
    });
}

/// How many values that did not parse as their type have been noted so far.
pub(crate) fn wrong_types() -> usize {
    SCOPE.with(|s| s.borrow().wrong_types)
}

/// The longest enum value a note keeps: longer text is more likely a record's free text
/// in a property the document wrongly calls an enum than a value of the API's vocabulary.
const ENUM_VALUE_MAX: usize = 64;

/// Notes an enum value the document does not list, at the value being read (one longer
/// than [`ENUM_VALUE_MAX`] characters is noted by its length only).
pub(crate) fn note_enum_value(value: &str) {
    let n = value.chars().count();
    if n > ENUM_VALUE_MAX {
        note(
            DriftKind::UnlistedEnumValue,
            format!("({n} characters, not kept)"),
        );
    } else {
        note(DriftKind::UnlistedEnumValue, value);
    }
}
