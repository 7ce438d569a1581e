//! One interface over every pool type, so a router can quote and compare venues.
//!
//! [`Pool`] is a closed enum of the pool models; each call dispatches to the model's own
//! arithmetic. Tokens are named by index in the pool's list (`0`, `1` for the two-token pools,
//! `0..n` for StableSwap), so a router holds a [`Leg`] per venue. A trade whose output would be
//! zero is refused on every venue ([`AmmError::InsufficientOutputAmount`]), so routing never pays
//! for nothing; the models' own APIs keep each protocol's exact behaviour.

use crate::common::{Fill, Leg, SpotPrice};
use crate::error::AmmError;
use crate::stableswap::StableSwapPool;
use crate::v2::V2Pool;
use crate::v3::V3Pool;

/// A pool of any supported model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pool {
    /// Uniswap v2 constant product.
    V2(V2Pool),
    /// Uniswap v3 concentrated liquidity.
    V3(V3Pool),
    /// Curve StableSwap.
    StableSwap(StableSwapPool),
}

impl From<V2Pool> for Pool {
    fn from(p: V2Pool) -> Pool {
        Pool::V2(p)
    }
}

impl From<V3Pool> for Pool {
    fn from(p: V3Pool) -> Pool {
        Pool::V3(p)
    }
}

impl From<StableSwapPool> for Pool {
    fn from(p: StableSwapPool) -> Pool {
        Pool::StableSwap(p)
    }
}

fn two_token(leg: Leg) -> Result<crate::common::Direction, AmmError> {
    leg.direction().ok_or(AmmError::InvalidTokens {
        token_in: leg.token_in,
        token_out: leg.token_out,
    })
}

fn nonzero(fill: Fill) -> Result<Fill, AmmError> {
    if fill.amount_out == 0 {
        Err(AmmError::InsufficientOutputAmount)
    } else {
        Ok(fill)
    }
}

impl Pool {
    /// How many tokens the pool holds.
    pub fn token_count(&self) -> usize {
        match self {
            Pool::V2(_) | Pool::V3(_) => 2,
            Pool::StableSwap(p) => p.balances().len(),
        }
    }

    /// The pool's holding of `token` (reserves, fees included; 0 for a token it does not hold).
    pub fn balance(&self, token: usize) -> u128 {
        match self {
            Pool::V2(p) => match token {
                0 => p.reserves().0,
                1 => p.reserves().1,
                _ => 0,
            },
            Pool::V3(p) => p.balances().get(token).copied().unwrap_or(0),
            Pool::StableSwap(p) => p.balances().get(token).copied().unwrap_or(0),
        }
    }

    /// What selling `amount_in` of `leg.token_in` would pay out, without trading. A v3 pool takes
    /// less than offered if its liquidity runs out; [`Fill::amount_in`] says how much.
    pub fn quote_exact_in(&self, leg: Leg, amount_in: u128) -> Result<Fill, AmmError> {
        let fill = match self {
            Pool::V2(p) => Fill {
                amount_in,
                amount_out: p.quote_exact_in(two_token(leg)?, amount_in)?,
            },
            Pool::V3(p) => {
                let s = p.quote_exact_in(two_token(leg)?, amount_in, None)?;
                Fill {
                    amount_in: s.amount_in,
                    amount_out: s.amount_out,
                }
            }
            Pool::StableSwap(p) => Fill {
                amount_in,
                amount_out: p.get_dy(leg.token_in, leg.token_out, amount_in)?,
            },
        };
        nonzero(fill)
    }

    /// Sells `amount_in` of `leg.token_in` (see [`Pool::quote_exact_in`]); on error the pool is
    /// unchanged.
    pub fn swap_exact_in(&mut self, leg: Leg, amount_in: u128) -> Result<Fill, AmmError> {
        // Quote first so that a zero-output trade is refused before any state changes.
        self.quote_exact_in(leg, amount_in)?;
        match self {
            Pool::V2(p) => p.swap_exact_in(two_token(leg)?, amount_in),
            Pool::V3(p) => {
                let s = p.swap_exact_in(two_token(leg)?, amount_in, None)?;
                Ok(Fill {
                    amount_in: s.amount_in,
                    amount_out: s.amount_out,
                })
            }
            Pool::StableSwap(p) => Ok(Fill {
                amount_in,
                amount_out: p.exchange(leg.token_in, leg.token_out, amount_in)?,
            }),
        }
    }

    /// The marginal price before fee: atoms of `leg.token_out` per atom of `leg.token_in`.
    pub fn spot_price(&self, leg: Leg) -> Result<SpotPrice, AmmError> {
        match self {
            Pool::V2(p) => Ok(p.spot_price(two_token(leg)?)),
            Pool::V3(p) => Ok(p.spot_price(two_token(leg)?)),
            Pool::StableSwap(p) => p.spot_price(leg.token_in, leg.token_out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::Direction;
    use crate::v2::DEFAULT_FEE;
    use cascade_types::AgentId;

    #[test]
    fn the_enum_dispatches_to_each_model() {
        let v2 = V2Pool::new(1000, 1000, DEFAULT_FEE).unwrap();
        let mut pool = Pool::from(v2.clone());
        // Same numbers as the model: 10 in pays 9 (v2 tests).
        assert_eq!(
            pool.quote_exact_in(Leg::ZERO_FOR_ONE, 10),
            Ok(Fill {
                amount_in: 10,
                amount_out: 9
            })
        );
        assert_eq!(pool.token_count(), 2);
        let bad = Leg {
            token_in: 0,
            token_out: 2,
        };
        assert!(matches!(
            pool.quote_exact_in(bad, 10),
            Err(AmmError::InvalidTokens { .. })
        ));
        assert_eq!(
            pool.swap_exact_in(Leg::ONE_FOR_ZERO, 10)
                .unwrap()
                .amount_out,
            9
        );
        assert_eq!(pool, Pool::V2(V2Pool::new(991, 1010, DEFAULT_FEE).unwrap()));

        let ss = StableSwapPool::new(vec![10u128.pow(24); 3], 200, 4_000_000).unwrap();
        let mut pool = Pool::from(ss);
        let leg = Leg {
            token_in: 2,
            token_out: 0,
        };
        assert_eq!(pool.token_count(), 3);
        let q = pool.quote_exact_in(leg, 10u128.pow(18)).unwrap();
        assert_eq!(pool.swap_exact_in(leg, 10u128.pow(18)), Ok(q));
        assert!((pool.spot_price(leg).unwrap().to_f64() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn zero_outputs_are_refused_and_change_nothing() {
        // A v3 pool: 1 atom in at 0.3% fee pays nothing (the fee rounds up to the whole atom).
        let mut v3 = V3Pool::at_tick(3000, 60, 0).unwrap();
        v3.mint(AgentId(0), -600, 600, 10u128.pow(18)).unwrap();
        let mut pool = Pool::from(v3);
        let before = pool.clone();
        assert_eq!(
            pool.swap_exact_in(Leg::ZERO_FOR_ONE, 1),
            Err(AmmError::InsufficientOutputAmount)
        );
        assert_eq!(pool, before);
        // Spot price at tick 0 is 1 both ways.
        assert_eq!(pool.spot_price(Leg::ZERO_FOR_ONE).unwrap().to_f64(), 1.0);
        if let Pool::V3(p) = &pool {
            assert_eq!(p.spot_price(Direction::OneForZero).to_f64(), 1.0);
        }
    }
}
