//! A command per operation, built from the model when the program starts (clap's builder:
//! data, not code): `servicetitan <domain> <resource> <action>`, named as the generated
//! client names them. Path and query parameters are flags checked against their types by
//! the value parsers below, so that clap refuses a bad flag before anything is sent.

use super::values::{self, checker};
use clap::builder::{PossibleValuesParser, ValueParser};
use clap::{Arg, ArgAction, Command};
use servicetitan_api_model::check::Problems;
use servicetitan_api_model::{Body, Domain, Model, Operation, Paging, Param, Place, Response, Ty};

/// The argument id of a parameter's flag (`p:` and its wire name; `q:` for a query
/// parameter named like a path parameter of the same operation).
pub fn param_id(o: &Operation, p: &Param) -> String {
    let clash = p.place != Place::Path
        && o.params
            .iter()
            .any(|q| q.place == Place::Path && q.wire == p.wire);
    if clash {
        format!("q:{}", p.wire)
    } else {
        format!("p:{}", p.wire)
    }
}

/// The flag of a parameter: `modifiedOnOrAfter` as `modified-on-or-after` (`-query` added
/// where a query parameter is named like a path parameter).
pub fn flag_name(o: &Operation, p: &Param) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in p.wire.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('-');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        match c {
            '_' | '.' => out.push('-'),
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    if param_id(o, p).starts_with("q:") {
        out.push_str("-query");
    }
    out
}

/// The commands of every domain. Only the domains named in `argv` get their operations'
/// flags (the others list their resources and actions): a command line names one.
pub fn domains(model: &'static Model, argv: &[String]) -> Vec<Command> {
    model
        .domains
        .iter()
        .map(|d| {
            let full = argv.iter().any(|a| *a == d.command_name());
            domain(model, d, full)
        })
        .collect()
}

/// A domain's command: its resources, each with its actions.
pub fn domain(model: &'static Model, d: &Domain, full: bool) -> Command {
    let mut about = d.title.clone();
    if let Some(desc) = &d.description {
        about = format!("{about}: {desc}");
    }
    let mut cmd = Command::new(d.command_name())
        .about(about)
        .subcommand_required(true)
        .arg_required_else_help(true);
    let mut resources: Vec<&str> = d.operations.iter().map(|o| o.resource.as_str()).collect();
    resources.sort_unstable();
    resources.dedup();
    for r in resources {
        let ops = d.operations.iter().filter(|o| o.resource == r);
        let mut rc = Command::new(servicetitan_api_model::kebab(r))
            .about(format!("{} {r}", d.title))
            .subcommand_required(true)
            .arg_required_else_help(true);
        for o in ops {
            rc = rc.subcommand(if full {
                operation(model, d, o)
            } else {
                Command::new(o.command_names().1).about(summary(o))
            });
        }
        cmd = cmd.subcommand(rc);
    }
    cmd
}

fn summary(o: &Operation) -> String {
    o.summary.clone().unwrap_or_else(|| o.id.clone())
}

/// An operation's command: its parameters as flags, its body's, paging's and safety's
/// flags, and a help text from the documents.
pub fn operation(model: &'static Model, d: &Domain, o: &Operation) -> Command {
    let mut cmd = Command::new(o.command_names().1)
        .about(summary(o))
        .long_about(long_about(model, d, o));
    let parts: &[Param] = match &o.body {
        Some(Body::Multipart { multipart }) => multipart,
        _ => &[],
    };
    for p in o.params.iter().chain(parts) {
        cmd = cmd.arg(param_arg(model, o, p));
    }
    if let Some(Body::Json { json, required }) = &o.body {
        let name = values::words(model, json);
        cmd = cmd
            .arg(
                Arg::new("body")
                    .long("body")
                    .value_name("FILE")
                    .help(format!("The request body, {name}, as JSON from FILE (`-`: standard input)")),
            )
            .arg(
                Arg::new("set")
                    .long("set")
                    .value_name("FIELD=VALUE")
                    .action(ArgAction::Append)
                    .help("Sets a field of the body (`name=Jane`, `address.zip=94103`, `tagTypeIds=[1,2]`); after --body"),
            );
        if *required {
            cmd = cmd.group(
                clap::ArgGroup::new("the body")
                    .args(["body", "set"])
                    .multiple(true)
                    .required(true),
            );
        }
    }
    if o.paging.is_some() {
        cmd = cmd.arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Every page (every batch of an export), streamed as it arrives"),
        );
    }
    if matches!(o.paging, Some(Paging::Export(_))) {
        cmd = cmd.arg(
            Arg::new("checkpoint")
                .long("checkpoint")
                .value_name("FILE")
                .requires("all")
                .help("With --all: resume from the export's position kept in FILE, and keep it there after each batch"),
        );
    }
    if matches!(o.response, Response::Bytes | Response::Text) {
        cmd = cmd.arg(
            Arg::new("save")
                .long("save")
                .value_name("FILE")
                .help("Writes the file the API answers to FILE instead of standard output"),
        );
    }
    safety_args(cmd, o)
}

fn safety_args(cmd: Command, o: &Operation) -> Command {
    let cmd = cmd.arg(
        Arg::new("dry-run")
            .long("dry-run")
            .action(ArgAction::SetTrue)
            .help("Prints the request (method, URL, body) with secrets masked, and sends nothing"),
    );
    if !o.writes() {
        return cmd;
    }
    cmd.arg(
        Arg::new("allow-writes")
            .long("allow-writes")
            .action(ArgAction::SetTrue)
            .help("Allows this command to change the tenant's data (or `allow_writes = true` in the profile)"),
    )
    .arg(
        Arg::new("yes")
            .long("yes")
            .short('y')
            .action(ArgAction::SetTrue)
            .help("Sends the write without asking on the terminal"),
    )
    .arg(
        Arg::new("audit")
            .long("audit")
            .value_name("FILE")
            .help("Appends a JSON line per write to FILE: time, profile, tenant, operation, path, status, ids (or `audit` in the profile)"),
    )
}

fn long_about(model: &Model, d: &Domain, o: &Operation) -> String {
    let mut out = summary(o);
    if let Some(desc) = &o.description {
        out.push_str("\n\n");
        out.push_str(&values::plain(desc));
    }
    out.push_str(&format!("\n\n{} {}{}", o.method, d.prefix, o.path));
    out.push_str(&format!("\nOperation: {}", o.id));
    match &o.scopes {
        Some(s) => out.push_str(&format!("\nScope: {}", s.join(", "))),
        None => out.push_str("\nScope: none declared"),
    }
    if o.writes() {
        out.push_str("\nChanges data: needs --allow-writes (or the profile's allow_writes)");
    }
    if o.deprecated {
        out.push_str("\nDeprecated by the documents.");
    }
    if let Some(l) = o.limit {
        out.push_str(&format!("\nLimit: {} calls per {} s", l.calls, l.seconds));
    }
    match &o.paging {
        Some(Paging::Export(_)) => out
            .push_str("\nAnswers export batches: --all reads them all, --checkpoint FILE resumes"),
        Some(_) => out.push_str("\nAnswers pages: --all reads them all"),
        None => {}
    }
    if let Some(Body::Json { json, .. }) = &o.body {
        out.push_str(&super::body::help(model, json));
    }
    out
}

fn param_arg(model: &'static Model, o: &Operation, p: &Param) -> Arg {
    let words = values::words(model, &p.ty);
    let doc = p.doc.as_deref().map(values::plain).unwrap_or_default();
    let mut help = doc.lines().next().unwrap_or_default().trim().to_string();
    let mut long = doc.clone();
    let place = match p.place {
        Place::Path => "path",
        Place::Query => "query",
        Place::Part => "multipart part",
    };
    let refers = p
        .refers_to
        .as_ref()
        .map(|r| format!("; the id of a {r}"))
        .unwrap_or_default();
    let what = format!("[{place}: {words}{refers}]");
    help = if help.is_empty() {
        what.clone()
    } else {
        format!("{help} {what}")
    };
    long = if long.is_empty() {
        what
    } else {
        format!("{long}\n{what}")
    };
    let mut arg = Arg::new(param_id(o, p))
        .long(flag_name(o, p))
        .value_name(values::value_name(model, &p.ty))
        .required(p.required)
        .help(help)
        .long_help(long);
    if matches!(p.ty, Ty::Vec(_) | Ty::Map(_)) {
        arg = arg.action(ArgAction::Append);
    }
    // A list of numbers or enum values also from `1,2` (text and objects may hold commas).
    if let Ty::Vec(item) = &p.ty {
        if !matches!(item.as_ref(), Ty::String) && model.fields(item).is_none() {
            arg = arg.value_delimiter(',');
        }
    }
    // `--sort -ModifiedOn`, `--latitude -33.8`: a value may begin with a hyphen.
    let sort = matches!(p.ty, Ty::Sort(_)) || p.wire.eq_ignore_ascii_case("sort");
    if sort || matches!(p.ty, Ty::I32 | Ty::I64 | Ty::F64 | Ty::Decimal) {
        arg = arg.allow_hyphen_values(true);
    }
    match (&p.ty, values::enum_values(model, &p.ty)) {
        (Ty::Sort(_), _) | (Ty::File, _) => arg.value_parser(checked(model, p)),
        (_, Some(values)) => arg
            .value_parser(PossibleValuesParser::new(values))
            .ignore_case(true)
            .hide_possible_values(false),
        _ => arg.value_parser(checked(model, p)),
    }
}

/// A value parser that checks a flag's text against the parameter's type.
fn checked(model: &'static Model, p: &Param) -> ValueParser {
    let ty = p.ty.clone();
    let name = p.wire.clone();
    ValueParser::new(move |text: &str| -> Result<String, String> {
        let mut problems = Problems::new();
        match &ty {
            Ty::File => return Ok(text.to_string()),
            Ty::Map(_) if !text.contains('=') => return Err("write KEY=VALUE".into()),
            Ty::Map(_) => return Ok(text.to_string()),
            Ty::Vec(item) if model.fields(item).is_some() => {
                let value: serde_json::Value = serde_json::from_str(text)
                    .map_err(|_| format!("write a JSON object: {}", values::words(model, item)))?;
                checker(model, true).json(item, &value, &name, &mut problems);
            }
            _ => checker(model, false).text(&ty, text, &name, &mut problems),
        }
        match problems.first() {
            None => Ok(values::canonical(model, &ty, text)),
            Some((_, message)) if message.starts_with("The value is not") => {
                Err(format!("it takes {}", values::words(model, &ty)))
            }
            Some((at, message)) => Err(format!("{at}: {message}")),
        }
    })
}
