//! A whole borrower population on one price path under two liquidation designs: LLAMMA's soft
//! liquidation (one shared AMM, hard liquidation below the Controller's health limit) against
//! an Aave-style hard liquidation, step by step, in aggregate.
//!
//! This is [`crate::compare`] for many loans at once. Every loan is opened at the first point
//! of the path in one [`Controller`] (so all loans share one band grid and one AMM, as crvUSD's
//! loans in one market do), and the same loans are held in an Aave-style book. Then at each
//! point:
//!
//! - LLAMMA: the idealised arbitrageur ([`crate::arb`]) trades the AMM to the *market* price
//!   while the AMM reads the LLAMMA oracle (crvUSD's oracle is an exponential moving average
//!   of pool prices, so the caller passes a smoothed path there); then every loan whose full
//!   health is negative at that oracle is hard-liquidated in full
//!   ([`Controller::users_to_liquidate`], [`Controller::liquidate`]).
//! - Aave-style: each loan whose health factor `collateral·p·LT/debt` at the *hard oracle* is
//!   below 1 is liquidated as in [`crate::compare`] (close factor, bonus, seized at the oracle
//!   price), until healthy or out of collateral; collateral exhausted with debt left is bad
//!   debt.
//!
//! Amounts follow [`crate::compare`]: sell pressure is collateral that leaves the borrowers for
//! the market (bought from the bands by the arbitrageur, or taken by a liquidator); LLAMMA also
//! buys collateral back when the price rises. Borrowers' losses are the value transferred to
//! arbitrageurs and liquidators, every transfer valued at the *market* price of its step (so
//! both designs are measured with the same yardstick): the arbitrageur's gain on each trade,
//! the equity a hard liquidation takes (or, when negative, bad debt), and for an Aave-style
//! liquidation the seized collateral's value minus the debt repaid.
//!
//! Neither design's sales move the path: the path is an input. What feeds back into prices is
//! the caller's business (cascade runs the path from its engine; see `docs/scenarios.md`).

use crate::amm::{LlammaParams, OracleReading};
use crate::compare::{ARBITRAGEUR, AaveStyle, LIQUIDATOR};
use crate::controller::{Controller, ControllerParams};
use crate::error::LlammaError;
use crate::event::Coin;
use crate::math::{WAD, ck};
use cascade_types::{AccountId, SimTime};

const MAX_AAVE_ROUNDS: usize = 64;

/// The two designs and the loans' bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PopulationSetup {
    /// The LLAMMA (its base price sets the band grid).
    pub llamma: LlammaParams,
    /// The Controller's discounts.
    pub controller: ControllerParams,
    /// Bands of every LLAMMA loan.
    pub n_bands: usize,
    /// The Aave-style rule.
    pub aave: AaveStyle,
}

/// One point of the path, WAD prices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathPoint {
    /// When.
    pub time: SimTime,
    /// The market price: arbitrage target and the yardstick of losses.
    pub market: u128,
    /// The price LLAMMA and its Controller read.
    pub llamma_oracle: u128,
    /// The price the Aave-style rule reads.
    pub hard_oracle: u128,
}

/// What both designs did at one point, summed over loans.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PopulationStep {
    /// LLAMMA: collateral bought from the bands plus collateral taken by hard liquidations.
    pub llamma_sold: u128,
    /// LLAMMA: collateral sold back into the bands.
    pub llamma_bought: u128,
    /// LLAMMA: hard liquidations this step.
    pub llamma_hard_liquidations: u32,
    /// LLAMMA: borrowers' loss so far.
    pub llamma_loss: i128,
    /// LLAMMA: bad debt so far.
    pub llamma_bad_debt: u128,
    /// Aave-style: collateral seized this step.
    pub hard_sold: u128,
    /// Aave-style: liquidation calls this step.
    pub hard_liquidations: u32,
    /// Aave-style: borrowers' loss so far.
    pub hard_loss: i128,
    /// Aave-style: bad debt so far.
    pub hard_bad_debt: u128,
}

/// The comparison over the population.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PopulationComparison {
    /// One entry per path point.
    pub steps: Vec<PopulationStep>,
    /// Loans opened in both designs.
    pub opened: usize,
    /// Indices of the loans the Controller refused (too much debt for its loan discount and
    /// bands, or too little collateral); they are left out of both designs.
    pub refused: Vec<usize>,
}

fn signed(v: u128) -> Result<i128, LlammaError> {
    i128::try_from(v).map_err(|_| LlammaError::Arithmetic("signed amount"))
}

fn value(y: u128, price: u128, prm: &LlammaParams) -> Result<u128, LlammaError> {
    (ck(y) * prm.collateral_precision * price / WAD / prm.borrowed_precision)
        .u128("collateral value")
}

fn check_aave(aave: &AaveStyle) -> Result<(), LlammaError> {
    if aave.liquidation_threshold == 0
        || aave.liquidation_threshold > WAD
        || aave.liquidation_bonus < WAD
        || aave.close_factor == 0
        || aave.close_factor > WAD
    {
        return Err(LlammaError::InvalidParameter(
            "Aave-style parameters: 0 < LT <= 1, bonus >= 1, 0 < close factor <= 1",
        ));
    }
    Ok(())
}

/// Runs both designs over `loans` (collateral, debt; token units) along `path`.
pub fn compare_population(
    setup: &PopulationSetup,
    loans: &[(u128, u128)],
    path: &[PathPoint],
) -> Result<PopulationComparison, LlammaError> {
    let Some(first) = path.first() else {
        return Err(LlammaError::InvalidParameter("the price path is empty"));
    };
    let aave = setup.aave;
    check_aave(&aave)?;
    let prm = setup.llamma;
    let open_at = OracleReading::new(first.llamma_oracle, first.time);
    let mut ctl = Controller::new(prm, setup.controller, open_at)?;
    let mut refused = Vec::new();
    // Aave-style book: (collateral, debt) of each loan the Controller accepted.
    let mut book: Vec<(u128, u128)> = Vec::new();
    for (i, &(coll, debt)) in loans.iter().enumerate() {
        let user = AccountId(u32::try_from(i).map_err(|_| LlammaError::Arithmetic("loan id"))?);
        match ctl.create_loan(user, coll, debt, setup.n_bands, open_at) {
            Ok(_) => book.push((coll, debt)),
            Err(_) => refused.push(i),
        }
    }
    let mut out = PopulationComparison {
        steps: Vec::with_capacity(path.len()),
        opened: book.len(),
        refused,
    };
    let (mut l_loss, mut l_bad, mut h_loss, mut h_bad) = (0i128, 0u128, 0i128, 0u128);
    for pt in path {
        let market = pt.market;
        let at = OracleReading::new(pt.llamma_oracle, pt.time);
        let mut step = PopulationStep::default();
        if let Some(trade) = ctl.arbitrage_to(ARBITRAGEUR, market, at)? {
            let (paid, got) = (trade.in_amount, trade.out_amount);
            l_loss += match trade.sold {
                Coin::Borrowed => {
                    step.llamma_sold += got;
                    signed(value(got, market, &prm)?)? - signed(paid)?
                }
                Coin::Collateral => {
                    step.llamma_bought += paid;
                    signed(got)? - signed(value(paid, market, &prm)?)?
                }
            };
        }
        for pos in ctl.users_to_liquidate(at)? {
            let liq = ctl.liquidate(LIQUIDATOR, pos.user, 0, at)?;
            let equity = signed(liq.stablecoin_from_bands)?
                + signed(value(liq.collateral_to_liquidator, market, &prm)?)?
                - signed(liq.debt_repaid)?;
            if equity >= 0 {
                l_loss += equity;
            } else {
                l_bad += equity.unsigned_abs();
            }
            step.llamma_sold += liq.collateral_to_liquidator;
            step.llamma_hard_liquidations += 1;
        }
        let price = pt.hard_oracle;
        for (coll, debt) in book.iter_mut() {
            for _ in 0..MAX_AAVE_ROUNDS {
                if *debt == 0 {
                    break;
                }
                let coll_value = value(*coll, price, &prm)?;
                let hf = (ck(coll_value) * aave.liquidation_threshold / *debt).u128("health")?;
                if hf >= WAD {
                    break;
                }
                if *coll == 0 {
                    h_bad += *debt;
                    *debt = 0;
                    break;
                }
                let mut repay = (ck(*debt) * aave.close_factor / WAD).u128("repay")?;
                if repay == 0 {
                    repay = *debt;
                }
                let seized_value = (ck(repay) * aave.liquidation_bonus / WAD).u128("seized")?;
                let mut seized = (ck(seized_value) * prm.borrowed_precision * WAD
                    / (ck(price) * prm.collateral_precision))
                    .u128("seized")?;
                if seized > *coll {
                    seized = *coll;
                    repay = (ck(coll_value) * WAD / aave.liquidation_bonus).u128("repay")?;
                }
                *coll -= seized;
                *debt -= repay;
                step.hard_sold += seized;
                step.hard_liquidations += 1;
                h_loss += signed(value(seized, market, &prm)?)? - signed(repay)?;
                if *coll == 0 && *debt > 0 {
                    h_bad += *debt;
                    *debt = 0;
                }
            }
        }
        step.llamma_loss = l_loss;
        step.llamma_bad_debt = l_bad;
        step.hard_loss = h_loss;
        step.hard_bad_debt = h_bad;
        out.steps.push(step);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_types::SimDuration;

    fn wad(v: u128) -> u128 {
        v * WAD
    }

    #[test]
    fn a_crash_soft_liquidates_and_hard_liquidates_the_same_loans() {
        let setup = PopulationSetup {
            llamma: LlammaParams::new(100, wad(2000), 6_000_000_000_000_000),
            controller: ControllerParams {
                loan_discount: 90_000_000_000_000_000,
                liquidation_discount: 60_000_000_000_000_000,
            },
            n_bands: 10,
            aave: AaveStyle {
                liquidation_threshold: 830_000_000_000_000_000,
                liquidation_bonus: 1_050_000_000_000_000_000,
                close_factor: 500_000_000_000_000_000,
            },
        };
        // Three loans at LTV 75%, 60%, 40% at 2000; one absurd loan the Controller refuses.
        let loans = [
            (wad(10), wad(15_000)),
            (wad(10), wad(12_000)),
            (wad(10), wad(8_000)),
            (wad(1), wad(1_999)),
        ];
        let prices = [2000u128, 1950, 1900, 1850, 1800, 1750, 1700, 1700, 1700];
        let path: Vec<PathPoint> = prices
            .iter()
            .enumerate()
            .map(|(k, &p)| PathPoint {
                time: SimTime(SimDuration::from_secs(600).as_nanos() * k as u64),
                market: wad(p),
                llamma_oracle: wad(p),
                hard_oracle: wad(p),
            })
            .collect();
        let c = compare_population(&setup, &loans, &path).unwrap();
        assert_eq!(c.refused, vec![3]);
        assert_eq!(c.opened, 3);
        let l_sold: u128 = c.steps.iter().map(|s| s.llamma_sold).sum();
        let h_sold: u128 = c.steps.iter().map(|s| s.hard_sold).sum();
        // The 75% loan is hard-liquidated (HF 0.83·10·1700/15000 = 0.94) in one step; LLAMMA
        // converts its bands over several steps.
        assert!(h_sold > 0 && l_sold > 0);
        let l_steps = c.steps.iter().filter(|s| s.llamma_sold > 0).count();
        let h_steps = c.steps.iter().filter(|s| s.hard_sold > 0).count();
        assert!(l_steps > h_steps, "{l_steps} vs {h_steps}");
        let last = c.steps.last().unwrap();
        assert!(last.hard_loss > 0 && last.llamma_loss > 0);
        assert_eq!(last.hard_bad_debt, 0);
    }
}
