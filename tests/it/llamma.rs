//! The same crash under hard liquidation and under LLAMMA soft liquidation: the claims of
//! flash_crash_llamma.ron, from its summary's `soft_liquidation` section.
//!
//! Measured at seed 42 on the reference path (the header's figures):
//!
//! | design     | sold (ETH) | worst minute | minutes selling | losses (USD) | bad debt (USD) |
//! |------------|-----------:|-------------:|----------------:|-------------:|---------------:|
//! | Aave-style |      7,712 |        6,173 |               5 |      637,962 |              0 |
//! | LLAMMA     |      6,204 |        1,457 |              19 |       98,030 |         63,938 |
//!
//! and on the engine's realised path (`path: Engine`): Aave-style 13,772 ETH, worst minute
//! 8,054, losses 640,797, bad debt 0; LLAMMA 6,647 ETH, worst minute 1,656, losses 36,225,
//! bad debt 453,551.

use crate::support::{scenario, temp_dir};
use cascade::run_in_memory;
use cascade_report::plot::{Footer, Format, SoftHardFigure, render};
use cascade_scenario::SoftPathSpec;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.01
}

/// Soft liquidation spreads the selling over many minutes at a quarter of the peak, and the
/// borrowers lose a sixth as much; the EMA oracle's lag costs LLAMMA bad debt the Aave-style
/// rule (reading the reference itself) does not have. The engine's own run is flash_crash's.
#[test]
fn soft_liquidation_spreads_the_selling_and_cuts_borrower_losses() {
    let s = scenario("flash_crash_llamma.ron");
    let run = run_in_memory(&s, None);
    // The engine's run is flash_crash's, unchanged.
    assert_eq!(run.summary.liquidations, 885);
    assert_eq!(run.summary.max_generation, Some(10));
    assert!(
        close(run.summary.bad_debt, 575_712.04),
        "{}",
        run.summary.bad_debt
    );

    let c = run.summary.soft_liquidation.as_ref().expect("comparison");
    assert_eq!((c.loans, c.refused), (1000, 0));
    let (soft, hard) = (&c.soft, &c.hard);
    assert!(
        close(hard.collateral_sold, 7_711.956),
        "{}",
        hard.collateral_sold
    );
    assert!(
        close(hard.peak_sold_per_minute, 6_173.353),
        "{}",
        hard.peak_sold_per_minute
    );
    assert!(
        close(hard.borrower_losses, 637_962.13),
        "{}",
        hard.borrower_losses
    );
    assert_eq!(hard.bad_debt, 0.0);
    assert_eq!(hard.minutes_selling, 5);
    assert!(
        close(soft.collateral_sold, 6_204.177),
        "{}",
        soft.collateral_sold
    );
    assert!(
        close(soft.peak_sold_per_minute, 1_457.122),
        "{}",
        soft.peak_sold_per_minute
    );
    assert!(
        close(soft.borrower_losses, 98_030.42),
        "{}",
        soft.borrower_losses
    );
    assert!(close(soft.bad_debt, 63_937.78), "{}", soft.bad_debt);
    assert_eq!(soft.minutes_selling, 19);
    assert_eq!((soft.hard_liquidations, hard.hard_liquidations), (78, 364));

    // The claims: a quarter of the peak selling, spread over more minutes...
    assert!(soft.peak_sold_per_minute < 0.25 * hard.peak_sold_per_minute);
    assert!(soft.minutes_selling > 3 * hard.minutes_selling);
    // ...the Aave-style rule's selling all at the crash (minutes 2 and 3), LLAMMA's none then.
    let crash: f64 = hard.sold_per_minute[2..4].iter().sum();
    assert!(crash > 0.99 * hard.collateral_sold, "{crash}");
    assert!(soft.sold_per_minute[..4].iter().all(|&v| v == 0.0));
    // ...borrowers lose less than a sixth; LLAMMA's lagging oracle leaves bad debt.
    assert!(soft.borrower_losses < hard.borrower_losses / 6.0);
    assert!(soft.bad_debt > hard.bad_debt);
    // Per-minute series add up to the totals.
    let sum: f64 = soft.sold_per_minute.iter().sum();
    assert!((sum - soft.collateral_sold).abs() < 1e-6);
    assert_eq!(soft.sold_per_minute.len(), 31);
    assert!(close(
        *soft.cumulative_losses.last().unwrap(),
        soft.borrower_losses
    ));

    // A run folder, even one that writes no book snapshots, carries the same comparison in
    // summary.json and draws the figure.
    let out = temp_dir("soft-run").join("run");
    let opts = cascade::RunOptions {
        formats: vec![Format::Png],
        trace_level: cascade_engine::trace::TraceLevel::Liquidations,
        ..Default::default()
    };
    let written = cascade::run_to_dir(&s, &out, &opts).unwrap();
    assert_eq!(written.soft_liquidation.as_ref(), Some(c));
    assert!(out.join("plots/soft_vs_hard.png").is_file());
    assert!(!out.join("trace/book_top.csv").exists());
    let json = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(json.contains("\"soft_liquidation\"") && json.contains("\"peak_sold_per_minute\""));

    // The figure draws from the summary alone.
    let dir = temp_dir("soft-figure");
    let footer = Footer {
        scenario: s.name.clone(),
        seed: s.seed.to_string(),
        version: run.summary.version.clone(),
    };
    let fig = SoftHardFigure {
        scenario: &s.name,
        comparison: c,
    };
    for f in [Format::Png, Format::Svg] {
        let path = dir.join(format!("soft_vs_hard.{}", f.ext()));
        render(&fig, &footer, &path, f).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 10_000);
    }
}

/// On the engine's realised path (the book's mid, pushed down by the engine's own hard
/// liquidations, and its published oracle) the ordering of selling and losses holds; LLAMMA's
/// bad debt grows as its lagging oracle meets a deeper market fall.
#[test]
fn on_the_engine_path_the_ordering_holds() {
    let mut s = scenario("flash_crash_llamma.ron");
    if let Some(soft) = s.soft_liquidation.as_mut() {
        soft.path = SoftPathSpec::Engine;
    }
    let run = run_in_memory(&s, None);
    let c = run.summary.soft_liquidation.expect("comparison");
    let (soft, hard) = (&c.soft, &c.hard);
    assert!(
        close(hard.collateral_sold, 13_771.607),
        "{}",
        hard.collateral_sold
    );
    assert!(
        close(hard.peak_sold_per_minute, 8_053.779),
        "{}",
        hard.peak_sold_per_minute
    );
    assert!(
        close(hard.borrower_losses, 640_796.77),
        "{}",
        hard.borrower_losses
    );
    assert_eq!(hard.bad_debt, 0.0);
    assert!(
        close(soft.collateral_sold, 6_647.006),
        "{}",
        soft.collateral_sold
    );
    assert!(
        close(soft.peak_sold_per_minute, 1_656.380),
        "{}",
        soft.peak_sold_per_minute
    );
    assert!(
        close(soft.borrower_losses, 36_225.04),
        "{}",
        soft.borrower_losses
    );
    assert!(close(soft.bad_debt, 453_550.96), "{}", soft.bad_debt);
    assert!(soft.peak_sold_per_minute < 0.25 * hard.peak_sold_per_minute);
    assert!(soft.borrower_losses < hard.borrower_losses / 6.0);
    assert!(soft.bad_debt > hard.bad_debt);
}

/// Both designs inside the engine (`flash_crash_soft_vs_hard.ron`, `path: Loop`): the hard
/// design is the run itself, the soft design a second run of the same world and seed with the
/// accounts as loans in one LLAMMA whose keeper sells into the same book. The per-minute
/// records the comparison reads agree with the trades in each run's own trace, value is
/// conserved after every event of the LLAMMA run, and the claims hold: LLAMMA sells less, at a
/// fraction of the peak rate, starts selling only after its EMA oracle has caught up, keeps the
/// book's mid higher, and costs borrowers less.
#[test]
fn soft_liquidation_inside_the_loop_sells_less_into_the_same_book() {
    let s = scenario("flash_crash_soft_vs_hard.ron");
    let run = run_in_memory(&s, None);
    let spec = run.config.spec;
    // The hard design is this run: flash_crash's liquidations.
    assert_eq!(run.summary.liquidations, 885);
    let c = run.summary.soft_liquidation.as_ref().expect("comparison");
    assert_eq!(c.path, cascade_report::SoftPath::Loop);
    assert_eq!((c.loans, c.refused), (1000, 0));
    let (soft, hard) = (&c.soft, &c.hard);

    // The hard side's record is the run's own: sales of seized collateral by the liquidators
    // in the trade log, bad debt written off, calls made, the lowest mid.
    let sold_by = |trace: &cascade_engine::trace::MemoryTrace, taker: &dyn Fn(&str) -> bool| {
        let lots: f64 = trace
            .trades
            .iter()
            .filter(|t| t.taker_side == "sell" && taker(&t.taker))
            .map(|t| t.qty)
            .sum();
        lots
    };
    let liquidator_sales = sold_by(&run.trace, &|t| t.starts_with("liq"));
    assert!(
        (hard.collateral_sold - liquidator_sales).abs() < 1e-6,
        "{} vs {liquidator_sales}",
        hard.collateral_sold
    );
    assert!((hard.collateral_sold - spec.qty(run.stats.liquidation_sales)).abs() < 1e-9);
    assert!(close(hard.bad_debt, run.summary.bad_debt));
    assert_eq!(hard.hard_liquidations, 885);
    assert_eq!(hard.lowest_mid, run.stats.min_mid.map(|p| spec.price(p)));

    // The soft run, again, with every event checked and every trade kept: the keeper's sales
    // into the book are what the comparison calls LLAMMA's selling.
    let cfg = cascade::soft_config(&s).expect("soft config");
    let world = cascade_report::soft::loop_world(&cfg, &run.config);
    let mut w = cascade_engine::World::new(world, cascade_engine::trace::MemoryTrace::default());
    w.set_check_invariants(true);
    let (stats, trace) = w.run();
    assert_eq!(stats.invariant_violation, None);
    let l = stats.llamma.clone().expect("a LLAMMA market");
    assert_eq!(l.loans, 1000);
    let keeper_sales = sold_by(&trace, &|t| t == "llamma");
    assert!((soft.collateral_sold - keeper_sales).abs() < 1e-6);
    assert!(keeper_sales > 0.0);
    // No lending-market liquidation in the soft run: the accounts are LLAMMA's loans.
    assert_eq!(stats.liquidations, 0);
    assert_eq!(soft.hard_liquidations, l.hard_liquidations);
    // Every hard liquidation repaid its loan in full; what is left is the others' debt (no
    // interest accrues).
    assert!(l.hard_liquidations > 0);
    assert_eq!(l.debt_end.plus(l.debt_repaid), l.debt_start);
    let k = c.keeper.as_ref().expect("the keeper's figures");
    assert_eq!(k.underwater_loans_at_end, l.underwater_at_end);
    // One transaction per trade and per liquidation, 5 USD of gas each; every one was priced
    // to pay against the book, so the keeper ends up in profit.
    let txs = l.soft_trades + l.buyback_trades + l.hard_liquidations;
    assert!(close(k.gas, 5.0 * txs as f64), "{} vs {txs}", k.gas);
    assert!(k.pnl > 0.0);

    // The claims.
    assert!(soft.collateral_sold < 0.5 * hard.collateral_sold);
    assert!(soft.peak_sold_per_minute < 0.5 * hard.peak_sold_per_minute);
    assert!(soft.minutes_selling > hard.minutes_selling);
    // The crash is at minutes 2-3; the EMA (866 s) has not reached the bands then.
    assert!(hard.sold_per_minute[2] > 0.0);
    assert!(soft.sold_per_minute[..5].iter().all(|&v| v == 0.0));
    assert!(soft.lowest_mid > hard.lowest_mid);
    assert!(soft.borrower_losses < hard.borrower_losses / 4.0);
    assert!(soft.bad_debt < hard.bad_debt);
    // Series and totals agree.
    let sum: f64 = soft.sold_per_minute.iter().sum();
    assert!((sum - soft.collateral_sold).abs() < 1e-6);
    assert!(close(
        *hard.cumulative_losses.last().unwrap(),
        hard.borrower_losses
    ));
}

/// Accounts the Controller refuses (here a 20% loan discount refuses the most leveraged ones)
/// stay in the soft run's lending market, under its liquidators: they leave neither design,
/// and only they are liquidated there.
#[test]
fn refused_loans_stay_in_the_lending_market() {
    let mut s = scenario("flash_crash_soft_vs_hard.ron");
    if let Some(soft) = s.soft_liquidation.as_mut() {
        soft.loan_discount = 0.2;
    }
    s.duration_s = 600.0;
    let cfg = cascade::soft_config(&s).expect("soft config");
    let world = cascade::build(&s, None, &crate::support::data_dir()).unwrap();
    let accounts = world.accounts.clone();
    let mut w = cascade_engine::World::new(
        cascade_report::soft::loop_world(&cfg, &world),
        cascade_engine::trace::MemoryTrace::default(),
    );
    w.set_check_invariants(true);
    let (stats, trace) = w.run();
    assert_eq!(stats.invariant_violation, None);
    let l = stats.llamma.expect("a LLAMMA market");
    assert!(l.refused > 0 && l.loans > 0, "{} refused", l.refused);
    assert_eq!(l.loans + l.refused, accounts.len() as u64);
    // The refused accounts' debt is the lending market's, and the crash liquidates some of
    // them there; nobody else is liquidated by the lending market.
    let refused_debt: u64 = l.refused_debt.0;
    assert!(refused_debt > 0);
    assert!(!trace.liquidations.is_empty());
    let ltv = |a: &cascade_risk::Account| a.debt.0 as f64 / a.collateral.0 as f64;
    let least_levered_refused = trace
        .liquidations
        .iter()
        .map(|r| ltv(&accounts[r.account as usize]))
        .fold(f64::INFINITY, f64::min);
    // Refusal is by leverage: every account liquidated in the lending market is more levered
    // than the median account.
    let mut all: Vec<f64> = accounts.iter().map(ltv).collect();
    all.sort_by(f64::total_cmp);
    assert!(least_levered_refused > all[all.len() / 2]);
}
