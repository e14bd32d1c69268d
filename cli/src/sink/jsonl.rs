//! JSON-lines files, as the sync example wrote them: each resource to
//! `OUT/<domain>/<operation id>.jsonl`, one record per line exactly as the API wrote it,
//! every version of a record as it changes. The state file holds, per resource, the
//! checkpoint and the length of its file that the checkpoint covers; both are written
//! after the records (flushed to disk), the state atomically. A run cut short leaves
//! records after the last checkpoint in the file: the next run cuts them off and fetches
//! them again, so no record is lost or repeated.

use crate::fallible::Fallible;
use serde::{Deserialize, Serialize};
use servicetitan::runtime::{Checkpoint, RawRecord};
use std::collections::BTreeMap;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What the state file holds.
#[derive(Serialize, Deserialize, Default)]
struct State {
    tenant: Option<i64>,
    /// By `domain/operation id`.
    streams: BTreeMap<String, Entry>,
}

#[derive(Serialize, Deserialize, Default, Clone)]
struct Entry {
    checkpoint: Option<Checkpoint>,
    /// The length of the resource's file the checkpoint covers.
    bytes: u64,
    /// Records written over every run.
    records: u64,
}

/// The output folder and the state file of one tenant's copy.
#[derive(Clone)]
pub struct Files {
    out: PathBuf,
    path: PathBuf,
    state: Arc<Mutex<State>>,
}

impl Files {
    /// Reads the state at `state` (none yet is a first run); refuses another tenant's.
    pub fn open(out: &Path, state: &Path, tenant: i64) -> Fallible<Files> {
        let saved: State = match std::fs::read(state) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| format!("{}: not a state file: {e}", state.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(format!("{}: {e}", state.display()).into()),
        };
        if let Some(other) = saved.tenant.filter(|t| *t != tenant) {
            return Err(format!(
                "{} is the state of tenant {other}, not {tenant}",
                state.display()
            )
            .into());
        }
        Ok(Files {
            out: out.to_path_buf(),
            path: state.to_path_buf(),
            state: Arc::new(Mutex::new(State {
                tenant: Some(tenant),
                ..saved
            })),
        })
    }

    /// The stream of `key` (`domain/operation id`), its file cut back to what the
    /// checkpoint covers.
    pub fn stream(&self, key: &str) -> Fallible<Stream> {
        let (domain, operation) = key
            .split_once('/')
            .ok_or("a stream key is domain/operation")?;
        let dir = self.out.join(domain);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(format!("{operation}.jsonl"));
        let entry = {
            let state = self.state.lock().map_err(|_| "state lock poisoned")?;
            state.streams.get(key).cloned().unwrap_or_default()
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        // Records after the last checkpoint were not committed: they come again.
        file.set_len(entry.bytes)?;
        file.seek(std::io::SeekFrom::End(0))?;
        Ok(Stream {
            files: self.clone(),
            key: key.to_string(),
            entry,
            w: BufWriter::with_capacity(1 << 16, file),
        })
    }

    fn save(&self, key: &str, entry: Entry) -> Fallible<()> {
        let mut state = self.state.lock().map_err(|_| "state lock poisoned")?;
        state.streams.insert(key.to_string(), entry);
        replace_file(&self.path, &serde_json::to_vec(&*state)?)
    }
}

/// Replaces `path` whole with `bytes` (written beside it, synced, renamed over it).
pub fn replace_file(path: &Path, bytes: &[u8]) -> Fallible<()> {
    Ok(servicetitan_commands::files::replace_file(path, bytes)?)
}

/// One resource's file.
pub struct Stream {
    files: Files,
    key: String,
    entry: Entry,
    w: BufWriter<std::fs::File>,
}

impl Stream {
    pub fn checkpoint(&self) -> Option<&Checkpoint> {
        self.entry.checkpoint.as_ref()
    }

    pub fn push(&mut self, record: &RawRecord) -> Fallible<()> {
        self.w.write_all(record.get().as_bytes())?;
        self.w.write_all(b"\n")?;
        Ok(())
    }

    /// Flushes the records to disk, then saves the checkpoint that covers them.
    pub fn commit(&mut self, checkpoint: Option<&Checkpoint>, records: u64) -> Fallible<u64> {
        self.w.flush()?;
        self.w.get_ref().sync_data()?;
        self.entry.bytes = self.w.get_mut().stream_position()?;
        self.entry.records += records;
        self.entry.checkpoint = checkpoint.cloned();
        self.files.save(&self.key, self.entry.clone())?;
        Ok(records)
    }
}
