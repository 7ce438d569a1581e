//! Liquidations 1.2: Cat.bite and Flipper tend/dent/tick/deal, worked by hand, with Black
//! Thursday's ETH-A settings (`beg` 1.03, `ttl` 10 min, `tau` 6 h, `chop` 1.13).
//!
//! The common vault: 10 ETH (`ink` 10 wad), `art` 1,000 wad at `rate` 1, `spot` 90: unsafe since
//! 10 x 90 = 900 < 1,000. `dunk` 50,000 DAI and `box` 15M DAI leave room for all of it:
//! `dart` = 1,000, `dink` = 10 ETH, `tab` = 1,000 x 1.13 = 1,130 DAI.

use cascade_auction::math::{RAD, RAY, rad, ray, wad, wad_bps};
use cascade_auction::{
    AuctionError, AuctionEvent, AuctionId, Bitten, Cat, Flipper, FlipperParams, IlkId, KickTerms,
    U256, Urn, VatIlk,
};
use cascade_types::{AccountId, AgentId};

use crate::{t, u};

const ETH: IlkId = IlkId(0);
const OWNER: AccountId = AccountId(3);
const K1: AgentId = AgentId(1);
const K2: AgentId = AgentId(2);
const K3: AgentId = AgentId(3);
const ID: AuctionId = AuctionId(1);

fn vat_ilk() -> VatIlk {
    VatIlk {
        rate: RAY,
        spot: ray(90),
        dust: rad(100),
    }
}

fn urn() -> Urn {
    Urn {
        owner: OWNER,
        ink: wad(10),
        art: wad(1_000),
    }
}

fn setup(box_cap: U256, dunk: U256) -> (Cat, Flipper) {
    let mut cat = Cat::new(box_cap);
    cat.set_ilk(ETH, wad_bps(11_300), dunk);
    let flip = Flipper::new(ETH, FlipperParams::black_thursday_eth_a()).unwrap();
    (cat, flip)
}

fn bite(cat: &mut Cat, flip: &mut Flipper) -> Bitten {
    let mut vault = urn();
    cat.bite(flip, &vat_ilk(), &mut vault, t(0)).unwrap()
}

fn tend(
    flip: &mut Flipper,
    guy: AgentId,
    bid: U256,
    at: u64,
) -> Result<AuctionEvent, AuctionError> {
    flip.tend(ID, guy, wad(10), bid, t(at))
}

#[test]
fn black_thursday_parameters() {
    let p = FlipperParams::black_thursday_eth_a();
    assert_eq!(p.beg, u(103) * cascade_auction::math::WAD / u(100));
    assert_eq!((p.ttl, p.tau), (600, 21_600));
    let d = FlipperParams::code_defaults();
    assert_eq!((d.beg, d.ttl, d.tau), (wad_bps(10_500), 10_800, 172_800));
}

#[test]
fn tend_with_beg_then_dent_then_deal() {
    let (mut cat, mut flip) = setup(rad(15_000_000), rad(50_000));
    let b = bite(&mut cat, &mut flip);
    assert_eq!(
        (b.dart, b.dink, b.due, b.tab),
        (wad(1_000), wad(10), rad(1_000), rad(1_130))
    );
    assert_eq!(cat.litter(), rad(1_130));
    assert_eq!(
        b.kick,
        AuctionEvent::Kick {
            id: ID,
            usr: OWNER,
            tab: rad(1_130),
            lot: wad(10),
            terms: KickTerms::English {
                bid: U256::ZERO,
                end: t(21_600)
            },
        }
    );

    // K1 opens at 100 DAI: nothing to refund, 100 to the protocol; tic = 10 + 600.
    assert_eq!(
        tend(&mut flip, K1, rad(100), 10).unwrap(),
        AuctionEvent::Tend {
            id: ID,
            guy: K1,
            lot: wad(10),
            bid: rad(100),
            prev_guy: None,
            refund: U256::ZERO,
            paid: rad(100),
        }
    );
    assert_eq!(flip.auction(ID).unwrap().tic, Some(t(610)));
    // 102 < 1.03 x 100 = 103: refused; exactly 103 is enough.
    assert_eq!(
        tend(&mut flip, K2, rad(102), 20),
        Err(AuctionError::InsufficientIncrease)
    );
    // A tend must bid on the whole lot.
    assert_eq!(
        flip.tend(ID, K2, wad(9), rad(103), t(20)),
        Err(AuctionError::LotNotMatching)
    );
    // A dent before the bid reaches the tab is refused.
    assert_eq!(
        flip.dent(ID, K2, wad(9), rad(100), t(20)),
        Err(AuctionError::TendNotFinished)
    );
    // K2 at 103: K1 gets its 100 back, the protocol gets 3 more.
    let ev = tend(&mut flip, K2, rad(103), 20).unwrap();
    assert_eq!(
        ev,
        AuctionEvent::Tend {
            id: ID,
            guy: K2,
            lot: wad(10),
            bid: rad(103),
            prev_guy: Some(K1),
            refund: rad(100),
            paid: rad(3),
        }
    );
    // K2 raises its own bid to 110 (>= 106.09): no refund, 7 more to the protocol.
    let AuctionEvent::Tend { refund, paid, .. } = tend(&mut flip, K2, rad(110), 30).unwrap() else {
        panic!("not a tend")
    };
    assert_eq!((refund, paid), (U256::ZERO, rad(7)));
    // K1 at 1,100: refunds K2's 110, pays 990.
    let AuctionEvent::Tend { refund, paid, .. } = tend(&mut flip, K1, rad(1_100), 40).unwrap()
    else {
        panic!("not a tend")
    };
    assert_eq!((refund, paid), (rad(110), rad(990)));
    // Above the tab: refused. Exactly the tab is allowed although 1,130 < 1.03 x 1,100 = 1,133.
    assert_eq!(
        tend(&mut flip, K3, rad(1_131), 50),
        Err(AuctionError::HigherThanTab)
    );
    let AuctionEvent::Tend { refund, paid, .. } = tend(&mut flip, K3, rad(1_130), 50).unwrap()
    else {
        panic!("not a tend")
    };
    assert_eq!((refund, paid), (rad(1_100), rad(30)));
    // The protocol has 100 + 3 + 7 + 990 + 30 = 1,130 DAI = tab. The tend phase is over.
    assert_eq!(
        tend(&mut flip, K1, rad(1_130), 60),
        Err(AuctionError::BidNotHigher)
    );

    // Dent: 9.8 ETH is not 3% less (1.03 x 9.8 = 10.094 > 10); 9.7 is (9.991 <= 10).
    assert_eq!(
        flip.dent(ID, K1, wad(98) / u(10), rad(1_130), t(60)),
        Err(AuctionError::InsufficientDecrease)
    );
    assert_eq!(
        flip.dent(ID, K1, wad(9), rad(1_000), t(60)),
        Err(AuctionError::NotMatchingBid)
    );
    let ev = flip
        .dent(ID, K1, wad(97) / u(10), rad(1_130), t(60))
        .unwrap();
    // K1 repays K3's 1,130; 0.3 ETH goes back to the vault owner; tic = 660.
    assert_eq!(
        ev,
        AuctionEvent::Dent {
            id: ID,
            guy: K1,
            lot: wad(97) / u(10),
            bid: rad(1_130),
            prev_guy: Some(K3),
            refund: rad(1_130),
            returned: wad(3) / u(10),
        }
    );
    assert_eq!(
        flip.dent(ID, K2, wad(97) / u(10), rad(1_130), t(70)),
        Err(AuctionError::LotNotLower)
    );

    // Deal needs tic < now: not at 660, and bids are refused from 660 on.
    assert_eq!(
        flip.deal(&mut cat, ID, t(660)),
        Err(AuctionError::NotFinished)
    );
    assert_eq!(
        flip.dent(ID, K2, wad(9), rad(1_130), t(660)),
        Err(AuctionError::AlreadyFinishedTic)
    );
    let ev = flip.deal(&mut cat, ID, t(661)).unwrap();
    assert_eq!(
        ev,
        AuctionEvent::Deal {
            id: ID,
            winner: K1,
            usr: OWNER,
            lot: wad(97) / u(10),
            bid: rad(1_130),
            tab: rad(1_130),
            deficit: U256::ZERO,
        }
    );
    assert_eq!(cat.litter(), U256::ZERO);
    assert_eq!(flip.count(), 0);
    assert_eq!(
        flip.deal(&mut cat, ID, t(662)),
        Err(AuctionError::NotRunning(ID))
    );
}

#[test]
fn a_lone_zero_bid_wins_the_whole_lot() {
    let (mut cat, mut flip) = setup(rad(15_000_000), rad(50_000));
    bite(&mut cat, &mut flip);
    // A bid of exactly 0 does not raise the Cat's opening bid of 0.
    assert_eq!(
        tend(&mut flip, K1, U256::ZERO, 5),
        Err(AuctionError::BidNotHigher)
    );
    // The smallest bid there is, one rad unit (1e-45 DAI), passes: beg x 0 = 0.
    let ev = tend(&mut flip, K1, u(1), 5).unwrap();
    let AuctionEvent::Tend { paid, .. } = ev else {
        panic!("not a tend")
    };
    assert_eq!(paid, u(1));
    // Nobody else bids within ttl (10 min, to 605 s). At 606 K1 takes all 10 ETH.
    assert_eq!(
        flip.deal(&mut cat, ID, t(605)),
        Err(AuctionError::NotFinished)
    );
    let ev = flip.deal(&mut cat, ID, t(606)).unwrap();
    assert_eq!(
        ev,
        AuctionEvent::Deal {
            id: ID,
            winner: K1,
            usr: OWNER,
            lot: wad(10),
            bid: u(1),
            tab: rad(1_130),
            // 1,130 DAI less one rad unit is not covered.
            deficit: rad(1_130) - u(1),
        }
    );
    // Nothing went back to the owner, and the litter is cleared by the full tab.
    assert_eq!(cat.litter(), U256::ZERO);
    // In DAI: 1,130 x 1e45 - 1 = 1,129.999...999 (45 nines after the point).
    assert_eq!(rad(1_130) - u(1), u(1_129) * RAD + (RAD - u(1)));
}

#[test]
fn tick_restarts_an_auction_without_bids() {
    let (mut cat, mut flip) = setup(rad(15_000_000), rad(50_000));
    bite(&mut cat, &mut flip);
    // end = 21,600. At the end no bid is accepted, and no deal is possible without a bid.
    assert_eq!(
        tend(&mut flip, K1, rad(500), 21_600),
        Err(AuctionError::AlreadyFinishedEnd)
    );
    assert_eq!(
        flip.deal(&mut cat, ID, t(30_000)),
        Err(AuctionError::NotFinished)
    );
    // tick needs end < now.
    assert_eq!(flip.tick(ID, t(21_600)), Err(AuctionError::NotFinished));
    assert_eq!(
        flip.tick(ID, t(21_601)).unwrap(),
        AuctionEvent::Tick {
            id: ID,
            end: t(43_201)
        }
    );
    tend(&mut flip, K1, rad(500), 21_601).unwrap();
    // With a bid placed, tick is refused even after the end.
    assert_eq!(
        flip.tick(ID, t(50_000)),
        Err(AuctionError::BidAlreadyPlaced)
    );
    // The bid's ttl runs out at 22,201, long before the new end: deal at 22,202. 500 of the
    // 1,130 DAI tab is raised.
    let AuctionEvent::Deal { bid, deficit, .. } = flip.deal(&mut cat, ID, t(22_202)).unwrap()
    else {
        panic!("not a deal")
    };
    assert_eq!((bid, deficit), (rad(500), rad(630)));
}

#[test]
fn box_and_dunk_limit_the_bite() {
    // box 1,000 DAI: dart = 1,000e45 x 1e18 / 1e27 / 1.13e18 = 884.955752212389380530...e18
    // floored; dink = 10 x dart / 1,000 = 8.849557522123893805...e18 floored;
    // tab = dart x 1.13 = 999.9999999999999999989 DAI.
    let (mut cat, mut flip) = setup(rad(1_000), rad(50_000));
    let mut vault = urn();
    let b = cat.bite(&mut flip, &vat_ilk(), &mut vault, t(0)).unwrap();
    assert_eq!(b.dart, u(884_955_752_212_389_380_530));
    assert_eq!(b.dink, u(8_849_557_522_123_893_805));
    assert_eq!(b.tab, u(99_999_999_999_999_999_999_890) * u(10).pow(u(25)));
    assert_eq!(vault.art, wad(1_000) - b.dart);
    assert_eq!(cat.litter(), b.tab);
    // Room left: 1.1e-21 DAI < dust: the next bite is refused, nothing changes.
    let (cat_before, flip_before, vault_before) = (cat.clone(), flip.clone(), vault);
    assert_eq!(
        cat.bite(&mut flip, &vat_ilk(), &mut vault, t(1)),
        Err(AuctionError::LiquidationLimitHit)
    );
    assert_eq!((cat, flip, vault), (cat_before, flip_before, vault_before));

    // dunk 500 DAI caps one auction: dart = 500 / 1.13 = 442.477876106194690265...e18.
    let (mut cat, mut flip) = setup(rad(15_000_000), rad(500));
    let mut vault = urn();
    let b = cat.bite(&mut flip, &vat_ilk(), &mut vault, t(0)).unwrap();
    assert_eq!(b.dart, u(442_477_876_106_194_690_265));
    assert_eq!(b.dink, u(4_424_778_761_061_946_902));
    // The vault is still unsafe; a second bite starts auction 2.
    let b2 = cat.bite(&mut flip, &vat_ilk(), &mut vault, t(0)).unwrap();
    assert_eq!(b2.id, AuctionId(2));
}
