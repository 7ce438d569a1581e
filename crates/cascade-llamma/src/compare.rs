//! One borrower, one price path, two liquidation designs: LLAMMA's soft liquidation (with
//! hard liquidation as the backstop) against an Aave-style hard liquidation.
//!
//! The helper is pure: it builds a fresh [`Controller`], opens the same loan (collateral and
//! debt) in both designs, then at each point of the path, `step` apart in time:
//!
//! - LLAMMA: the idealised arbitrageur ([`crate::arb`]) trades the AMM to the path price, which
//!   is also the oracle price; if the loan's full health is then negative, it is hard-liquidated
//!   in full ([`Controller::liquidate`]).
//! - Aave-style: while the health factor `collateral value·LT/debt` is below 1, a liquidator
//!   repays `close_factor` of the debt (all of it if that rounds to zero) and seizes
//!   `repaid·bonus/price` of collateral, capped at what is left; collateral exhausted with debt
//!   left is bad debt. This is the rule's shape, not Aave v3's every detail (its 50% close
//!   factor threshold, dust rules and protocol fee are in `cascade-risk`).
//!
//! The oracle is the path price itself. crvUSD's oracle is an exponential moving average of pool
//! prices, which spreads a jump over minutes; a path that jumps makes LLAMMA's cube-law prices
//! jump too, and a sharp rebound then buys the collateral back far above the market (the
//! de-liquidation loss). Feed a smoothed path to model the real oracle.
//!
//! Sell pressure is collateral that leaves the borrower's position for the market in a step:
//! what arbitrageurs buy from the AMM (and sell on the market), or what a liquidator seizes.
//! LLAMMA also has buy pressure when the price recovers and arbitrageurs sell collateral back
//! into the bands.
//!
//! The borrower's loss is the value transferred to arbitrageurs and liquidators, each transfer
//! valued at the path price of its step, in borrowed-coin token units: for an arbitrage trade
//! the arbitrageur's gain (what it receives minus what it pays; fees paid into the bands count
//! for the borrower); for a hard liquidation the equity the liquidator takes (collateral value
//! plus borrowed coin in the bands minus debt), or, when that is negative, nothing, the deficit
//! being bad debt; for an Aave-style liquidation the value of the seized collateral minus the
//! debt repaid.

use crate::amm::{LlammaParams, OracleReading};
use crate::controller::{Controller, ControllerParams, HardLiquidation};
use crate::error::LlammaError;
use crate::event::Coin;
use crate::math::{WAD, ck};
use cascade_types::{AccountId, AgentId, SimDuration, SimTime};

/// The borrower in the comparison.
pub const BORROWER: AccountId = AccountId(0);
/// The arbitrageur that keeps the AMM at the path price.
pub const ARBITRAGEUR: AgentId = AgentId(0);
/// The liquidator.
pub const LIQUIDATOR: AgentId = AgentId(1);

const MAX_AAVE_ROUNDS: usize = 64;

/// Aave-style liquidation parameters, WAD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AaveStyle {
    /// Liquidation threshold `LT` (e.g. 0.83e18).
    pub liquidation_threshold: u128,
    /// Liquidation bonus as a multiplier (e.g. 1.05e18).
    pub liquidation_bonus: u128,
    /// Share of the debt one liquidation may repay, in `(0, 1]` (e.g. 0.5e18).
    pub close_factor: u128,
}

/// The loan, the two designs and the time between path points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComparisonSetup {
    /// The LLAMMA (its base price sets the band grid).
    pub llamma: LlammaParams,
    /// The Controller's discounts.
    pub controller: ControllerParams,
    /// Bands of the LLAMMA loan.
    pub n_bands: usize,
    /// The Aave-style rule.
    pub aave: AaveStyle,
    /// Collateral, token units.
    pub collateral: u128,
    /// Debt, token units.
    pub debt: u128,
    /// Time between two points of the path.
    pub step: SimDuration,
}

/// What happened at one point of the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepOutcome {
    /// The path price, WAD.
    pub price: u128,
    /// LLAMMA: collateral bought from the AMM by the arbitrageur plus collateral taken by a hard
    /// liquidation, token units.
    pub llamma_sold: u128,
    /// LLAMMA: collateral sold back into the AMM by the arbitrageur, token units.
    pub llamma_bought: u128,
    /// LLAMMA: the hard liquidation of this step, if any.
    pub llamma_hard_liquidation: Option<HardLiquidation>,
    /// LLAMMA: full health after the step, WAD (`None` once the loan is closed).
    pub llamma_health: Option<i128>,
    /// LLAMMA: borrower's loss so far.
    pub llamma_loss: i128,
    /// Aave-style: collateral seized this step, token units.
    pub aave_sold: u128,
    /// Aave-style: debt repaid this step, token units.
    pub aave_repaid: u128,
    /// Aave-style: health factor after the step, WAD (`None` without debt).
    pub aave_health_factor: Option<u128>,
    /// Aave-style: borrower's loss so far.
    pub aave_loss: i128,
}

impl StepOutcome {
    /// LLAMMA's net sell pressure: sold minus bought back.
    pub fn llamma_net_sell(&self) -> i128 {
        let sold = i128::try_from(self.llamma_sold).unwrap_or(i128::MAX);
        let bought = i128::try_from(self.llamma_bought).unwrap_or(i128::MAX);
        sold.saturating_sub(bought)
    }
}

/// The whole comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// One entry per path point.
    pub steps: Vec<StepOutcome>,
    /// LLAMMA: borrower's total loss.
    pub llamma_loss: i128,
    /// LLAMMA: debt no collateral covered at a hard liquidation.
    pub llamma_bad_debt: u128,
    /// LLAMMA: borrower's equity at the last price (bands' value minus debt; zero after a hard
    /// liquidation).
    pub llamma_final_equity: i128,
    /// Aave-style: borrower's total loss.
    pub aave_loss: i128,
    /// Aave-style: debt left when the collateral ran out.
    pub aave_bad_debt: u128,
    /// Aave-style: borrower's equity at the last price.
    pub aave_final_equity: i128,
}

fn signed(v: u128) -> Result<i128, LlammaError> {
    i128::try_from(v).map_err(|_| LlammaError::Arithmetic("signed amount"))
}

/// Value of `y` collateral at `price` in borrowed token units.
fn value(y: u128, price: u128, llamma: &LlammaParams) -> Result<u128, LlammaError> {
    (ck(y) * llamma.collateral_precision * price / WAD / llamma.borrowed_precision)
        .u128("collateral value")
}

/// Runs both designs along `path` (WAD prices; the first opens the loans).
pub fn compare(setup: &ComparisonSetup, path: &[u128]) -> Result<Comparison, LlammaError> {
    let Some(&p0) = path.first() else {
        return Err(LlammaError::InvalidParameter("the price path is empty"));
    };
    let aave = setup.aave;
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
    let prm = setup.llamma;
    let mut ctl = Controller::new(prm, setup.controller, OracleReading::new(p0, SimTime::ZERO))?;
    ctl.create_loan(
        BORROWER,
        setup.collateral,
        setup.debt,
        setup.n_bands,
        OracleReading::new(p0, SimTime::ZERO),
    )?;
    let (mut a_coll, mut a_debt) = (setup.collateral, setup.debt);
    let mut out = Comparison {
        steps: Vec::with_capacity(path.len()),
        llamma_loss: 0,
        llamma_bad_debt: 0,
        llamma_final_equity: 0,
        aave_loss: 0,
        aave_bad_debt: 0,
        aave_final_equity: 0,
    };
    let mut open = true;
    for (k, &price) in path.iter().enumerate() {
        let time = SimTime(setup.step.as_nanos().saturating_mul(k as u64));
        let at = OracleReading::new(price, time);
        let mut step = StepOutcome {
            price,
            llamma_sold: 0,
            llamma_bought: 0,
            llamma_hard_liquidation: None,
            llamma_health: None,
            llamma_loss: 0,
            aave_sold: 0,
            aave_repaid: 0,
            aave_health_factor: None,
            aave_loss: 0,
        };
        // LLAMMA: arbitrage to the path price, then the backstop.
        if let Some(trade) = ctl.arbitrage(ARBITRAGEUR, at)? {
            let (paid, got) = (trade.in_amount, trade.out_amount);
            let gain = match trade.sold {
                Coin::Borrowed => {
                    step.llamma_sold = got;
                    signed(value(got, price, &prm)?)? - signed(paid)?
                }
                Coin::Collateral => {
                    step.llamma_bought = paid;
                    signed(got)? - signed(value(paid, price, &prm)?)?
                }
            };
            out.llamma_loss += gain;
        }
        if open {
            let health = ctl.health(BORROWER, true, at)?;
            if health < 0 {
                let liq = ctl.liquidate(LIQUIDATOR, BORROWER, 0, at)?;
                let equity = signed(liq.stablecoin_from_bands)?
                    + signed(value(liq.collateral_to_liquidator, price, &prm)?)?
                    - signed(liq.debt_repaid)?;
                if equity >= 0 {
                    out.llamma_loss += equity;
                } else {
                    out.llamma_bad_debt += equity.unsigned_abs();
                }
                step.llamma_sold += liq.collateral_to_liquidator;
                step.llamma_hard_liquidation = Some(liq);
                open = false;
            } else {
                step.llamma_health = Some(health);
            }
        }
        // Aave-style: liquidate until healthy or out of collateral.
        for _ in 0..MAX_AAVE_ROUNDS {
            if a_debt == 0 {
                break;
            }
            let coll_value = value(a_coll, price, &prm)?;
            let hf =
                (ck(coll_value) * aave.liquidation_threshold / a_debt).u128("health factor")?;
            if hf >= WAD {
                break;
            }
            if a_coll == 0 {
                out.aave_bad_debt += a_debt;
                a_debt = 0;
                break;
            }
            let mut repay = (ck(a_debt) * aave.close_factor / WAD).u128("repay")?;
            if repay == 0 {
                repay = a_debt;
            }
            let seized_value = (ck(repay) * aave.liquidation_bonus / WAD).u128("seized")?;
            let mut seized = (ck(seized_value) * prm.borrowed_precision * WAD
                / (ck(price) * prm.collateral_precision))
                .u128("seized")?;
            if seized > a_coll {
                seized = a_coll;
                repay = (ck(coll_value) * WAD / aave.liquidation_bonus).u128("repay")?;
            }
            a_coll -= seized;
            a_debt -= repay;
            step.aave_sold += seized;
            step.aave_repaid += repay;
            out.aave_loss += signed(value(seized, price, &prm)?)? - signed(repay)?;
            if a_coll == 0 && a_debt > 0 {
                out.aave_bad_debt += a_debt;
                a_debt = 0;
            }
        }
        if a_debt > 0 {
            let coll_value = value(a_coll, price, &prm)?;
            step.aave_health_factor =
                Some((ck(coll_value) * aave.liquidation_threshold / a_debt).u128("health factor")?);
        }
        step.llamma_loss = out.llamma_loss;
        step.aave_loss = out.aave_loss;
        out.steps.push(step);
    }
    let last = *path.last().unwrap_or(&p0);
    let end = SimTime(
        setup
            .step
            .as_nanos()
            .saturating_mul(path.len().saturating_sub(1) as u64),
    );
    if open {
        let (x, y) = ctl.amm().get_sum_xy(BORROWER)?;
        out.llamma_final_equity =
            signed(x)? + signed(value(y, last, &prm)?)? - signed(ctl.debt(BORROWER, end)?)?;
    }
    out.aave_final_equity = signed(value(a_coll, last, &prm)?)? - signed(a_debt)?;
    Ok(out)
}
