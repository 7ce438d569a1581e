//! Maker-style vaults: finding unsafe vaults at the market oracle's price, liquidating them into
//! auctions (Cat/Flipper or Dog/Clipper from `cascade-auction`), ending English auctions when
//! their bid or auction time runs out, settling every move in the agents' wallets, and the
//! vaults' part of the conservation check.
//!
//! Units: the auction library keeps Maker's wad, ray and rad; wallets hold lots and quote atoms
//! ([`MakerUnits`]). A keeper pays a DAI amount rounded up to whole atoms and receives one
//! rounded down; collateral it wins arrives in whole lots. The fractions stay with the protocol
//! in two rounding pools (`dai_rounding`, `gem_rounding`), so every DAI and collateral unit is
//! accounted for exactly in Maker's units as well as in the market's.

use super::World;
use crate::event::Event;
use crate::trace::{AuctionRow, TraceSink};
use crate::vaults::{AuctionDesign, MakerUnits, NEAR_ZERO_BPS, VaultsConfig};
use cascade_agents::Keeper;
use cascade_auction::math::RAY;
use cascade_auction::{
    AuctionError, AuctionEvent, AuctionId, Cat, Clipper, Dog, Flipper, IlkId, KickTerms, U256, Urn,
    VatIlk,
};
use cascade_des::{EventClass, RngStreams, StreamRng};
use cascade_types::{AccountId, AgentId, SimDuration, Ticks};
use std::collections::{BTreeMap, BTreeSet};

/// The one collateral type.
const ILK: IlkId = IlkId(0);

/// The liquidation module and its auction house.
pub(super) enum House {
    Flip { cat: Cat, flipper: Flipper },
    Clip { dog: Dog, clipper: Clipper },
}

/// The engine's record of one running auction.
#[derive(Clone, Copy, Debug)]
pub(super) struct Record {
    vault: u32,
    /// Debt taken over from the vault (rad).
    due: U256,
    /// DAI to raise at the kick (rad).
    tab: U256,
    /// DAI raised so far: the high bid of an English auction, the sum of takes of a Dutch one.
    pub(super) raised: U256,
    /// Collateral passed to keepers so far (wad).
    won: U256,
    /// Collateral returned to the vault owner so far (wad).
    returned: U256,
    /// The market oracle's price at the kick.
    kick_price: Ticks,
    /// The keeper who bid or took last.
    last_bidder: Option<AgentId>,
}

/// A liquidation just made: the auction's kick and what left the vault.
struct Kicked {
    kick: AuctionEvent,
    vault: u32,
    /// Collateral seized (wad).
    dink: U256,
    /// Debt taken over (rad).
    due: U256,
    /// DAI the auction must raise (rad).
    tab: U256,
}

/// Value that moved between the keepers' wallets and the protocol, in wallet units, with the
/// sub-atom and sub-lot remainders the protocol kept.
#[derive(Clone, Copy, Debug, Default)]
struct Ledger {
    /// Quote atoms keepers paid in, net of refunds.
    dai_in: u128,
    /// Quote atoms minted as keeper incentives.
    dai_minted: u128,
    /// DAI the protocol holds beyond whole atoms (rad).
    dai_rounding: U256,
    /// Lots of collateral paid out to keepers.
    gem_out: u128,
    /// Collateral the protocol holds beyond whole lots (wad).
    gem_rounding: U256,
}

/// The vaults, their liquidation module and auctions, and the keepers.
pub(super) struct VaultSystem {
    pub(super) units: MakerUnits,
    ilk: VatIlk,
    mat: U256,
    urns: Vec<Urn>,
    /// Vaults with debt by trigger price `floor(floor(art * rate / ink) * mat / RAY)` (ray).
    index: BTreeSet<(U256, u32)>,
    pub(super) house: House,
    pub(super) running: BTreeMap<AuctionId, Record>,
    /// Collateral returned to each vault's owner by auctions (wad).
    gem: Vec<U256>,
    ledger: Ledger,
    pub(super) keepers: Vec<Keeper>,
    pub(super) keeper_rngs: Vec<StreamRng>,
    /// Collateral locked at the start, lots.
    ink0: u128,
    /// Debt at the start (rad).
    debt0: U256,
}

fn trigger_key(u: &Urn, ilk: &VatIlk, mat: U256) -> U256 {
    if u.ink.is_zero() {
        return U256::MAX;
    }
    // Debt per unit of collateral (rad / wad = ray), times the liquidation ratio. Dividing
    // first keeps the product inside 256 bits.
    (u.art * ilk.rate / u.ink) * mat / RAY
}

impl VaultSystem {
    /// The vaults of `cfg` in a market with `units`; keeper `i` draws from stream `keeper/i`.
    pub(super) fn new(cfg: &VaultsConfig, units: MakerUnits, streams: &RngStreams) -> Self {
        let ilk_cfg = cfg.ilk;
        let house = match &cfg.auction {
            AuctionDesign::Flip {
                params,
                box_cap,
                dunk,
            } => {
                let mut cat = Cat::new(*box_cap);
                cat.set_ilk(ILK, ilk_cfg.chop, *dunk);
                let flipper = Flipper::new(ILK, *params).expect("validated flipper");
                House::Flip { cat, flipper }
            }
            AuctionDesign::Clip {
                params,
                hole,
                ilk_hole,
            } => {
                let mut dog = Dog::new(*hole);
                dog.set_ilk(ILK, ilk_cfg.chop, *ilk_hole)
                    .expect("validated: chop >= 1");
                let mut clipper = Clipper::new(ILK, *params).expect("validated clipper");
                clipper
                    .upchost(ilk_cfg.dust, ilk_cfg.chop)
                    .expect("dust * chop fits");
                House::Clip { dog, clipper }
            }
        };
        let ilk = VatIlk {
            rate: ilk_cfg.rate,
            spot: U256::ZERO,
            dust: ilk_cfg.dust,
        };
        let urns: Vec<Urn> = cfg
            .vaults
            .iter()
            .enumerate()
            .map(|(i, v)| Urn {
                owner: AccountId(i as u32),
                ink: units.wad(v.ink),
                art: v.art,
            })
            .collect();
        let index = urns
            .iter()
            .enumerate()
            .filter(|(_, u)| !u.art.is_zero())
            .map(|(i, u)| (trigger_key(u, &ilk, ilk_cfg.mat), i as u32))
            .collect();
        VaultSystem {
            units,
            ink0: cfg.vaults.iter().map(|v| u128::from(v.ink.0)).sum(),
            debt0: urns.iter().map(|u| u.art * ilk.rate).sum(),
            gem: vec![U256::ZERO; urns.len()],
            urns,
            index,
            ilk,
            mat: ilk_cfg.mat,
            house,
            running: BTreeMap::new(),
            ledger: Ledger::default(),
            keepers: cfg
                .keepers
                .iter()
                .map(|k| Keeper::new(k.params.clone()))
                .collect(),
            keeper_rngs: (0..cfg.keepers.len())
                .map(|i| streams.stream("keeper", i as u64))
                .collect(),
        }
    }

    /// Sets `spot` from a price (ray) as the spotter pokes it: `price / par / mat`, par one.
    fn poke(&mut self, price_ray: U256) {
        self.ilk.spot = price_ray * RAY / self.mat;
    }

    /// Vaults unsafe at the poked `spot`, most under water first. Candidates come from the
    /// trigger index, and each is confirmed with the Vat's own test. A vault is unsafe only if
    /// `price < T + mat/RAY` with `T = art * rate * mat / (ink * RAY)` exactly (the spot is
    /// floored); the key is at least `T - mat/RAY - 1` (two floors), so every unsafe vault has
    /// a key above `price - 2 * mat/RAY - 4` (in ray units, i.e. 10^-27 DAI).
    fn unsafe_vaults(&self, price_ray: U256, limit: usize) -> Vec<u32> {
        let slack = U256::from(2u8) * (self.mat / RAY) + U256::from(4u8);
        let lo = price_ray.saturating_sub(slack);
        self.index
            .range((lo, 0)..)
            .rev()
            .map(|&(_, v)| v)
            .filter(|&v| self.urns[v as usize].is_unsafe(&self.ilk).unwrap_or(false))
            .take(limit)
            .collect()
    }

    /// Running auctions' lots (wad) and tabs (rad), from the auction house.
    fn running_lots_and_tabs(&self) -> (U256, U256) {
        match &self.house {
            House::Flip { flipper, .. } => flipper
                .auctions()
                .fold((U256::ZERO, U256::ZERO), |(l, t), (_, b)| {
                    (l + b.lot, t + b.tab)
                }),
            House::Clip { clipper, .. } => clipper
                .sales()
                .fold((U256::ZERO, U256::ZERO), |(l, t), (_, s)| {
                    (l + s.lot, t + s.tab)
                }),
        }
    }

    /// Cash and base the vault side holds in wallet units, and the atoms it minted: what
    /// [`World::totals`](super::World) adds.
    pub(super) fn holdings(&self) -> (u128, u128, u128) {
        (
            self.ledger.dai_in,
            self.ink0 - self.ledger.gem_out,
            self.ledger.dai_minted,
        )
    }
}

impl<T: TraceSink> World<T> {
    pub(super) fn vs(&self) -> &VaultSystem {
        self.vaults.as_ref().expect("a world with vaults")
    }

    pub(super) fn vs_mut(&mut self) -> &mut VaultSystem {
        self.vaults.as_mut().expect("a world with vaults")
    }

    /// The market's oracle published a price: keepers wake if a vault is unsafe at it.
    pub(super) fn vaults_on_price(&mut self, price: Ticks) {
        if self.vaults.is_some() && self.any_unsafe(price) {
            self.wake_keepers();
        }
    }

    /// Whether a vault is unsafe at `price`.
    pub(super) fn any_unsafe(&mut self, price: Ticks) -> bool {
        let vs = self.vs_mut();
        let p = vs.units.ray(price);
        vs.poke(p);
        !vs.unsafe_vaults(p, 1).is_empty()
    }

    /// Liquidates every vault unsafe at `price` that the limits allow, most under water first;
    /// `kpr` earns any incentive. A Cat auctions at most `dunk` at a time, so a vault may be
    /// bitten several times.
    pub(super) fn bark_unsafe(&mut self, kpr: AgentId, price: Ticks) {
        let now = self.now;
        let vs = self.vs_mut();
        let p = vs.units.ray(price);
        vs.poke(p);
        let candidates = vs.unsafe_vaults(p, usize::MAX);
        let mut kicks = Vec::new();
        'vaults: for v in candidates {
            loop {
                let vs = self.vs_mut();
                let urn = &mut vs.urns[v as usize];
                let key = trigger_key(urn, &vs.ilk, vs.mat);
                let r = match &mut vs.house {
                    House::Flip { cat, flipper } => cat
                        .bite(flipper, &vs.ilk, urn, now)
                        .map(|b| (b.kick, b.dink, b.due, b.tab)),
                    House::Clip { dog, clipper } => dog
                        .bark(clipper, &vs.ilk, urn, kpr, p, now)
                        .map(|b| (b.kick, b.dink, b.due, b.tab)),
                };
                match r {
                    Ok((kick, dink, due, tab)) => {
                        vs.index.remove(&(key, v));
                        let urn = vs.urns[v as usize];
                        if !urn.art.is_zero() {
                            vs.index.insert((trigger_key(&urn, &vs.ilk, vs.mat), v));
                        }
                        kicks.push(Kicked {
                            kick,
                            vault: v,
                            dink,
                            due,
                            tab,
                        });
                    }
                    Err(AuctionError::LiquidationLimitHit) => break 'vaults,
                    Err(_) => continue 'vaults,
                }
                if !self.vs().urns[v as usize]
                    .is_unsafe(&self.vs().ilk)
                    .unwrap_or(false)
                {
                    break;
                }
            }
        }
        if kicks.is_empty() {
            return;
        }
        for k in kicks {
            self.on_kick(k, kpr, price);
        }
        self.wake_keepers();
    }

    /// Records a new auction started by keeper `kpr` at oracle price `p`, mints a Dutch kick's
    /// incentive, and schedules an English auction's end.
    fn on_kick(&mut self, k: Kicked, kpr: AgentId, p: Ticks) {
        let Kicked {
            kick,
            vault,
            dink,
            due,
            tab,
        } = k;
        let id = kick.id();
        let rec = Record {
            vault,
            due,
            tab,
            raised: U256::ZERO,
            won: U256::ZERO,
            returned: U256::ZERO,
            kick_price: p,
            last_bidder: None,
        };
        self.vs_mut().running.insert(id, rec);
        let s = &mut self.stats.vaults;
        s.auctions += 1;
        s.debt_liquidated += due;
        s.tab += tab;
        s.collateral_auctioned += dink;
        let (amount, price) = match kick {
            AuctionEvent::Kick {
                terms: KickTerms::Dutch { top, kpr, coin },
                ..
            } => {
                let minted = self.mint(kpr, coin);
                (minted, MakerUnits::price(top))
            }
            AuctionEvent::Kick {
                terms: KickTerms::English { end, .. },
                ..
            } => {
                self.schedule(
                    end + SimDuration(1),
                    EventClass::Protocol,
                    Event::AuctionExpiry(id.0),
                );
                (U256::ZERO, self.cfg.spec.price(p))
            }
            _ => unreachable!("a liquidation starts with a kick"),
        };
        self.auction_row(
            id,
            "kick",
            Some(kpr),
            amount,
            Some(price),
            Some(due),
            U256::ZERO,
        );
    }

    /// An English auction's bid lifetime or auction time ran out: it is dealt, or restarted if
    /// nobody bid (anyone may call `deal` and `tick`; here they happen at the first moment
    /// they are allowed).
    pub(super) fn on_auction_expiry(&mut self, id: u64) {
        let id = AuctionId(id);
        let now = self.now;
        let vs = self.vs_mut();
        let House::Flip { cat, flipper } = &mut vs.house else {
            unreachable!("only English auctions expire");
        };
        let Some(b) = flipper.auction(id).copied() else {
            return; // dealt already
        };
        if b.is_finished(now) {
            let ev = flipper
                .deal(cat, id, now)
                .expect("a finished auction deals");
            let AuctionEvent::Deal { winner, lot, .. } = ev else {
                unreachable!("deal returns a deal");
            };
            self.give_gem(winner, lot);
            let rec = self.vs_mut().running.get_mut(&id).expect("running");
            rec.won += lot;
            let bid = rec.raised;
            self.auction_row(id, "deal", Some(winner), bid, None, None, U256::ZERO);
            self.end_auction(id);
            let k = self.keeper_index(winner);
            self.request_keeper_wake(k, SimDuration::ZERO);
        } else if b.tic.is_none() && b.end < now {
            let ev = flipper
                .tick(id, now)
                .expect("an auction without bids past its end");
            let AuctionEvent::Tick { end, .. } = ev else {
                unreachable!("tick returns a tick");
            };
            self.stats.vaults.ticks += 1;
            self.schedule(
                end + SimDuration(1),
                EventClass::Protocol,
                Event::AuctionExpiry(id.0),
            );
            self.auction_row(id, "tick", None, U256::ZERO, None, None, U256::ZERO);
        }
    }

    /// Settles an auction event a keeper caused; returns whether the auction is over.
    pub(super) fn settle(&mut self, ev: AuctionEvent) -> bool {
        let id = ev.id();
        match ev {
            AuctionEvent::Tend {
                guy,
                prev_guy,
                refund,
                paid,
                bid,
                ..
            } => {
                self.pay_in(guy, refund + paid);
                if let Some(p) = prev_guy {
                    self.pay_out(p, refund);
                }
                self.bid_placed(id, guy, bid);
                self.auction_row(id, "tend", Some(guy), bid, None, None, U256::ZERO);
                if let Some(p) = prev_guy.filter(|&p| p != guy) {
                    let k = self.keeper_index(p);
                    self.request_keeper_wake(k, SimDuration::ZERO);
                }
                false
            }
            AuctionEvent::Dent {
                guy,
                prev_guy,
                refund,
                returned,
                bid,
                ..
            } => {
                self.pay_in(guy, refund);
                if let Some(p) = prev_guy {
                    self.pay_out(p, refund);
                }
                self.return_gem(id, returned);
                self.bid_placed(id, guy, bid);
                self.auction_row(id, "dent", Some(guy), bid, None, None, returned);
                if let Some(p) = prev_guy.filter(|&p| p != guy) {
                    let k = self.keeper_index(p);
                    self.request_keeper_wake(k, SimDuration::ZERO);
                }
                false
            }
            AuctionEvent::Take {
                who,
                price,
                slice,
                owe,
                returned,
                ..
            } => {
                self.pay_in(who, owe);
                self.give_gem(who, slice);
                self.return_gem(id, returned);
                let rec = self.vs_mut().running.get_mut(&id).expect("running");
                rec.raised += owe;
                rec.won += slice;
                rec.last_bidder = Some(who);
                self.stats.vaults.bids += 1;
                let price = Some(MakerUnits::price(price));
                self.auction_row(id, "take", Some(who), owe, price, None, returned);
                if ev.ends_auction() {
                    self.end_auction(id);
                    return true;
                }
                false
            }
            AuctionEvent::Redo { kpr, coin, top, .. } => {
                let minted = self.mint(kpr, coin);
                self.stats.vaults.redos += 1;
                let top = Some(MakerUnits::price(top));
                self.auction_row(id, "redo", Some(kpr), minted, top, None, U256::ZERO);
                false
            }
            AuctionEvent::Kick { .. } | AuctionEvent::Tick { .. } | AuctionEvent::Deal { .. } => {
                unreachable!("kicks, ticks and deals are the protocol's")
            }
        }
    }

    fn bid_placed(&mut self, id: AuctionId, guy: AgentId, bid: U256) {
        let ttl = match &self.vs().house {
            House::Flip { flipper, .. } => flipper.params().ttl,
            House::Clip { .. } => unreachable!("bids are English"),
        };
        let rec = self.vs_mut().running.get_mut(&id).expect("running");
        rec.raised = bid;
        rec.last_bidder = Some(guy);
        self.stats.vaults.bids += 1;
        self.schedule(
            self.now + SimDuration::from_secs(ttl) + SimDuration(1),
            EventClass::Protocol,
            Event::AuctionExpiry(id.0),
        );
    }

    /// The auction is over: its debt is covered, or the rest is a deficit.
    fn end_auction(&mut self, id: AuctionId) {
        let rec = self.vs_mut().running.remove(&id).expect("running");
        let units = self.vs().units;
        let deficit = rec.due.saturating_sub(rec.raised);
        let near_zero = rec.raised * U256::from(10_000u64) < rec.tab * U256::from(NEAR_ZERO_BPS);
        let s = &mut self.stats.vaults;
        s.auctions_ended += 1;
        s.raised += rec.raised;
        s.deficit += deficit;
        s.surplus += rec.raised.saturating_sub(rec.due);
        if near_zero {
            s.near_zero_wins += 1;
            s.collateral_won_near_zero += rec.won;
            s.value_won_near_zero += rec.won * units.ray(rec.kick_price);
        }
        let spec = self.cfg.spec;
        let row = AuctionRow {
            time_ns: self.now.as_nanos(),
            auction: id.0,
            vault: rec.vault,
            event: "end",
            keeper: rec.last_bidder.map(|a| self.labels[a.index()].clone()),
            lot: MakerUnits::coll(rec.won),
            tab: MakerUnits::dai(rec.tab),
            amount: MakerUnits::dai(rec.raised),
            price: (!rec.won.is_zero())
                .then(|| MakerUnits::dai(rec.raised) / MakerUnits::coll(rec.won)),
            raised: MakerUnits::dai(rec.raised),
            debt: Some(MakerUnits::dai(rec.due)),
            returned: MakerUnits::coll(rec.returned),
            deficit: Some(MakerUnits::dai(deficit)),
            near_zero: Some(if near_zero { "true" } else { "false" }),
            oracle_price: spec.price(rec.kick_price),
        };
        self.trace.row(&row);
        // Room under box or Hole freed: unsafe vaults left waiting can go now.
        if let Some(p) = self.last_market_price()
            && self.any_unsafe(p)
        {
            self.wake_keepers();
        }
    }

    /// A trace row for auction `id` after an event.
    #[allow(clippy::too_many_arguments)]
    fn auction_row(
        &mut self,
        id: AuctionId,
        event: &'static str,
        keeper: Option<AgentId>,
        amount: U256,
        price: Option<f64>,
        debt: Option<U256>,
        returned: U256,
    ) {
        let vs = self.vs();
        let rec = vs.running[&id];
        let (lot, tab) = match &vs.house {
            House::Flip { flipper, .. } => flipper
                .auction(id)
                .map_or((U256::ZERO, rec.tab), |b| (b.lot, b.tab)),
            House::Clip { clipper, .. } => clipper
                .sale(id)
                .map_or((U256::ZERO, U256::ZERO), |s| (s.lot, s.tab)),
        };
        let price = price.or_else(|| {
            // A bid's implied price: DAI per unit of the lot.
            (!lot.is_zero() && !amount.is_zero())
                .then(|| MakerUnits::dai(amount) / MakerUnits::coll(lot))
        });
        let row = AuctionRow {
            time_ns: self.now.as_nanos(),
            auction: id.0,
            vault: rec.vault,
            event,
            keeper: keeper.map(|a| self.labels[a.index()].clone()),
            lot: MakerUnits::coll(lot),
            tab: MakerUnits::dai(tab),
            amount: MakerUnits::dai(amount),
            price,
            raised: MakerUnits::dai(rec.raised),
            debt: debt.map(MakerUnits::dai),
            returned: MakerUnits::coll(returned),
            deficit: None,
            near_zero: None,
            oracle_price: self.cfg.spec.price(rec.kick_price),
        };
        self.trace.row(&row);
    }

    /// `who` pays `rad` of DAI to the protocol, rounded up to whole atoms.
    fn pay_in(&mut self, who: AgentId, rad: U256) {
        let vs = self.vaults.as_mut().expect("a world with vaults");
        let atoms = vs.units.atoms_ceil(rad);
        vs.ledger.dai_in += u128::from(atoms.0);
        vs.ledger.dai_rounding += vs.units.rad(atoms) - rad;
        let w = &mut self.wallets[who.index()];
        w.cash = w.cash.minus(atoms);
    }

    /// The protocol pays `rad` of DAI back to `who`, rounded down to whole atoms.
    fn pay_out(&mut self, who: AgentId, rad: U256) {
        let vs = self.vaults.as_mut().expect("a world with vaults");
        let atoms = vs.units.atoms_floor(rad);
        vs.ledger.dai_in -= u128::from(atoms.0);
        vs.ledger.dai_rounding += rad - vs.units.rad(atoms);
        let w = &mut self.wallets[who.index()];
        w.cash = w.cash.plus(atoms);
    }

    /// New DAI for a keeper incentive (whole atoms); returns what was minted (rad).
    fn mint(&mut self, who: AgentId, rad: U256) -> U256 {
        let vs = self.vaults.as_mut().expect("a world with vaults");
        let atoms = vs.units.atoms_floor(rad);
        vs.ledger.dai_minted += u128::from(atoms.0);
        let minted = vs.units.rad(atoms);
        let w = &mut self.wallets[who.index()];
        w.cash = w.cash.plus(atoms);
        self.stats.vaults.incentives += minted;
        minted
    }

    /// Collateral (wad) from an auction to a keeper, in whole lots.
    fn give_gem(&mut self, who: AgentId, wad: U256) {
        let vs = self.vaults.as_mut().expect("a world with vaults");
        let (lots, rest) = vs.units.lots_floor(wad);
        vs.ledger.gem_out += u128::from(lots.0);
        vs.ledger.gem_rounding += rest;
        let w = &mut self.wallets[who.index()];
        w.base = w.base.plus(lots);
    }

    /// Collateral (wad) an auction gives back to its vault's owner.
    fn return_gem(&mut self, id: AuctionId, wad: U256) {
        if wad.is_zero() {
            return;
        }
        let vs = self.vs_mut();
        let rec = vs.running.get_mut(&id).expect("running");
        rec.returned += wad;
        let v = rec.vault as usize;
        vs.gem[v] += wad;
        self.stats.vaults.collateral_returned += wad;
    }

    /// What is left at the end: running auctions and their shortfall at the last oracle price.
    pub(super) fn finish_vaults(&mut self) {
        let Some(vs) = &self.vaults else { return };
        let price = self
            .last_market_price()
            .map_or(U256::ZERO, |p| vs.units.ray(p));
        let (mut open_debt, mut shortfall) = (U256::ZERO, U256::ZERO);
        for (&id, rec) in &vs.running {
            let owed = rec.due.saturating_sub(rec.raised);
            open_debt += owed;
            // A high bidder takes the lot for its bid; otherwise the lot is still to sell.
            let lot = match &vs.house {
                House::Flip { flipper, .. } => flipper
                    .auction(id)
                    .filter(|b| b.guy.is_none())
                    .map_or(U256::ZERO, |b| b.lot),
                House::Clip { clipper, .. } => clipper.sale(id).map_or(U256::ZERO, |s| s.lot),
            };
            shortfall += owed.saturating_sub(lot * price);
        }
        let s = &mut self.stats.vaults;
        s.vaults = vs.urns.len() as u64;
        s.auctions_open = vs.running.len() as u64;
        s.open_debt = open_debt;
        s.open_shortfall = shortfall;
    }

    /// The vaults' invariants, exactly in Maker's units: collateral in vaults, returned to
    /// owners, in auctions and in the rounding pool is what was locked less what keepers
    /// received; DAI keepers paid in is what auctions raised plus the rounding pool; debt in
    /// vaults plus debt taken over is the starting debt; the liquidation module's exposure is
    /// the running auctions' tabs; ended auctions' debt is what they raised plus deficit less
    /// surplus.
    pub(super) fn check_vaults(&self) -> Result<(), String> {
        let Some(vs) = &self.vaults else {
            return Ok(());
        };
        let u = vs.units;
        let l = vs.ledger;
        let (lots, tabs) = vs.running_lots_and_tabs();
        let ink: U256 = vs.urns.iter().map(|x| x.ink).sum();
        let gem: U256 = vs.gem.iter().copied().sum();
        let held = ink + gem + lots + l.gem_rounding;
        let expected = U256::from(vs.ink0 - l.gem_out) * u.wad_per_lot;
        if held != expected {
            return Err(format!(
                "vault collateral not conserved: vaults {ink} + returned {gem} + auctions {lots} + rounding {} = {held} wad, expected {expected}",
                l.gem_rounding
            ));
        }
        let s = &self.stats.vaults;
        let raised_running: U256 = vs.running.values().map(|r| r.raised).sum();
        let dai = U256::from(l.dai_in) * u.rad_per_atom;
        if dai != raised_running + s.raised + l.dai_rounding {
            return Err(format!(
                "auction DAI not conserved: keepers paid in {dai} rad, auctions raised {} + {raised_running}, rounding {}",
                s.raised, l.dai_rounding
            ));
        }
        let debt: U256 = vs.urns.iter().map(|x| x.art * vs.ilk.rate).sum();
        if debt + s.debt_liquidated != vs.debt0 {
            return Err(format!(
                "vault debt does not reconcile: {debt} in vaults + {} taken over != {} at the start",
                s.debt_liquidated, vs.debt0
            ));
        }
        let exposure = match &vs.house {
            House::Flip { cat, .. } => cat.litter(),
            House::Clip { dog, .. } => dog.global_dirt(),
        };
        if exposure != tabs {
            return Err(format!(
                "liquidation limit exposure {exposure} rad != running tabs {tabs}"
            ));
        }
        let due_running: U256 = vs.running.values().map(|r| r.due).sum();
        if s.debt_liquidated + s.surplus != due_running + s.raised + s.deficit {
            return Err(format!(
                "ended auctions do not reconcile: debt {} (running {due_running}) raised {} deficit {} surplus {}",
                s.debt_liquidated, s.raised, s.deficit, s.surplus
            ));
        }
        let indexed = vs.urns.iter().filter(|x| !x.art.is_zero()).count();
        if vs.index.len() != indexed {
            return Err(format!(
                "trigger index holds {} vaults, {indexed} have debt",
                vs.index.len()
            ));
        }
        Ok(())
    }

    /// The keeper index of agent `a`.
    pub(super) fn keeper_index(&self, a: AgentId) -> usize {
        a.index() - self.makers.len() - self.liquidators.len() - self.traders.len()
    }

    /// The agent id of keeper `k`.
    pub(super) fn keeper_agent(&self, k: usize) -> AgentId {
        AgentId(
            (self.makers.len() + self.liquidators.len() + self.traders.len() + self.arbs.len() + k)
                as u32,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vaults::{IlkConfig, VaultInit};
    use cascade_auction::FlipperParams;
    use cascade_auction::math::{RAD, ray_bps, wad_bps};
    use cascade_des::dist::unit;
    use cascade_types::{Lots, MarketSpec};

    /// 2,000 vaults with collateral ratios from 1.0 to 3.0 at 100 DAI (some already unsafe at
    /// a 150% liquidation ratio), odd amounts, a rate above one.
    fn system(mat_bps: u64) -> VaultSystem {
        let spec = MarketSpec {
            tick_size: 0.01,
            lot_size: 0.001,
        };
        let units = MakerUnits::of(&spec);
        let mut rng = RngStreams::new(3).stream("test", 0);
        let rate = ray_bps(10_731);
        let vaults = (0..2_000)
            .map(|_| {
                let ink = Lots(1 + (unit(&mut rng) * 500_000.0) as u64);
                let ratio = 1.0 + 2.0 * unit(&mut rng);
                // debt = ink x 100 / ratio DAI, in 1e-9 DAI; art = debt / rate.
                let debt_nano = (ink.0 as f64 * 1e-3 * 100.0 / ratio * 1e9) as u128;
                let art = U256::from(debt_nano) * (RAD / U256::from(1_000_000_000u64)) / rate;
                VaultInit { ink, art }
            })
            .collect();
        let cfg = VaultsConfig {
            ilk: IlkConfig {
                mat: ray_bps(mat_bps),
                chop: wad_bps(11_300),
                dust: U256::ZERO,
                rate,
            },
            auction: AuctionDesign::Flip {
                params: FlipperParams::black_thursday_eth_a(),
                box_cap: RAD,
                dunk: RAD,
            },
            vaults,
            keepers: Vec::new(),
        };
        VaultSystem::new(&cfg, units, &RngStreams::new(3))
    }

    /// The trigger index finds exactly the vaults the Vat's own test calls unsafe, at prices
    /// spread over the whole range and at one-ray steps around individual triggers, most under
    /// water first.
    #[test]
    fn the_trigger_index_finds_exactly_the_unsafe_vaults() {
        for mat_bps in [15_000, 10_000, 17_500] {
            let mut vs = system(mat_bps);
            let mut prices: Vec<U256> = (0..60)
                .map(|i| vs.units.ray(Ticks(2_000 + 300 * i)))
                .collect();
            for &(key, _) in vs.index.iter().step_by(97) {
                for d in 0..6u64 {
                    prices.push(key + U256::from(d));
                    prices.push(key.saturating_sub(U256::from(d)));
                }
            }
            let mut partial = 0;
            for p in prices {
                vs.poke(p);
                let found = vs.unsafe_vaults(p, usize::MAX);
                let mut scan: Vec<u32> = (0..vs.urns.len() as u32)
                    .filter(|&v| vs.urns[v as usize].is_unsafe(&vs.ilk).unwrap())
                    .collect();
                let mut sorted = found.clone();
                sorted.sort_unstable();
                scan.sort_unstable();
                partial += usize::from(!scan.is_empty() && scan.len() < vs.urns.len());
                assert_eq!(sorted, scan, "mat {mat_bps} bps, price {p}");
                let keys: Vec<U256> = found
                    .iter()
                    .map(|&v| trigger_key(&vs.urns[v as usize], &vs.ilk, vs.mat))
                    .collect();
                assert!(keys.windows(2).all(|w| w[0] >= w[1]), "worst first");
            }
            assert!(
                partial > 100,
                "prices where some vaults are unsafe: {partial}"
            );
        }
    }
}
