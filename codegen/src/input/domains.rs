//! Stage 2: which ServiceTitan domain each document describes, from the document itself,
//! never from its file name.
//!
//! A domain is known by its **key**: the path of its document's server URL
//! (`https://api.servicetitan.io/marketingads/v2` -> `/marketingads/v2`; Telecom's has no
//! version: `/telecom`), or, for a document whose server URL has no path (a hand-edited
//! copy), the leading segments its paths share before `/tenant/{tenant}`. The committed
//! table (`specs/domains.lock`, [`DomainTable`]) maps each key to the names the crate
//! gives the domain: module, cargo feature and the canonical file name the update command
//! writes its document under. So `tenant-crm-v2.json`, `crm-v2.yaml` and `crm-v2.json`
//! all give the module `crm`. A key the table does not know gets names derived from the
//! document's title (or its key), and generation adds the row.

use crate::diag::{Diagnostic, Diagnostics};
use crate::input::load::Document;
use crate::names::{self, DomainEntry};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The committed table of known domains, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainTable {
    pub entries: BTreeMap<String, DomainEntry>,
}

impl DomainTable {
    pub const HEADER: &'static str = "# ServiceTitan's API domains: the server path that identifies a domain's document, then the\n# Rust module, the cargo feature and the file name its document is kept under (specs/v2).\n# Maintained by `cargo xtask generate` and `cargo xtask update`: a new domain's row is added\n# with names derived from its document. Users' code spells these names: never change a\n# shipped row.\n# <server path> <module> <feature> <file>\n";

    pub fn parse(text: &str) -> Result<DomainTable, String> {
        let mut table = DomainTable::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split_whitespace().collect();
            let [key, module, feature, file] = cols[..] else {
                return Err(format!(
                    "line {}: expected `<server path> <module> <feature> <file>`, found `{line}`",
                    i + 1
                ));
            };
            if !key.starts_with('/') {
                return Err(format!(
                    "line {}: the server path `{key}` does not start with `/`",
                    i + 1
                ));
            }
            let entry = DomainEntry {
                key: key.into(),
                module: module.into(),
                feature: feature.into(),
                file: file.into(),
            };
            if let Some(other) = table.entries.values().find(|e| {
                e.module == entry.module || e.feature == entry.feature || e.file == entry.file
            }) {
                return Err(format!(
                    "line {}: `{key}` shares a name with `{}`",
                    i + 1,
                    other.key
                ));
            }
            if table.entries.insert(key.into(), entry).is_some() {
                return Err(format!("line {}: `{key}` is listed twice", i + 1));
            }
        }
        Ok(table)
    }

    pub fn render(&self) -> String {
        let mut out = Self::HEADER.to_string();
        for e in self.entries.values() {
            out.push_str(&format!(
                "{} {} {} {}\n",
                e.key, e.module, e.feature, e.file
            ));
        }
        out
    }

    /// The domain a name given on a command line names: its module (`marketing_ads`),
    /// feature (`marketing-ads`), file name or server path.
    pub fn find(&self, name: &str) -> Option<&DomainEntry> {
        self.entries.values().find(|e| e.is_named(name))
    }

    /// The entry of `key`, or a new one whose names come from the document's `title`
    /// (else from the key), unlike every name in the table.
    fn entry_for(&self, key: &str, title: Option<&str>) -> DomainEntry {
        if let Some(e) = self.entries.get(key) {
            return e.clone();
        }
        let segments: Vec<&str> = key.split('/').filter(|s| !s.is_empty()).collect();
        let version = segments
            .last()
            .filter(|s| {
                s.len() > 1 && s.starts_with('v') && s[1..].bytes().all(|b| b.is_ascii_digit())
            })
            .copied();
        let unversioned: Vec<&str> = segments
            .iter()
            .copied()
            .filter(|s| Some(*s) != version)
            .collect();
        let mut candidates: Vec<String> = title.map(names::module_name).into_iter().collect();
        candidates.push(names::module_name(&unversioned.join("_")));
        // With its version (`module_name` would take a `_v2` off again).
        candidates.push(
            names::snake_ident(&segments.join("_"))
                .trim_start_matches("r#")
                .to_string(),
        );
        let file_of = |module: &str| {
            let feature = module.replace('_', "-");
            match version {
                Some(v) if !module.ends_with(&format!("_{v}")) => format!("{feature}-{v}.json"),
                _ => format!("{feature}.json"),
            }
        };
        // Taken: any name of another domain (module, feature, file), or a Rust keyword.
        let taken = |m: &str| {
            let (feature, file) = (m.replace('_', "-"), file_of(m));
            names::snake_ident(m).starts_with("r#")
                || self
                    .entries
                    .values()
                    .any(|e| e.module == m || e.feature == feature || e.file == file)
        };
        let mut module = candidates
            .into_iter()
            .find(|m| m != "value" && !taken(m))
            .unwrap_or_else(|| "domain".into());
        let base = module.clone();
        let mut n = 2;
        while taken(&module) {
            module = format!("{base}_{n}");
            n += 1;
        }
        let feature = module.replace('_', "-");
        let file = file_of(&module);
        DomainEntry {
            key: key.into(),
            module,
            feature,
            file,
        }
    }
}

/// The key of a document's domain: its server URL's path, or the segments its paths
/// share before the tenant. `None` when neither gives one.
pub fn domain_key(root: &Value) -> Option<String> {
    let server = root
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .map(server_path)
        .unwrap_or_default();
    if !server.is_empty() {
        return Some(server);
    }
    let paths = root.get("paths").and_then(Value::as_object)?;
    let mut common: Option<Vec<&str>> = None;
    for p in paths.keys() {
        let lead: Vec<&str> = p
            .split('/')
            .filter(|s| !s.is_empty())
            .take_while(|s| *s != "tenant" && !s.starts_with('{'))
            .collect();
        common = Some(match common {
            None => lead,
            Some(c) => c
                .iter()
                .zip(&lead)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    common
        .filter(|c| !c.is_empty())
        .map(|c| format!("/{}", c.join("/")))
}

/// The path part of a server URL: `https://api.servicetitan.io/crm/v2` -> `/crm/v2`.
pub fn server_path(url: &str) -> String {
    let rest = url.split_once("://").map(|x| x.1).unwrap_or(url);
    let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
    path.trim_end_matches('/').to_string()
}

/// Whether a document's paths are a ServiceTitan domain's: at least one has a
/// `tenant/{...}` pair of segments, as every path of a tenant's API does. A document without paths is let through (it
/// has nothing to generate, and says so elsewhere).
fn is_tenant_api(root: &Value) -> bool {
    let Some(paths) = root.get("paths").and_then(Value::as_object) else {
        return true;
    };
    paths.is_empty()
        || paths.keys().any(|p| {
            let segs: Vec<&str> = p.split('/').collect();
            segs.windows(2)
                .any(|w| w[0] == "tenant" && w[1].starts_with('{'))
        })
}

/// Identifies every document's domain by `table` (new domains get derived names),
/// sets [`Document::domain`], and sorts the documents by their canonical file names, so
/// what is generated does not depend on how the files were named. Refuses a document
/// that is not a ServiceTitan domain's and two documents of one domain, naming both
/// files. Returns the table with the new domains' rows added.
pub fn identify(docs: &mut [Document], table: &DomainTable) -> Result<DomainTable, Diagnostics> {
    let mut out = table.clone();
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut diags = Diagnostics::default();
    for d in docs.iter_mut() {
        if !is_tenant_api(&d.root) {
            diags.push(Diagnostic::error(
                &d.path,
                "/paths",
                "not a ServiceTitan domain's document: none of its paths is under `/tenant/{tenant}/`",
            ));
            continue;
        }
        let Some(key) = domain_key(&d.root) else {
            diags.push(Diagnostic::error(
                &d.path,
                "/servers",
                "not a ServiceTitan domain's document: neither its server URL nor its paths name a domain (such as `/crm/v2`)",
            ));
            continue;
        };
        if let Some(first) = seen.insert(key.clone(), d.path.clone()) {
            diags.push(Diagnostic::error(
                &d.path,
                "/servers",
                format!(
                    "two documents of the domain `{key}`: {} and {}; keep one",
                    first.display(),
                    d.path.display()
                ),
            ));
            continue;
        }
        let title = d.root.pointer("/info/title").and_then(Value::as_str);
        let entry = out.entry_for(&key, title);
        out.entries.insert(key, entry.clone());
        d.domain = Some(entry);
    }
    if diags.has_errors() {
        return Err(diags);
    }
    docs.sort_by(|a, b| a.canonical_file().cmp(b.canonical_file()));
    Ok(out)
}

/// `table` with the rows of identified documents' domains it lacks.
pub fn with_rows(table: &DomainTable, docs: &[Document]) -> DomainTable {
    let mut out = table.clone();
    for e in docs.iter().filter_map(|d| d.domain.as_ref()) {
        out.entries
            .entry(e.key.clone())
            .or_insert_with(|| e.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_key_is_the_server_path_or_the_paths_common_prefix() {
        let with_server =
            json!({"servers": [{"url": "https://api.servicetitan.io/marketingads/v2/"}]});
        assert_eq!(
            domain_key(&with_server).as_deref(),
            Some("/marketingads/v2")
        );
        let telecom = json!({"servers": [{"url": "https://h"}], "paths": {
            "/telecom/v2/tenant/{tenant}/calls": {}, "/telecom/v3/tenant/{tenant}/calls": {}}});
        assert_eq!(domain_key(&telecom).as_deref(), Some("/telecom"));
        let crm = json!({"paths": {"/crm/v2/tenant/{tenant}/customers": {}, "/crm/v2/tenant/{tenant}/leads": {}}});
        assert_eq!(domain_key(&crm).as_deref(), Some("/crm/v2"));
        assert_eq!(
            domain_key(&json!({"paths": {"/tenant/{tenant}/x": {}}})),
            None
        );
    }

    #[test]
    fn new_domains_are_named_after_their_title_and_never_collide() {
        let table = DomainTable::parse("/crm/v2 crm crm crm-v2.json\n").unwrap();
        let e = table.entry_for("/fleetpro/v2", Some("Fleet Pro"));
        assert_eq!(
            (e.module.as_str(), e.feature.as_str(), e.file.as_str()),
            ("fleet_pro", "fleet-pro", "fleet-pro-v2.json")
        );
        let e = table.entry_for("/crm/v3", Some("CRM"));
        assert_eq!(
            (e.module.as_str(), e.file.as_str()),
            ("crm_v3", "crm-v3.json")
        );
        // Nothing that would overwrite crm's document, nor a keyword for a module.
        let e = table.entry_for("/crmv2", Some("Crm V2"));
        assert_ne!(e.file, "crm-v2.json");
        assert_eq!(table.entry_for("/move/v2", Some("Move")).module, "move_v2");
        let e = table.entry_for("/things", None);
        assert_eq!(
            (e.module.as_str(), e.file.as_str()),
            ("things", "things.json")
        );
        assert!(table.find("crm-v2").is_some() && table.find("/crm/v2").is_some());
    }

    #[test]
    fn a_table_that_repeats_a_name_is_refused() {
        let e = DomainTable::parse("/a/v2 a a a.json\n/b/v2 a b b.json\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("/a/v2"), "{e}");
        assert!(DomainTable::parse("/a a a\n")
            .unwrap_err()
            .contains("line 1"));
    }
}
