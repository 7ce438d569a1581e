//! The book against a real exchange: LOBSTER's AAPL sample, replayed message by message.

use crate::support::root;
use std::path::PathBuf;

const SAMPLE: &str = "lobster-aapl-2012-06-21-L10";
const MESSAGES: &str = "AAPL_2012-06-21_34200000_57600000_message_10.csv";
const ORDERBOOK: &str = "AAPL_2012-06-21_34200000_57600000_orderbook_10.csv";

/// The data directory: `$CASCADE_DATA_DIR`, else `../shared/data` beside the repository. Absent
/// data fails the test under `CI=true` and skips it (with a printed reason) elsewhere.
pub fn data_dir_or_skip(what: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("CASCADE_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/data"));
    let path = dir.join(what);
    if path.exists() {
        return Some(path);
    }
    let msg = format!(
        "{} not found (set CASCADE_DATA_DIR to the market-data folder)",
        path.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("skipping: {msg}");
    None
}

/// 0 unexplained mismatches over all 998 transitions, at every depth from 1 to 10. The number
/// of snapshots where a level surfaces from below the visible depth at depth 10, 318, is the
/// figure the data's own SOURCE.txt reports from an independent check.
#[test]
fn aapl_sample_replays_exactly_at_every_depth() {
    let Some(dir) = data_dir_or_skip(SAMPLE) else {
        return;
    };
    let sample =
        cascade_scenario::lobster::load(&dir.join(MESSAGES), &dir.join(ORDERBOOK)).unwrap();
    assert_eq!(
        (sample.messages.len(), sample.depth, sample.tick),
        (999, 10, 100)
    );
    for levels in 1..=10 {
        let s = cascade::replay_lobster(&sample, levels);
        assert_eq!(s.transitions, 998, "levels {levels}");
        assert_eq!(s.unexplained, 0, "levels {levels}: {s:?}");
        assert_eq!(s.exact + s.reveals, 998);
        if levels == 10 {
            assert_eq!(s.surfaced, 318, "{s:?}");
            assert!(s.reveals > 0 && s.reveals <= s.surfaced);
        }
    }
}

/// Without adopting revealed levels the replay drifts: the check is not vacuous.
#[test]
fn a_replay_that_ignores_the_snapshots_drifts() {
    let Some(dir) = data_dir_or_skip(SAMPLE) else {
        return;
    };
    let sample =
        cascade_scenario::lobster::load(&dir.join(MESSAGES), &dir.join(ORDERBOOK)).unwrap();
    let mut r = cascade_book::replay::Replayer::new(&sample.rows[0], 10);
    let mut differing = 0;
    for (m, row) in sample.messages.iter().zip(&sample.rows).skip(1) {
        r.apply(m);
        if r.top() != row.truncated(10) {
            differing += 1;
        }
    }
    assert!(differing > 100, "only {differing} snapshots differ");
}

/// The command prints the counts and the speed; a malformed line is an error naming it.
#[test]
fn lobster_command_reports_counts_and_bad_lines() {
    let Some(dir) = data_dir_or_skip(SAMPLE) else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_cascade");
    let o = std::process::Command::new(bin)
        .arg("lobster")
        .arg(dir.join(MESSAGES))
        .arg(dir.join(ORDERBOOK))
        .args(["--levels", "5"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("998 transitions") && out.contains("unexplained mismatches:      0"),
        "{out}"
    );
    assert!(out.contains("M messages/s"), "{out}");

    let tmp = crate::support::temp_dir("lobster-bad");
    let mut text = std::fs::read_to_string(dir.join(MESSAGES)).unwrap();
    text = text.replacen(
        "34200.025551909,1,16120456,18,5859100,-1",
        "34200.025551909,1,16120456,eighteen,5859100,-1",
        1,
    );
    let bad = tmp.join("bad_message.csv");
    std::fs::write(&bad, text).unwrap();
    let o = std::process::Command::new(bin)
        .arg("lobster")
        .arg(&bad)
        .arg(dir.join(ORDERBOOK))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("bad_message.csv:4: column 4 (size)"), "{err}");
    std::fs::remove_dir_all(&tmp).unwrap();
}
