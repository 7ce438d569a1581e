//! Every file in `tests/bad_inputs/` is refused with one clear line naming the file and the
//! place, exit code 2, and no panic. `expected.txt` lists each case and its error fragment;
//! scenarios that read market data find it in the same folder.

use crate::support::{root, temp_dir};
use std::process::Command;

#[test]
fn every_bad_input_gets_one_clear_error() {
    let dir = root().join("tests/bad_inputs");
    let manifest = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
    let bin = env!("CARGO_BIN_EXE_cascade");
    let mut cases = 0;
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (files, fragment) = line.split_once('\t').expect("file(s) TAB fragment");
        let files: Vec<_> = files.split(' ').map(|f| dir.join(f)).collect();
        let mut cmd = Command::new(bin);
        match files.as_slice() {
            [scenario] => {
                // Both validating and running refuse it, and a run writes nothing.
                let out = temp_dir("bad-input-run").join("out");
                let o = Command::new(bin)
                    .env("CASCADE_DATA_DIR", &dir)
                    .arg("run")
                    .arg(scenario)
                    .arg("--out")
                    .arg(&out)
                    .output()
                    .unwrap();
                assert_eq!(o.status.code(), Some(2), "run {line}");
                assert!(!out.exists(), "{line}: a refused run leaves no output");
                // Market data named by scenarios is looked up in this folder.
                cmd.env("CASCADE_DATA_DIR", &dir)
                    .arg("validate")
                    .arg(scenario);
            }
            [messages, orderbook] => {
                cmd.arg("lobster").arg(messages).arg(orderbook);
            }
            _ => panic!("bad manifest line {line}"),
        }
        let o = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{line}: {err}");
        assert!(err.contains(fragment), "{line}: got {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{line}: one line: {err}");
        assert!(!err.contains("panicked"), "{line}: {err}");
        cases += 1;
    }
    assert!(cases >= 20, "{cases} cases");
}
