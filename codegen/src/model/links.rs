//! Typed ids: which integers (and guids) are ids of which resource.
//!
//! A resource is a collection the paths address one record of: a path ending in
//! `.../customers/{id}` makes `Customer` (the segment, singular) with integer or guid ids
//! as the parameter is. A name several domains address (pricebook's and marketing's `categories`) is
//! ambiguous and gets no type. Then, across every domain:
//! - the resource's own path parameter, and the `id` field of the models its operations
//!   answer with (one record, a page, an export batch; `/export/customers` exports
//!   customers), are its id;
//! - a field or parameter named `<resource>Id` (`customerId`), a list `<resource>Ids`,
//!   and the `ids` list of the resource's own list operation refer to it;
//! - a correction names the resource of a field whose name does not say (`createdById`)
//!   with `x-id-of` on its schema ([`crate::input::schema::ID_OF`]), read when types are built.
//!
//! Names that stay `i64` are the ones no single resource claims.

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::*;
use crate::names;
use std::collections::{BTreeMap, BTreeSet};

/// The singular of a path segment, PascalCase: `job-types` -> `JobType`,
/// `project-statuses` -> `ProjectStatus`, `categories` -> `Category`; a segment that is
/// not plural (`installed-equipment`) as it is.
fn singular(segment: &str) -> String {
    let camel = names::pascal(segment);
    let s = if let Some(stem) = camel.strip_suffix("ies") {
        format!("{stem}y")
    } else if camel.ends_with("sses") || camel.ends_with("tuses") {
        camel[..camel.len() - 2].to_string()
    } else if camel.ends_with('s') && !camel.ends_with("ss") {
        camel[..camel.len() - 1].to_string()
    } else {
        camel
    };
    names::pascal(&s)
}

/// The last path component of a literal part of a path (`/jobs/attachment/` ->
/// `attachment`).
fn last_component(literal: &str) -> Option<&str> {
    literal
        .strip_suffix('/')?
        .rsplit('/')
        .next()
        .filter(|c| !c.is_empty())
}

/// Each `segment/{param}` pair of a path whose parameter is an id (not the tenant):
/// (segment, parameter's wire name).
fn addressed(o: &Operation) -> Vec<(String, String)> {
    let segs = o.path.segments();
    segs.windows(2)
        .filter_map(|w| match (&w[0], &w[1]) {
            (Segment::Literal(lit), Segment::Param(p)) => {
                let ty = &o.path_params.iter().find(|x| &x.wire == p)?.ty;
                let segment = last_component(lit)?;
                matches!(ty, Ty::I64 | Ty::Uuid).then(|| (segment.to_string(), p.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The resource a path ending on one record defines: `.../customers/{id}`, or a plural
/// segment whose parameter names it (`/gl-accounts/{accountId}`). `.../job/{jobId}` or
/// `.../attach-job/{jobId}` refer to a record (by name) without defining a collection.
fn defined_by(o: &Operation) -> Option<(String, String)> {
    if !matches!(o.path.segments(), [.., Segment::Param(_)]) {
        return None;
    }
    // A page at such a path lists records related to the one addressed
    // (`/contacts/relationships/{relationshipId}`): that one is not a record of it.
    if matches!(&o.response, Response::Json(Ty::Paged(_) | Ty::Export(_))) {
        return None;
    }
    let (segment, param) = addressed(o).pop()?;
    Some((own_id(&segment, &param)?, param))
}

/// The resource whose own id `param` is, right after `segment`: `customers/{id}`, or a
/// plural segment whose parameter names it (`gl-accounts/{accountId}`).
fn own_id(segment: &str, param: &str) -> Option<String> {
    let name = singular(segment);
    let plural = name != names::pascal(segment);
    let named = param.strip_suffix("Id").is_some_and(|stem| {
        !stem.is_empty()
            && name
                .to_ascii_lowercase()
                .ends_with(&stem.to_ascii_lowercase())
    });
    (param == "id" || (plural && named)).then_some(name)
}

/// The resources of the API, by name; a name several domains claim is left out.
fn resources(api: &Api) -> BTreeMap<String, ResourceDef> {
    let mut found: BTreeMap<String, Vec<ResourceDef>> = BTreeMap::new();
    for d in &api.domains {
        for o in d.operations() {
            if let Some((name, param)) = defined_by(o) {
                let guid = o
                    .path_params
                    .iter()
                    .any(|p| p.wire == param && p.ty == Ty::Uuid);
                let def = ResourceDef {
                    name: name.clone(),
                    module: d.module.clone(),
                    path: o.path.as_str().to_string(),
                    guid,
                };
                let entry = found.entry(name).or_default();
                if !entry
                    .iter()
                    .any(|r| r.module == def.module && r.guid == def.guid)
                {
                    entry.push(def);
                }
            }
        }
    }
    // A name claimed more than once (two domains, or integer and guid ids) is ambiguous.
    found
        .into_iter()
        .filter_map(|(name, mut defs)| (defs.len() == 1).then(|| (name, defs.remove(0))))
        .collect()
}

/// The record type a response carries: the item of a page, export batch, `{data}` or
/// list, or the record itself.
fn record_of(t: &Ty) -> Option<(&str, bool)> {
    match t {
        Ty::Named { name, common } => Some((name, *common)),
        Ty::Paged(i) | Ty::Export(i) | Ty::DataResult(i) | Ty::Vec(i) => record_of(i),
        _ => None,
    }
}

/// The models whose `id` is a resource's own: those its operations answer with, when
/// no other resource's operations answer with them too. Keys: (module or `common`,
/// type name).
fn own_models(
    api: &Api,
    table: &BTreeMap<String, ResourceDef>,
) -> BTreeMap<(String, String), String> {
    let mut claims: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for d in &api.domains {
        for o in d.operations() {
            let segs = o.path.segments();
            // The collection the path ends in: `.../customers` or `.../customers/{id}`.
            let last_literal = match segs {
                [.., Segment::Literal(l)] => Some(l),
                [.., Segment::Literal(l), Segment::Param(_)] => Some(l),
                _ => None,
            };
            // An export answers with the records of the collection it exports:
            // `/export/customers` with customers.
            let Some(resource) = last_literal
                .map(|l| singular(l.strip_prefix("/export").unwrap_or(l)))
                .filter(|r| table.get(r).is_some_and(|def| def.module == d.module))
            else {
                continue;
            };
            if let Response::Json(t) = &o.response {
                if let Some((name, common)) = record_of(t) {
                    let owner = if common { "common" } else { d.module.as_str() };
                    claims
                        .entry((owner.to_string(), name.to_string()))
                        .or_default()
                        .insert(resource);
                }
            }
        }
    }
    claims
        .into_iter()
        .filter(|(_, r)| r.len() == 1)
        .filter_map(|(k, r)| Some((k, r.into_iter().next()?)))
        .collect()
}

/// The id type a value of type `t` named `wire` gets, if a resource claims it.
fn by_name(table: &BTreeMap<String, ResourceDef>, wire: &str, t: &Ty) -> Option<Ty> {
    let id = |stem: &str, want_guid: bool| -> Option<Ty> {
        let def = table.get(&names::pascal(stem))?;
        (def.guid == want_guid).then(|| Ty::Id {
            resource: def.name.clone(),
            guid: def.guid,
        })
    };
    let scalar = |t: &Ty| match t {
        Ty::I64 => Some(false),
        Ty::Uuid => Some(true),
        _ => None,
    };
    if let Some(stem) = wire.strip_suffix("Ids").filter(|s| !s.is_empty()) {
        return match t {
            Ty::Vec(i) => Some(Ty::Vec(Box::new(id(stem, scalar(i)?)?))),
            Ty::IdList { item, max, split } => Some(Ty::IdList {
                item: Box::new(id(stem, scalar(item)?)?),
                max: *max,
                split: *split,
            }),
            _ => None,
        };
    }
    let stem = wire.strip_suffix("Id").filter(|s| !s.is_empty())?;
    id(stem, scalar(t)?)
}

/// Links every id of `api` to its resource and records the resources; an `x-id-of`
/// naming no resource is an error.
pub(super) fn link(api: &mut Api) -> Diagnostics {
    let table = resources(api);
    let own = own_models(api, &table);
    let mut diags = Diagnostics::default();
    let mut fix_fields = |owner: &str, file: &str, types: &mut Vec<TypeDef>| {
        for t in types.iter_mut() {
            let TypeDefKind::Struct(fields) = &mut t.kind else {
                continue;
            };
            let own_resource = own.get(&(owner.to_string(), t.name.clone()));
            for f in fields.iter_mut() {
                if let Ty::Id { resource, guid } = &f.ty {
                    check_named(&table, resource, *guid, file, &t.name, &f.wire, &mut diags);
                    continue;
                }
                let linked = match own_resource {
                    Some(r) if f.wire == "id" => by_name(&table, &format!("{r}Id"), &f.ty),
                    _ => by_name(&table, &f.wire, &f.ty),
                };
                if let Some(ty) = linked {
                    f.ty = ty;
                }
            }
        }
    };
    let common_file = "common types";
    fix_fields("common", common_file, &mut api.common);
    for d in &mut api.domains {
        let file = d.file.clone();
        fix_fields(&d.module, &file, &mut d.types);
    }
    for d in &mut api.domains {
        for o in d.controllers.iter_mut().flat_map(|c| &mut c.operations) {
            link_params(&table, o);
        }
    }
    api.resources = table.into_values().collect();
    diags
}

/// An `x-id-of` names a resource with ids of the field's kind.
fn check_named(
    table: &BTreeMap<String, ResourceDef>,
    resource: &str,
    guid: bool,
    file: &str,
    type_name: &str,
    wire: &str,
    diags: &mut Diagnostics,
) {
    let known = table.get(resource).is_some_and(|d| d.guid == guid);
    if !known {
        let mut names: Vec<&str> = table.keys().map(String::as_str).collect();
        names.truncate(12);
        diags.push(Diagnostic::error(
            std::path::Path::new(file),
            "",
            format!(
                "`{type_name}.{wire}`: `{}: {resource}` names no resource with {} ids (resources: {}, ...)",
                crate::input::schema::ID_OF,
                if guid { "guid" } else { "integer" },
                names.join(", ")
            ),
        ));
    }
}

/// Path and query parameters: the resource's own `{id}`, `<resource>Id`, `<resource>Ids`,
/// and `ids` of the resource's own list.
fn link_params(table: &BTreeMap<String, ResourceDef>, o: &mut Operation) {
    let module_of = |r: &str| table.get(r).map(|d| d.module.clone());
    let own: BTreeMap<String, String> = addressed(o)
        .into_iter()
        .map(|(seg, p)| (p, singular(&seg)))
        .filter(|(_, r)| module_of(r).is_some())
        .collect();
    let list_of = match (o.method, o.path.segments()) {
        (Method::Get, [.., Segment::Literal(l)]) => Some(singular(l)),
        _ => None,
    };
    for p in &mut o.path_params {
        let linked = match own.get(&p.wire) {
            Some(r) => by_name(table, &format!("{r}Id"), &p.ty),
            None => by_name(table, &p.wire, &p.ty),
        };
        if let Some(ty) = linked {
            p.ty = ty;
        }
    }
    for p in &mut o.query {
        let linked = match (&list_of, p.wire.as_str()) {
            (Some(r), "ids") => by_name(table, &format!("{r}Ids"), &p.ty),
            _ => by_name(table, &p.wire, &p.ty),
        };
        if let Some(ty) = linked {
            p.ty = ty;
        }
    }
}
