//! The API surface listing: one line per operation, `METHOD /path` exactly as the
//! document writes it, then the Rust call and what it returns. Reviewers read its diff
//! when the documents change.

use crate::emit::{optional_inputs, required_args, ty_display};
use crate::ir::*;

pub fn domain_surface(d: &Domain) -> String {
    let mut lines = Vec::new();
    for c in &d.controllers {
        for o in &c.operations {
            let args: Vec<String> = required_args(o)
                .into_iter()
                .map(|(name, ty)| format!("{name}: {}", ty_display(ty)))
                .collect();
            let ret = match &o.response {
                Response::Json(t) => ty_display(t),
                Response::Empty => "()".into(),
                Response::Bytes => "Download".into(),
                Response::Text => "String".into(),
                Response::Redirect => "Redirect".into(),
            };
            let optional: Vec<&str> = optional_inputs(o)
                .map(|(p, _)| p.name.trim_start_matches("r#"))
                .collect();
            let opt = if optional.is_empty() {
                String::new()
            } else {
                format!(" [{}]", optional.join(", "))
            };
            lines.push((
                (o.path.clone(), o.method),
                format!(
                    "{} {}  client.{}().{}().{}({}){} -> {}",
                    o.method.as_str(),
                    o.path,
                    d.module,
                    c.accessor.trim_start_matches("r#"),
                    o.fn_name.trim_start_matches("r#"),
                    args.join(", "),
                    opt,
                    ret
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
