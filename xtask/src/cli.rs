//! The command line, declared once: every job and every option is a row of [`JOBS`], the
//! usage text is printed from it, and the parser accepts nothing else, so an option
//! cannot exist without being listed.

pub use crate::args::{Args, Opt};

/// One job: `cargo xtask <name> [options]`.
pub struct Job {
    pub name: &'static str,
    pub help: &'static str,
    pub opts: &'static [Opt],
    pub run: fn(&Args) -> Result<(), String>,
}

impl Job {
    /// Parses `args` (after the job's name) by this job's options.
    pub fn parse(&self, args: &[String]) -> Result<Args, String> {
        crate::args::parse(self.name, self.opts, args)
    }
}

const SPECS: Opt = Opt {
    name: "--specs",
    value: Some("DIR"),
    help: "the OpenAPI documents (default specs/v2)",
};
const CORRECTIONS: Opt = Opt {
    name: "--corrections",
    value: Some("DIR|none"),
    help: "the corrections, Overlay files (default specs/corrections; none: the documents as they are)",
};
const ROUNDS: Opt = Opt {
    name: "--rounds",
    value: Some("N"),
    help: "timed rounds of each measurement, the median kept (default 5)",
};

/// Every job of `cargo xtask`.
pub const JOBS: &[Job] = &[
    Job {
        name: "generate",
        help: "Generate the `servicetitan` crate (generated/) from the OpenAPI documents, corrected by the\n      overlays, and the locks and examples table beside it.",
        opts: &[
            SPECS,
            CORRECTIONS,
            Opt { name: "--check", value: None, help: "change nothing; fail, naming each, if any generated file or lock is stale" },
            Opt { name: "--strict", value: None, help: "fail on warnings (skipped operations, corrections that match nothing)" },
            Opt { name: "--out", value: Some("DIR"), help: "write a stand-alone copy of the crate to DIR instead, touching nothing else" },
        ],
        run: crate::generate::run,
    },
    Job {
        name: "diff",
        help: "Markdown report of what the documents in --new change in the generated crate against those\n      in --old: operations, types, fields, enum values, each breaking, additive or other.",
        opts: &[
            Opt { name: "--old", value: Some("DIR"), help: "the documents before (required)" },
            Opt { name: "--new", value: Some("DIR"), help: "the documents after (required)" },
            CORRECTIONS,
            Opt { name: "--output", value: Some("FILE"), help: "write the report to FILE instead of standard output" },
            Opt { name: "--semver-checks", value: None, help: "also run cargo-semver-checks on the two generated crates (the features the change\n        touches) and list where its verdicts and the report's disagree; fails on a disagreement" },
        ],
        run: crate::diff::run,
    },
    Job {
        name: "update",
        help: "Take a folder of fresh portal downloads (any file names, JSON or YAML, OpenAPI 3.0 or 3.1):\n      write each under its domain's name in specs/v2 (a new domain joins the table), record\n      its provenance, regenerate, print the change report (checked by cargo-semver-checks where\n      it is installed) and add its summary to CHANGELOG.md. Changes nothing if the set does not generate.",
        opts: &[
            Opt { name: "--from", value: Some("DIR"), help: "the downloaded documents (required)" },
            Opt { name: "--source", value: Some("TEXT"), help: "where they came from, for specs/provenance.yaml (default: the portal)" },
            Opt { name: "--no-semver-checks", value: None, help: "do not run cargo-semver-checks even where it is installed" },
        ],
        run: crate::update::run,
    },
    Job {
        name: "propose-corrections",
        help: "Turn drift notes files (what the runtime's drift observation noted in real answers) into\n      Overlay corrections, `<document>.drift.yaml` beside the others, each action with its\n      evidence; then print the change report of what they do to the generated crate.",
        opts: &[
            Opt { name: "--drift", value: Some("a.jsonl,.."), help: "the drift notes files (required)" },
            SPECS,
            CORRECTIONS,
        ],
        run: crate::propose::run,
    },
    Job {
        name: "scopes",
        help: "Print the OAuth scopes an application needs for the selected operations (all when nothing\n      is selected), read and write apart, with the portal's label of each.",
        opts: &[
            SPECS,
            CORRECTIONS,
            Opt { name: "--domains", value: Some("a,b"), help: "domains, as module or feature, e.g. crm,marketing-ads" },
            Opt { name: "--controllers", value: Some("crm.customers,.."), help: "controllers, as domain.accessor" },
            Opt { name: "--operations", value: Some("Id,.."), help: "operation ids, e.g. Customers_GetList" },
        ],
        run: crate::scopes::run,
    },
    Job {
        name: "bench",
        help: "Performance figures, each side by side with what it is compared to, as a table of ratios\n      with the project's targets: generation (against the serde_json parse floor and\n      cargo-progenitor, installed if missing), compile time of each domain (against progenitor's\n      crate), runtime overhead, decoding, streaming memory, the stand-in server. About 10 minutes on 2 cores.",
        opts: &[
            ROUNDS,
            Opt { name: "--no-compile", value: None, help: "skip the compile-time rows" },
            Opt { name: "--no-runtime", value: None, help: "skip overhead, decoding and memory" },
            Opt { name: "--no-mock", value: None, help: "skip the stand-in server's figures" },
        ],
        run: crate::bench::run,
    },
    Job {
        name: "bench-mock",
        help: "The stand-in server's figures alone: pages served a second on loopback, start-up time,
      the crate's own build time, and that the client does not depend on it. About 4 minutes.",
        opts: &[ROUNDS],
        run: crate::bench::mock::run,
    },
    Job {
        name: "parse-floor",
        help: "Median time to parse the documents into serde_json::Value, in ms (used by bench).",
        opts: &[SPECS, ROUNDS],
        run: crate::bench::generation::parse_floor_job,
    },
    Job {
        name: "fuzz",
        help: "Run the property tests of every reader of outside input (tests/tests/properties) for\n      --minutes: round after round, each with a new random seed and --scale times CI's cases.\n      A failing case is shrunk and kept in tests/tests/proptest-regressions/<module>.txt, which\n      every later run replays first; the job names the file and the case, and stops.",
        opts: &[
            Opt { name: "--minutes", value: Some("N"), help: "how long to run (default 10)" },
            Opt { name: "--scale", value: Some("N"), help: "cases per round, as a multiple of CI's (default 10)" },
            Opt { name: "--target", value: Some("NAME"), help: "only the tests whose name contains NAME (answers, documents, drift_notes,\n        recordings, report_rows, stand_in)" },
        ],
        run: crate::fuzz::run,
    },
    Job {
        name: "fresh-resolve",
        help: "Check the workspace against the newest dependency versions its ranges allow, as a user\n      without our Cargo.lock builds it: a copy in target/fresh-resolve/, its Cargo.lock resolved\n      again, `cargo check --workspace --all-targets --all-features` with -D warnings; prints what\n      changed against Cargo.lock. Reaches the registry and is not part of CI: an upstream\n      release can turn it red with no change here. Several minutes.",
        opts: &[],
        run: crate::fresh::run,
    },
];

/// The usage text, from [`JOBS`].
pub fn usage() -> String {
    let mut s = String::from("usage: cargo xtask <job> [options]\n\njobs:\n");
    for job in JOBS {
        let opts: Vec<String> = job
            .opts
            .iter()
            .map(|o| match o.value {
                Some(v) => format!("[{} {v}]", o.name),
                None => format!("[{}]", o.name),
            })
            .collect();
        s.push_str(&format!(
            "  {} {}\n      {}\n",
            job.name,
            opts.join(" "),
            job.help
        ));
        for o in job.opts {
            s.push_str(&format!("      {:<16} {}\n", o.name, o.help));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn job(name: &str) -> &'static Job {
        JOBS.iter().find(|j| j.name == name).expect("job")
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn declared_options_parse_and_others_are_refused() {
        let a = job("generate")
            .parse(&strings(&["--check", "--specs", "x"]))
            .expect("ok");
        assert!(a.flag("--check") && !a.flag("--strict"));
        assert_eq!(a.path("--specs"), Some(PathBuf::from("x")));
        let e = job("generate")
            .parse(&strings(&["--rounds", "3"]))
            .expect_err("not declared");
        assert!(
            e.contains("unknown option `--rounds` for `generate`"),
            "{e}"
        );
        let e = job("diff")
            .parse(&strings(&["--old"]))
            .expect_err("no value");
        assert_eq!(e, "--old needs DIR");
        let a = job("bench")
            .parse(&strings(&["--rounds", "0"]))
            .expect("parses");
        assert!(a.count("--rounds", 5).is_err());
    }

    #[test]
    fn usage_lists_every_option_of_every_job() {
        let u = usage();
        for j in JOBS {
            assert!(u.contains(&format!("  {} ", j.name)), "{}", j.name);
            for o in j.opts {
                assert!(u.contains(o.name), "{} {}", j.name, o.name);
            }
        }
    }
}
