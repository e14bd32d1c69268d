//! The recording reader: a run's recording (crm pages, a record, an export batch, a
//! download), mutated as a whole or in one answer, read (`Replay::open`) and, when it
//! reads, replayed through the generated client with drift observed: every call ends in a
//! value or an error.

use crate::guard::{self, Scratch};
use crate::mutate::mutation;
use crate::recorded::{self, block_on};
use proptest::prelude::*;
use servicetitan::runtime::Replay;
use std::time::Duration;

const CASES: u32 = 400;
const LIMIT: Duration = Duration::from_secs(30);

/// Reads the recording in `bytes`; replays it when it reads. Whether it read.
fn check(bytes: Vec<u8>) -> bool {
    let scratch = Scratch::new("replay");
    let file = scratch.0.join("run.jsonl");
    std::fs::write(&file, &bytes).expect("write the recording");
    let at = file.clone();
    let read = guard::run_within(LIMIT, bytes.len(), move || Replay::open(&at).is_ok());
    if read {
        guard::run(LIMIT, move || {
            block_on(async {
                let st = recorded::replaying(&file).expect("a recording that reads replays");
                recorded::calls(&st).await
            })
        });
    }
    read
}

proptest! {
    #![proptest_config(crate::config(CASES, 0x41_03))]

    #[test]
    fn recordings_read_and_replay_to_values_or_errors(
        whole in any::<bool>(),
        at in any::<u32>(),
        m in mutation(),
    ) {
        check(recorded::mutated(recorded::lines(), whole, at, &m));
    }
}

/// The recording as made reads, and replays every call to a value.
#[test]
fn the_recording_as_made_replays() {
    let scratch = Scratch::new("replay");
    let file = scratch.0.join("run.jsonl");
    std::fs::write(&file, recorded::render(recorded::lines())).expect("write");
    let ended = block_on(async {
        let st = recorded::replaying(&file).expect("it reads");
        recorded::calls(&st).await
    });
    assert!(ended.iter().all(Result::is_ok), "{ended:?}");
}
