//! What a runtime keeps of its answers, when asked: drift notes (`crate::drift`), a
//! recording, or a recording to answer from instead of the API (`crate::record`). The
//! builder's settings, the environment's (`ST_DRIFT_REPORT`, `ST_RECORD`,
//! `ST_RECORD_REDACT`, read when a runtime is built, whether from `Config` or from a
//! `RuntimeBuilder`), and the runtime's handles on them.

use crate::config::RuntimeBuilder;
use crate::drift::{DriftNotes, Observer};
use crate::error::Error;
use crate::record::{Recorder, Replay, Writer};
use std::path::PathBuf;
use std::sync::Arc;

/// Where drift notes go.
#[derive(Debug, Clone)]
pub(crate) enum DriftSetting {
    File(PathBuf),
    Memory,
}

/// What the builder was told.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObserveSettings {
    drift: Option<DriftSetting>,
    record: Option<Recorder>,
    replay: Option<Arc<Replay>>,
}

impl RuntimeBuilder {
    /// Observes drift between the API's answers and the documents, and merges the notes
    /// into the JSON-lines report `file` when the runtime is dropped or
    /// [`crate::Runtime::flush_drift`] is called (`crate::drift`). Without this,
    /// `ST_DRIFT_REPORT=FILE` in the environment does the same.
    pub fn observe_drift(mut self, file: impl Into<PathBuf>) -> Self {
        self.observe.drift = Some(DriftSetting::File(file.into()));
        self
    }
    /// Observes drift and keeps the notes in memory only ([`crate::Runtime::drift_notes`]).
    pub fn observe_drift_in_memory(mut self) -> Self {
        self.observe.drift = Some(DriftSetting::Memory);
        self
    }
    /// Records every exchange (`crate::record`). Without this, `ST_RECORD=FILE` (and
    /// `ST_RECORD_REDACT=a,b`) in the environment does the same.
    pub fn record(mut self, recorder: Recorder) -> Self {
        self.observe.record = Some(recorder);
        self
    }
    /// Answers every call from a recording instead of the API: no connection is made, and
    /// tokens are made up here. Credentials are not needed (any given are not sent).
    pub fn replay(mut self, replay: Replay) -> Self {
        self.observe.replay = Some(Arc::new(replay));
        self
    }
}

impl ObserveSettings {
    /// Whether calls are answered from a recording.
    pub(crate) fn replays(&self) -> bool {
        self.replay.is_some()
    }
}

/// The runtime's handles.
#[derive(Debug, Default)]
pub(crate) struct Observing {
    pub drift: Option<Observer>,
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
        let drift = s
            .drift
            .clone()
            .or_else(|| set("ST_DRIFT_REPORT").map(|f| DriftSetting::File(f.into())));
        let record = s.record.clone().or_else(|| {
            set("ST_RECORD").map(|f| {
                let extra = set("ST_RECORD_REDACT").unwrap_or_default();
                Recorder::to_file(f).redact(
                    extra
                        .split(',')
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(str::to_owned),
                )
            })
        });
        Ok(Observing {
            drift: drift.map(|d| {
                Observer::new(match d {
                    DriftSetting::File(f) => Some(f),
                    DriftSetting::Memory => None,
                })
            }),
            writer: record.as_ref().map(Writer::open).transpose()?,
            replay: s.replay.clone(),
        })
    }
}

impl crate::Runtime {
    /// What drift observation has noted since this runtime was built (empty when it is
    /// off): by place, with counts and times.
    pub fn drift_notes(&self) -> DriftNotes {
        self.observing()
            .drift
            .as_ref()
            .map(Observer::notes)
            .unwrap_or_default()
    }

    /// Merges the drift notes not yet written into the report file now (it is also done
    /// when the last clone of the runtime is dropped); the file, when there is one.
    pub fn flush_drift(&self) -> Result<Option<PathBuf>, Error> {
        match &self.observing().drift {
            Some(d) => d.flush(),
            None => Ok(None),
        }
    }

    /// Whether drift is observed.
    pub fn observes_drift(&self) -> bool {
        self.observing().drift.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_switches_observation_on_when_the_code_does_not() {
        let vars = [
            ("ST_DRIFT_REPORT", "target/drift-env-test.jsonl"),
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
