//! Requests checked against the model, by the rule the command line checks its flags
//! and bodies with (`servicetitan_api_model::check`), with the runtime's own parsers for
//! dates, money and time spans. Each problem names its field, as the API's `errors` does.

use crate::model::{Api, Ty};
use serde_json::Value;
use servicetitan_api_model::check::Checker;
use servicetitan_runtime as rt;

/// Problems found: (field path, message).
pub type Problems = Vec<(String, String)>;

fn checker(api: &Api) -> Checker<'_> {
    Checker {
        types: &api.types,
        formats: &rt::WireFormats,
        unknown_fields: false,
    }
}

/// Checks a JSON `value` of type `ty` found at `at` (a field path such as `address.zip`).
pub fn check_json(api: &Api, ty: &Ty, value: &Value, at: &str, out: &mut Problems) {
    checker(api).json(ty, value, at, out)
}

/// Checks the text of a path or query parameter `name` of type `ty`.
pub fn check_text(api: &Api, ty: &Ty, text: &str, name: &str, out: &mut Problems) {
    checker(api).text(ty, text, name, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Gen;

    #[test]
    fn generated_values_pass_and_broken_ones_are_named() {
        let api = Api::embedded().expect("model");
        let ty = Ty::Ref("crm.CreateCustomerRequest".into());
        let mut good = Gen::new(&api, 1, "t").value(&ty, "");
        let mut p = Problems::new();
        check_json(&api, &ty, &good, "", &mut p);
        assert!(p.is_empty(), "{p:?}");
        good.as_object_mut().expect("object").remove("name");
        good["type"] = "Martian".into();
        good["locations"][0]["address"]["zip"] = 5.into();
        check_json(&api, &ty, &good, "", &mut p);
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "type", "locations[0].address.zip"],
            "{p:?}"
        );
    }

    #[test]
    fn parameter_texts_are_read_by_type() {
        let api = Api::embedded().expect("model");
        let mut p = Problems::new();
        check_text(&api, &Ty::I64, "12", "id", &mut p);
        check_text(&api, &Ty::DateTime, "2024-01-02T03:04:05Z", "from", &mut p);
        check_text(&api, &Ty::Bool, "True", "active", &mut p);
        assert!(p.is_empty(), "{p:?}");
        check_text(&api, &Ty::I64, "twelve", "id", &mut p);
        check_text(&api, &Ty::DateTime, "yesterday", "from", &mut p);
        check_text(
            &api,
            &Ty::DateTime,
            "2024-01-02T03:04:05+00:00",
            "from",
            &mut p,
        );
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["id", "from", "from"]);
        assert!(p[2].1.contains("with `Z`"), "{p:?}");
    }
}
