//! Integer quantities: prices in ticks, sizes in lots, amounts in quote atoms.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A price in ticks of the market's tick size.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Ticks(pub i64);

/// A quantity of the base asset in lots of the market's lot size.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Lots(pub u64);

/// An amount of the quote asset in quote atoms: one atom is one lot at a price of one tick.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Quote(pub u64);

/// A fraction in basis points (10_000 = 100%).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Bps(pub u32);

impl Ticks {
    /// The raw tick count.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl Lots {
    /// No quantity.
    pub const ZERO: Lots = Lots(0);

    /// The raw lot count.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// `true` if no lots.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The exact value of this quantity at `price`; panics on a negative price or overflow, both
    /// broken invariants (prices in books and oracles are positive).
    pub fn value_at(self, price: Ticks) -> Quote {
        let p = u64::try_from(price.0).expect("value at a negative price");
        Quote(
            self.0
                .checked_mul(p)
                .expect("notional overflows u64 quote atoms"),
        )
    }

    /// `self - other`, or `None` if it would be negative.
    pub fn checked_sub(self, other: Lots) -> Option<Lots> {
        self.0.checked_sub(other.0).map(Lots)
    }

    /// `self + other`; panics on overflow (a broken invariant).
    pub fn plus(self, other: Lots) -> Lots {
        Lots(self.0.checked_add(other.0).expect("lots overflow"))
    }

    /// `self - other`; panics if it would be negative (a broken invariant).
    pub fn minus(self, other: Lots) -> Lots {
        Lots(self.0.checked_sub(other.0).expect("lots underflow"))
    }
}

impl Quote {
    /// Nothing.
    pub const ZERO: Quote = Quote(0);

    /// The raw atom count.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// `true` if zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self - other`, or `None` if it would be negative.
    pub fn checked_sub(self, other: Quote) -> Option<Quote> {
        self.0.checked_sub(other.0).map(Quote)
    }

    /// `self + other`; panics on overflow (a broken invariant).
    pub fn plus(self, other: Quote) -> Quote {
        Quote(self.0.checked_add(other.0).expect("quote overflow"))
    }

    /// `self - other`; panics if it would be negative (a broken invariant).
    pub fn minus(self, other: Quote) -> Quote {
        Quote(self.0.checked_sub(other.0).expect("quote underflow"))
    }

    /// `self - other`, or zero.
    pub fn saturating_sub(self, other: Quote) -> Quote {
        Quote(self.0.saturating_sub(other.0))
    }
}

impl Bps {
    /// 100%.
    pub const ONE: Bps = Bps(10_000);
    /// The denominator of a basis-point fraction.
    pub const DENOMINATOR: u128 = 10_000;

    /// The fraction as a float, for output.
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 10_000.0
    }
}

/// How the integer units of one market map to human units.
///
/// Only output and scenario loading use it: the simulation itself never leaves integers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MarketSpec {
    /// Quote currency per tick (e.g. 0.01 USD).
    pub tick_size: f64,
    /// Base asset per lot (e.g. 0.001 ETH).
    pub lot_size: f64,
}

impl MarketSpec {
    /// The price in quote currency per base unit.
    pub fn price(&self, p: Ticks) -> f64 {
        p.0 as f64 * self.tick_size
    }

    /// The quantity in base units.
    pub fn qty(&self, q: Lots) -> f64 {
        q.0 as f64 * self.lot_size
    }

    /// The amount in quote currency.
    pub fn quote(&self, a: Quote) -> f64 {
        self.quote_signed(i128::from(a.0))
    }

    /// A signed amount of quote atoms (a profit, a loss, a change) in quote currency.
    pub fn quote_signed(&self, atoms: i128) -> f64 {
        atoms as f64 * self.tick_size * self.lot_size
    }

    /// The nearest tick to a price in quote currency (at least one tick).
    pub fn ticks_nearest(&self, price: f64) -> Ticks {
        Ticks(((price / self.tick_size).round() as i64).max(1))
    }

    /// Whole lots in a base quantity, rounded down (a quantity that is a whole number of lots
    /// up to float error, like 1.0 ETH in 0.001 lots, gives exactly that number).
    pub fn lots_floor(&self, qty: f64) -> Lots {
        Lots(floor_tolerant(qty / self.lot_size))
    }

    /// Quote atoms in an amount of quote currency, rounded down (as [`MarketSpec::lots_floor`]).
    pub fn quote_floor(&self, amount: f64) -> Quote {
        Quote(floor_tolerant(amount / self.tick_size / self.lot_size))
    }
}

/// Rounds down, except that a value within a relative 1e-9 of an integer is that integer: unit
/// conversions like 1e6 / 1e-5 land a hair below the whole number they mean.
fn floor_tolerant(x: f64) -> u64 {
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    let r = x.round();
    if (x - r).abs() <= 1e-9 * r.max(1.0) {
        r as u64
    } else {
        x.floor() as u64
    }
}

impl fmt::Display for Ticks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for Lots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for Quote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_lots_times_ticks() {
        assert_eq!(Lots(3).value_at(Ticks(200_000)), Quote(600_000));
        let m = MarketSpec {
            tick_size: 0.01,
            lot_size: 0.001,
        };
        // 3 lots = 0.003 ETH at 2000.00 USD = 6 USD
        assert!((m.quote(Quote(600_000)) - 6.0).abs() < 1e-9);
        assert_eq!(m.ticks_nearest(2000.0), Ticks(200_000));
        assert_eq!(m.lots_floor(1.2345), Lots(1234));
        assert_eq!(m.quote_floor(6.0), Quote(600_000));
        assert_eq!(m.quote_floor(1e6), Quote(100_000_000_000));
        assert_eq!(m.lots_floor(0.0005), Lots(0));
        assert_eq!(m.lots_floor(-3.0), Lots(0));
    }

    #[test]
    #[should_panic(expected = "underflow")]
    fn negative_balance_is_a_bug() {
        let _ = Quote(1).minus(Quote(2));
    }
}
