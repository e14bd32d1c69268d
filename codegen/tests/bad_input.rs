//! Documents the generator must refuse with a precise diagnostic, writing nothing.

use servicetitan_codegen::{generate, input::load, names::NameLock, Options};
use std::path::Path;

fn diag(name: &str, text: &str) -> String {
    let path = Path::new(name);
    match load::parse_document(path, text.as_bytes()) {
        Err(d) => d.to_string(),
        Ok(doc) => {
            let opts = Options {
                specs: path.into(),
                names: NameLock::default(),
                domains: Default::default(),
                corrections: None,
                runtime_dependency: String::new(),
                example_placeholders: None,
                migrations: Vec::new(),
            };
            match servicetitan_codegen::generate_from(&[doc], &opts) {
                Err(d) => d.to_string(),
                Ok(_) => panic!("{name} was accepted"),
            }
        }
    }
}

#[test]
fn swagger_2_is_refused_clearly() {
    let d = diag("old.json", r#"{"swagger": "2.0", "info": {}, "paths": {}}"#);
    assert!(
        d.contains("old.json#/swagger") && d.contains("Swagger 2.0 is not supported"),
        "{d}"
    );
}

#[test]
fn other_bad_inputs_name_file_and_pointer() {
    let d = diag("cut.json", r#"{"openapi": "3.1.0", "info": {"#);
    assert!(
        d.contains("cut.json") && d.contains("invalid JSON at line 1"),
        "{d}"
    );
    let d = diag("bad.yaml", "openapi: 3.0.1\ninfo: [unclosed\n");
    assert!(d.contains("bad.yaml") && d.contains("invalid YAML"), "{d}");
    let d = diag("v4.json", r#"{"openapi": "4.0.0"}"#);
    assert!(d.contains("#/openapi") && d.contains("4.0.0"), "{d}");
    let doc = r##"{"openapi": "3.1.0", "info": {"title": "X"}, "servers": [{"url": "https://h/x/v2"}], "paths": {},
        "components": {"schemas": {"A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/Missing"}}}}}}"##;
    let d = diag("dangling.json", doc);
    assert!(
        d.contains("dangling.json#/components/schemas/A/properties/b") && d.contains("`Missing`"),
        "{d}"
    );
    let doc = r##"{"openapi": "3.1.0", "info": {"title": "X"}, "servers": [{"url": "https://h/x/v2"}], "paths": {
        "/tenant/{tenant}/a": {"get": {"operationId": "A_Get", "responses": {"200": {"description": "ok"}}}},
        "/tenant/{tenant}/b": {"get": {"operationId": "A_Get", "responses": {"200": {"description": "ok"}}}}}}"##;
    let d = diag("dupes.json", doc);
    assert!(
        d.contains("dupes.json#/paths/~1tenant~1{tenant}~1b/get (operation A_Get)")
            && d.contains("also used"),
        "{d}"
    );
}

#[test]
fn a_folder_with_a_bad_document_generates_nothing() {
    let dir = std::env::temp_dir().join(format!("st-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("a.json"), r#"{"swagger": "2.0"}"#).expect("write");
    let err = generate(&Options {
        specs: dir.clone(),
        names: NameLock::default(),
        domains: Default::default(),
        corrections: None,
        runtime_dependency: String::new(),
        example_placeholders: None,
        migrations: Vec::new(),
    })
    .expect_err("refused");
    assert!(err.to_string().contains("Swagger 2.0"));
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[test]
fn reference_cycles_and_unsupported_constructs() {
    let doc = r##"{"openapi": "3.1.0", "info": {"title": "X"}, "servers": [{"url": "https://h/x/v2"}], "paths": {},
        "components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"oneOf": [{"$ref": "#/components/schemas/A"}]}}}}"##;
    let d = diag("cycle.json", doc);
    assert!(
        d.contains("cycle.json#/components/schemas/A") && d.contains("reference cycle"),
        "{d}"
    );
    let doc = r##"{"openapi": "3.1.0", "info": {"title": "X"}, "servers": [{"url": "https://h/x/v2"}], "paths": {},
        "components": {"schemas": {"A": {"allOf": [{"type": "object"}]}}}}"##;
    let d = diag("allof.json", doc);
    assert!(
        d.contains("allof.json#/components/schemas/A/allOf") && d.contains("not supported"),
        "{d}"
    );
}

#[test]
fn an_operation_that_cannot_be_represented_is_skipped_with_a_warning() {
    let doc = r##"{"openapi": "3.1.0", "info": {"title": "X"}, "servers": [{"url": "https://h/x/v2"}], "paths": {
        "/tenant/{tenant}/a": {
            "get": {"operationId": "A_Get", "parameters": [{"name": "X-Trace", "in": "header", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok"}}},
            "post": {"operationId": "A_Upload", "requestBody": {"content": {"application/xml": {"schema": {"type": "object"}}}},
                     "responses": {"200": {"description": "ok"}}},
            "put": {"operationId": "A_Form", "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}, "meta": {"type": "object", "properties": {"a": {"type": "string"}}}}}}}},
                    "responses": {"200": {"description": "ok"}}},
            "delete": {"operationId": "A_Delete", "responses": {"204": {"description": "gone"}}}}}}"##;
    let path = Path::new("skips.json");
    let d = load::parse_document(path, doc.as_bytes()).expect("parses");
    let opts = Options {
        specs: path.into(),
        names: NameLock::default(),
        domains: Default::default(),
        corrections: None,
        runtime_dependency: String::new(),
        example_placeholders: None,
        migrations: Vec::new(),
    };
    let out = servicetitan_codegen::generate_from(&[d], &opts).expect("the rest still generates");
    let warnings: Vec<String> = out.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings[0]
            .contains("skips.json#/paths/~1tenant~1{tenant}~1a/get/parameters/0 (operation A_Get)")
            && warnings[0].contains("`header` parameters"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].contains("(operation A_Upload)") && warnings[1].contains("application/xml"),
        "{warnings:?}"
    );
    assert!(
        warnings[2].contains("skips.json#/paths/~1tenant~1{tenant}~1a/put/requestBody/content/multipart~1form-data/schema/properties/meta (operation A_Form)")
            && warnings[2].contains("part `meta` is not a file or a scalar"),
        "{warnings:?}"
    );
    // The domain is named from the document's title, `X`, not from the file's name.
    assert_eq!(
        out.surfaces["x"]
            .split(servicetitan_codegen::review::surface::ID_LINKS_HEADING)
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .count(),
        1,
        "only A_Delete is generated"
    );
}

/// A `$ref` outside the component schemas (a response, a request body, a parameter) to a
/// schema the document does not define is an error naming the file and the pointer, not
/// a crate that names a type it never defines.
#[test]
fn an_undefined_schema_referenced_by_an_operation_is_refused() {
    let op = |at: &str| {
        let (response, body, param) = match at {
            "response" => (
                r##"{"$ref": "#/components/schemas/Nowhere.To.Be.Found"}"##,
                "",
                "",
            ),
            "body" => (
                r##"{"type": "string"}"##,
                r##", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nowhere.To.Be.Found"}}}}"##,
                "",
            ),
            _ => (
                r##"{"type": "string"}"##,
                "",
                r##", "parameters": [{"name": "q", "in": "query", "schema": {"$ref": "#/components/schemas/Nowhere.To.Be.Found"}}]"##,
            ),
        };
        format!(
            r##"{{"openapi": "3.1.0", "info": {{"title": "X"}}, "servers": [{{"url": "https://h/x/v2"}}],
            "paths": {{"/tenant/{{tenant}}/a": {{"post": {{"operationId": "A_Make"{body}{param},
              "responses": {{"200": {{"description": "ok", "content": {{"application/json": {{"schema": {response}}}}}}}}}}}}}}},
            "components": {{"schemas": {{"Here": {{"type": "string"}}}}}}}}"##
        )
    };
    for (at, pointer) in [
        (
            "response",
            "/responses/200/content/application~1json/schema",
        ),
        ("body", "/requestBody/content/application~1json/schema"),
        ("parameter", "/parameters/0/schema"),
    ] {
        let d = diag("refs.json", &op(at));
        assert!(
            d.contains(&format!(
                "refs.json#/paths/~1tenant~1{{tenant}}~1a/post{pointer}"
            )) && d.contains("`Nowhere.To.Be.Found`, which the document does not define"),
            "{at}: {d}"
        );
    }
}

/// Inside a component schema, a `$ref` in any position (a property, array items,
/// `allOf`/`oneOf`/`anyOf`, `additionalProperties`) to a schema the document does not
/// define is reported with the file and the pointer of the reference.
#[test]
fn an_undefined_schema_referenced_inside_a_schema_is_refused() {
    let missing = r##"{"$ref": "#/components/schemas/Nowhere.To.Be.Found"}"##;
    for (shape, pointer) in [
        (
            format!(r#"{{"type": "object", "properties": {{"a": {missing}}}}}"#),
            "/properties/a",
        ),
        (
            format!(
                r#"{{"type": "object", "properties": {{"a": {{"type": "array", "items": {missing}}}}}}}"#
            ),
            "/properties/a/items",
        ),
        // `allOf` is refused as a whole (the documents have none), at its pointer.
        (format!(r#"{{"allOf": [{missing}]}}"#), "/allOf"),
        // A nullable reference (`oneOf: [ref, null]`) is one schema: reported where it is.
        (
            format!(r#"{{"oneOf": [{missing}, {{"type": "null"}}]}}"#),
            "",
        ),
        (
            format!(
                r#"{{"anyOf": [{{"type": "object", "properties": {{"k": {{"type": "string"}}}}}}, {missing}]}}"#
            ),
            "/anyOf/1",
        ),
        (
            format!(r#"{{"type": "object", "additionalProperties": {missing}}}"#),
            "/additionalProperties",
        ),
    ] {
        let doc = format!(
            r##"{{"openapi": "3.1.0", "info": {{"title": "X"}}, "servers": [{{"url": "https://h/x/v2"}}],
            "paths": {{"/tenant/{{tenant}}/a": {{"get": {{"operationId": "A_Get",
              "responses": {{"200": {{"description": "ok", "content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/Thing"}}}}}}}}}}}}}}}},
            "components": {{"schemas": {{"Thing": {shape}}}}}}}"##
        );
        let d = diag("inner.json", &doc);
        assert!(
            d.contains(&format!("inner.json#/components/schemas/Thing{pointer}:"))
                && (d.contains("`Nowhere.To.Be.Found`") || pointer == "/allOf"),
            "{pointer}: {d}"
        );
    }
}
