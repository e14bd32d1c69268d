//! A job's options: how each is declared ([`Opt`]), and what was given ([`Args`]),
//! parsed against the declaration so that nothing undeclared gets through.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// One option of a job: `--name` alone (a flag), or `--name VALUE`.
pub struct Opt {
    pub name: &'static str,
    /// What the value is (`DIR`, `N`); `None` for a flag.
    pub value: Option<&'static str>,
    pub help: &'static str,
}

/// The options given to a job, checked against its declaration.
#[derive(Debug, Default)]
pub struct Args {
    values: BTreeMap<&'static str, String>,
}

impl Args {
    /// Whether the flag `name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
    /// The value of option `name`, when given.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
    /// The value of option `name` as a path, when given.
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.value(name).map(PathBuf::from)
    }
    /// The value of option `name`, required.
    pub fn required(&self, name: &str) -> Result<&str, String> {
        self.value(name)
            .ok_or_else(|| format!("{name} is required"))
    }
    /// The value of option `name` as a number above 0, or `default`.
    pub fn count(&self, name: &str, default: usize) -> Result<usize, String> {
        match self.value(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{name} needs a number above 0, not `{v}`")),
        }
    }
    /// The value of option `name` as a comma-separated list (empty when not given).
    pub fn list(&self, name: &str) -> Vec<String> {
        self.value(name)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Parses `args` (after the job's name) by the options job `job` declares.
pub fn parse(job: &str, opts: &[Opt], args: &[String]) -> Result<Args, String> {
    let mut out = Args::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let Some(opt) = opts.iter().find(|o| o.name == a) else {
            let known: Vec<&str> = opts.iter().map(|o| o.name).collect();
            return Err(format!(
                "unknown option `{a}` for `{job}`; it takes {} (`cargo xtask --help`)",
                known.join(", ")
            ));
        };
        let value = match opt.value {
            None => String::new(),
            Some(what) => it
                .next()
                .ok_or_else(|| format!("{} needs {what}", opt.name))?
                .clone(),
        };
        out.values.insert(opt.name, value);
    }
    Ok(out)
}
