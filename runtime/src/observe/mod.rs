//! What a runtime keeps of its answers, when asked: drift notes (`crate::observe::drift`), a
//! recording, or a recording to answer from instead of the API (`crate::observe::record`). The
//! builder's settings, the environment's (`ST_DRIFT_NOTES`, `ST_RECORD`,
//! `ST_RECORD_ALLOW`, `ST_RECORD_REDACT`, read when a runtime is built, whether from
//! `Config` or from a `RuntimeBuilder`), and the runtime's handles on them. The builder's
//! methods are in `config.rs`, the runtime's (`drift_notes`, `flush_drift`, ...) in
//! `client/`.

pub mod drift;
pub(crate) mod record;

use crate::error::Error;
use crate::observe::drift::Observer;
use crate::observe::record::{Recorder, Replay, Writer};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The runtime's handles.
#[derive(Debug, Default)]
pub(crate) struct Observing {
    pub drift: Option<Arc<Observer>>,
    pub writer: Option<Writer>,
    pub replay: Option<Arc<Replay>>,
}

impl Observing {
    /// From the builder's settings, else the environment's.
    pub(crate) fn new(s: &ObserveSettings) -> Result<Observing, Error> {
        Observing::with_lookup(s, |k| std::env::var(k).ok())
    }

    pub(crate) fn with_lookup(
        s: &ObserveSettings,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Observing, Error> {
        let set = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let drift = s.drift.clone().or_else(|| {
            // `ST_DRIFT_REPORT`: the variable's earlier name, still read.
            let file = set("ST_DRIFT_NOTES").or_else(|| set("ST_DRIFT_REPORT"))?;
            Some(DriftSetting::File(file.into()))
        });
        let record = s
            .record
            .clone()
            .or_else(|| set("ST_RECORD").map(|f| Recorder::from_lookup(f, set)));
        let drift = drift.map(|d| match d {
            DriftSetting::File(f) => (Arc::new(Observer::new(Some(f))), true),
            DriftSetting::Memory => (Arc::new(Observer::new(None)), false),
        });
        if let Some((o, true)) = &drift {
            let every = s.drift_interval.or_else(|| {
                let secs = set("ST_DRIFT_FLUSH_SECONDS")?.trim().parse::<f64>().ok()?;
                (secs > 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs))
            });
            crate::observe::drift::flush::every(
                o,
                every.unwrap_or(crate::observe::drift::flush::DEFAULT_INTERVAL),
            );
            if s.drift_signals {
                crate::observe::drift::flush::on_signals(o)?;
            }
        }
        Ok(Observing {
            drift: drift.map(|(o, _)| o),
            writer: record.as_ref().map(Writer::open).transpose()?,
            replay: s.replay.clone(),
        })
    }
}

/// Where drift notes go.
#[derive(Debug, Clone)]
pub(crate) enum DriftSetting {
    File(PathBuf),
    Memory,
}

/// What the builder was told.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObserveSettings {
    pub(crate) drift: Option<DriftSetting>,
    /// How often notes are written while they change.
    pub(crate) drift_interval: Option<std::time::Duration>,
    /// SIGTERM and SIGINT write the notes, then end the process.
    pub(crate) drift_signals: bool,
    pub(crate) record: Option<Recorder>,
    pub(crate) replay: Option<Arc<Replay>>,
}

impl ObserveSettings {
    /// Whether calls are answered from a recording.
    pub(crate) fn replays(&self) -> bool {
        self.replay.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_switches_observation_on_when_the_code_does_not() {
        let vars = [
            ("ST_DRIFT_NOTES", "target/drift-env-test.jsonl"),
            ("ST_RECORD_REDACT", "taxNumber, vin"),
        ];
        let get = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        let o = Observing::with_lookup(&ObserveSettings::default(), get).expect("settings");
        assert!(o.drift.is_some() && o.writer.is_none());
        let code = ObserveSettings {
            drift: Some(DriftSetting::Memory),
            ..Default::default()
        };
        let o = Observing::with_lookup(&code, |_| None).expect("settings");
        assert!(o.drift.is_some());
        let none = Observing::with_lookup(&ObserveSettings::default(), |_| None).expect("none");
        assert!(none.drift.is_none() && none.writer.is_none() && none.replay.is_none());
    }
}
