//! Keepers: waking after their latency, liquidating unsafe vaults, bidding in or taking from
//! the running auctions with the DAI they hold, and selling the collateral they win on the
//! venues to get their DAI back.
//!
//! A keeper wakes when a kick starts an auction, when it is outbid, when it wins a lot, and
//! every `poll` while auctions run or unsafe vaults wait; each wake-up lands after a latency
//! drawn from the keeper's own stream (`keeper/i`) at the congestion of the moment, so under
//! congestion a keeper's bids may come after an English auction's `ttl` has run out. At each
//! wake-up it sells the collateral it holds, liquidates every vault unsafe at the market
//! oracle's readable price (earning the Dutch kick incentive), then looks at each running
//! auction in id order (see `cascade_agents::keeper` for the decisions).

use super::World;
use super::vaults::House;
use crate::event::Event;
use crate::trace::TraceSink;
use cascade_agents::{ClipMove, FlipMove, Pass, Purse};
use cascade_auction::{AuctionId, U256};
use cascade_des::EventClass;
use cascade_types::{SimDuration, Ticks};

impl<T: TraceSink> World<T> {
    /// Schedules keeper `k` after `after` plus its latency, unless a wake-up is pending.
    pub(super) fn request_keeper_wake(&mut self, k: usize, after: SimDuration) {
        let congestion = self.cfg.congestion.at(self.now.as_secs_f64());
        let vs = self.vs_mut();
        if vs.keepers[k].wake_pending {
            return;
        }
        vs.keepers[k].wake_pending = true;
        let latency = vs.keepers[k]
            .params
            .latency_ms
            .sample(&mut vs.keeper_rngs[k], congestion);
        self.schedule(
            self.now + after + latency,
            EventClass::Agent,
            Event::KeeperWake(k as u32),
        );
    }

    /// Every keeper looks after its latency.
    pub(super) fn wake_keepers(&mut self) {
        for k in 0..self.vs().keepers.len() {
            self.request_keeper_wake(k, SimDuration::ZERO);
        }
    }

    pub(super) fn on_keeper_wake(&mut self, k: usize) {
        self.vs_mut().keepers[k].wake_pending = false;
        self.keeper_sell(k);
        let price = self.market_price().ok().map(|(p, _)| p);
        if let Some(p) = price {
            let me = self.keeper_agent(k);
            self.bark_unsafe(me, p);
        }
        let ids: Vec<AuctionId> = self.vs().running.keys().copied().collect();
        let english = matches!(self.vs().house, House::Flip { .. });
        for id in ids {
            let pass = if english {
                self.keeper_flip(k, id)
            } else {
                self.keeper_clip(k, id, price)
            };
            if pass == Some(Pass::NoCapital) {
                self.stats.vaults.keeper_no_capital += 1;
            }
        }
        let me = self.keeper_agent(k);
        let holds = !self.wallets[me.index()].base.is_zero();
        let waiting = price.is_some_and(|p| self.any_unsafe(p));
        if holds || waiting || !self.vs().running.is_empty() {
            let poll = self.vs().keepers[k].params.poll;
            self.request_keeper_wake(k, poll);
        }
    }

    /// Sells everything keeper `k` holds through its route.
    fn keeper_sell(&mut self, k: usize) {
        let me = self.keeper_agent(k);
        let held = self.wallets[me.index()].base;
        if held.is_zero() {
            return;
        }
        let route = self.cfg.vaults.as_ref().expect("vaults").keepers[k]
            .route
            .clone();
        let (sold, _) = self.sell_slice(me, &route, held, None);
        let s = &mut self.stats.vaults;
        s.keeper_sales = s.keeper_sales.plus(sold);
    }

    /// What keeper `k` can spend.
    fn purse(&self, k: usize) -> Purse {
        let units = self.vs().units;
        Purse {
            cash: units.rad(self.wallets[self.keeper_agent(k).index()].cash),
            unit: units.rad_per_atom,
        }
    }

    /// What selling `wad` of collateral through keeper `k`'s route would fetch now (rad):
    /// whole lots only.
    fn lot_value(&self, k: usize, wad: U256) -> U256 {
        let units = self.vs().units;
        let route = &self.cfg.vaults.as_ref().expect("vaults").keepers[k].route;
        let (lots, _) = units.lots_floor(wad);
        units.rad(self.route_proceeds(route, lots))
    }

    /// Keeper `k`'s move in English auction `id`; the reason it passed, if it did.
    fn keeper_flip(&mut self, k: usize, id: AuctionId) -> Option<Pass> {
        let me = self.keeper_agent(k);
        let now = self.now;
        let purse = self.purse(k);
        let vs = self.vs();
        let House::Flip { flipper, .. } = &vs.house else {
            unreachable!("an English auction");
        };
        let b = *flipper.auction(id)?;
        let beg = flipper.params().beg;
        let mv = vs.keepers[k].flip_move(me, &b, beg, now, purse, |w| self.lot_value(k, w));
        let mv = match mv {
            Ok(mv) => mv,
            Err(pass) => return Some(pass),
        };
        let House::Flip { flipper, .. } = &mut self.vs_mut().house else {
            unreachable!("an English auction");
        };
        let ev = match mv {
            FlipMove::Tend { bid } => flipper.tend(id, me, b.lot, bid, now),
            FlipMove::Dent { lot } => flipper.dent(id, me, lot, b.bid, now),
        }
        .expect("the keeper's move follows the Flipper's rules");
        self.settle(ev);
        None
    }

    /// Keeper `k`'s move in Dutch auction `id` (a reset needs the oracle's `price`); the reason
    /// it passed, if it did.
    fn keeper_clip(&mut self, k: usize, id: AuctionId, price: Option<Ticks>) -> Option<Pass> {
        let me = self.keeper_agent(k);
        let now = self.now;
        let purse = self.purse(k);
        let vs = self.vs();
        let House::Clip { clipper, .. } = &vs.house else {
            unreachable!("a Dutch auction");
        };
        let st = clipper.status(id, now).ok()?;
        let chost = clipper.chost();
        let mv = vs.keepers[k].clip_move(&st, chost, purse, |w| self.lot_value(k, w));
        let mv = match mv {
            Ok(mv) => mv,
            Err(pass) => return Some(pass),
        };
        let units = self.vs().units;
        let House::Clip { dog, clipper } = &mut self.vs_mut().house else {
            unreachable!("a Dutch auction");
        };
        let ev = match mv {
            ClipMove::Redo => {
                // The Clipper reads the feed price: no reset while the oracle is unreadable.
                let p = price.filter(|p| p.0 > 0)?;
                clipper.redo(id, me, units.ray(p), now)
            }
            ClipMove::Take { amt, max } => clipper.take(dog, id, amt, max, me, now),
        }
        .expect("the keeper's move follows the Clipper's rules");
        let took = matches!(mv, ClipMove::Take { .. });
        self.settle(ev);
        if took {
            // A Dutch-auction buyer sells at once (the flash-sale pattern of Liquidations 2.0).
            self.keeper_sell(k);
        }
        None
    }
}
