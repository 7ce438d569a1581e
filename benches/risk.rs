//! Liquidation throughput.
//!
//! - `trigger_index`: a lending market of 1,000,000 accounts; each iteration is one oracle
//!   update that finds the accounts liquidatable at the new price (a handful: the price walks
//!   down through the sparse top of the trigger distribution, 0 to 3 accounts per update).
//! - `cascade_100k`: a whole run of flash_crash changed to 100,000 small accounts that all fall
//!   below their threshold in the crash, a deep book and well-funded liquidators: every
//!   account is liquidated (over 100,000 liquidation calls with their sales into the book).

use cascade_risk::aave::AaveParams;
use cascade_risk::{Account, LendingMarket};
use cascade_types::{AccountId, Bps, Lots, Quote, Ticks};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn params() -> AaveParams {
    AaveParams {
        liquidation_threshold: Bps(8300),
        liquidation_bonus: Bps(10500),
        protocol_fee: Bps(1000),
        close_factor: Bps(5000),
        close_factor_min_base: Quote(200_000_000),
        min_leftover_base: Quote(100_000_000),
        full_close_below_hf: cascade_risk::aave::CLOSE_FACTOR_HF_THRESHOLD,
    }
}

/// 1M accounts of 10 ETH with debts putting their trigger prices between 1,000 and 1,999 USD
/// (0.01 USD ticks), spread evenly: about one account per 0.1 USD of price.
fn market() -> LendingMarket {
    let n = 1_000_000u64;
    let accounts = (0..n)
        .map(|i| {
            // With 10,000 lots and LT 83%, the trigger price is debt / 8,300 ticks: place the
            // triggers at 100,000 + i / 10 ticks.
            let trigger = 100_000 + i / 10;
            Account {
                collateral: Lots(10_000),
                debt: Quote(trigger * 8_300),
            }
        })
        .collect();
    LendingMarket::new(params(), accounts)
}

fn trigger_index(c: &mut Criterion) {
    let m = market();
    let mut group = c.benchmark_group("trigger_index");
    const UPDATES: u64 = 10_000;
    group.throughput(Throughput::Elements(UPDATES));
    group.bench_function("1m_accounts_oracle_updates", |b| {
        b.iter(|| {
            let mut found = 0usize;
            // Walk the price down from above every trigger through the top 1,000 ticks.
            for k in 0..UPDATES as i64 {
                let price = Ticks(200_000 - k / 10);
                if m.index().any_liquidatable_at(price) {
                    let hit: Vec<AccountId> = m.index().liquidatable_at(price).take(4).collect();
                    found += hit.len();
                }
            }
            black_box(found)
        })
    });
    group.finish();
}

fn cascade(c: &mut Criterion) {
    let text = include_str!("../scenarios/flash_crash_deep_book.ron");
    let mut s = cascade::Scenario::parse(text, "flash_crash_deep_book.ron").unwrap();
    s.duration_s = 400.0;
    s.accounts.count = 70_000;
    s.accounts.collateral = Some(cascade_des::dist::Dist::Uniform { lo: 0.5, hi: 1.5 });
    s.accounts.health_factor = Some(cascade_des::dist::Dist::Uniform { lo: 1.01, hi: 1.2 });
    s.liquidators[0].cash = 50_000_000.0;
    s.liquidators[0].gas_usd = 0.1;
    s.liquidators[0].min_profit_usd = 0.0;
    s.makers[0].max_inventory = 100_000.0;
    s.makers[0].cash = 400_000_000.0;
    let config = cascade::build(&s, None, std::path::Path::new(".")).unwrap();
    let mut group = c.benchmark_group("cascade");
    group.sample_size(10);
    group.bench_function("flash_crash_70k_accounts", |b| {
        b.iter_batched(
            || config.clone(),
            |cfg| {
                let (stats, ()) = cascade::World::new(cfg, ()).run();
                assert!(
                    stats.liquidations >= 100_000,
                    "{} liquidations",
                    stats.liquidations
                );
                if std::env::var_os("CASCADE_BENCH_REPORT").is_some() {
                    eprintln!(
                        "{} liquidations, {} events",
                        stats.liquidations, stats.events
                    );
                }
                stats.liquidations
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, trigger_index, cascade);
criterion_main!(benches);
