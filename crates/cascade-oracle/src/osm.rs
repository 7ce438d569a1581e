//! MakerDAO's Oracle Security Module: a price delayed by one `hop`.
//!
//! Source: makerdao/osm `src/osm.sol` (the dss-era contract; mechanisms.md §3 and §6):
//!
//! - `poke()` requires `pass()`, i.e. `now >= zzz + hop`; it reads the source (the Medianizer);
//!   if the read is valid it sets `cur <- nxt`, `nxt <- source value` and `zzz <- prev(now)`,
//!   where `prev(ts) = ts - ts % hop` aligns to the hop grid; an invalid read changes nothing.
//! - `peek()` returns `cur` (what the protocol acts on: a value read one poke earlier) and
//!   `peep()` returns `nxt` (what `cur` becomes at the next poke; keepers watch it).
//! - `stop()` makes `poke` revert; `start()` undoes it; `void()` empties both values and stops.
//!
//! With a keeper that pokes as soon as allowed, pokes fall on the hop grid and `peek` at any
//! time in `[k hop, (k + 1) hop)` is the source value at `(k - 1) hop`: one hop old at the poke,
//! up to two hops old just before the next one. A late poke still aligns `zzz` to the grid, so
//! the following poke may come less than a hop later.
//!
//! The hop grid is measured from simulated time zero. A fresh [`Osm`] has never been poked, like
//! a contract whose `zzz` is 0, and can be poked at once; [`Osm::warm`] starts one that has been
//! running, with `cur = nxt = price` (as the original DappHub constructor did).

use crate::error::{ParamError, positive_duration};
use cascade_types::{SimDuration, SimTime, Ticks};

/// What a permitted poke did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PokeOutcome {
    /// The values moved: `cur` (the new readable value; `None` if `nxt` was empty) and `nxt`.
    Poked {
        /// The value `peek` now returns.
        cur: Option<Ticks>,
        /// The value `peep` now returns.
        nxt: Ticks,
    },
    /// The source had no valid value; nothing changed (the contract does not revert).
    SourceInvalid,
}

/// Why a poke was refused (the contract reverts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PokeRefused {
    /// The OSM is stopped (`OSM/is-stopped`).
    #[error("the OSM is stopped")]
    Stopped,
    /// A hop has not passed since the last poke's grid time (`OSM/not-passed`).
    #[error("a hop has not passed; next poke allowed at {next_at}")]
    NotPassed {
        /// The earliest time `pass()` holds.
        next_at: SimTime,
    },
}

/// An Oracle Security Module.
#[derive(Clone, Debug)]
pub struct Osm {
    hop: SimDuration,
    /// The hop-aligned time of the last successful poke (`None`: never poked).
    zzz: Option<SimTime>,
    cur: Option<Ticks>,
    nxt: Option<Ticks>,
    stopped: bool,
}

impl Osm {
    /// An OSM with this hop (3600 s on mainnet) that has never been poked.
    pub fn new(hop: SimDuration) -> Result<Self, ParamError> {
        positive_duration("hop", hop)?;
        Ok(Osm {
            hop,
            zzz: None,
            cur: None,
            nxt: None,
            stopped: false,
        })
    }

    /// An OSM already running at `now` with `cur = nxt = price` and `zzz = prev(now)`.
    pub fn warm(hop: SimDuration, now: SimTime, price: Ticks) -> Result<Self, ParamError> {
        let mut osm = Self::new(hop)?;
        osm.cur = Some(price);
        osm.nxt = Some(price);
        osm.zzz = Some(osm.prev(now));
        Ok(osm)
    }

    /// The hop.
    pub fn hop(&self) -> SimDuration {
        self.hop
    }

    /// `ts` rounded down to the hop grid.
    fn prev(&self, ts: SimTime) -> SimTime {
        SimTime(ts.0 - ts.0 % self.hop.0)
    }

    /// The hop-aligned time of the last poke (`zzz`), if any.
    pub fn zzz(&self) -> Option<SimTime> {
        self.zzz
    }

    /// The earliest time a poke is allowed (`zzz + hop`; time zero if never poked).
    pub fn next_poke_at(&self) -> SimTime {
        self.zzz.map_or(SimTime::ZERO, |z| z + self.hop)
    }

    /// Whether a hop has passed (`pass()`).
    pub fn pass(&self, now: SimTime) -> bool {
        now >= self.next_poke_at()
    }

    /// Pokes at `now` with the source's current value (`None`: the source's read is invalid).
    pub fn poke(
        &mut self,
        now: SimTime,
        source: Option<Ticks>,
    ) -> Result<PokeOutcome, PokeRefused> {
        if self.stopped {
            return Err(PokeRefused::Stopped);
        }
        if !self.pass(now) {
            return Err(PokeRefused::NotPassed {
                next_at: self.next_poke_at(),
            });
        }
        let Some(value) = source else {
            return Ok(PokeOutcome::SourceInvalid);
        };
        self.cur = self.nxt;
        self.nxt = Some(value);
        self.zzz = Some(self.prev(now));
        Ok(PokeOutcome::Poked {
            cur: self.cur,
            nxt: value,
        })
    }

    /// The current value (`peek`): what the protocol reads.
    pub fn peek(&self) -> Option<Ticks> {
        self.cur
    }

    /// The next value (`peep`): what `peek` returns after the next poke.
    pub fn peep(&self) -> Option<Ticks> {
        self.nxt
    }

    /// Stops the OSM: pokes are refused until [`Osm::start`].
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Restarts a stopped OSM.
    pub fn start(&mut self) {
        self.stopped = false;
    }

    /// Empties both values and stops the OSM (governance's emergency `void`).
    pub fn void(&mut self) {
        self.cur = None;
        self.nxt = None;
        self.stopped = true;
    }

    /// Whether the OSM is stopped.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOP: SimDuration = SimDuration::from_secs(3600);

    fn min(m: u64) -> SimTime {
        SimTime(m * 60_000_000_000)
    }

    /// The source moves every minute: 1000 + m at minute m. A keeper tries to poke every
    /// minute for five hours, starting cold at 0. Pokes succeed at minutes 0, 60, 120, 180, 240
    /// and 300 (each aligns zzz to the hour). From minute 60 on, peek at minute m equals the
    /// source one hop before the last poke: 1000 + 60 * (floor(m / 60) - 1); peep equals the
    /// source at the last poke, 1000 + 60 * floor(m / 60). Before minute 60, peek is empty.
    #[test]
    fn peek_is_the_price_one_hop_earlier() {
        let source = |m: u64| Ticks(1000 + m as i64);
        let mut osm = Osm::new(HOP).unwrap();
        let mut pokes = Vec::new();
        for m in 0..=300 {
            if let Ok(PokeOutcome::Poked { .. }) = osm.poke(min(m), Some(source(m))) {
                pokes.push(m);
            }
            let last_poke = 60 * (m / 60);
            assert_eq!(osm.peep(), Some(source(last_poke)), "minute {m}");
            if m < 60 {
                assert_eq!(osm.peek(), None, "minute {m}");
            } else {
                assert_eq!(osm.peek(), Some(source(last_poke - 60)), "minute {m}");
            }
        }
        assert_eq!(pokes, [0, 60, 120, 180, 240, 300]);
        // At minute 300 the protocol reads 1240: the price at minute 240, exactly one hop old.
        assert_eq!(osm.peek(), Some(Ticks(1240)));
    }

    /// A warm OSM at 0 with 1000. A poke at 30 min is refused until 60 min. A late poke at
    /// 90 min (source 1100) sets cur 1000, nxt 1100 and zzz = 60 min, so the next poke is
    /// allowed at 120 min, not 150: there (source 1200) cur becomes 1100, a value only 30 min
    /// old. An invalid source read changes nothing and leaves the poke allowed.
    #[test]
    fn late_pokes_stay_on_the_hop_grid() {
        let mut osm = Osm::warm(HOP, min(0), Ticks(1000)).unwrap();
        assert_eq!(
            osm.poke(min(30), Some(Ticks(1050))),
            Err(PokeRefused::NotPassed { next_at: min(60) })
        );
        assert_eq!(
            osm.poke(min(90), Some(Ticks(1100))),
            Ok(PokeOutcome::Poked {
                cur: Some(Ticks(1000)),
                nxt: Ticks(1100)
            })
        );
        assert_eq!(osm.zzz(), Some(min(60)));
        assert_eq!(osm.next_poke_at(), min(120));
        assert_eq!(osm.poke(min(120), None), Ok(PokeOutcome::SourceInvalid));
        assert_eq!(osm.peek(), Some(Ticks(1000)));
        assert!(osm.pass(min(120)));
        assert!(osm.poke(min(120), Some(Ticks(1200))).is_ok());
        assert_eq!(
            (osm.peek(), osm.peep()),
            (Some(Ticks(1100)), Some(Ticks(1200)))
        );
    }

    #[test]
    fn stop_start_and_void() {
        let mut osm = Osm::warm(HOP, min(0), Ticks(1000)).unwrap();
        osm.stop();
        assert_eq!(osm.poke(min(60), Some(Ticks(1))), Err(PokeRefused::Stopped));
        osm.start();
        assert!(osm.poke(min(60), Some(Ticks(1))).is_ok());
        osm.void();
        assert!(osm.is_stopped());
        assert_eq!((osm.peek(), osm.peep()), (None, None));
        assert_eq!(Osm::new(SimDuration::ZERO).unwrap_err().param, "hop");
    }
}
