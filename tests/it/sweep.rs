//! Sweeps: identical files whatever the thread count, sharding or interruption.

use crate::support::{bytes, scenario, temp_dir};
use cascade_sweep::{RunOptions, Shard, SweepError, SweepOutcome, SweepSpec};
use std::path::Path;

/// flash_crash cut to its first 300 seconds (crash and cascade included), to keep runs short.
fn short() -> cascade::Scenario {
    let mut s = scenario("flash_crash.ron");
    s.duration_s = 300.0;
    s
}

fn spec(base: &cascade::Scenario) -> SweepSpec {
    let sets = [
        "makers[0].size_per_level=2,8".to_string(),
        "oracle.publication.Push.deviation=0.005,0.01".to_string(),
    ];
    SweepSpec::new(base, &sets, "1..3").unwrap()
}

fn opts(jobs: usize) -> RunOptions {
    RunOptions {
        jobs,
        shard: None,
        stop_after: None,
        progress: false,
        data_dir: crate::support::data_dir(),
    }
}

const RESULTS: [&str; 3] = ["runs.csv", "cells.csv", "heatmap.svg"];

fn same_results(a: &Path, b: &Path) {
    for f in RESULTS {
        assert!(
            bytes(&a.join(f)) == bytes(&b.join(f)),
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn one_and_two_threads_write_identical_files() {
    let base = short();
    let spec = spec(&base);
    let dir = temp_dir("sweep-jobs");
    let one = cascade_sweep::run(&base, &spec, &dir.join("one"), &opts(1)).unwrap();
    let two = cascade_sweep::run(&base, &spec, &dir.join("two"), &opts(2)).unwrap();
    assert!(
        matches!(
            one,
            SweepOutcome::Complete {
                ran: 12,
                pairs: 12,
                ..
            }
        ),
        "{one:?}"
    );
    assert!(matches!(two, SweepOutcome::Complete { ran: 12, .. }));
    same_results(&dir.join("one"), &dir.join("two"));
    // The table has one row per (cell, seed) in order, and the cells summarise them.
    let runs = std::fs::read_to_string(dir.join("one/runs.csv")).unwrap();
    let rows: Vec<&str> = runs.lines().skip(1).collect();
    assert_eq!(rows.len(), 12);
    assert!(
        rows[0].starts_with("0,2,0.005,1,") && rows[11].starts_with("3,8,0.01,3,"),
        "{runs}"
    );
    let cells = std::fs::read_to_string(dir.join("one/cells.csv")).unwrap();
    assert_eq!(cells.lines().count(), 5);
    assert!(cells.lines().next().unwrap().contains("bad_debt_p95"));
    // Rerunning a finished sweep runs nothing and changes nothing.
    let again = cascade_sweep::run(&base, &spec, &dir.join("one"), &opts(2)).unwrap();
    assert!(matches!(again, SweepOutcome::Complete { ran: 0, .. }));
    same_results(&dir.join("one"), &dir.join("two"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merged_shards_equal_the_unsharded_sweep() {
    let base = short();
    let spec = spec(&base);
    let dir = temp_dir("sweep-shards");
    cascade_sweep::run(&base, &spec, &dir.join("all"), &opts(2)).unwrap();
    let mut shards = Vec::new();
    for i in 0..3 {
        let d = dir.join(format!("shard{i}"));
        let o = RunOptions {
            shard: Some(Shard { index: i, count: 3 }),
            ..opts(1)
        };
        let out = cascade_sweep::run(&base, &spec, &d, &o).unwrap();
        assert!(
            matches!(
                out,
                SweepOutcome::ShardDone {
                    ran: 4,
                    shard_pairs: 4
                }
            ),
            "{out:?}"
        );
        assert!(
            !d.join("runs.csv").exists(),
            "a shard alone writes no result files"
        );
        shards.push(d);
    }
    cascade_sweep::merge(&dir.join("merged"), &shards).unwrap();
    same_results(&dir.join("all"), &dir.join("merged"));
    // A missing shard is an error naming what is missing.
    let err = cascade_sweep::merge(&dir.join("partial"), &shards[..2])
        .unwrap_err()
        .to_string();
    assert!(err.contains("no shard has run cell"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_files() {
    let base = short();
    let spec = spec(&base);
    let dir = temp_dir("sweep-resume");
    cascade_sweep::run(&base, &spec, &dir.join("whole"), &opts(2)).unwrap();
    let cut = dir.join("cut");
    let o = RunOptions {
        stop_after: Some(5),
        ..opts(2)
    };
    let err = cascade_sweep::run(&base, &spec, &cut, &o).unwrap_err();
    assert!(matches!(err, SweepError::Interrupted(5)), "{err}");
    assert!(
        !cut.join("runs.csv").exists(),
        "no result files before the sweep is complete"
    );
    let parts = std::fs::read_dir(cut.join("parts")).unwrap().count();
    assert_eq!(parts, 5);
    // A half-written temporary file from the interruption is ignored.
    std::fs::write(cut.join("parts/.3-2.json.tmp-1-x"), "{ broken").unwrap();
    let out = cascade_sweep::run(&base, &spec, &cut, &opts(1)).unwrap();
    assert!(
        matches!(out, SweepOutcome::Complete { ran: 7, .. }),
        "{out:?}"
    );
    same_results(&dir.join("whole"), &cut);
    // The folder refuses a different sweep.
    let other = SweepSpec::new(
        &base,
        &["oracle.publication.Push.deviation=0.02".to_string()],
        "1..3",
    )
    .unwrap();
    let err = cascade_sweep::run(&base, &other, &cut, &opts(1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("different sweep"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_sweep_command_runs_and_reports_bad_paths() {
    let dir = temp_dir("sweep-cli");
    let file = dir.join("short.ron");
    let text =
        std::fs::read_to_string(crate::support::root().join("scenarios/flash_crash.ron")).unwrap();
    std::fs::write(
        &file,
        text.replace("duration_s: 1800.0", "duration_s: 300.0"),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_cascade");
    let o = std::process::Command::new(bin)
        .args(["sweep"])
        .arg(&file)
        .args([
            "--set",
            "accounts.count=200,400",
            "--seeds",
            "1..2",
            "--jobs",
            "2",
            "--out",
        ])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cells = std::fs::read_to_string(dir.join("out/cells.csv")).unwrap();
    assert!(cells.starts_with("cell,accounts.count,runs,"), "{cells}");
    let o = std::process::Command::new(bin)
        .args(["sweep"])
        .arg(&file)
        .args([
            "--set",
            "oracle.publication.Push.devation=0.01",
            "--seeds",
            "1",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no field `devation`") && err.contains("deviation"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
