//! Conservation over seeded random play, for each design.
//!
//! Keepers, vaults and the protocol are kept as ledgers fed only by the returned events. After
//! every step, in integer units and exactly:
//!
//! - collateral: vaults + auction lots + keepers + returned to owners = collateral at the start;
//! - DAI: what keepers paid net of refunds = what the protocol recovered, and recovered +
//!   deficits + DAI still sought by running auctions = total tab;
//! - the liquidation module's exposure (`Dirt` or `litter`) = the tabs of running auctions;
//! - a refused operation changes nothing.

use cascade_auction::math::{RAY, rad, ray, ray_bps, wad, wad_bps};
use cascade_auction::{
    Abacus, AuctionEvent, AuctionId, Cat, Clipper, ClipperParams, Dog, Flipper, FlipperParams,
    IlkId, U256, Urn, VatIlk,
};
use cascade_types::{AccountId, AgentId, SimTime};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use crate::t;

const ETH: IlkId = IlkId(0);
const KEEPERS: usize = 4;
const VAULTS: usize = 8;

fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    rng.next_u64() % n
}

/// Vaults of 1 to 50 ETH at a collateral ratio between 100% and 145% of a 1,000 DAI price, with
/// `rate` 1.05 and `spot` = 1,000 / 1.45: every one is unsafe. Collateral in units of 0.001 ETH.
fn vaults(rng: &mut ChaCha8Rng) -> (VatIlk, Vec<Urn>) {
    let rate = ray_bps(10_500);
    let ilk = VatIlk {
        rate,
        spot: ray(1_000) * U256::from(100u8) / U256::from(145u8),
        dust: rad(100),
    };
    let urns = (0..VAULTS)
        .map(|i| {
            let ink = wad(1 + below(rng, 50)) + wad(below(rng, 1_000)) / U256::from(1_000u16);
            // debt = ink x 1,000 / ratio, ratio in [1.00, 1.45): art = debt / rate.
            let ratio_bps = 10_000 + below(rng, 4_500);
            let debt = ink * ray(1_000) * U256::from(10_000u16) / U256::from(ratio_bps); // rad
            let art = debt / rate;
            Urn {
                owner: AccountId(i as u32),
                ink,
                art,
            }
        })
        .collect();
    (ilk, urns)
}

#[derive(Default)]
struct Books {
    /// Collateral received by each keeper [wad].
    keeper_gem: [U256; KEEPERS],
    /// DAI each keeper paid and got back [rad].
    keeper_paid: [U256; KEEPERS],
    keeper_refunded: [U256; KEEPERS],
    /// Collateral returned to vault owners [wad].
    returned: U256,
    /// DAI the protocol received [rad].
    recovered: U256,
    /// Tab left uncovered by ended auctions [rad].
    deficit: U256,
    /// Tab of every auction started [rad].
    tab: U256,
    /// Keeper incentives (new DAI, outside the tab) [rad].
    coin: U256,
}

impl Books {
    fn net_keeper_dai(&self) -> U256 {
        let paid: U256 = self.keeper_paid.iter().copied().sum();
        let back: U256 = self.keeper_refunded.iter().copied().sum();
        paid - back
    }

    fn keeper_gem(&self) -> U256 {
        self.keeper_gem.iter().copied().sum()
    }

    fn apply(&mut self, ev: &AuctionEvent) {
        match *ev {
            AuctionEvent::Kick { tab, terms, .. } => {
                self.tab += tab;
                if let cascade_auction::KickTerms::Dutch { coin, .. } = terms {
                    self.coin += coin;
                }
            }
            AuctionEvent::Take {
                who,
                slice,
                owe,
                returned,
                deficit,
                ..
            } => {
                self.keeper_gem[who.index()] += slice;
                self.keeper_paid[who.index()] += owe;
                self.recovered += owe;
                self.returned += returned;
                self.deficit += deficit;
            }
            AuctionEvent::Redo { coin, .. } => self.coin += coin,
            AuctionEvent::Tend {
                guy,
                prev_guy,
                refund,
                paid,
                ..
            } => {
                self.keeper_paid[guy.index()] += refund + paid;
                if let Some(p) = prev_guy {
                    self.keeper_refunded[p.index()] += refund;
                } else {
                    assert_eq!(refund, U256::ZERO, "the Cat opens at 0");
                }
                self.recovered += paid;
            }
            AuctionEvent::Dent {
                guy,
                prev_guy,
                refund,
                returned,
                ..
            } => {
                self.keeper_paid[guy.index()] += refund;
                if let Some(p) = prev_guy {
                    self.keeper_refunded[p.index()] += refund;
                }
                self.returned += returned;
            }
            AuctionEvent::Tick { .. } => {}
            AuctionEvent::Deal {
                winner,
                lot,
                bid,
                tab,
                deficit,
                ..
            } => {
                assert_eq!(bid + deficit, tab);
                self.keeper_gem[winner.index()] += lot;
                self.deficit += deficit;
            }
        }
    }
}

fn ink_of(urns: &[Urn]) -> U256 {
    urns.iter().map(|u| u.ink).sum()
}

fn check_clip(urns: &[Urn], clip: &Clipper, dog: &Dog, books: &Books, ink0: U256) {
    let lots: U256 = clip.sales().map(|(_, s)| s.lot).sum();
    let tabs: U256 = clip.sales().map(|(_, s)| s.tab).sum();
    assert_eq!(
        ink_of(urns) + lots + books.keeper_gem() + books.returned,
        ink0,
        "collateral"
    );
    assert_eq!(books.net_keeper_dai(), books.recovered, "keeper DAI");
    assert_eq!(
        books.recovered + books.deficit + tabs,
        books.tab,
        "DAI vs tab"
    );
    assert_eq!(dog.global_dirt(), tabs, "Dirt");
    assert_eq!(dog.ilk(ETH).unwrap().dirt, tabs, "dirt");
}

#[test]
fn clipper_conserves_collateral_and_dai() {
    for seed in 0..12 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut ilk, mut urns) = vaults(&mut rng);
        let ink0 = ink_of(&urns);
        let mut dog = Dog::new(rad(1_000_000));
        // A tight ilk hole (30k DAI) forces partial barks and refusals.
        dog.set_ilk(ETH, wad_bps(11_300), rad(30_000)).unwrap();
        let calc = match seed % 3 {
            0 => Abacus::stairstep(90, ray_bps(9_900)).unwrap(),
            1 => Abacus::linear(3_600),
            _ => Abacus::exponential(RAY - RAY / U256::from(2_000u16)).unwrap(),
        };
        let params = ClipperParams {
            buf: ray_bps(12_000),
            tail: 2_400,
            cusp: ray_bps(3_000),
            chip: wad_bps(10),
            tip: rad(300),
            calc,
        };
        let mut clip = Clipper::new(ETH, params).unwrap();
        clip.upchost(ilk.dust, dog.chop(ETH).unwrap()).unwrap();
        let mut books = Books::default();
        let mut now = 0u64;
        let mut feed = ray(1_000);
        for _ in 0..400 {
            now += below(&mut rng, 300);
            let at = t(now);
            let (dog0, clip0, urns0) = (dog.clone(), clip.clone(), urns.clone());
            let res = match below(&mut rng, 10) {
                0 => {
                    // The market moves: feed in [300, 1,500) DAI, spot with it.
                    feed = ray(300 + below(&mut rng, 1_200));
                    ilk.spot = feed * U256::from(100u8) / U256::from(145u8);
                    continue;
                }
                1 | 2 => {
                    let i = below(&mut rng, VAULTS as u64) as usize;
                    let kpr = AgentId(below(&mut rng, KEEPERS as u64) as u32);
                    dog.bark(&mut clip, &ilk, &mut urns[i], kpr, feed, at)
                        .map(|b| b.kick)
                }
                3 => {
                    let first = clip.sales().next().map(|(id, _)| id);
                    match first {
                        Some(id) => clip.redo(id, AgentId(0), feed, at),
                        None => continue,
                    }
                }
                _ => {
                    let ids: Vec<AuctionId> = clip.sales().map(|(id, _)| id).collect();
                    if ids.is_empty() {
                        continue;
                    }
                    let id = ids[below(&mut rng, ids.len() as u64) as usize];
                    let lot = clip.sale(id).unwrap().lot;
                    // Up to 120% of the lot; a limit from 80% to 120% of the feed price.
                    let amt = lot * U256::from(below(&mut rng, 121)) / U256::from(100u8);
                    let max = feed * U256::from(80 + below(&mut rng, 41)) / U256::from(100u8);
                    let who = AgentId(below(&mut rng, KEEPERS as u64) as u32);
                    clip.take(&mut dog, id, amt, max, who, at)
                }
            };
            match res {
                Ok(ev) => books.apply(&ev),
                Err(_) => assert_eq!((&dog, &clip, &urns), (&dog0, &clip0, &urns0), "seed {seed}"),
            }
            check_clip(&urns, &clip, &dog, &books, ink0);
        }
        // Drain: reset what needs it, then buy whole lots at any price.
        loop {
            let first = clip.sales().next().map(|(id, _)| id);
            let Some(id) = first else { break };
            now += 1;
            let at = t(now);
            if clip.status(id, at).unwrap().needs_redo {
                books.apply(&clip.redo(id, AgentId(1), feed, at).unwrap());
            }
            let ev = clip
                .take(&mut dog, id, U256::MAX, U256::MAX, AgentId(2), at)
                .unwrap();
            books.apply(&ev);
            check_clip(&urns, &clip, &dog, &books, ink0);
        }
        assert_eq!(books.recovered + books.deficit, books.tab);
        assert_eq!(dog.global_dirt(), U256::ZERO);
        assert!(books.tab > U256::ZERO, "seed {seed} liquidated nothing");
    }
}

fn check_flip(urns: &[Urn], flip: &Flipper, cat: &Cat, books: &Books, ink0: U256) {
    let lots: U256 = flip.auctions().map(|(_, b)| b.lot).sum();
    let tabs: U256 = flip.auctions().map(|(_, b)| b.tab).sum();
    let bids: U256 = flip.auctions().map(|(_, b)| b.bid).sum();
    assert_eq!(
        ink_of(urns) + lots + books.keeper_gem() + books.returned,
        ink0,
        "collateral"
    );
    assert_eq!(books.net_keeper_dai(), books.recovered, "keeper DAI");
    // Running auctions hold their high bid already; ended ones raised bid = tab - deficit.
    assert_eq!(
        books.recovered + books.deficit + (tabs - bids),
        books.tab,
        "DAI vs tab"
    );
    assert_eq!(cat.litter(), tabs, "litter");
}

#[test]
fn flipper_conserves_collateral_and_dai() {
    for seed in 0..12 {
        let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
        let (ilk, mut urns) = vaults(&mut rng);
        let ink0 = ink_of(&urns);
        let mut cat = Cat::new(rad(60_000));
        cat.set_ilk(ETH, wad_bps(11_300), rad(8_000));
        let mut flip = Flipper::new(ETH, FlipperParams::black_thursday_eth_a()).unwrap();
        let mut books = Books::default();
        let mut now = 0u64;
        for _ in 0..600 {
            now += below(&mut rng, 200);
            let at: SimTime = t(now);
            let (cat0, flip0, urns0) = (cat.clone(), flip.clone(), urns.clone());
            let ids: Vec<AuctionId> = flip.auctions().map(|(id, _)| id).collect();
            let pick = (!ids.is_empty()).then(|| ids[below(&mut rng, ids.len() as u64) as usize]);
            let guy = AgentId(below(&mut rng, KEEPERS as u64) as u32);
            let res = match (below(&mut rng, 10), pick) {
                (0 | 1, _) => {
                    let i = below(&mut rng, VAULTS as u64) as usize;
                    cat.bite(&mut flip, &ilk, &mut urns[i], at).map(|b| b.kick)
                }
                (2, Some(id)) => flip.deal(&mut cat, id, at),
                (3, Some(id)) => flip.tick(id, at),
                (4..=6, Some(id)) => {
                    // A raise of 0% to 8% (beg is 3%), a jump to the tab, or a token bid.
                    let b = *flip.auction(id).unwrap();
                    let bid = match below(&mut rng, 6) {
                        0 => b.tab,
                        1 => b.bid + U256::from(1u8),
                        _ => {
                            let base = b.bid.max(b.tab / U256::from(20u8));
                            base * U256::from(100 + below(&mut rng, 9)) / U256::from(100u8)
                        }
                    };
                    flip.tend(id, guy, b.lot, bid.min(b.tab), at)
                }
                (7 | 8, Some(id)) => {
                    // A cut of 0% to 6% of the lot at the tab.
                    let b = *flip.auction(id).unwrap();
                    let lot = b.lot * U256::from(94 + below(&mut rng, 7)) / U256::from(100u8);
                    flip.dent(id, guy, lot, b.bid, at)
                }
                _ => continue,
            };
            match res {
                Ok(ev) => books.apply(&ev),
                Err(_) => assert_eq!((&cat, &flip, &urns), (&cat0, &flip0, &urns0), "seed {seed}"),
            }
            check_flip(&urns, &flip, &cat, &books, ink0);
        }
        // Drain: token bids on auctions that have none, then deal everything.
        let ids: Vec<AuctionId> = flip.auctions().map(|(id, _)| id).collect();
        for id in ids {
            now += 1;
            let b = *flip.auction(id).unwrap();
            if b.tic.is_none() {
                if !b.is_open(t(now)) {
                    while b.end >= t(now) {
                        now += 1;
                    }
                    books.apply(&flip.tick(id, t(now)).unwrap());
                }
                books.apply(
                    &flip
                        .tend(id, AgentId(0), b.lot, b.bid + U256::from(1u8), t(now))
                        .unwrap(),
                );
            }
        }
        now += 22_000;
        let ids: Vec<AuctionId> = flip.auctions().map(|(id, _)| id).collect();
        for id in ids {
            books.apply(&flip.deal(&mut cat, id, t(now)).unwrap());
            check_flip(&urns, &flip, &cat, &books, ink0);
        }
        assert_eq!(books.recovered + books.deficit, books.tab);
        assert_eq!(cat.litter(), U256::ZERO);
        assert!(books.tab > U256::ZERO, "seed {seed} liquidated nothing");
    }
}
