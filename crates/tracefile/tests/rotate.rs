//! The diagnostic file stays under its cap on a real disk: it rotates, keeps the newest files
//! and drops the oldest.

use countersign_tracefile::RotatingFile;
use std::io::Write;
use tracing_subscriber::fmt::MakeWriter;

#[test]
fn the_file_rotates_at_its_cap_and_keeps_only_the_newest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("logs").join("countersign.log");
    let file = RotatingFile::open(&path, 1000, 2).expect("open");
    for n in 0..100 {
        let line = format!("event {n:03} {}\n", "x".repeat(80));
        file.make_writer()
            .write_all(line.as_bytes())
            .expect("write");
    }
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
    let current = read(&path);
    let first = read(&dir.path().join("logs/countersign.log.1"));
    let second = read(&dir.path().join("logs/countersign.log.2"));
    assert!(!dir.path().join("logs/countersign.log.3").exists());
    for text in [&current, &first, &second] {
        assert!(!text.is_empty());
        assert!(text.len() <= 1000, "{} bytes", text.len());
        // Events are never split across files.
        assert!(text.lines().all(|l| l.starts_with("event ")));
    }
    assert!(current.contains("event 099"));
    assert!(!first.contains("event 099") && first.lines().count() > 5);
    // The oldest events are gone: 3 files of ~10 events each out of 100.
    assert!(!second.contains("event 000"));

    // Reopened, it appends to the current file and goes on rotating.
    drop(file);
    let again = RotatingFile::open(&path, 1000, 2).expect("reopen");
    again
        .make_writer()
        .write_all(b"event after restart\n")
        .expect("write");
    assert!(read(&path).ends_with("event after restart\n"));
}
