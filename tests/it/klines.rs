//! The kline loader on the real crash files in the data directory.

use crate::lobster::data_dir_or_skip;
use cascade_scenario::klines::{KlineOptions, load};

/// Black Thursday: the one known bad print (2020-03-13 02:39, high 323.00) is dropped, nothing
/// else; the two windows of the file show as one gap; the lows are the published ones.
#[test]
fn black_thursday_file_loads_with_its_bad_print_dropped() {
    let Some(dir) = data_dir_or_skip("binance-ethusdt-1m-2020-03-12") else {
        return;
    };
    let k = load(
        &dir.join("ETHUSDT-1m-2020-03-12_13_crash_windows.csv"),
        &KlineOptions::default(),
    )
    .unwrap();
    assert_eq!(k.bars.len(), 595);
    assert_eq!(k.interval_ms, 60_000);
    assert_eq!(k.dropped.len(), 1, "{:?}", k.dropped);
    let d = &k.dropped[0];
    assert_eq!(
        (d.open_time_ms, d.field, d.was),
        (1_584_067_140_000, "high", 323.0)
    );
    assert_eq!(k.gaps.len(), 1);
    let low = k.bars.iter().map(|b| b.low).fold(f64::INFINITY, f64::min);
    assert_eq!(low, 84.23, "global low at 02:16 on 03-13");
}

/// LUNA: the whole month loads; cutting at 1652400000000 drops the relaunched LUNA 2.0 rows.
#[test]
fn luna_file_loads_and_the_relaunch_is_cut() {
    let Some(dir) = data_dir_or_skip("binance-lunausdt-1m-2022-05") else {
        return;
    };
    let path = dir.join("LUNAUSDT-1m-2022-05.csv");
    let all = load(&path, &KlineOptions::default()).unwrap();
    let cut = load(
        &path,
        &KlineOptions {
            to_ms: Some(1_652_400_000_000),
            ..KlineOptions::default()
        },
    )
    .unwrap();
    assert!(cut.bars.len() < all.bars.len());
    assert!(cut.bars.iter().all(|b| b.open_time_ms < 1_652_400_000_000));
    let first = cut.bars[0].open;
    let last = cut.bars[cut.bars.len() - 1].close;
    assert!(
        first > 70.0 && last < 0.01,
        "{first} -> {last}: the collapse"
    );
}
