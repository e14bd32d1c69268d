//! The API surface listing: one line per operation, `METHOD /path` exactly as the
//! document writes it, then the Rust call and what it returns. Reviewers read its diff
//! when the documents change.

use crate::ir::*;

pub fn domain_surface(d: &Domain) -> String {
    let mut lines = Vec::new();
    for c in &d.controllers {
        for o in &c.operations {
            let optional: Vec<&str> = o
                .optional_inputs()
                .map(|(p, _)| p.name.trim_start_matches("r#"))
                .collect();
            let opt = if optional.is_empty() {
                String::new()
            } else {
                format!(" [{}]", optional.join(", "))
            };
            lines.push((
                (o.path.as_str(), o.method),
                format!(
                    "{} {}  {}({}){} -> {}",
                    o.method.as_str(),
                    o.path,
                    d.call(c, o),
                    o.args_display(),
                    opt,
                    o.response.display()
                ),
            ));
        }
    }
    lines.sort();
    let mut out = format!("# {} ({}, prefix {})\n", d.title, d.file, d.prefix);
    for (_, l) in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}
