//! Any text given as a scenario is either refused with an error or parses to a scenario that
//! builds a world configuration; nothing panics.
#![no_main]

use cascade_scenario::Scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(s) = Scenario::parse(text, "fuzz.ron") {
        // Building draws every account: keep populations small enough for the fuzzer's memory.
        if s.accounts.count <= 10_000 {
            // Scenarios naming market data fail to find it here, which is an error, not a panic.
            let _ = cascade_scenario::build(&s, None, std::path::Path::new("/nonexistent"));
        }
    }
});
