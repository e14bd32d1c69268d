//! Secrets never reach the logs: everything the runtime logs at TRACE level in a test
//! binary, scanned for them.

use std::sync::{Arc, Mutex};

/// Everything the runtime logs at TRACE level in this test binary, from the first
/// [`scan_logs`] on.
static LOGS: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();

#[derive(Clone)]
struct LogSink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures all tracing output of this test binary (TRACE level, the runtime's and its
/// HTTP stack's) and, when the returned guard drops at the end of the test, fails if any
/// of `secrets` appears anywhere in it.
pub fn scan_logs(secrets: &[&str]) -> LogScan {
    let buf = LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = LogSink(buf.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buf
    });
    LogScan {
        buf: buf.clone(),
        secrets: secrets.iter().map(|s| s.to_string()).collect(),
    }
}

/// See [`scan_logs`].
pub struct LogScan {
    buf: Arc<Mutex<Vec<u8>>>,
    secrets: Vec<String>,
}

impl LogScan {
    /// Fails if any secret appears in what was logged so far, then forgets it (a long
    /// test checks as it goes, so that the captured text does not grow without bound).
    /// Returns the number of bytes checked.
    pub fn check_and_clear(&self) -> usize {
        let mut logs = self.buf.lock().unwrap_or_else(|p| p.into_inner());
        self.assert_clean(&logs);
        let n = logs.len();
        logs.clear();
        n
    }

    /// Whether what was logged since the last clear contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        let logs = self.buf.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&logs).contains(needle)
    }

    fn assert_clean(&self, logs: &[u8]) {
        let text = String::from_utf8_lossy(logs);
        for s in &self.secrets {
            assert!(
                !text.contains(s.as_str()),
                "a secret ({} bytes) appears in the runtime's logs",
                s.len()
            );
        }
    }
}

impl Drop for LogScan {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let logs = self.buf.lock().unwrap_or_else(|p| p.into_inner());
        self.assert_clean(&logs);
    }
}
