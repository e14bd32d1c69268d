//! The API surface listing: one line per operation, `METHOD /path` exactly as the
//! document writes it, then the Rust call and what it returns. Reviewers read its diff
//! when the documents change.

use crate::ir::*;

/// Where a listing's typed ids start: the heading, then their count and `)`.
pub const ID_LINKS_HEADING: &str = "\n## Typed ids (";

pub fn domain_surface(d: &Domain) -> String {
    let mut lines = Vec::new();
    for c in &d.controllers {
        for o in &c.operations {
            let optional: Vec<String> = o
                .optional_inputs()
                .map(|(p, _)| {
                    let name = p.name.trim_start_matches("r#");
                    match (&p.ty, sort_fields(d, &p.ty)) {
                        (_, Some(fields)) => format!("{name}(+/-{})", fields.join("|")),
                        (Ty::IdList { item, max, .. }, None) => match max {
                            Some(max) => format!("{name}({}.. max {max})", item.display()),
                            None => format!("{name}({}..)", item.display()),
                        },
                        _ => name.to_string(),
                    }
                })
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
    out.push_str(&id_links(&d.types, d.operations()));
    out
}

/// The typed ids of the `common` types, listed like a domain's.
pub fn common_surface(api: &Api) -> String {
    format!(
        "# common types\n{}",
        id_links(&api.common, std::iter::empty())
    )
}

/// Every typed id of `types` (fields) and `ops` (path, query and multipart parameters),
/// one line each (`Type.wire: CustomerId`, `Operation_Id wire: CustomerId`), under a
/// heading that counts them.
pub fn id_links<'a>(types: &[TypeDef], ops: impl Iterator<Item = &'a Operation>) -> String {
    let mut lines = Vec::new();
    for t in types {
        if let TypeDefKind::Struct(fields) = &t.kind {
            for f in fields.iter().filter(|f| f.ty.holds_id()) {
                lines.push(format!("{}.{}: {}", t.name, f.wire, f.ty.display()));
            }
        }
    }
    for o in ops {
        let parts = match &o.body {
            Some(Body::Multipart(parts)) => parts.as_slice(),
            _ => &[],
        };
        for p in o.path_params.iter().chain(&o.query).chain(parts) {
            if p.ty.holds_id() {
                lines.push(format!("{} {}: {}", o.id, p.wire, p.ty.display()));
            }
        }
    }
    lines.sort();
    let mut out = format!("{ID_LINKS_HEADING}{})\n", lines.len());
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// The fields a typed `sort` takes, as the API names them.
fn sort_fields<'d>(d: &'d Domain, ty: &Ty) -> Option<Vec<&'d str>> {
    let Ty::Sort(field) = ty else {
        return None;
    };
    let Ty::Named { name, .. } = field.as_ref() else {
        return None;
    };
    match &d.types.iter().find(|t| &t.name == name)?.kind {
        TypeDefKind::StringEnum { variants, .. } => {
            Some(variants.iter().map(|v| v.value.as_str()).collect())
        }
        _ => None,
    }
}
