//! Sort fields from prose: 65 operations list the fields their `sort` parameter accepts
//! only in its description ("Available fields are: Id, ModifiedOn, CreatedOn."); the API
//! ignores a field it does not know, so the list becomes an enum and a typo does not
//! compile. A correction (an Overlay on the description) adds or fixes a list.

/// What a `sort` parameter's description says of its fields.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum SortFields {
    /// No list: the parameter stays a string.
    None,
    /// The fields, as the API names them, each with the remark the prose gives it
    /// (`Date (Year + Month)`).
    Listed(Vec<(String, Option<String>)>),
    /// A list the generator cannot read (the text after the marker).
    Unreadable(String),
}

const MARKER: &str = "Available fields are:";

/// Reads the fields a `sort` description lists.
pub(super) fn sort_fields(description: &str) -> SortFields {
    let Some(at) = description.find(MARKER) else {
        return SortFields::None;
    };
    let rest = &description[at + MARKER.len()..];
    let line = rest
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .trim_end_matches(['.', '\\'])
        .trim();
    let mut fields = Vec::new();
    for item in line.split(',').map(str::trim) {
        let (name, remark) = match item.split_once('(') {
            Some((name, remark)) if remark.ends_with(')') => (
                name.trim(),
                Some(remark.trim_end_matches(')').trim().to_string()),
            ),
            Some(_) => return SortFields::Unreadable(line.to_string()),
            None => (item, None),
        };
        let ident = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !ident || fields.iter().any(|(f, _)| f == name) {
            return SortFields::Unreadable(line.to_string());
        }
        fields.push((name.to_string(), remark));
    }
    SortFields::Listed(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(fields: &[(&str, Option<&str>)]) -> SortFields {
        SortFields::Listed(
            fields
                .iter()
                .map(|(f, r)| (f.to_string(), r.map(str::to_string)))
                .collect(),
        )
    }

    #[test]
    fn the_documents_forms_are_read() {
        let prose = "Applies sorting by the specified field:\\\n\"?sort=+FieldName\" for ascending order,\\\n\"?sort=-FieldName\" for descending order.\\\n\\\nAvailable fields are: Id, ModifiedOn, CreatedOn.";
        assert_eq!(
            sort_fields(prose),
            listed(&[("Id", None), ("ModifiedOn", None), ("CreatedOn", None)])
        );
        assert_eq!(
            sort_fields("Available fields are: Id, Date (Year + Month)"),
            listed(&[("Id", None), ("Date", Some("Year + Month"))])
        );
        assert_eq!(
            sort_fields("Available fields are: Location (sorts by locations Id), CreatedOn."),
            listed(&[
                ("Location", Some("sorts by locations Id")),
                ("CreatedOn", None)
            ])
        );
        assert_eq!(
            sort_fields("Applies sorting by the specified field"),
            SortFields::None
        );
    }

    #[test]
    fn what_cannot_be_read_is_said() {
        for prose in [
            "Available fields are: Id, Modified On",
            "Available fields are: Id, Id",
            "Available fields are: Id (broken",
            "Available fields are: ",
        ] {
            assert!(
                matches!(sort_fields(prose), SortFields::Unreadable(_)),
                "{prose}"
            );
        }
    }
}
