//! Faults on demand (rules: a sequence of answers for an operation or a path, then as
//! usual) and at random (chaos: a share of requests, reproducible for a seed).
//!
//! A kind of fault lives here whole: its variant and command-line spelling ([`Fault`],
//! [`Fault::parse`], [`SYNTAX`], which the help text prints) in this file, its effect (an
//! answer instead of the usual one, or how the usual one is delivered) in `effect.rs`.

mod effect;
mod trickle;

pub(crate) use effect::{apply, deliver, Body, Dropped};

use crate::data::{hash, splitmix};
use std::collections::VecDeque;
use std::time::Duration;

/// One faulty answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No fault: the usual answer (a place in a sequence: "as usual twice, then 429").
    Pass,
    /// This status, with an `ApiErrorResponse` body.
    Status(u16),
    /// Wait this long, then answer as usual.
    Delay(Duration),
    /// 401, and the token the request carried stops working.
    RevokeToken,
    /// The usual answer's headers and the first half of its body; then the connection
    /// closes.
    Truncate,
    /// The connection is reset before an answer.
    Reset,
    /// An HTML error page with this status (a gateway's 502, say).
    Html(u16),
    /// 409 "service is suspended for maintenance", as reporting answers.
    Maintenance,
    /// 429 with `Retry-After` in whole seconds.
    RateLimited(u64),
    /// The usual answer, its body a few bytes at a time, one piece each this long: a
    /// server that answers, but too slowly to wait for.
    Trickle(Duration),
}

/// How the command line writes each fault, with what it does: the help text and the
/// README list these.
pub const SYNTAX: &[(&str, &str)] = &[
    ("ok", "no fault: the usual answer"),
    ("503", "this status, with the API's error body"),
    ("429, 429:SECONDS", "429 with Retry-After (1 s unless said)"),
    ("delay:250ms, delay:2s", "wait, then answer as usual"),
    ("revoke", "401, and the request's token stops working"),
    ("truncate", "the usual answer cut off half way"),
    (
        "trickle:100ms",
        "the usual answer, its body 16 bytes each 100 ms",
    ),
    ("reset", "the connection reset, no answer"),
    ("html, html:STATUS", "an HTML error page (502 unless said)"),
    (
        "maintenance",
        "409 \"suspended for maintenance\", as reporting answers",
    ),
];

impl Fault {
    /// Reads a fault as the command line writes it ([`SYNTAX`]): `ok` (no fault), `503`,
    /// `delay:250ms`, `delay:2s`, `revoke`, `truncate`, `trickle:100ms`, `reset`, `html`,
    /// `html:504`, `maintenance`, `429`, `429:3` (Retry-After 3).
    pub fn parse(text: &str) -> Result<Fault, String> {
        let (name, arg) = match text.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (text, None),
        };
        let status = |s: &str| -> Result<u16, String> {
            s.parse::<u16>()
                .ok()
                .filter(|s| (100..600).contains(s))
                .ok_or_else(|| format!("`{s}` is not an HTTP status"))
        };
        Ok(match (name, arg) {
            ("delay", Some(d)) => Fault::Delay(duration(d)?),
            ("trickle", Some(d)) => Fault::Trickle(duration(d)?),
            ("ok", None) => Fault::Pass,
            ("revoke", None) => Fault::RevokeToken,
            ("truncate", None) => Fault::Truncate,
            ("reset", None) => Fault::Reset,
            ("html", None) => Fault::Html(502),
            ("html", Some(s)) => Fault::Html(status(s)?),
            ("maintenance", None) => Fault::Maintenance,
            ("429", a) => Fault::RateLimited(match a {
                Some(a) => a.parse().map_err(|_| format!("`{a}` is not seconds"))?,
                None => 1,
            }),
            (s, None) => Fault::Status(status(s)?),
            _ => return Err(format!("`{text}` is not a fault")),
        })
    }
}

/// `250ms`, `2s`.
fn duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a duration such as 250ms or 2s");
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.parse().map(Duration::from_millis).map_err(|_| bad());
    }
    if let Some(s) = text.strip_suffix('s') {
        return s.parse().map(Duration::from_secs_f64).map_err(|_| bad());
    }
    Err(bad())
}

/// Which requests a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every request to this operation id (of any domain).
    Operation(String),
    /// Every request whose path starts with this (`/crm/v2/tenant/1/customers`).
    Path(String),
    /// The token endpoint.
    Token,
    /// Every request.
    Any,
}

impl Target {
    pub fn operation(id: impl Into<String>) -> Target {
        Target::Operation(id.into())
    }
    pub fn path(prefix: impl Into<String>) -> Target {
        Target::Path(prefix.into())
    }

    /// Reads a target as the command line writes it: a path (`/crm/...`), `token`, `any`,
    /// or an operation id.
    pub fn parse(text: &str) -> Target {
        match text {
            "token" => Target::Token,
            "any" | "*" => Target::Any,
            p if p.starts_with('/') => Target::Path(p.to_string()),
            id => Target::Operation(id.to_string()),
        }
    }

    fn applies(&self, operation: Option<&str>, path: &str) -> bool {
        match self {
            Target::Operation(id) => operation == Some(id.as_str()),
            Target::Path(p) => path.starts_with(p.as_str()),
            Target::Token => path == crate::auth::TOKEN_PATH,
            Target::Any => true,
        }
    }
}

/// `TARGET=FAULT,FAULT*N,...`: the command line's `--fault`, as a target and a sequence
/// (`Customers_GetList=503*3,delay:1s`).
pub fn parse_rule(text: &str) -> Result<(Target, Vec<Fault>), String> {
    let (target, faults) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not TARGET=FAULT[,FAULT...]"))?;
    let mut out = Vec::new();
    for part in faults.split(',') {
        let (fault, times) = match part.rsplit_once('*') {
            Some((f, n)) => (
                f,
                n.parse::<usize>()
                    .map_err(|_| format!("`{n}` is not a count"))?,
            ),
            None => (part, 1),
        };
        let fault = Fault::parse(fault.trim())?;
        out.extend(std::iter::repeat_n(fault, times));
    }
    Ok((Target::parse(target.trim()), out))
}

#[derive(Debug)]
struct Rule {
    target: Target,
    left: VecDeque<Fault>,
}

/// The rules and the chaos, as the server holds them.
#[derive(Debug)]
pub(crate) struct Faults {
    rules: Vec<Rule>,
    chaos: f64,
    state: u64,
    /// Chaos revokes no token for this many more requests after it revoked one (the
    /// client's one refresh after a 401 must be able to succeed, as it would against the
    /// API, where a fresh token is not revoked at once).
    revoke_quiet: u32,
}

/// Requests after a random revocation during which chaos revokes no other token.
const REVOKE_QUIET: u32 = 50;

/// The faults chaos picks from (and maintenance, where the operation answers it).
const CHAOS: &[Fault] = &[
    Fault::Status(500),
    Fault::Status(502),
    Fault::Status(503),
    Fault::Status(504),
    Fault::RateLimited(1),
    Fault::Truncate,
    Fault::Reset,
    Fault::Html(502),
    Fault::RevokeToken,
    Fault::Delay(Duration::from_millis(200)),
];

impl Faults {
    pub fn new(chaos: f64, seed: u64) -> Faults {
        Faults {
            rules: Vec::new(),
            chaos: chaos.clamp(0.0, 1.0),
            state: seed ^ hash("chaos"),
            revoke_quiet: 0,
        }
    }

    pub fn add(&mut self, target: Target, faults: impl IntoIterator<Item = Fault>) {
        self.rules.push(Rule {
            target,
            left: faults.into_iter().collect(),
        });
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The fault for this request, if any: the first rule that applies and has one left,
    /// else a chance of chaos.
    pub fn next(
        &mut self,
        operation: Option<&str>,
        path: &str,
        maintenance: bool,
    ) -> Option<Fault> {
        for rule in &mut self.rules {
            if rule.target.applies(operation, path) {
                if let Some(f) = rule.left.pop_front() {
                    return Some(f);
                }
            }
        }
        self.rules.retain(|r| !r.left.is_empty());
        if self.chaos <= 0.0 {
            return None;
        }
        self.revoke_quiet = self.revoke_quiet.saturating_sub(1);
        let roll = self.roll();
        if (roll % 1_000_000) as f64 >= self.chaos * 1_000_000.0 {
            return None;
        }
        // A token request carries no token to revoke; maintenance only where the
        // operation's domain answers it.
        let token = path == crate::auth::TOKEN_PATH;
        let quiet = self.revoke_quiet > 0;
        let kinds: Vec<Fault> = CHAOS
            .iter()
            .copied()
            .filter(|f| !((token || quiet) && *f == Fault::RevokeToken))
            .chain(maintenance.then_some(Fault::Maintenance))
            .collect();
        let pick = kinds[(self.roll() % kinds.len() as u64) as usize];
        if pick == Fault::RevokeToken {
            self.revoke_quiet = REVOKE_QUIET;
        }
        Some(pick)
    }

    fn roll(&mut self) -> u64 {
        splitmix(&mut self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_as_the_command_line_writes_them() {
        let (t, f) = parse_rule("Customers_GetList=503*3,delay:250ms,reset,ok").expect("rule");
        assert_eq!(t, Target::operation("Customers_GetList"));
        assert_eq!(
            f,
            [
                Fault::Status(503),
                Fault::Status(503),
                Fault::Status(503),
                Fault::Delay(Duration::from_millis(250)),
                Fault::Reset,
                Fault::Pass
            ]
        );
        let (t, f) =
            parse_rule("/crm/v2=html:504,429:3,truncate,revoke,maintenance").expect("rule");
        assert_eq!(t, Target::path("/crm/v2"));
        assert_eq!(
            f,
            [
                Fault::Html(504),
                Fault::RateLimited(3),
                Fault::Truncate,
                Fault::RevokeToken,
                Fault::Maintenance
            ]
        );
        assert!(parse_rule("x=teapot").is_err());
        assert!(parse_rule("x").is_err());
        assert!(parse_rule("x=999").is_err());
    }

    #[test]
    fn a_sequence_runs_out_and_chaos_is_reproducible() {
        let mut f = Faults::new(0.0, 1);
        f.add(
            Target::operation("A"),
            [Fault::Status(503), Fault::Status(503)],
        );
        assert_eq!(f.next(Some("B"), "/b", false), None);
        assert_eq!(f.next(Some("A"), "/a", false), Some(Fault::Status(503)));
        assert_eq!(f.next(Some("A"), "/a", false), Some(Fault::Status(503)));
        assert_eq!(f.next(Some("A"), "/a", false), None);
        let run = |seed| {
            let mut f = Faults::new(0.3, seed);
            (0..1000)
                .map(|_| f.next(None, "/x", false))
                .collect::<Vec<_>>()
        };
        let a = run(5);
        assert_eq!(a, run(5));
        assert_ne!(a, run(6));
        let hit = a.iter().filter(|f| f.is_some()).count();
        assert!((250..350).contains(&hit), "{hit} of 1000 at 0.3");
        let mut f = Faults::new(1.0, 5);
        let at_token: Vec<Fault> = (0..500)
            .filter_map(|_| f.next(None, crate::auth::TOKEN_PATH, false))
            .collect();
        assert!(
            !at_token.contains(&Fault::RevokeToken),
            "no token to revoke"
        );
        assert!(!at_token.contains(&Fault::Maintenance));
        let at_report: Vec<Fault> = (0..500)
            .filter_map(|_| f.next(Some("R"), "/reporting", true))
            .collect();
        assert!(at_report.contains(&Fault::Maintenance));
        let mut f = Faults::new(1.0, 5);
        let revoked: Vec<usize> = (0..2000)
            .filter(|_| f.next(Some("A"), "/a", false) == Some(Fault::RevokeToken))
            .collect();
        assert!(revoked.len() > 5, "{revoked:?}");
        assert!(
            revoked
                .windows(2)
                .all(|w| w[1] - w[0] >= REVOKE_QUIET as usize),
            "a revocation, then quiet: {revoked:?}"
        );
    }
}
