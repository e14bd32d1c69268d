//! Answers trimmed to a size an assistant can read: a page keeps as many whole records
//! as fit, and a note says what was left out and how to read the next page.

use serde_json::{Map, Value};

/// A JSON answer as text of at most about `max` characters.
pub fn answer(v: &Value, max: usize) -> String {
    let whole = v.to_string();
    if whole.len() <= max {
        return with_note(whole, v, None);
    }
    let Some(Value::Array(data)) = v.get("data") else {
        return text(&whole, max);
    };
    let mut kept = Vec::new();
    let mut size = 200;
    for item in data {
        let n = item.to_string().len() + 1;
        if size + n > max {
            break;
        }
        size += n;
        kept.push(item.clone());
    }
    let mut page: Map<String, Value> = v.as_object().cloned().unwrap_or_default();
    let shown = kept.len();
    if shown == 0 {
        return format!(
            "{}\n\nNote: one record of this page is longer than {max} characters: \
             the server's --max-answer-chars sets the limit.",
            text(&whole, max)
        );
    }
    page.insert("data".into(), Value::Array(kept));
    let page = Value::Object(page);
    with_note(page.to_string(), v, Some((shown, data.len())))
}

/// Text cut at `max` characters, with a note.
pub fn text(t: &str, max: usize) -> String {
    if t.len() <= max {
        return t.to_string();
    }
    let mut end = max;
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n\n[cut: {} of {} characters shown]",
        &t[..end],
        end,
        t.len()
    )
}

fn with_note(text: String, v: &Value, shown: Option<(usize, usize)>) -> String {
    let mut notes = Vec::new();
    if let Some((shown, all)) = shown {
        notes.push(format!(
            "{shown} of this page's {all} records shown (the answer was trimmed to fit): ask for a smaller pageSize to see them all"
        ));
    }
    if v.get("hasMore").and_then(Value::as_bool) == Some(true) {
        match (
            v.get("page").and_then(Value::as_u64),
            v.get("continueFrom").and_then(Value::as_str),
        ) {
            (_, Some(token)) => {
                notes.push(format!("more records: call again with from = \"{token}\""))
            }
            (Some(p), _) => notes.push(format!("more records: call again with page = {}", p + 1)),
            _ => notes.push("more records: ask for the next page".into()),
        }
    }
    if notes.is_empty() {
        text
    } else {
        format!("{text}\n\nNote: {}.", notes.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_long_page_keeps_whole_records_and_says_how_to_go_on() {
        let data: Vec<Value> = (0..100)
            .map(|i| json!({"id": i, "name": "x".repeat(50)}))
            .collect();
        let page = json!({"page": 3, "pageSize": 100, "hasMore": true, "data": data});
        let t = answer(&page, 2_000);
        let (body, note) = t.split_once("\n\nNote: ").expect("a note");
        let back: Value = serde_json::from_str(body).expect("still JSON");
        let kept = back["data"].as_array().expect("data").len();
        assert!(kept > 10 && kept < 100, "{kept}");
        assert!(
            note.contains(&format!("{kept} of this page's 100 records")),
            "{note}"
        );
        assert!(note.contains("page = 4"), "{note}");
        assert_eq!(answer(&json!({"id": 1}), 2_000), "{\"id\":1}");
    }
}
