//! Waiting for a sled database to let go of its directory after a test drops its last handle:
//! sled's I/O threads release the directory's lock a moment after the drop, so an open that
//! follows at once can fail with "could not acquire lock" (seen once in the full suite).

use std::path::Path;
use std::time::{Duration, Instant};

/// Returns once the sled database in `dir` is no longer locked (by this process or another);
/// panics after 10 s. Call it after dropping a test's own handle, before ombud opens `dir`.
pub fn wait_for_sled_release(dir: &Path) {
    let Ok(file) = std::fs::File::open(dir.join("db")) else {
        return; // no database there (yet)
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while file.try_lock().is_err() {
        assert!(
            Instant::now() < deadline,
            "the sled database in {} stayed locked",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = file.unlock();
}
