//! A command for every operation, read from the API model: `servicetitan crm customers
//! get-list --modified-on-or-after 2026-01-01T00:00:00Z --all`. The commands are built
//! when the program starts ([`command`]); a command line becomes a [`call::Call`]
//! checked against the model, passes the safety rules ([`guard`]), goes through the
//! library's runtime ([`send`]) and is printed ([`output`]).

pub mod body;
pub mod call;
pub mod command;
pub mod context;
pub mod drift;
pub mod guard;
pub mod output;
pub mod send;
pub mod values;

use crate::exit::Failure;
use call::Call;
use context::{Choice, Context};
use output::{Format, Writer};
use send::Answer;
use serde_json::Value;
use servicetitan_api_model::{Domain, Model, Operation};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// What the command line asked of one operation, besides its parameters.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub output: Option<String>,
    pub all: bool,
    pub checkpoint: Option<PathBuf>,
    pub save: Option<PathBuf>,
    pub dry_run: bool,
    pub allow_writes: bool,
    pub yes: bool,
    pub audit: Option<PathBuf>,
}

impl Flags {
    /// The flags of an operation's matches (those it does not have are left unset).
    pub fn from_matches(m: &clap::ArgMatches, output: Option<String>) -> Flags {
        let flag = |id: &str| {
            m.try_get_one::<bool>(id)
                .ok()
                .flatten()
                .copied()
                .unwrap_or(false)
        };
        let path = |id: &str| {
            m.try_get_one::<String>(id)
                .ok()
                .flatten()
                .map(PathBuf::from)
        };
        Flags {
            output,
            all: flag("all"),
            checkpoint: path("checkpoint"),
            save: path("save"),
            dry_run: flag("dry-run"),
            allow_writes: flag("allow-writes"),
            yes: flag("yes"),
            audit: path("audit"),
        }
    }
}

/// Runs operation `op` of `domain` as the matches of its command say.
pub async fn run(
    model: &'static Model,
    domain: &'static Domain,
    op: &'static Operation,
    m: &clap::ArgMatches,
    choice: &Choice,
    output: Option<String>,
) -> Result<(), Failure> {
    let flags = Flags::from_matches(m, output);
    let call = call::from_matches(model, domain, op, m)?;
    let format = Format::pick(flags.output.as_deref(), std::io::stdout().is_terminal())
        .map_err(Failure::Usage)?;
    if flags.checkpoint.is_some() && format == Format::Table {
        return Err(Failure::Usage(
            "--checkpoint moves as the records are written: choose -o jsonl, csv or json".into(),
        ));
    }
    let ctx = Context::build(&Choice {
        dry_run: flags.dry_run,
        ..choice.clone()
    })?;
    if flags.dry_run {
        let text = guard::dry_run(&call, ctx.client.client(), ctx.tenant())?;
        return std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(Failure::from_io);
    }
    guard::allowed(&call, flags.allow_writes || ctx.allow_writes)?;
    guard::confirm(&call, ctx.tenant(), ctx.profile.as_deref(), flags.yes)?;
    let result = if flags.all {
        every_page(model, &ctx, &call, &flags, format).await
    } else {
        let (answer, status) = context::with_status(send::once(&ctx.client, &call)).await;
        if op.writes() {
            // Before anything is printed: a closed pipe must not lose the audit line.
            if let Some(file) = flags.audit.as_ref().or(ctx.audit.as_ref()) {
                let profile = ctx.profile.as_deref();
                let audited = guard::Audited::of(&call, ctx.tenant(), profile, status, &answer);
                guard::audit(file, &audited)?;
            }
        }
        answer.and_then(|a| print(model, &call, a, &flags, format))
    };
    drift::summary(ctx.client.client());
    result
}

/// Every page (or export batch), written as it arrives; what was read is written even
/// when a later page fails.
async fn every_page(
    model: &'static Model,
    ctx: &Context,
    call: &Call,
    flags: &Flags,
    format: Format,
) -> Result<(), Failure> {
    let mut writer = writer(model, call, format, true);
    let bar = progress(call);
    let read = send::all(
        &ctx.client,
        call.clone(),
        flags.checkpoint.as_deref(),
        |page| {
            writer.answer(page).map_err(Failure::from_io)?;
            bar.set_message(format!("{} records", writer.count()));
            bar.tick();
            Ok(true)
        },
    )
    .await;
    bar.finish_and_clear();
    let n = writer.finish().map_err(Failure::from_io)?;
    let pages = read?;
    eprintln!("{n} records in {pages} pages");
    Ok(())
}

/// Prints one answer.
fn print(
    model: &'static Model,
    call: &Call,
    answer: Answer,
    flags: &Flags,
    format: Format,
) -> Result<(), Failure> {
    let mut writer = writer(model, call, format, false);
    match answer {
        Answer::Json(answer) => {
            writer.answer(&answer).map_err(Failure::from_io)?;
            writer.finish().map_err(Failure::from_io)?;
            if answer.get("hasMore").and_then(Value::as_bool) == Some(true) {
                let how = match &call.op.paging {
                    Some(servicetitan_api_model::Paging::Export(_)) => {
                        "--all reads every batch (or --from the answer's continueFrom)"
                    }
                    _ => "--all reads every page (or --page N)",
                };
                eprintln!("more records: {how}");
            }
        }
        Answer::Bytes(download) => match &flags.save {
            Some(path) => std::fs::write(path, &download.bytes)
                .map_err(|e| Failure::Failed(format!("{}: {e}", path.display())))?,
            None => std::io::stdout()
                .write_all(&download.bytes)
                .map_err(Failure::from_io)?,
        },
        Answer::Text(text) => writeln!(std::io::stdout(), "{text}").map_err(Failure::from_io)?,
        Answer::Redirect(r) => {
            let v = serde_json::json!({"status": r.status, "location": r.location});
            writer.answer(&v).map_err(Failure::from_io)?;
            writer.finish().map_err(Failure::from_io)?;
        }
        Answer::Empty => {}
    }
    Ok(())
}

/// A writer of `call`'s items to standard output (`stream`: every page, not one answer).
fn writer(
    model: &Model,
    call: &Call,
    format: Format,
    stream: bool,
) -> Writer<std::io::BufWriter<std::io::Stdout>> {
    let item = output::item_type(&call.op.response);
    let stdout = std::io::BufWriter::new(std::io::stdout());
    Writer::new(stdout, format, model, item, stream)
}

/// A spinner on standard error while pages arrive (drawn only on a terminal).
fn progress(call: &Call) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {prefix}: {msg} ({elapsed})")
    {
        bar.set_style(style);
    }
    bar.set_prefix(call.op.id.clone());
    bar
}
