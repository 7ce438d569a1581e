//! Any text given as a Binance kline file is either refused with an error naming a line, or
//! parses into bars in time order whose prices are consistent, even after bad-print clipping;
//! nothing panics.
#![no_main]

use cascade_scenario::klines::{KlineOptions, parse};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let opts = KlineOptions { bad_print_k: 3.0, bad_print_window: 2, ..KlineOptions::default() };
    if let Ok(k) = parse(Path::new("k.csv"), text, &opts) {
        for w in k.bars.windows(2) {
            assert!(w[0].open_time_ms < w[1].open_time_ms);
        }
        for b in &k.bars {
            assert!(b.low <= b.open.min(b.close) && b.high >= b.open.max(b.close), "{b:?}");
        }
    }
});
