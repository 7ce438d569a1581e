//! Liquity v1's primary/secondary oracle fallback.
//!
//! Source: liquity/dev `packages/contracts/contracts/PriceFeed.sol` (`fetchPrice` and its
//! helpers; mechanisms.md §6). Chainlink is the primary and Tellor the secondary; here they are
//! any two [`Reading`]s the caller supplies. The state machine has Liquity's five statuses and
//! its transitions case by case:
//!
//! - the primary is **broken** if its current or previous round is missing, timestamped in the
//!   future, or not positive (Liquity also rejects round id 0 and timestamp 0, which do not
//!   exist here); the secondary is broken if missing, in the future or not positive;
//! - a source is **frozen** if `now - updated_at > timeout` (Liquity: 4 h);
//! - the primary **jumped** if `(max - min) / max > max_jump` between its current and previous
//!   rounds, the larger price as denominator (Liquity: 50%);
//! - the two are **similar** if `(max - min) / min <= max_divergence`, the smaller as
//!   denominator (Liquity: 5%).
//!
//! The comparisons are exact in integers (`(max - min) * 10 000` against `bps * denominator`),
//! where Liquity truncates an 18-decimal quotient first; they differ only within 10^-18 of a
//! threshold. Every status change is recorded with its time.

use crate::error::{ParamError, positive_duration};
use crate::faults::Reading;
use cascade_types::{Bps, SimDuration, SimTime, Ticks};

/// The fallback's thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FallbackRule {
    /// A source whose reading is older than this is frozen.
    pub timeout: SimDuration,
    /// A larger move of the primary between consecutive rounds is suspicious.
    pub max_jump: Bps,
    /// The sources agree if they differ by at most this much.
    pub max_divergence: Bps,
}

impl FallbackRule {
    /// Liquity v1's constants: 4 h timeout, 50% jump, 5% divergence.
    pub const LIQUITY: FallbackRule = FallbackRule {
        timeout: SimDuration::from_secs(4 * 3600),
        max_jump: Bps(5_000),
        max_divergence: Bps(500),
    };

    /// Checks the thresholds.
    pub fn check(&self) -> Result<(), ParamError> {
        positive_duration("timeout", self.timeout)?;
        if self.max_jump.0 == 0 {
            return Err(ParamError::new("max_jump", "must be more than zero"));
        }
        Ok(())
    }
}

/// The primary's answer: its latest round and the round before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrimaryResponse {
    /// The latest round (`None`: the call failed).
    pub current: Option<Reading>,
    /// The previous round (`None`: the call failed or there is none).
    pub previous: Option<Reading>,
}

/// Liquity's `Status`: which source the last fetch trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FallbackStatus {
    /// `chainlinkWorking`.
    PrimaryWorking,
    /// `usingTellorChainlinkUntrusted`.
    SecondaryPrimaryUntrusted,
    /// `bothOraclesUntrusted`.
    BothUntrusted,
    /// `usingTellorChainlinkFrozen`.
    SecondaryPrimaryFrozen,
    /// `usingChainlinkTellorUntrusted`.
    PrimarySecondaryUntrusted,
}

impl FallbackStatus {
    /// As written in traces.
    pub const fn as_str(self) -> &'static str {
        match self {
            FallbackStatus::PrimaryWorking => "primary_working",
            FallbackStatus::SecondaryPrimaryUntrusted => "secondary_primary_untrusted",
            FallbackStatus::BothUntrusted => "both_untrusted",
            FallbackStatus::SecondaryPrimaryFrozen => "secondary_primary_frozen",
            FallbackStatus::PrimarySecondaryUntrusted => "primary_secondary_untrusted",
        }
    }
}

/// Where a fetched price came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceOrigin {
    /// The primary's current round.
    Primary,
    /// The secondary's reading.
    Secondary,
    /// The last good price (`None` in [`Fetched::price`] if there never was one).
    LastGood,
}

/// The result of one fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The price the protocol uses.
    pub price: Option<Ticks>,
    /// Where it came from.
    pub origin: PriceOrigin,
}

/// A recorded status change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusSwitch {
    /// When it happened.
    pub at: SimTime,
    /// The status before.
    pub from: FallbackStatus,
    /// The status after.
    pub to: FallbackStatus,
}

/// Liquity's `PriceFeed`: a primary, a secondary, a status and the last good price.
#[derive(Clone, Debug)]
pub struct FallbackFeed {
    rule: FallbackRule,
    status: FallbackStatus,
    last_good: Option<Ticks>,
    switches: Vec<StatusSwitch>,
}

/// What one fetch sees, evaluated once.
struct View {
    p_broken: bool,
    p_frozen: bool,
    jump: bool,
    s_broken: bool,
    s_frozen: bool,
    similar: bool,
    primary: Ticks,
    secondary: Ticks,
}

impl View {
    fn both_live_and_similar(&self) -> bool {
        !self.p_broken && !self.p_frozen && !self.s_broken && !self.s_frozen && self.similar
    }
}

fn bad(now: SimTime, r: Option<Reading>) -> bool {
    r.is_none_or(|r| r.updated_at > now || r.price.0 <= 0)
}

/// `(max - min) * 10 000 > bps * max`, i.e. a relative move above `bps` of the larger price.
fn moved_above(a: Ticks, b: Ticks, bps: Bps) -> bool {
    let (lo, hi) = (a.0.min(b.0) as i128, a.0.max(b.0) as i128);
    (hi - lo) * Bps::DENOMINATOR as i128 > i128::from(bps.0) * hi
}

/// `(max - min) * 10 000 <= bps * min`, i.e. within `bps` of the smaller price.
fn within(a: Ticks, b: Ticks, bps: Bps) -> bool {
    let (lo, hi) = (a.0.min(b.0) as i128, a.0.max(b.0) as i128);
    (hi - lo) * Bps::DENOMINATOR as i128 <= i128::from(bps.0) * lo
}

impl FallbackFeed {
    /// A feed in status `PrimaryWorking` with no last good price.
    pub fn new(rule: FallbackRule) -> Result<Self, ParamError> {
        rule.check()?;
        Ok(FallbackFeed {
            rule,
            status: FallbackStatus::PrimaryWorking,
            last_good: None,
            switches: Vec::new(),
        })
    }

    /// The current status.
    pub fn status(&self) -> FallbackStatus {
        self.status
    }

    /// The last good price (`lastGoodPrice`).
    pub fn last_good_price(&self) -> Option<Ticks> {
        self.last_good
    }

    /// Every status change so far, in order.
    pub fn switches(&self) -> &[StatusSwitch] {
        &self.switches
    }

    fn view(&self, now: SimTime, primary: PrimaryResponse, secondary: Option<Reading>) -> View {
        let frozen = |r: Reading| now.saturating_since(r.updated_at) > self.rule.timeout;
        let p_broken = bad(now, primary.current) || bad(now, primary.previous);
        let s_broken = bad(now, secondary);
        let cur = primary.current.filter(|_| !p_broken);
        let prev = primary.previous.filter(|_| !p_broken);
        let sec = secondary.filter(|_| !s_broken);
        let p = cur.map_or(Ticks(0), |r| r.price);
        let s = sec.map_or(Ticks(0), |r| r.price);
        View {
            p_broken,
            p_frozen: cur.is_some_and(frozen),
            jump: prev.is_some_and(|q| moved_above(p, q.price, self.rule.max_jump)),
            s_broken,
            s_frozen: sec.is_some_and(frozen),
            similar: !p_broken && !s_broken && within(p, s, self.rule.max_divergence),
            primary: p,
            secondary: s,
        }
    }

    fn switch(&mut self, now: SimTime, to: FallbackStatus) {
        if self.status != to {
            self.switches.push(StatusSwitch {
                at: now,
                from: self.status,
                to,
            });
            self.status = to;
        }
    }

    fn store(&mut self, price: Ticks, origin: PriceOrigin) -> Fetched {
        self.last_good = Some(price);
        Fetched {
            price: Some(price),
            origin,
        }
    }

    fn last_good(&self) -> Fetched {
        Fetched {
            price: self.last_good,
            origin: PriceOrigin::LastGood,
        }
    }

    /// Liquity's `fetchPrice` at `now` with the two sources' answers.
    pub fn fetch(
        &mut self,
        now: SimTime,
        primary: PrimaryResponse,
        secondary: Option<Reading>,
    ) -> Fetched {
        use FallbackStatus::*;
        let v = self.view(now, primary, secondary);
        let use_primary = |f: &mut Self| f.store(v.primary, PriceOrigin::Primary);
        let use_secondary = |f: &mut Self| f.store(v.secondary, PriceOrigin::Secondary);
        match self.status {
            PrimaryWorking => {
                if v.p_broken {
                    if v.s_broken {
                        self.switch(now, BothUntrusted);
                        return self.last_good();
                    }
                    self.switch(now, SecondaryPrimaryUntrusted);
                    if v.s_frozen {
                        return self.last_good();
                    }
                    return use_secondary(self);
                }
                if v.p_frozen {
                    if v.s_broken {
                        self.switch(now, PrimarySecondaryUntrusted);
                        return self.last_good();
                    }
                    self.switch(now, SecondaryPrimaryFrozen);
                    if v.s_frozen {
                        return self.last_good();
                    }
                    return use_secondary(self);
                }
                if v.jump {
                    if v.s_broken {
                        self.switch(now, BothUntrusted);
                        return self.last_good();
                    }
                    if v.s_frozen {
                        self.switch(now, SecondaryPrimaryUntrusted);
                        return self.last_good();
                    }
                    if v.similar {
                        return use_primary(self);
                    }
                    self.switch(now, SecondaryPrimaryUntrusted);
                    return use_secondary(self);
                }
                if v.s_broken {
                    self.switch(now, PrimarySecondaryUntrusted);
                }
                use_primary(self)
            }
            SecondaryPrimaryUntrusted => {
                if v.both_live_and_similar() {
                    self.switch(now, PrimaryWorking);
                    return use_primary(self);
                }
                if v.s_broken {
                    self.switch(now, BothUntrusted);
                    return self.last_good();
                }
                if v.s_frozen {
                    return self.last_good();
                }
                use_secondary(self)
            }
            BothUntrusted => {
                if v.both_live_and_similar() {
                    self.switch(now, PrimaryWorking);
                    return use_primary(self);
                }
                self.last_good()
            }
            SecondaryPrimaryFrozen => {
                if v.p_broken {
                    if v.s_broken {
                        self.switch(now, BothUntrusted);
                        return self.last_good();
                    }
                    self.switch(now, SecondaryPrimaryUntrusted);
                    if v.s_frozen {
                        return self.last_good();
                    }
                    return use_secondary(self);
                }
                if v.p_frozen {
                    if v.s_broken {
                        self.switch(now, PrimarySecondaryUntrusted);
                        return self.last_good();
                    }
                    if v.s_frozen {
                        return self.last_good();
                    }
                    return use_secondary(self);
                }
                if v.s_broken {
                    self.switch(now, PrimarySecondaryUntrusted);
                    return use_primary(self);
                }
                if v.s_frozen {
                    return self.last_good();
                }
                if v.similar {
                    self.switch(now, PrimaryWorking);
                    return use_primary(self);
                }
                self.switch(now, SecondaryPrimaryUntrusted);
                use_secondary(self)
            }
            PrimarySecondaryUntrusted => {
                if v.p_broken {
                    self.switch(now, BothUntrusted);
                    return self.last_good();
                }
                if v.p_frozen {
                    return self.last_good();
                }
                if v.both_live_and_similar() {
                    self.switch(now, PrimaryWorking);
                    return use_primary(self);
                }
                if v.jump {
                    self.switch(now, BothUntrusted);
                    return self.last_good();
                }
                use_primary(self)
            }
        }
    }
}

#[cfg(test)]
#[path = "fallback_tests.rs"]
mod tests;
