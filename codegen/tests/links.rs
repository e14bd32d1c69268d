//! Typed ids from the documents: resources found from the paths, links by name across
//! domains, `x-id-of` for a name that does not say, and what stays `i64`.

use servicetitan_codegen::ir::{Api, Ty, TypeDefKind};
use servicetitan_codegen::review::diff::Impact;
use servicetitan_codegen::{input::load, names::NameLock, Options};
use std::path::Path;

const PEOPLE: &str = r##"{"openapi": "3.1.0", "info": {"title": "People"}, "servers": [{"url": "https://h/people/v2"}],
  "paths": {"/tenant/{tenant}/employees/{id}": {"get": {"operationId": "Employees_Get",
    "parameters": [{"name": "tenant", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}},
                   {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}],
    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Employee"}}}}}}}},
  "components": {"schemas": {"Employee": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}}}}}}"##;

fn work(created_by_of: &str) -> String {
    format!(
        r##"{{"openapi": "3.1.0", "info": {{"title": "Work"}}, "servers": [{{"url": "https://h/work/v2"}}],
  "paths": {{
    "/tenant/{{tenant}}/jobs/{{id}}": {{"get": {{"operationId": "Jobs_Get",
      "parameters": [{{"name": "tenant", "in": "path", "required": true, "schema": {{"type": "integer", "format": "int64"}}}},
                     {{"name": "id", "in": "path", "required": true, "schema": {{"type": "integer", "format": "int64"}}}}],
      "responses": {{"200": {{"description": "ok", "content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/Job"}}}}}}}}}}}}}},
    "/tenant/{{tenant}}/jobs": {{"get": {{"operationId": "Jobs_GetList",
      "parameters": [{{"name": "tenant", "in": "path", "required": true, "schema": {{"type": "integer", "format": "int64"}}}},
                     {{"name": "ids", "in": "query", "schema": {{"type": "string"}}}},
                     {{"name": "employeeIds", "in": "query", "schema": {{"type": "string"}}}},
                     {{"name": "employeeId", "in": "query", "schema": {{"type": "integer", "format": "int64"}}}}],
      "responses": {{"200": {{"description": "ok", "content": {{"application/json": {{"schema": {{"type": "array", "items": {{"$ref": "#/components/schemas/Job"}}}}}}}}}}}}}}}}}},
  "components": {{"schemas": {{"Job": {{"type": "object", "properties": {{
    "id": {{"type": "integer", "format": "int64"}},
    "employeeId": {{"type": "integer", "format": "int64"}},
    "createdById": {{"type": "integer", "format": "int64", "x-id-of": "{created_by_of}"}},
    "typeId": {{"type": "integer", "format": "int64"}}}}}}}}}}}}"##
    )
}

fn generate(created_by_of: &str) -> Result<servicetitan_codegen::Output, String> {
    let docs = [
        load::parse_document(Path::new("people-v2.json"), PEOPLE.as_bytes()).expect("people"),
        load::parse_document(Path::new("work-v2.json"), work(created_by_of).as_bytes())
            .expect("work"),
    ];
    servicetitan_codegen::generate_from(&docs, &options()).map_err(|d| d.to_string())
}

fn options() -> Options {
    Options {
        specs: ".".into(),
        names: NameLock::default(),
        domains: Default::default(),
        corrections: None,
        runtime_dependency: String::new(),
        example_placeholders: None,
        migrations: Vec::new(),
    }
}

fn field<'a>(api: &'a Api, type_name: &str, wire: &str) -> &'a Ty {
    let t = api
        .domains
        .iter()
        .flat_map(|d| &d.types)
        .find(|t| t.name == type_name)
        .unwrap_or_else(|| panic!("no type {type_name}"));
    let TypeDefKind::Struct(fields) = &t.kind else {
        panic!("{type_name} is not a struct")
    };
    &fields.iter().find(|f| f.wire == wire).expect("field").ty
}

fn id(resource: &str) -> Ty {
    Ty::Id {
        resource: resource.into(),
        guid: false,
    }
}

#[test]
fn ids_are_linked_to_their_resource_across_domains() {
    let out = generate("Employee").expect("generates");
    let api = &out.api;
    let names: Vec<&str> = api.resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Employee", "Job"]);
    // Own ids, a link by name to another domain's resource, one named by a correction,
    // and a name no resource claims.
    assert_eq!(field(api, "Employee", "id"), &id("Employee"));
    assert_eq!(field(api, "Job", "id"), &id("Job"));
    assert_eq!(field(api, "Job", "employeeId"), &id("Employee"));
    assert_eq!(field(api, "Job", "createdById"), &id("Employee"));
    assert_eq!(field(api, "Job", "typeId"), &Ty::I64);
    let work = api
        .domains
        .iter()
        .find(|d| d.module == "work")
        .expect("work");
    let get = work.operations().find(|o| o.id == "Jobs_Get").expect("get");
    assert_eq!(get.path_params[0].ty, id("Job"));
    let list = work
        .operations()
        .find(|o| o.id == "Jobs_GetList")
        .expect("list");
    let q = |wire: &str| {
        &list
            .query
            .iter()
            .find(|p| p.wire == wire)
            .expect("param")
            .ty
    };
    assert!(matches!(q("ids"), Ty::IdList { item, .. } if **item == id("Job")));
    assert!(matches!(q("employeeIds"), Ty::IdList { item, .. } if **item == id("Employee")));
    assert_eq!(q("employeeId"), &id("Employee"));
    // The listing shows each link; the crate has the id types.
    let surface = &out.surfaces["work"];
    assert!(surface.contains("## Typed ids (7)"), "{surface}");
    assert!(surface.contains("Job.createdById: EmployeeId"), "{surface}");
    let ids = &out.files["src/ids.rs"];
    assert!(
        ids.contains("pub type EmployeeId = rt::Id<resource::Employee>;"),
        "{ids}"
    );
    assert!(out.files["src/work/models.rs"].contains("crate::ids::EmployeeId"));
}

#[test]
fn a_correction_naming_no_resource_is_an_error() {
    let err = generate("Manager").expect_err("refused");
    assert!(
        err.contains("Job.createdById")
            && err.contains("x-id-of: Manager")
            && err.contains("Employee"),
        "{err}"
    );
}

#[test]
fn a_link_that_changes_is_a_breaking_change() {
    let linked = generate("Employee").expect("generates").api;
    // Without the correction, `createdById` is a bare integer.
    let doc = work("Employee").replace(r#", "x-id-of": "Employee""#, "");
    let docs = [
        load::parse_document(Path::new("people-v2.json"), PEOPLE.as_bytes()).expect("people"),
        load::parse_document(Path::new("work-v2.json"), doc.as_bytes()).expect("work"),
    ];
    let unlinked = servicetitan_codegen::generate_from(&docs, &options())
        .expect("generates")
        .api;
    assert_eq!(field(&unlinked, "Job", "createdById"), &Ty::I64);
    for (old, new, what) in [
        (&unlinked, &linked, "linked"),
        (&linked, &unlinked, "unlinked"),
    ] {
        let changes = servicetitan_codegen::review::diff::diff(old, new);
        let change = changes
            .iter()
            .find(|c| c.text.contains("Job.created_by_id"))
            .unwrap_or_else(|| {
                panic!("no change names Job.created_by_id when {what}: {changes:#?}")
            });
        assert_eq!(change.impact, Impact::Breaking, "{change:?}");
        assert!(
            change.text.contains("EmployeeId"),
            "{what}: {}",
            change.text
        );
    }
}
