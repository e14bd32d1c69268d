//! The command line of the `servicetitan-mock` binary: one table of options, usage printed
//! from it.

use crate::{Fault, Settings, Target};
use std::time::Duration;

/// What the command line asks for.
#[derive(Debug)]
pub struct Cli {
    pub settings: Settings,
    /// Fault sequences to install at start (`--fault`).
    pub rules: Vec<(Target, Vec<Fault>)>,
}

/// Every option: name, value, what it does. Usage is printed from this table.
const OPTIONS: &[(&str, &str, &str)] = &[
    ("--port", "PORT", "port to listen on (default 0: a free one)"),
    ("--bind", "ADDR", "address to bind (default 127.0.0.1)"),
    ("--client-id", "ID", "the client id that gets tokens (default mock-client-id)"),
    ("--client-secret", "SECRET", "its secret (default mock-client-secret)"),
    ("--app-key", "KEY", "the app key every call must send (default mock-app-key)"),
    ("--tenant", "ID", "a tenant the credentials may use; repeatable (default: any)"),
    ("--scopes", "S1,S2", "the scopes granted (default: all)"),
    ("--token-life", "SECONDS", "expires_in of a token (default 900)"),
    ("--seed", "N", "seeds generated data and chaos (default 1)"),
    ("--records", "N", "records in each list at start (default 120)"),
    ("--export-batch", "N", "records in one export batch (default 100)"),
    ("--unordered", "", "lists answer in an order of their own, not by id"),
    ("--no-rate-limit", "", "do not enforce the API's rate limits"),
    ("--operation-limit", "CALLS/SECONDS", "the limit of operations with one of their own, a report's runs (default: the documents', 5/60)"),
    ("--chaos", "P", "answer a share P (0 to 1) of requests with a random fault"),
    ("--fault", "TARGET=F,F*N", "a sequence of faults for an operation id, a path prefix, `token` or `any`; repeatable. F is one of the faults below"),
    ("--log", "", "print one line per request to standard error (method, path, status, operation)"),
    ("--help", "", "this text"),
];

pub fn usage() -> String {
    let mut s = String::from("usage: servicetitan-mock [OPTIONS]\n\nA stand-in ServiceTitan on loopback: every operation of the API, validated and answered from the model that generates the client.\n\n");
    for (name, value, what) in OPTIONS {
        s.push_str(&format!("  {:<32} {what}\n", format!("{name} {value}")));
    }
    s.push_str("\nfaults (F of --fault):\n");
    for (spelling, what) in crate::faults::SYNTAX {
        s.push_str(&format!("  {spelling:<32} {what}\n"));
    }
    s
}

/// Reads the command line (without the program name).
pub fn parse(args: &[String]) -> Result<Cli, String> {
    let mut s = Settings {
        record: false,
        ..Settings::default()
    };
    let mut rules = Vec::new();
    let mut it = args.iter();
    while let Some(name) = it.next() {
        let Some((_, value_name, _)) = OPTIONS.iter().find(|o| o.0 == name) else {
            return Err(format!("unknown option `{name}`"));
        };
        let mut value = || -> Result<&String, String> {
            if value_name.is_empty() {
                return Err(format!("{name} takes no value"));
            }
            it.next()
                .ok_or_else(|| format!("{name} needs {value_name}"))
        };
        let number = |v: &str| -> Result<u64, String> {
            v.parse()
                .map_err(|_| format!("{name}: `{v}` is not a number"))
        };
        match name.as_str() {
            "--port" => s.port = number(value()?)? as u16,
            "--bind" => {
                s.bind = value()?
                    .parse()
                    .map_err(|_| format!("{name}: not an IP address"))?
            }
            "--client-id" => s.client_id = value()?.clone(),
            "--client-secret" => s.client_secret = value()?.clone(),
            "--app-key" => s.app_key = value()?.clone(),
            "--tenant" => s.tenants.push(number(value()?)? as i64),
            "--scopes" => {
                s.scopes = Some(value()?.split(',').map(|x| x.trim().to_string()).collect())
            }
            "--token-life" => s.token_life = Duration::from_secs(number(value()?)?),
            "--seed" => s.seed = number(value()?)?,
            "--records" => s.records = number(value()?)? as usize,
            "--export-batch" => s.export_batch = number(value()?)? as usize,
            "--unordered" => s.unordered = true,
            "--no-rate-limit" => s.rate_limit = false,
            "--operation-limit" => {
                let v = value()?;
                let (calls, per) = v
                    .split_once('/')
                    .ok_or_else(|| format!("{name}: `{v}` is not CALLS/SECONDS"))?;
                let calls = u32::try_from(number(calls)?).map_err(|e| format!("{name}: {e}"))?;
                s.operation_limit = Some((calls.max(1), Duration::from_secs(number(per)?.max(1))));
            }
            "--log" => s.log = true,
            "--chaos" => {
                let v = value()?;
                s.chaos = v
                    .parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .ok_or_else(|| format!("{name}: `{v}` is not a share from 0 to 1"))?;
            }
            "--fault" => rules.push(crate::faults::parse_rule(value()?)?),
            _ => return Err(usage()),
        }
    }
    Ok(Cli { settings: s, rules })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn options_read_into_settings_and_rules() {
        let cli = parse(&args(
            "--port 8080 --tenant 1 --tenant 2 --scopes a:r,b:w --token-life 60 --seed 9 \
             --records 5 --no-rate-limit --chaos 0.1 --fault Customers_GetList=503*2",
        ))
        .expect("parses");
        let s = &cli.settings;
        assert_eq!((s.port, s.seed, s.records), (8080, 9, 5));
        assert_eq!(s.tenants, [1, 2]);
        assert_eq!(
            s.scopes.as_deref(),
            Some(&["a:r".to_string(), "b:w".to_string()][..])
        );
        assert_eq!(s.token_life, Duration::from_secs(60));
        assert!(!s.rate_limit);
        assert_eq!(s.chaos, 0.1);
        assert_eq!(s.bind.to_string(), "127.0.0.1");
        assert_eq!(
            cli.rules,
            [(
                Target::operation("Customers_GetList"),
                vec![Fault::Status(503); 2]
            )]
        );
        for bad in [
            "--port",
            "--chaos 2",
            "--nope",
            "--no-rate-limit x",
            "--tenant abc",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
        for (name, _, _) in OPTIONS {
            assert!(usage().contains(name));
        }
    }
}
