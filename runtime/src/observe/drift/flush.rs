//! Drift notes that survive the process: a thread writes the notes into the notes file
//! every interval while they change (so a `kill -9` loses at most the last interval's),
//! and, when the program lets the runtime handle them, SIGTERM and SIGINT write them
//! before the process ends as those signals end it by default.

use super::Observer;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// How often notes are written while they change, unless the builder or
/// `ST_DRIFT_FLUSH_SECONDS` says otherwise.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// Writes `observer`'s new notes every `every`, on a thread of its own that ends once the
/// runtime is gone (within one interval).
pub(crate) fn every(observer: &Arc<Observer>, every: Duration) {
    let weak = Arc::downgrade(observer);
    let spawned = std::thread::Builder::new()
        .name("servicetitan-drift".into())
        .spawn(move || loop {
            std::thread::sleep(every);
            let Some(o) = weak.upgrade() else { return };
            write_if_changed(&o);
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "drift notes: no thread to write them as they come; they are written when the runtime is dropped");
    }
}

fn write_if_changed(o: &Observer) {
    if o.dirty.swap(false, Ordering::SeqCst) {
        if let Err(e) = o.flush() {
            tracing::warn!(error = %e, "the drift notes file could not be written");
        }
    }
}

/// The observers whose notes a signal writes.
static ON_SIGNAL: Mutex<Vec<Weak<Observer>>> = Mutex::new(Vec::new());

/// Writes `observer`'s notes at SIGTERM or SIGINT, then ends the process as the signal
/// would have. For programs that do not handle these signals themselves; one that does
/// calls `Runtime::flush_drift` in its handler (or lets the runtime drop as it exits).
#[cfg(unix)]
pub(crate) fn on_signals(observer: &Arc<Observer>) -> Result<(), crate::Error> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    static LISTENING: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    ON_SIGNAL
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Arc::downgrade(observer));
    let listening = LISTENING.get_or_init(|| {
        let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT])
            .map_err(|e| format!("cannot listen for SIGTERM and SIGINT: {e}"))?;
        std::thread::Builder::new()
            .name("servicetitan-signals".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    write_all();
                    // Ends the process as the signal does by default.
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
                }
            })
            .map(|_| ())
            .map_err(|e| format!("no thread to listen for signals: {e}"))
    });
    listening.clone().map_err(crate::Error::config)
}

/// Signals are not listened for here: the notes are written every interval and when the
/// runtime is dropped.
#[cfg(not(unix))]
pub(crate) fn on_signals(_observer: &Arc<Observer>) -> Result<(), crate::Error> {
    Ok(())
}

/// Writes every registered observer's notes (a signal came).
fn write_all() {
    let observers = ON_SIGNAL.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for o in observers.iter().filter_map(Weak::upgrade) {
        if let Err(e) = o.flush() {
            tracing::warn!(error = %e, "the drift notes file could not be written");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_reach_the_file_within_an_interval_while_the_runtime_lives() {
        let dir = std::env::temp_dir().join(format!("drift-flush-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a folder");
        let file = dir.join("notes.jsonl");
        let observer = Arc::new(Observer::new(Some(file.clone())));
        every(&observer, Duration::from_millis(20));
        let place = crate::observe::drift::DriftPlace {
            domain: "crm".into(),
            operation: "Customers_GetList".into(),
            schema: "Crm.V2.Customer".into(),
            field: "loyalty".into(),
            path: "loyalty".into(),
            kind: crate::observe::drift::DriftKind::UnknownField,
            detail: "string".into(),
        };
        let now = chrono::Utc::now();
        let tally = crate::observe::drift::DriftTally {
            count: 1,
            first_seen: now,
            last_seen: now,
        };
        observer.add_notes(&[(place.clone(), tally)].into_iter().collect());
        let mut read = Default::default();
        for _ in 0..500 {
            std::thread::sleep(Duration::from_millis(10));
            read = crate::observe::drift::notes_file::read(&file).unwrap_or_default();
            if !read.is_empty() {
                break;
            }
        }
        assert!(read.contains_key(&place), "written while the runtime lives");
        assert!(!observer.dirty.load(Ordering::SeqCst));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
