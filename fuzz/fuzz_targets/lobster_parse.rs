//! Any pair of texts given as a LOBSTER message file and orderbook file is either refused with
//! an error naming a line, or parses and replays through the book without a panic.
#![no_main]

use cascade_book::replay::Replayer;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The two files are separated by a line holding only `--`.
    let (messages, orderbook) = text.split_once("\n--\n").unwrap_or((text, ""));
    let Ok(sample) = cascade_scenario::lobster::parse(Path::new("m.csv"), messages, Path::new("o.csv"), orderbook)
    else {
        return;
    };
    if let Some(seed) = sample.rows.first() {
        let levels = sample.depth.max(1);
        let mut r = Replayer::new(seed, levels);
        for (m, row) in sample.messages.iter().zip(&sample.rows).skip(1) {
            r.apply(m);
            r.check(row);
        }
        let _ = r.stats();
        r.book().assert_consistent();
    }
});
