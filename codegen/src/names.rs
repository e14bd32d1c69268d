//! Rust names for schemas, fields, operations; and the name lock that keeps type names
//! stable across document releases.
//!
//! A schema's Rust name is the last segment of its dotted name (`Crm.V2.Customers.
//! CustomerResponse` -> `CustomerResponse`). Where two schemas of one module would get
//! the same name, both are qualified by their namespace (`CustomersCustomerType`). Once
//! given, a name is recorded in `specs/names.lock` and kept: a later release that adds a
//! colliding schema qualifies only the newcomer, and never renames a type it did not touch.

use heck::{ToPascalCase, ToSnakeCase};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Names that must not be used for generated types because generated code relies on the
/// prelude meaning of them.
const RESERVED_TYPES: &[&str] = &[
    "Option", "Result", "String", "Vec", "Box", "Some", "None", "Ok", "Err", "Self", "Default",
    "Client",
];

/// `Crm.V2.Customers.CustomerResponse` -> `CustomerResponse`;
/// `OrderByItem_Of_Memberships.V2.DefaultSortingFields` -> `OrderByItemOfDefaultSortingFields`.
pub fn short_type_name(schema: &str) -> String {
    let parts: Vec<String> = schema
        .split("_Of_")
        .map(|p| pascal(p.rsplit('.').next().unwrap_or(p)))
        .collect();
    fix_type_ident(&parts.join("Of"))
}

/// The namespace segments before the last one, nearest first, version segments (`V2`) last.
fn qualifiers(schema: &str) -> Vec<String> {
    let first = schema.split("_Of_").next().unwrap_or(schema);
    let mut segs: Vec<&str> = first.split('.').collect();
    segs.pop();
    segs.reverse();
    let (versions, others): (Vec<&str>, Vec<&str>) = segs.into_iter().partition(|s| is_version(s));
    others.into_iter().chain(versions).map(pascal).collect()
}

fn is_version(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && (b[0] == b'V' || b[0] == b'v') && b[1..].iter().all(u8::is_ascii_digit)
}

pub fn pascal(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.to_pascal_case()
}

fn fix_type_ident(s: &str) -> String {
    let mut s = if s.is_empty() {
        "Unnamed".to_string()
    } else {
        s.to_string()
    };
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("T{s}");
    }
    if RESERVED_TYPES.contains(&s.as_str()) {
        s.push_str("Model");
    }
    s
}

/// A snake_case Rust identifier for a field, parameter or method (raw if a keyword).
pub fn snake_ident(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut out = cleaned.to_snake_case();
    if out.is_empty() {
        out = "value".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("n{out}");
    }
    escape_keyword(out)
}

/// A PascalCase identifier for an enum variant.
pub fn variant_ident(s: &str) -> String {
    let p = pascal(s);
    if p.is_empty() {
        return "Empty".into();
    }
    if p.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("V{p}");
    }
    if p == "Self" || p == "Unknown" {
        return format!("{p}Value");
    }
    p
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

fn escape_keyword(s: String) -> String {
    match s.as_str() {
        "self" | "crate" | "super" | "Self" => format!("{s}_"),
        k if KEYWORDS.contains(&k) => format!("r#{s}"),
        _ => s,
    }
}

/// `base2`, `base3`, ...: the first that `free` accepts.
pub fn numbered(base: &str, mut free: impl FnMut(&str) -> bool) -> String {
    (2u64..)
        .map(|i| format!("{base}{i}"))
        .find(|n| free(n))
        .unwrap_or_else(|| base.to_string())
}

/// Makes every name of a list unique by appending `2`, `3`, ... to later duplicates.
pub fn dedupe(names: &mut [String]) {
    let mut seen = HashSet::new();
    for n in names.iter_mut() {
        if !seen.insert(n.clone()) {
            let name = numbered(n.trim_start_matches("r#"), |c| !seen.contains(c));
            seen.insert(name.clone());
            *n = name;
        }
    }
}

/// A document's module name: `crm-v2` -> `crm`, `equipment-systems-v2` ->
/// `equipment_systems`, `telecom` -> `telecom`.
pub fn module_name(stem: &str) -> String {
    let s = stem.to_ascii_lowercase();
    let s = s
        .strip_suffix("-v2")
        .or_else(|| s.strip_suffix("_v2"))
        .unwrap_or(&s);
    let m = snake_ident(s);
    m.trim_start_matches("r#").to_string()
}

/// The names of one ServiceTitan domain (a row of the domain table, `crate::input::domains`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainEntry {
    /// The server path that identifies the domain's document (`/crm/v2`).
    pub key: String,
    /// The Rust module (`marketing_ads`).
    pub module: String,
    /// The cargo feature (`marketing-ads`).
    pub feature: String,
    /// The file name its document is kept under in `specs/v2` (`marketing-ads-v2.json`).
    pub file: String,
}

impl DomainEntry {
    /// Whether `name` names this domain: its module, feature, canonical file name (with
    /// or without extension) or key.
    pub fn is_named(&self, name: &str) -> bool {
        let stem = self
            .file
            .rsplit_once('.')
            .map_or(self.file.as_str(), |x| x.0);
        [
            self.module.as_str(),
            &self.feature,
            &self.file,
            stem,
            &self.key,
        ]
        .contains(&name)
    }
}

/// Recorded names: scope (domain module or `common`) -> schema name -> Rust name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameLock {
    pub entries: BTreeMap<String, BTreeMap<String, String>>,
}

impl NameLock {
    pub const HEADER: &'static str = "# Rust type names given to schemas: <module> <schema> <RustName>.\n# Maintained by `cargo xtask generate`; an entry keeps a name stable across document releases.\n";

    pub fn parse(text: &str) -> Result<NameLock, String> {
        let mut lock = NameLock::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut it = line.split_whitespace();
            match (it.next(), it.next(), it.next(), it.next()) {
                (Some(scope), Some(schema), Some(name), None) => {
                    lock.entries
                        .entry(scope.to_string())
                        .or_default()
                        .insert(schema.to_string(), name.to_string());
                }
                _ => {
                    return Err(format!(
                        "line {}: expected `<module> <schema> <RustName>`",
                        i + 1
                    ))
                }
            }
        }
        Ok(lock)
    }

    pub fn render(&self) -> String {
        let mut out = String::from(Self::HEADER);
        for (scope, m) in &self.entries {
            for (schema, name) in m {
                out.push_str(&format!("{scope} {schema} {name}\n"));
            }
        }
        out
    }
}

/// Assigns names to the schemas of one scope, honouring `locked` names.
/// `reserved` are names already used in the scope by something else.
pub fn assign(
    schemas: &[String],
    locked: Option<&BTreeMap<String, String>>,
    reserved: &BTreeSet<String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut taken: BTreeSet<String> = reserved.clone();
    let mut fresh = Vec::new();
    for s in schemas {
        match locked.and_then(|l| l.get(s)) {
            Some(n) if !taken.contains(n) => {
                taken.insert(n.clone());
                out.insert(s.clone(), n.clone());
            }
            _ => fresh.push(s.clone()),
        }
    }
    // Group fresh schemas by their short name; a group of one whose name is free keeps it.
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &fresh {
        groups
            .entry(short_type_name(s))
            .or_default()
            .push(s.clone());
    }
    for (short, members) in groups {
        if members.len() == 1 && !taken.contains(&short) {
            taken.insert(short.clone());
            out.insert(members[0].clone(), short);
            continue;
        }
        for m in members {
            let quals = qualifiers(&m);
            let mut candidate = short.clone();
            let mut chosen = None;
            for q in &quals {
                candidate = format!("{q}{candidate}");
                if !taken.contains(&candidate) {
                    chosen = Some(candidate.clone());
                    break;
                }
            }
            let name = chosen.unwrap_or_else(|| numbered(&candidate, |n| !taken.contains(n)));
            taken.insert(name.clone());
            out.insert(m, name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(
            short_type_name("Crm.V2.Customers.CustomerResponse"),
            "CustomerResponse"
        );
        assert_eq!(
            short_type_name("OrderByItem_Of_Memberships.V2.DefaultSortingFields"),
            "OrderByItemOfDefaultSortingFields"
        );
        assert_eq!(short_type_name("Result"), "ResultModel");
    }

    #[test]
    fn collisions_are_qualified_and_lock_keeps_names() {
        let schemas = vec![
            "Crm.V2.CustomerType".to_string(),
            "Crm.Customers.CustomerType".to_string(),
        ];
        let names = assign(&schemas, None, &BTreeSet::new());
        assert_eq!(names["Crm.V2.CustomerType"], "CrmCustomerType");
        assert_eq!(names["Crm.Customers.CustomerType"], "CustomersCustomerType");

        // A later release adds a colliding schema: the locked one keeps its name.
        let mut locked = BTreeMap::new();
        locked.insert("Crm.V2.Tag".to_string(), "Tag".to_string());
        let schemas = vec!["Crm.V2.Tag".to_string(), "Crm.Jobs.Tag".to_string()];
        let names = assign(&schemas, Some(&locked), &BTreeSet::new());
        assert_eq!(names["Crm.V2.Tag"], "Tag");
        assert_eq!(names["Crm.Jobs.Tag"], "JobsTag");
    }

    #[test]
    fn idents() {
        assert_eq!(snake_ident("type"), "r#type");
        assert_eq!(snake_ident("customField.Fields"), "custom_field_fields");
        assert_eq!(snake_ident("self"), "self_");
        assert_eq!(variant_ident("3rdParty"), "V3rdParty");
    }
}
