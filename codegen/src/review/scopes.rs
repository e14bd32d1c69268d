//! The OAuth scopes an application needs for a selection of operations, as
//! `cargo xtask scopes` prints them: sorted, de-duplicated, read and write apart, each
//! with the label the developer portal shows for it.

use crate::ir::Api;
use std::collections::{BTreeMap, BTreeSet};

/// Which operations: whole domains (`crm`), controllers (`crm.customers`), or operation
/// ids (`Customers_GetList`, or `crm.Customers_GetList` where an id repeats across domains).
/// Empty means everything.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub domains: Vec<String>,
    pub controllers: Vec<String>,
    pub operations: Vec<String>,
}

impl Selection {
    fn is_empty(&self) -> bool {
        self.domains.is_empty() && self.controllers.is_empty() && self.operations.is_empty()
    }

    /// The selection with domains named by their feature (`marketing-ads`, also as the
    /// first part of `marketing-ads.reviews`) spelled as their module (`marketing_ads`).
    fn in_module_spelling(&self, api: &Api) -> Selection {
        let respell = |names: &[String]| -> Vec<String> {
            names
                .iter()
                .map(|n| {
                    let (head, tail) = match n.split_once('.') {
                        Some((h, t)) => (h, Some(t)),
                        None => (n.as_str(), None),
                    };
                    let head = api
                        .domains
                        .iter()
                        .find(|d| d.feature == head)
                        .map_or(head, |d| d.module.as_str());
                    match tail {
                        Some(t) => format!("{head}.{t}"),
                        None => head.to_string(),
                    }
                })
                .collect()
        };
        Selection {
            domains: respell(&self.domains),
            controllers: respell(&self.controllers),
            operations: respell(&self.operations),
        }
    }
}

/// Renders the scope list, or says which selected names do not exist.
pub fn report(api: &Api, sel: &Selection) -> Result<String, String> {
    let sel = &sel.in_module_spelling(api);
    let mut matched: BTreeSet<String> = BTreeSet::new();
    let mut scopes: BTreeMap<String, String> = BTreeMap::new();
    let mut undeclared = Vec::new();
    let mut ops = 0;
    let mut domains_used = BTreeSet::new();
    for d in &api.domains {
        for c in &d.controllers {
            let acc = c.accessor.trim_start_matches("r#");
            for o in &c.operations {
                let keys = [
                    d.module.clone(),
                    format!("{}.{acc}", d.module),
                    o.id.clone(),
                    format!("{}.{}", d.module, o.id),
                ];
                let hit = sel.is_empty()
                    || sel.domains.contains(&keys[0])
                    || sel.controllers.contains(&keys[1])
                    || sel.operations.contains(&keys[2])
                    || sel.operations.contains(&keys[3]);
                if !hit {
                    continue;
                }
                matched.extend(keys);
                ops += 1;
                domains_used.insert(d.module.clone());
                match &o.scopes {
                    Some(s) => {
                        for s in s {
                            let title = d.scope_titles.get(s).cloned().unwrap_or_default();
                            scopes.insert(s.clone(), title);
                        }
                    }
                    None => undeclared.push(format!("{}.{}", d.module, o.id)),
                }
            }
        }
    }
    let unknown: Vec<&String> = sel
        .domains
        .iter()
        .chain(&sel.controllers)
        .chain(&sel.operations)
        .filter(|n| !matched.contains(*n))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "no such domain, controller or operation: {}",
            unknown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let width = scopes.keys().map(String::len).max().unwrap_or(0);
    let line = |(s, t): (&String, &String)| {
        if t.is_empty() {
            format!("{s}\n")
        } else {
            format!("{s:<width$}  {t}\n")
        }
    };
    let (read, write): (Vec<_>, Vec<_>) = scopes.iter().partition(|(s, _)| s.ends_with(":r"));
    let mut out = format!(
        "# Scopes for {} operation(s) in {}\n",
        ops,
        domains_used.into_iter().collect::<Vec<_>>().join(", ")
    );
    out.push_str(&format!("# read ({})\n", read.len()));
    read.into_iter().for_each(|x| out.push_str(&line(x)));
    out.push_str(&format!("# write ({})\n", write.len()));
    write.into_iter().for_each(|x| out.push_str(&line(x)));
    if !undeclared.is_empty() {
        out.push_str(&format!(
            "# {} operation(s) whose document declares no scope: {}\n",
            undeclared.len(),
            undeclared.join(", ")
        ));
    }
    Ok(out)
}
