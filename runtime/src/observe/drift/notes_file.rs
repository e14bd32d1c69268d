//! The drift notes file: a JSON-lines file, one note per line, sorted by place, so that it
//! reads well in a diff and merges by addition. Writers merge under an exclusive lock of a
//! file beside it (`<file>.lock`) and replace the file whole (written beside it, then
//! renamed), so runs and processes add to one file and a reader never sees half of one.
//!
//! A line: `{"domain":"crm","operation":"Customers_GetList","schema":"Crm.V2.CustomerResponse",
//! "field":"loyaltyTier","path":"loyaltyTier","kind":"unknown_field","detail":"string",
//! "count":3,"first_seen":"2026-12-06T04:00:00Z","last_seen":"2026-12-06T04:00:00Z"}`.

use super::{merge_notes, DriftKind, DriftNotes, DriftPlace, DriftTally};
use crate::error::Error;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

/// Reads a notes file; a file that does not exist holds no notes.
pub fn read(file: &Path) -> Result<DriftNotes, Error> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DriftNotes::new()),
        Err(e) => return Err(io_error(file, "cannot read", e)),
    };
    parse(&text).map_err(|(line, m)| {
        Error::config(format!(
            "drift notes file {}: line {line}: {m}",
            file.display()
        ))
    })
}

/// Parses a notes file's text; the error names the line (from 1).
pub fn parse(text: &str) -> Result<DriftNotes, (usize, String)> {
    let mut notes = DriftNotes::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (place, tally) = parse_line(line).map_err(|m| (i + 1, m))?;
        merge_notes(&mut notes, &DriftNotes::from([(place, tally)]));
    }
    Ok(notes)
}

fn parse_line(line: &str) -> Result<(DriftPlace, DriftTally), String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let text = |k: &str| -> Result<String, String> {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("`{k}` is missing or not text"))
    };
    let time = |k: &str| -> Result<chrono::DateTime<chrono::Utc>, String> {
        chrono::DateTime::parse_from_rfc3339(&text(k)?)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|e| format!("`{k}`: {e}"))
    };
    let kind = text("kind")?;
    let place = DriftPlace {
        domain: text("domain")?,
        operation: text("operation")?,
        schema: text("schema")?,
        field: text("field")?,
        path: text("path")?,
        kind: DriftKind::parse(&kind).ok_or_else(|| format!("unknown kind `{kind}`"))?,
        detail: text("detail")?,
    };
    let tally = DriftTally {
        count: v
            .get("count")
            .and_then(Value::as_u64)
            .ok_or("`count` is missing or not a count")?,
        first_seen: time("first_seen")?,
        last_seen: time("last_seen")?,
    };
    Ok((place, tally))
}

/// A notes file's text: one line per note, in place order.
pub fn render(notes: &DriftNotes) -> String {
    let mut out = String::new();
    for (p, t) in notes {
        let line = json!({
            "domain": p.domain,
            "operation": p.operation,
            "schema": p.schema,
            "field": p.field,
            "path": p.path,
            "kind": p.kind.as_str(),
            "detail": p.detail,
            "count": t.count,
            "first_seen": t.first_seen.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "last_seen": t.last_seen.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

/// Adds `notes` to the notes file `file` (created if absent), under its lock.
pub fn merge_into(file: &Path, notes: &DriftNotes) -> Result<(), Error> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, "cannot create", e))?;
    }
    let lock_path = sibling(file, "lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| io_error(&lock_path, "cannot open", e))?;
    lock.lock()
        .map_err(|e| io_error(&lock_path, "cannot lock", e))?;
    let mut all = read(file)?;
    merge_notes(&mut all, notes);
    let tmp = sibling(file, &format!("{}.tmp", std::process::id()));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(render(&all).as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, file));
    let result = written.map_err(|e| io_error(file, "cannot write", e));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    let _ = lock.unlock();
    result
}

/// One line for the end of a run: how many places of each kind, in how many operations.
pub fn summary(notes: &DriftNotes) -> String {
    if notes.is_empty() {
        return "drift: the answers agreed with the documents".into();
    }
    let mut kinds = Vec::new();
    for kind in DriftKind::ALL {
        let n = notes.keys().filter(|p| p.kind == kind).count();
        if n > 0 {
            kinds.push(format!("{n} {}", kind.as_str().replace('_', " ")));
        }
    }
    let operations: std::collections::BTreeSet<_> =
        notes.keys().map(|p| (&p.domain, &p.operation)).collect();
    format!(
        "drift: {} in {} operation{}",
        kinds.join(", "),
        operations.len(),
        if operations.len() == 1 { "" } else { "s" }
    )
}

fn sibling(file: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix}"));
    file.with_file_name(name)
}

fn io_error(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::config(format!("{what} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(field: &str, kind: DriftKind) -> DriftPlace {
        DriftPlace {
            domain: "crm".into(),
            operation: "Customers_GetList".into(),
            schema: "Crm.V2.CustomerResponse".into(),
            field: field.into(),
            path: field.into(),
            kind,
            detail: "string".into(),
        }
    }

    fn tally(count: u64, first: &str, last: &str) -> DriftTally {
        let t = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .expect("time")
                .to_utc()
        };
        DriftTally {
            count,
            first_seen: t(first),
            last_seen: t(last),
        }
    }

    #[test]
    fn notes_merge_by_place_across_writers() {
        let dir = std::env::temp_dir().join(format!("drift-report-{}", std::process::id()));
        let file = dir.join("drift.jsonl");
        let _ = std::fs::remove_file(&file);
        let a = DriftNotes::from([(
            place("loyaltyTier", DriftKind::UnknownField),
            tally(2, "2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z"),
        )]);
        let b = DriftNotes::from([
            (
                place("loyaltyTier", DriftKind::UnknownField),
                tally(3, "2026-11-30T10:00:00Z", "2026-12-02T10:00:00Z"),
            ),
            (
                place("name", DriftKind::MissingRequired),
                tally(1, "2026-12-02T10:00:00Z", "2026-12-02T10:00:00Z"),
            ),
        ]);
        std::thread::scope(|s| {
            s.spawn(|| merge_into(&file, &a).expect("a"));
            s.spawn(|| merge_into(&file, &b).expect("b"));
        });
        let all = read(&file).expect("read");
        assert_eq!(all.len(), 2);
        assert_eq!(
            all[&place("loyaltyTier", DriftKind::UnknownField)],
            tally(5, "2026-11-30T10:00:00Z", "2026-12-02T10:00:00Z")
        );
        assert_eq!(parse(&render(&all)).expect("round trip"), all);
        assert_eq!(
            summary(&all),
            "drift: 1 unknown field, 1 missing required in 1 operation"
        );
        let bad = parse("{\"kind\": \"x\"}").expect_err("bad line");
        assert_eq!(bad.0, 1);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
