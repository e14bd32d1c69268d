//! Each case in a thread of its own: a time limit, so that a hang fails the case rather
//! than the run, and the thread's peak of memory, counted by [`Counting`] (the test
//! binary's allocator) per thread, so that other tests running beside it do not count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::time::Duration;

/// The stack of a case's thread: a tokio worker's (2 MiB), where a program decodes
/// answers, so that a reader recursing too deep for it fails here too.
const STACK: usize = 2 * 1024 * 1024;

thread_local! {
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn held(change: isize) {
    let _ = HELD.try_with(|h| {
        let now = h.get() + change;
        h.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

/// The system's allocator, counting the bytes each thread holds and its peak.
pub struct Counting;

// SAFETY: every call is the system allocator's own; the counting touches only
// constant-initialised thread-locals without destructors, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            held(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            held(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        held(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, size) };
        if !q.is_null() {
            held(size as isize - layout.size() as isize);
        }
        q
    }
}

/// The most memory a reader may hold for `input` bytes: 64 bytes for each (a JSON value
/// of one or two bytes is a 32-byte `Value` in a vector that may have doubled), and 4 MiB
/// besides.
pub fn allowance(input: usize) -> usize {
    64 * input + 4 * 1024 * 1024
}

/// Runs `case` in a thread of its own and returns what it returned with the most memory
/// the thread held meanwhile. A case still running after `limit` fails as a hang (its
/// thread is left behind); a panic is the case's own, passed on.
pub fn run<T: Send + 'static>(
    limit: Duration,
    case: impl FnOnce() -> T + Send + 'static,
) -> (T, usize) {
    let (tx, rx) = channel();
    let thread = std::thread::Builder::new()
        .name("property case".into())
        .stack_size(STACK)
        .spawn(move || {
            let start = HELD.with(Cell::get);
            PEAK.with(|p| p.set(start));
            let value = case();
            let peak = PEAK.with(Cell::get) - start;
            let _ = tx.send((value, peak.max(0) as usize));
        })
        .expect("a thread for the case");
    match rx.recv_timeout(limit) {
        Ok(done) => {
            let _ = thread.join();
            done
        }
        Err(RecvTimeoutError::Timeout) => panic!("no end after {limit:?}: a hang"),
        Err(RecvTimeoutError::Disconnected) => match thread.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the case ended without sending its result"),
        },
    }
}

/// [`run`], then requires the case's memory to be within [`allowance`] of `input` bytes.
pub fn run_within<T: Send + 'static>(
    limit: Duration,
    input: usize,
    case: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (value, peak) = run(limit, case);
    assert!(
        peak <= allowance(input),
        "{peak} bytes held for {input} bytes of input (allowed {})",
        allowance(input)
    );
    value
}

/// A folder of its own for one case, under the system's temporary folder, removed when
/// dropped.
pub struct Scratch(pub std::path::PathBuf);

impl Scratch {
    pub fn new(what: &str) -> Scratch {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "servicetitan-properties-{}-{what}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_hang_a_panic_and_memory_out_of_proportion_fail_the_case() {
    let second = Duration::from_secs(1);
    let hang = std::panic::catch_unwind(|| {
        run(Duration::from_millis(50), move || {
            std::thread::sleep(2 * second)
        })
    });
    assert!(hang.is_err(), "a hang fails");
    let (len, peak) = run(second, || vec![1u8; 1 << 20].len());
    assert!(peak >= len, "the case's memory is counted: {peak}");
    let greedy = std::panic::catch_unwind(|| run_within(second, 10, || vec![0u8; 8 << 20].len()));
    assert!(greedy.is_err(), "8 MiB for 10 bytes fails");
    let own = std::panic::catch_unwind(|| run(second, || panic!("the case's own")));
    let message = own.expect_err("a panic is passed on");
    assert_eq!(message.downcast_ref::<&str>(), Some(&"the case's own"));
}
