//! The change report checked against Rust's own semver tooling: the findings of
//! cargo-semver-checks on the two generated crates, read from its output, matched to the
//! report's items by the Rust items each names (`Change::items`).
//!
//! An item agrees when the report calls it breaking and the tool finds it, or the report
//! calls it additive or other and the tool finds nothing of it. Breaking changes the tool
//! cannot see (a changed type, a required scope) are counted apart, "beyond the tool".
//! Everything else is a disagreement: a finding no breaking item explains, or a breaking
//! item the tool should have seen and did not.

use crate::ir::Api;
use crate::review::diff::{Change, Impact};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// One item cargo-semver-checks failed a lint on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The lint, e.g. `struct_pub_field_missing`.
    pub lint: String,
    /// The item as `Change::items` names it: `Order.old_note`, `OrderStatus::Legacy`,
    /// `OrdersGetList::legacy_flag`, `Coupon`, `mod legacy::ops`, `feature legacy`.
    pub key: String,
    /// The line as the tool wrote it.
    pub line: String,
}

/// Reads the findings from cargo-semver-checks' text output (`--color never`): each
/// `--- failure <lint>: ... ---` block's `Failed in:` lines.
pub fn parse_findings(output: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut lint: Option<String> = None;
    let mut listing = false;
    for line in output.lines() {
        if let Some(rest) = line.strip_prefix("--- failure ") {
            lint = rest.split(':').next().map(str::to_string);
            listing = false;
        } else if line.trim() == "Failed in:" {
            listing = lint.is_some();
        } else if listing && line.starts_with("  ") && !line[2..].starts_with(' ') {
            let text = line.trim();
            if let Some(lint) = &lint {
                out.push(Finding {
                    lint: lint.clone(),
                    key: finding_key(text),
                    line: text.to_string(),
                });
            }
        } else {
            // A blank line, or the tool's progress lines (indented further) end a list.
            listing = false;
        }
    }
    out
}

/// The Rust item a `Failed in:` line names, in the form `Change::items` uses.
fn finding_key(text: &str) -> String {
    let head = |s: &str| -> String {
        s.split([',', ' '])
            .next()
            .unwrap_or_default()
            .trim_start_matches("servicetitan::")
            .to_string()
    };
    let last = |path: &str| path.rsplit("::").next().unwrap_or(path).to_string();
    if let Some(rest) = text.strip_prefix("variant ") {
        return tail(&head(rest), 2);
    }
    if let Some(rest) = text.strip_prefix("field ") {
        // `field f of struct S, previously ...` or `field S.f in ...`.
        if let Some((field, of)) = rest.split_once(" of struct ") {
            return format!("{}.{field}", last(&head(of)));
        }
        return head(rest);
    }
    for kind in ["struct ", "enum ", "trait ", "type "] {
        if let Some(rest) = text.strip_prefix(kind) {
            return last(&head(rest));
        }
    }
    if let Some(rest) = text.strip_prefix("mod ") {
        return format!("mod {}", head(rest));
    }
    if let Some(rest) = text.strip_prefix("feature ") {
        return format!("feature {}", head(rest));
    }
    tail(&head(text), 2)
}

/// The last `n` segments of a path (`shop::OrderUpdate::new` -> `OrderUpdate::new`).
fn tail(path: &str, n: usize) -> String {
    let parts: Vec<&str> = path.split("::").collect();
    parts[parts.len().saturating_sub(n)..].join("::")
}

/// Whether `change` is the change the finding is about.
fn explains(change: &Change, f: &Finding) -> bool {
    change.items.iter().any(|item| {
        if *item == f.key {
            return true;
        }
        // A removed domain explains everything that was in its module.
        item.strip_prefix("mod ").is_some_and(|m| {
            f.key == format!("mod {m}")
                || f.key.starts_with(&format!("mod {m}::"))
                || f.line.contains(&format!("/src/{m}/"))
        })
    })
}

/// The two verdicts side by side.
#[derive(Debug, Default)]
pub struct Agreement {
    /// Items of the report.
    pub items: usize,
    /// Items whose verdict the tool shares.
    pub agreements: usize,
    /// Breaking items the tool cannot see (a changed type, a scope), with their text.
    pub beyond_the_tool: Vec<String>,
    /// What the two disagree on, each in words.
    pub disagreements: Vec<String>,
    /// The tool's findings.
    pub findings: usize,
}

/// Compares the report's verdicts with the tool's findings.
pub fn compare(changes: &[Change], findings: &[Finding]) -> Agreement {
    let mut a = Agreement {
        items: changes.len(),
        findings: findings.len(),
        ..Agreement::default()
    };
    for f in findings {
        let breaking = changes
            .iter()
            .filter(|c| c.impact == Impact::Breaking)
            .any(|c| explains(c, f));
        if !breaking {
            a.disagreements.push(format!(
                "cargo-semver-checks `{}`: {} (the report calls nothing about `{}` breaking)",
                f.lint, f.line, f.key
            ));
        }
    }
    for c in changes {
        match c.impact {
            Impact::Breaking if c.items.is_empty() => a.beyond_the_tool.push(c.text.clone()),
            Impact::Breaking => {
                if findings.iter().any(|f| explains(c, f)) {
                    a.agreements += 1;
                } else {
                    a.disagreements.push(format!(
                        "the report: breaking, cargo-semver-checks found nothing of {}: {}",
                        c.items.join(", "),
                        c.text
                    ));
                }
            }
            // Additive and other changes name no items: a finding about one of them is a
            // finding no breaking item explains, counted above.
            _ => a.agreements += 1,
        }
    }
    a
}

/// The cargo features the change touches, on each side (old, new): those of the domains
/// whose modules it names. Common types are in every build.
pub fn touched_features(changes: &[Change], old: &Api, new: &Api) -> (Vec<String>, Vec<String>) {
    let modules: BTreeSet<&str> = changes.iter().map(|c| c.module.as_str()).collect();
    let features = |api: &Api| -> Vec<String> {
        api.domains
            .iter()
            .filter(|d| modules.contains(d.module.as_str()))
            .map(|d| d.feature.clone())
            .collect()
    };
    (features(old), features(new))
}

/// The agreement as a section of the pull-request markdown.
pub fn markdown(a: &Agreement, features: &[String], seconds: f64) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\n### Checked with cargo-semver-checks\n");
    let _ = writeln!(
        s,
        "{} items: {} agree, {} breaking beyond what the tool can see, **{} disagreement{}** ({} findings of the tool; features {}; {:.0} s).",
        a.items,
        a.agreements,
        a.beyond_the_tool.len(),
        a.disagreements.len(),
        if a.disagreements.len() == 1 { "" } else { "s" },
        a.findings,
        if features.is_empty() { "none".to_string() } else { features.join(", ") },
        seconds
    );
    if !a.disagreements.is_empty() {
        let _ = writeln!(s);
        for d in &a.disagreements {
            let _ = writeln!(s, "- {d}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::diff::Subject;

    /// Lines as cargo-semver-checks 0.51 wrote them for the fixture pair.
    const OUTPUT: &str = "\
--- failure enum_variant_missing: pub enum variant removed or renamed ---

Description:
A publicly-visible enum has at least one variant that is no longer available.

Failed in:
  variant OrderStatus::Legacy, previously in file /tmp/old/src/shop/models.rs:93

--- failure inherent_method_missing: pub method removed or renamed ---

Failed in:
  OrdersGetList::legacy_flag, previously in file /tmp/old/src/shop/ops.rs:202
  Client::legacy, previously in file /tmp/old/src/client.rs:37

--- failure method_parameter_count_changed: pub method parameter count changed ---

Failed in:
  servicetitan::shop::OrderUpdate::new takes 1 parameters in /tmp/old/src/shop/models.rs:154, but now takes 2 parameters in /tmp/new/src/shop/models.rs:123

--- failure module_missing: pub module removed or renamed ---

Failed in:
  mod servicetitan::legacy::ops, previously in file /tmp/old/src/legacy/ops.rs:3

--- failure pub_module_level_const_missing: pub module-level const is missing ---

Failed in:
  OPERATIONS in file /tmp/old/src/legacy/mod.rs:18

--- failure struct_pub_field_missing: pub struct's pub field removed or renamed ---

Failed in:
  field old_note of struct Order, previously in file /tmp/old/src/shop/models.rs:52

--- failure struct_missing: pub struct removed or renamed ---

Failed in:
  struct servicetitan::shop::Coupon, previously in file /tmp/old/src/shop/models.rs:10

     Summary semver requires new major version: 7 major and 0 minor checks failed
    Building servicetitan v1.0.0 (current)
       Built [  49.046s] (current)
";

    fn change(impact: Impact, text: &str, items: &[&str]) -> Change {
        Change {
            impact,
            module: "shop".into(),
            subject: Subject::Type,
            text: text.into(),
            items: items.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn findings_are_read_with_the_items_they_name() {
        let keys: Vec<String> = parse_findings(OUTPUT).into_iter().map(|f| f.key).collect();
        assert_eq!(
            keys,
            [
                "OrderStatus::Legacy",
                "OrdersGetList::legacy_flag",
                "Client::legacy",
                "OrderUpdate::new",
                "mod legacy::ops",
                "OPERATIONS",
                "Order.old_note",
                "Coupon"
            ]
        );
    }

    #[test]
    fn verdicts_are_compared_item_by_item() {
        let findings = parse_findings(OUTPUT);
        let mut changes = vec![
            change(
                Impact::Breaking,
                "legacy removed",
                &["mod legacy", "Client::legacy"],
            ),
            change(Impact::Breaking, "Legacy removed", &["OrderStatus::Legacy"]),
            change(
                Impact::Breaking,
                "flag removed",
                &["OrdersGetList::legacy_flag"],
            ),
            change(Impact::Breaking, "reason added", &["OrderUpdate::new"]),
            change(Impact::Breaking, "old_note removed", &["Order.old_note"]),
            change(Impact::Breaking, "Coupon removed", &["Coupon"]),
            change(Impact::Breaking, "total: f64 -> Decimal", &[]),
            change(Impact::Additive, "refunded_on added", &[]),
        ];
        let a = compare(&changes, &findings);
        assert_eq!(a.disagreements, Vec::<String>::new());
        assert_eq!((a.items, a.agreements, a.beyond_the_tool.len()), (8, 7, 1));
        // A finding no breaking item explains, and a breaking item the tool did not find.
        changes.retain(|c| c.text != "Coupon removed");
        changes.push(change(Impact::Breaking, "Gone removed", &["Gone"]));
        let a = compare(&changes, &findings);
        assert_eq!(a.disagreements.len(), 2, "{:?}", a.disagreements);
        assert!(a.disagreements[0].contains("struct_missing"));
        assert!(a.disagreements[1].contains("Gone removed"));
    }
}
