//! Files the commands keep (an export's checkpoint) replaced whole.

use std::io::Write;
use std::path::Path;

/// Replaces `path` whole with `bytes`: written beside it, synced to the disk, then
/// renamed over it, so a reader (or a run after a crash) sees the old file or the new one,
/// never half of one. The error names the file.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("{}: {e}", path.display()))
}
