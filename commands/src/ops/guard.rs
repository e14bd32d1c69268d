//! Safe by default: a command that changes data is refused unless writes are allowed
//! (`--allow-writes` or the profile), asks on a terminal unless `--yes`, can be shown
//! instead of sent (`--dry-run`, secrets masked), and leaves an audit line per write:
//! time, profile, tenant, operation, path, status and the ids involved, never a secret
//! or a body value.

use super::call::Call;
use crate::exit::Failure;
use serde_json::{json, Map, Value};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Refuses a write when writes are not allowed.
pub fn allowed(call: &Call, allow: bool) -> Result<(), Failure> {
    if !call.op.writes() || allow {
        return Ok(());
    }
    Err(Failure::Usage(format!(
        "{} changes data ({} {}{}): add --allow-writes, or `allow_writes = true` to the profile; \
         --dry-run shows the request without sending it",
        call.op.id, call.op.method, call.domain.prefix, call.op.path
    )))
}

/// The request as it would be sent: method, URL (as the runtime encodes it), headers
/// with secrets masked, body.
pub fn dry_run(
    call: &Call,
    runtime: &servicetitan_runtime::Runtime,
    tenant: i64,
) -> Result<String, Failure> {
    let url = runtime.url_of(&call.addressed(tenant)?);
    let mut out = format!(
        "{} {url}\nAuthorization: Bearer ***\nST-App-Key: ***\n",
        call.op.method
    );
    if let Some(body) = &call.body {
        out.push_str("Content-Type: application/json\n\n");
        out.push_str(&serde_json::to_string_pretty(body).unwrap_or_default());
        out.push('\n');
    }
    for (name, part) in &call.parts {
        match part {
            super::call::Part::Text(t) => out.push_str(&format!("part {name}: {t}\n")),
            super::call::Part::File(p) => {
                out.push_str(&format!("part {name}: file {}\n", p.display()))
            }
        }
    }
    Ok(out)
}

/// On a terminal, asks before a write is sent (`--yes` skips it); elsewhere, allowed
/// writes go without a question.
pub fn confirm(call: &Call, tenant: i64, profile: Option<&str>, yes: bool) -> Result<(), Failure> {
    if yes || !call.op.writes() || !std::io::stdin().is_terminal() {
        return Ok(());
    }
    let who = profile
        .map(|p| format!(" (profile {p})"))
        .unwrap_or_default();
    eprint!(
        "{} {} to tenant {tenant}{who}: send it? [y/N] ",
        call.op.method,
        call.path(tenant)
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Failure::Failed(format!("standard input: {e}")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Failure::Usage(
            "not sent: the write was not confirmed".into(),
        ))
    }
}

/// What one write did, for its audit line.
pub struct Audited<'a> {
    pub call: &'a Call,
    pub tenant: i64,
    pub profile: Option<&'a str>,
    /// The answer's status, when there was an answer.
    pub status: Option<u16>,
    /// The id the answer names (a created record's), when it names one.
    pub answer_id: Option<Value>,
    /// The kind of failure, when it failed (never its message, which may quote a body).
    pub failure: Option<&'static str>,
}

impl<'a> Audited<'a> {
    /// The audit of `call`, which ended in `result` with its last answer's `status`.
    pub fn of(
        call: &'a Call,
        tenant: i64,
        profile: Option<&'a str>,
        status: Option<u16>,
        result: &Result<super::send::Answer, Failure>,
    ) -> Audited<'a> {
        let answer_id = match result {
            Ok(super::send::Answer::Json(v)) => v
                .get("id")
                .filter(|v| v.is_number() || v.is_string())
                .cloned(),
            _ => None,
        };
        Audited {
            call,
            tenant,
            profile,
            status,
            answer_id,
            failure: match result {
                Ok(_) => None,
                Err(Failure::Refused(_)) => Some("refused"),
                Err(_) => Some("failed"),
            },
        }
    }
}

/// Appends one JSON line for a write to `file` (made readable by its owner only).
pub fn audit(file: &Path, a: &Audited<'_>) -> Result<(), Failure> {
    let mut ids: Map<String, Value> = a.call.ids();
    if let Some(id) = &a.answer_id {
        ids.insert("answer".into(), id.clone());
    }
    let line = json!({
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "profile": a.profile,
        "tenant": a.tenant,
        "operation": a.call.op.id,
        "method": a.call.op.method,
        "path": a.call.path(a.tenant),
        "status": a.status,
        "ids": ids,
        "failure": a.failure,
    });
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(file)
        .map_err(|e| Failure::Failed(format!("the audit file {}: {e}", file.display())))?;
    let mut text = line.to_string();
    text.push('\n');
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_data())
        .map_err(|e| Failure::Failed(format!("the audit file {}: {e}", file.display())))
}
