//! Sending a call through the runtime (token, app key, retries, limits, scope check,
//! the fleet's budget, drift observation and recordings: the library's own path), once,
//! or page after page (`--all`), or batch after batch of an export with its position
//! kept in a checkpoint file.

use super::call::Call;
use crate::exit::Failure;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use servicetitan_api_model::{Paging, Response};
use servicetitan_runtime::{Download, Redirect, TenantClient};
use std::path::Path;

/// What a success answered.
#[derive(Debug)]
pub enum Answer {
    /// JSON.
    Json(Value),
    /// A file.
    Bytes(Download),
    /// Text.
    Text(String),
    /// Where the file is.
    Redirect(Redirect),
    /// Nothing.
    Empty,
}

/// Sends `call` once.
pub async fn once(client: &TenantClient, call: &Call) -> Result<Answer, Failure> {
    let req = call.request(client.tenant())?;
    let answer = match call.op.response {
        Response::Json(_) => client.send_json::<Value>(req).await.map(Answer::Json),
        Response::Bytes => client.send_bytes(req).await.map(Answer::Bytes),
        Response::Text => client.send_text(req).await.map(Answer::Text),
        Response::Redirect => client.send_redirect(req).await.map(Answer::Redirect),
        Response::Empty => client.send_empty(req).await.map(|()| Answer::Empty),
    };
    let answer = answer.map_err(|e| Failure::from_runtime(&e))?;
    if let Answer::Json(v) = &answer {
        let runtime = client.client();
        if runtime.observes_drift() {
            let model = crate::api::model().map_err(Failure::Failed)?;
            runtime.note_drift(&super::drift::notes(model, call.domain, call.op, v));
        }
    }
    Ok(answer)
}

/// An export's position, kept between runs by `--checkpoint FILE`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ExportCheckpoint {
    /// The operation id.
    pub operation: String,
    /// The tenant.
    pub tenant: i64,
    /// The token of the next batch.
    pub continue_from: String,
}

/// Reads a checkpoint for `call` to `tenant`; none when the file does not exist.
pub fn read_checkpoint(path: &Path, call: &Call, tenant: i64) -> Result<Option<String>, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Failure::Failed(format!("{}: {e}", path.display()))),
    };
    let c: ExportCheckpoint = serde_json::from_str(&text).map_err(|_| {
        Failure::Usage(format!(
            "{}: not a checkpoint of this command",
            path.display()
        ))
    })?;
    if c.operation != call.op.id || c.tenant != tenant {
        return Err(Failure::Usage(format!(
            "{} is the checkpoint of {} for tenant {}, not of {} for tenant {tenant}",
            path.display(),
            c.operation,
            c.tenant,
            call.op.id
        )));
    }
    Ok(Some(c.continue_from))
}

fn write_checkpoint(path: &Path, c: &ExportCheckpoint) -> Result<(), Failure> {
    let text = serde_json::to_vec(c).map_err(|e| Failure::Failed(e.to_string()))?;
    crate::files::replace_file(path, &text).map_err(Failure::Failed)
}

/// Every page (or export batch) of `call`, each answer handed to `page`, in order, until
/// the API says there is no more or `page` says stop (`Ok(false)`). Returns the pages read.
pub async fn all(
    client: &TenantClient,
    mut call: Call,
    checkpoint: Option<&Path>,
    mut page: impl FnMut(&Value) -> Result<bool, Failure>,
) -> Result<u64, Failure> {
    let paging = call.op.paging.clone();
    let mut number: u64 = 1;
    match &paging {
        Some(Paging::Pages(param)) => {
            number = call
                .query_value(param)
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
        }
        Some(Paging::Export(from)) => {
            if let Some(path) = checkpoint {
                if let Some(token) = read_checkpoint(path, &call, client.tenant())? {
                    call.set_query(from, token);
                }
            }
        }
        Some(Paging::Body { page, .. }) => {
            let body = call
                .body
                .get_or_insert_with(|| Value::Object(Default::default()));
            if let Some(n) = body.pointer(page).and_then(Value::as_u64) {
                number = n;
            }
        }
        None => {}
    }
    let mut pages = 0;
    loop {
        match &paging {
            Some(Paging::Pages(param)) => call.set_query(param, number.to_string()),
            Some(Paging::Body { page, .. }) => {
                let body = call
                    .body
                    .get_or_insert_with(|| Value::Object(Default::default()));
                set_pointer(body, page, Value::from(number));
            }
            _ => {}
        }
        let Answer::Json(answer) = once(client, &call).await? else {
            return Err(Failure::Failed(format!(
                "{} did not answer JSON",
                call.op.id
            )));
        };
        pages += 1;
        let more = answer
            .get("hasMore")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let empty = super::output::items(&answer).is_empty();
        if !page(&answer)? {
            return Ok(pages);
        }
        if let Some(Paging::Export(from)) = &paging {
            let token = answer.get("continueFrom").and_then(Value::as_str);
            if let (Some(path), Some(token)) = (checkpoint, token) {
                let c = ExportCheckpoint {
                    operation: call.op.id.clone(),
                    tenant: client.tenant(),
                    continue_from: token.to_string(),
                };
                write_checkpoint(path, &c)?;
            }
            match token {
                Some(t) if more => call.set_query(from, t.to_string()),
                _ => return Ok(pages),
            }
        } else if !more || empty || paging.is_none() {
            return Ok(pages);
        }
        number += 1;
    }
}

/// Sets the value at a JSON pointer, making the objects on the way.
fn set_pointer(root: &mut Value, pointer: &str, value: Value) {
    let mut at = root;
    for key in pointer.split('/').skip(1) {
        if !at.is_object() {
            *at = Value::Object(Default::default());
        }
        let Value::Object(map) = at else { return };
        at = map.entry(key.to_string()).or_insert(Value::Null);
    }
    *at = value;
}
