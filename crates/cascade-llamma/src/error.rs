//! The one error type of the crate.
//!
//! Every refusal a caller can cause is a [`LlammaError`]; nothing in the crate panics on caller
//! input. Where the contracts revert with a message, the variant says which (`"Debt too high"`,
//! `"Not enough rekt"`, ...); where they revert on a checked `uint256` operation, the variant is
//! [`LlammaError::Arithmetic`] with the name of the quantity.

use cascade_types::AccountId;
use thiserror::Error;

/// Why the AMM or the Controller refused a request.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum LlammaError {
    /// A market parameter outside the range the factory or the Controller accepts.
    #[error("invalid parameter: {0}")]
    InvalidParameter(&'static str),
    /// The oracle price is zero (the AMM asserts `p_o != 0`).
    #[error("the oracle price is zero")]
    ZeroOraclePrice,
    /// A checked operation overflowed or divided by zero where the contract would revert.
    #[error("arithmetic overflow or division by zero in {0}")]
    Arithmetic(&'static str),
    /// A band whose edge price cannot be represented (the contract bounds `exp`'s argument and
    /// asserts the multiplier stays above 1000 wei).
    #[error("band {0} is out of the representable range")]
    BandOutOfRange(i64),
    /// A deposit into more than 50 bands, or a loan outside `MIN_TICKS..=MAX_TICKS` bands.
    #[error("{n} bands is out of range {min}..={max}")]
    BandCount {
        /// The number of bands asked for.
        n: u64,
        /// The least allowed.
        min: u64,
        /// The most allowed.
        max: u64,
    },
    /// The lower band of a range is above its upper band.
    #[error("band range [{n1}, {n2}] is empty")]
    EmptyBandRange {
        /// Lower band number.
        n1: i64,
        /// Upper band number.
        n2: i64,
    },
    /// `deposit_range`: less than 100 wei per band, or a share that rounds to zero.
    #[error("amount too low")]
    AmountTooLow,
    /// `deposit_range`: the range reaches a band that holds borrowed tokens (soft liquidation
    /// has already reached it).
    #[error("deposit below current band")]
    DepositBelowCurrentBand,
    /// `deposit_range`: a band of the range holds borrowed tokens.
    #[error("band {0} not empty")]
    BandNotEmpty(i64),
    /// `deposit_range`: the user already has liquidity in the AMM.
    #[error("account {0} already has liquidity in the AMM")]
    UserHasLiquidity(AccountId),
    /// `withdraw` and the user views: the user has no liquidity in the AMM.
    #[error("account {0} has no deposits")]
    NoDeposits(AccountId),
    /// A fraction above 100%.
    #[error("fraction {0} (WAD) exceeds 1")]
    FractionTooLarge(u128),
    /// An exchange or a liquidation would give less than the caller's minimum.
    #[error("slippage: {got} is below the minimum {min}")]
    Slippage {
        /// What the call would give.
        got: u128,
        /// The caller's minimum.
        min: u128,
    },
    /// `create_loan` for an account that already has a loan.
    #[error("account {0} already has a loan")]
    LoanExists(AccountId),
    /// No loan for this account ("Loan doesn't exist").
    #[error("account {0} has no loan")]
    NoLoan(AccountId),
    /// `create_loan` with zero debt ("No loan").
    #[error("the debt is zero")]
    ZeroDebt,
    /// The requested debt needs bands at or above the oracle price, or bands that cannot be
    /// skipped ("Debt too high").
    #[error("debt too high")]
    DebtTooHigh,
    /// A hard liquidation of a healthy loan ("Not enough rekt").
    #[error("health {health} (WAD) is not below zero")]
    NotEnoughRekt {
        /// The loan's health with the liquidation discount, in WAD.
        health: i128,
    },
}
