//! The `cascade` binary as a newcomer uses it.

use crate::support::{root, temp_dir};
use std::process::Command;

fn cascade() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cascade"))
}

/// `cascade run` with no scenario runs the built-in flash_crash and writes every promised file.
#[test]
fn run_writes_summary_trace_and_figure() {
    let dir = temp_dir("cli-run");
    let out = dir.join("run");
    let o = cascade()
        .args(["run", "--seed", "42", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("liquidations:") && stdout.contains("trace hash"),
        "{stdout}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for key in [
        "scenario",
        "seed",
        "events",
        "sim_seconds",
        "liquidations",
        "max_generation",
        "bad_debt",
        "min_mid_price",
        "trace_hash",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    assert_eq!(summary["scenario"], "flash_crash");
    assert_eq!(summary["seed"], 42);
    let header = |f: &str| {
        let text = std::fs::read_to_string(out.join("trace").join(f)).unwrap();
        text.lines().next().unwrap().to_string()
    };
    assert!(header("trades.csv").starts_with("time_ns,"));
    assert!(header("oracle.csv").starts_with("time_ns,oracle,price,reference_price,age_ns"));
    let liq = header("liquidations.csv");
    for col in [
        "time_ns",
        "account",
        "generation",
        "parent",
        "debt_repaid",
        "collateral_seized",
        "price_before",
        "price_after",
    ] {
        assert!(
            liq.split(',').any(|c| c == col),
            "liquidations.csv lacks {col}"
        );
    }
    for fig in [
        "timeline",
        "depth",
        "generations",
        "cascade",
        "losses",
        "liquidators",
    ] {
        let png = std::fs::read(out.join(format!("plots/{fig}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{fig}");
        assert!(png.len() > 20_000, "{fig} has content");
        let svg = std::fs::read_to_string(out.join(format!("plots/{fig}.svg"))).unwrap();
        assert!(
            svg.contains("<svg") && svg.contains("time (s)") || fig == "generations",
            "{fig}.svg"
        );
    }
    // The built-in scenario is the file in scenarios/.
    let builtin = cascade::Scenario::parse(cascade::FLASH_CRASH, "builtin").unwrap();
    let file = cascade::Scenario::load(&root().join("scenarios/flash_crash.ron")).unwrap();
    assert_eq!(builtin, file);
    // `cascade plot` re-draws from the trace alone.
    std::fs::remove_file(out.join("plots/timeline.png")).unwrap();
    let o = cascade()
        .arg("plot")
        .arg(&out)
        .args(["--format", "png"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("plots/timeline.png").is_file());
    // An existing run is not overwritten without --force, and is left intact.
    let o = cascade().args(["run", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert!(out.join("summary.json").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A bad scenario is one message naming the file and the place, exit code 2, and no output.
#[test]
fn bad_scenarios_are_reported_with_file_and_place() {
    let dir = temp_dir("cli-bad");
    let text = std::fs::read_to_string(root().join("scenarios/flash_crash.ron")).unwrap();
    let cases = [
        (
            "syntax.ron",
            text.replacen("seed: 42,", "seed: 42", 1),
            "syntax.ron:30:5: Expected comma",
        ),
        (
            "unknown.ron",
            text.replacen("seed: 42,", "seed: 42, colour: 1,", 1),
            "colour",
        ),
        (
            "range.ron",
            text.replacen(
                "liquidation_threshold: 0.83",
                "liquidation_threshold: 1.2",
                1,
            ),
            "lending.liquidation_threshold",
        ),
        (
            "hf.ron",
            text.replacen("lo: 1.02", "lo: 0.9", 1),
            "accounts.health_factor",
        ),
    ];
    for (name, body, fragment) in cases {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        let out = dir.join(format!("{name}.out"));
        let o = cascade()
            .arg("run")
            .arg(&path)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(name) && err.contains(fragment),
            "{name}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{name}: one message: {err}");
        assert!(!out.exists(), "{name}: no partial output");
        let v = cascade().arg("validate").arg(&path).output().unwrap();
        assert_eq!(v.status.code(), Some(2));
    }
    let v = cascade()
        .arg("validate")
        .arg(root().join("scenarios/flash_crash.ron"))
        .output()
        .unwrap();
    assert!(v.status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A run killed half-way leaves the earlier run in its --out folder untouched (runs write into
/// a hidden partial folder and rename it into place at the end), and the next run clears the
/// killed run's partial folder.
#[test]
fn a_failed_run_leaves_the_earlier_run_untouched() {
    let dir = temp_dir("cli-killed");
    let text = std::fs::read_to_string(root().join("scenarios/flash_crash.ron")).unwrap();
    let short = dir.join("short.ron");
    std::fs::write(
        &short,
        text.replace("duration_s: 1800.0", "duration_s: 200.0"),
    )
    .unwrap();
    let endless = dir.join("endless.ron");
    std::fs::write(
        &endless,
        text.replace("duration_s: 1800.0", "duration_s: 100000000.0"),
    )
    .unwrap();
    let out = dir.join("run");
    let o = cascade()
        .arg("run")
        .arg(&short)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let before: Vec<(String, Vec<u8>)> = ["summary.json", "trace/trades.csv", "plots/timeline.png"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(out.join(f)).unwrap()))
        .collect();

    let mut child = cascade()
        .arg("run")
        .arg(&endless)
        .arg("--out")
        .arg(&out)
        .arg("--force")
        .spawn()
        .unwrap();
    let partial = dir.join(format!(".run.partial-{}", child.id()));
    let mut waited = 0;
    while !partial.join("trace/trades.csv").exists() {
        assert!(waited < 600, "the run never started writing");
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the endless run cannot have finished");
    for (f, bytes) in &before {
        assert!(std::fs::read(out.join(f)).unwrap() == *bytes, "{f} changed");
    }
    assert!(
        partial.exists(),
        "the killed run's partial folder is left hidden"
    );
    let o = cascade()
        .arg("run")
        .arg(&short)
        .arg("--out")
        .arg(&out)
        .arg("--force")
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(!partial.exists(), "the next run clears it");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `cascade gallery` re-makes the figure folder from scratch: every figure of every scenario.
#[test]
fn gallery_regenerates_every_figure() {
    let dir = temp_dir("cli-gallery");
    let scen = dir.join("scenarios");
    std::fs::create_dir_all(&scen).unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/flash_crash.ron")).unwrap();
    std::fs::write(
        scen.join("a.ron"),
        text.replace("duration_s: 1800.0", "duration_s: 300.0"),
    )
    .unwrap();
    let o = cascade()
        .arg("gallery")
        .arg("--scenarios")
        .arg(&scen)
        .arg("--out")
        .arg(dir.join("plots"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut made: Vec<String> = std::fs::read_dir(dir.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(
        made,
        [
            "cascade",
            "depth",
            "generations",
            "liquidators",
            "losses",
            "timeline"
        ]
        .map(|f| format!("flash_crash_{f}.png"))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
