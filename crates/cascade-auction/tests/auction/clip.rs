//! Liquidations 2.0: Dog.bark and Clipper kick/take/redo, worked by hand.
//!
//! The common vault: 10 ETH locked (`ink` 10 wad), normalised debt `art` 10,000 wad at
//! `rate` 1.1 ray, so its debt is 10,000 x 1.1 = 11,000 DAI. With `spot` 1,000 ray it is unsafe:
//! 10 x 1,000 = 10,000 < 11,000. `chop` 1.13, `dust` 100 DAI, so
//! `chost = wmul(100 DAI, 1.13) = 113 DAI`. The feed price is 1,500 DAI/ETH and `buf` 1.2, so
//! `top = 1,800` DAI/ETH. Keeper incentive: `tip` 300 DAI, `chip` 0.1%.

use cascade_auction::math::{RAD, RAY, rad, ray, ray_bps, wad, wad_bps};
use cascade_auction::{
    Abacus, AuctionError, AuctionEvent, AuctionId, Barked, Clipper, ClipperParams, Dog, IlkId,
    KickTerms, U256, Urn, VatIlk,
};
use cascade_types::{AccountId, AgentId};

use crate::{t, u};

const ETH: IlkId = IlkId(0);
const OWNER: AccountId = AccountId(7);
const KPR: AgentId = AgentId(1);
const BUYER: AgentId = AgentId(2);

fn vat_ilk() -> VatIlk {
    VatIlk {
        rate: ray_bps(11_000),
        spot: ray(1_000),
        dust: rad(100),
    }
}

fn urn() -> Urn {
    Urn {
        owner: OWNER,
        ink: wad(10),
        art: wad(10_000),
    }
}

fn stairstep() -> Abacus {
    Abacus::stairstep(90, ray_bps(9_900)).unwrap()
}

fn params(calc: Abacus) -> ClipperParams {
    ClipperParams {
        buf: ray_bps(12_000),
        tail: 5_400,
        cusp: ray_bps(4_000),
        chip: wad_bps(10),
        tip: rad(300),
        calc,
    }
}

fn setup(params: ClipperParams, ilk_hole: U256) -> (Dog, Clipper) {
    let mut dog = Dog::new(rad(100_000_000));
    dog.set_ilk(ETH, wad_bps(11_300), ilk_hole).unwrap();
    let mut clip = Clipper::new(ETH, params).unwrap();
    clip.upchost(rad(100), dog.chop(ETH).unwrap()).unwrap();
    (dog, clip)
}

/// Barks the common vault at t = 0 with a feed price of 1,500.
fn bark(dog: &mut Dog, clip: &mut Clipper, urn: &mut Urn) -> Barked {
    dog.bark(clip, &vat_ilk(), urn, KPR, ray(1_500), t(0))
        .unwrap()
}

#[test]
fn kick_then_one_take_covers_the_tab_and_returns_the_rest() {
    let (mut dog, mut clip) = setup(params(stairstep()), rad(15_000_000));
    // chost = 100 DAI x 1.13 = 113 DAI.
    assert_eq!(clip.chost(), rad(113));
    let mut vault = urn();
    let b = bark(&mut dog, &mut clip, &mut vault);
    // room = min(100M, 15M) = 15M DAI; room * WAD / rate / chop = 15e6 / 1.1 / 1.13 ~ 12.07M
    // wad of art, far above 10,000: the whole vault goes. dink = ink * art / art = 10 ETH.
    assert_eq!(b.dart, wad(10_000));
    assert_eq!(b.dink, wad(10));
    // due = 10,000 x 1.1 = 11,000 DAI; tab = 11,000 x 1.13 = 12,430 DAI.
    assert_eq!(b.due, rad(11_000));
    assert_eq!(b.tab, rad(12_430));
    assert_eq!(
        vault,
        Urn {
            owner: OWNER,
            ink: U256::ZERO,
            art: U256::ZERO
        }
    );
    assert_eq!(dog.global_dirt(), rad(12_430));
    assert_eq!(dog.ilk(ETH).unwrap().dirt, rad(12_430));
    // top = rmul(1,500 ray, 1.2 ray) = 1,800 ray; coin = 300 + 12,430 x 0.001 = 312.43 DAI.
    assert_eq!(
        b.kick,
        AuctionEvent::Kick {
            id: AuctionId(1),
            usr: OWNER,
            tab: rad(12_430),
            lot: wad(10),
            terms: KickTerms::Dutch {
                top: ray(1_800),
                kpr: KPR,
                coin: u(31_243) * RAD / u(100),
            },
        }
    );

    // 180 s = 2 steps: price = 1,800 x 0.99^2 = 1,800 x 0.9801 = 1,764.18 (exact in ray).
    let price = u(176_418) * RAY / u(100);
    let st = clip.status(AuctionId(1), t(180)).unwrap();
    assert!(!st.needs_redo);
    assert_eq!(st.price, price);
    // The buyer asks for 20 ETH: slice = min(10, 20) = 10; owe = 10 x 1,764.18 = 17,641.8 DAI
    // > tab, so owe = tab = 12,430 DAI and slice = 12,430e45 / 1,764.18e27
    // = 1,243,000e18 / 176,418 = 7.045766305025564284...e18, floored.
    let ev = clip
        .take(&mut dog, AuctionId(1), wad(20), ray(1_800), BUYER, t(180))
        .unwrap();
    let slice = u(7_045_766_305_025_564_284);
    // The tab is covered: 10 ETH - slice goes back to the owner.
    let returned = wad(10) - slice;
    assert_eq!(returned, u(2_954_233_694_974_435_716));
    assert_eq!(
        ev,
        AuctionEvent::Take {
            id: AuctionId(1),
            who: BUYER,
            usr: OWNER,
            max: ray(1_800),
            price,
            slice,
            owe: rad(12_430),
            tab: U256::ZERO,
            lot: returned,
            returned,
            deficit: U256::ZERO,
        }
    );
    assert!(ev.ends_auction());
    assert_eq!(clip.count(), 0);
    assert_eq!(dog.global_dirt(), U256::ZERO);
    assert_eq!(dog.ilk(ETH).unwrap().dirt, U256::ZERO);
    // The auction is gone: a second take is refused.
    assert_eq!(
        clip.take(&mut dog, AuctionId(1), wad(1), ray(1_800), BUYER, t(181)),
        Err(AuctionError::NotRunning(AuctionId(1)))
    );
}

#[test]
fn partial_takes_respect_chost() {
    let (mut dog, mut clip) = setup(params(stairstep()), rad(15_000_000));
    let mut vault = urn();
    bark(&mut dog, &mut clip, &mut vault);
    let id = AuctionId(1);
    // At t = 0 the price is top = 1,800.
    assert_eq!(
        clip.take(&mut dog, id, wad(1), ray(1_799), BUYER, t(0)),
        Err(AuctionError::TooExpensive {
            price: ray(1_800),
            max: ray(1_799)
        })
    );
    // 1 ETH for 1,800 DAI: tab 12,430 - 1,800 = 10,630 stays above chost.
    let ev = clip
        .take(&mut dog, id, wad(1), ray(1_800), BUYER, t(0))
        .unwrap();
    let AuctionEvent::Take {
        slice,
        owe,
        tab,
        lot,
        ..
    } = ev
    else {
        panic!("not a take: {ev:?}")
    };
    assert_eq!(
        (slice, owe, tab, lot),
        (wad(1), rad(1_800), rad(10_630), wad(9))
    );
    assert_eq!(dog.global_dirt(), rad(10_630));

    // 5.9 ETH would cost 10,620 DAI and leave 10 DAI < chost 113: the purchase is cut down to
    // leave exactly chost: owe = 10,630 - 113 = 10,517 DAI, slice = 10,517 / 1,800
    // = 5.842777...e18 floored = 5,842,777,777,777,777,777.
    let ev = clip
        .take(&mut dog, id, wad(59) / u(10), ray(1_800), BUYER, t(0))
        .unwrap();
    let AuctionEvent::Take {
        slice,
        owe,
        tab,
        lot,
        ..
    } = ev
    else {
        panic!("not a take: {ev:?}")
    };
    assert_eq!(owe, rad(10_517));
    assert_eq!(slice, u(5_842_777_777_777_777_777));
    assert_eq!(tab, rad(113));
    // 9 ETH - slice.
    assert_eq!(lot, u(3_157_222_222_222_222_223));

    // Now tab == chost: any partial purchase is refused, and nothing changes.
    let before = clip.clone();
    assert_eq!(
        clip.take(&mut dog, id, wad(1) / u(100), ray(1_800), BUYER, t(0)),
        Err(AuctionError::NoPartialPurchase)
    );
    assert_eq!(clip, before);
    // The whole lot may still be bought: owe = lot x 1,800 ~ 5,683 DAI > tab, so owe = 113 DAI
    // and slice = 113 / 1,800 = 0.0627777...e18 floored; the rest returns to the owner.
    let ev = clip
        .take(&mut dog, id, wad(10), ray(1_800), BUYER, t(0))
        .unwrap();
    let AuctionEvent::Take {
        slice,
        owe,
        returned,
        deficit,
        ..
    } = ev
    else {
        panic!("not a take: {ev:?}")
    };
    assert_eq!(owe, rad(113));
    assert_eq!(slice, u(62_777_777_777_777_777));
    // 3,157,222,222,222,222,223 - 62,777,777,777,777,777.
    assert_eq!(returned, u(3_094_444_444_444_444_446));
    assert_eq!(deficit, U256::ZERO);
    // Paid in total: 1,800 + 10,517 + 113 = 12,430 DAI = tab; collateral: 1 + 5.8427... +
    // 0.0627... + 3.0944... = 10 ETH.
    assert_eq!(
        wad(1) + u(5_842_777_777_777_777_777) + slice + returned,
        wad(10)
    );
    assert_eq!(dog.global_dirt(), U256::ZERO);
}

#[test]
fn lot_running_out_leaves_a_deficit() {
    // Linear decrease to 0 in 1,000 s, no cusp: at 900 s the price is 1,800 x 100 / 1,000 = 180.
    let mut p = params(Abacus::linear(1_000));
    p.cusp = U256::ZERO;
    let (mut dog, mut clip) = setup(p, rad(15_000_000));
    let mut vault = urn();
    bark(&mut dog, &mut clip, &mut vault);
    let ev = clip
        .take(&mut dog, AuctionId(1), wad(10), ray(180), BUYER, t(900))
        .unwrap();
    // Whole lot: owe = 10 x 180 = 1,800 DAI < tab; the lot is gone, 12,430 - 1,800 = 10,630
    // DAI of tab is uncovered, and the Dog forgets all of it (digs tab + owe).
    let AuctionEvent::Take {
        price,
        slice,
        owe,
        tab,
        lot,
        returned,
        deficit,
        ..
    } = ev
    else {
        panic!("not a take: {ev:?}")
    };
    assert_eq!(price, ray(180));
    assert_eq!((slice, owe), (wad(10), rad(1_800)));
    assert_eq!((tab, lot, returned), (rad(10_630), U256::ZERO, U256::ZERO));
    assert_eq!(deficit, rad(10_630));
    assert_eq!(dog.global_dirt(), U256::ZERO);
    assert_eq!(clip.count(), 0);
}

#[test]
fn redo_after_tail() {
    let (mut dog, mut clip) = setup(params(stairstep()), rad(15_000_000));
    let mut vault = urn();
    bark(&mut dog, &mut clip, &mut vault);
    let id = AuctionId(1);
    // At 5,400 s = tail exactly: 60 steps, price/top ~ 0.99^60 > 1 - 60 x 0.01 = 0.4 = cusp
    // (Bernoulli), and 5,400 is not > tail: no reset yet.
    assert!(!clip.status(id, t(5_400)).unwrap().needs_redo);
    assert_eq!(
        clip.redo(id, KPR, ray(1_000), t(5_400)),
        Err(AuctionError::CannotReset)
    );
    // One second later the auction is past tail: takes are refused until a reset.
    assert!(clip.status(id, t(5_401)).unwrap().needs_redo);
    assert_eq!(
        clip.take(&mut dog, id, wad(1), ray(10_000), BUYER, t(5_401)),
        Err(AuctionError::NeedsReset)
    );
    // Reset from a feed price of 1,000: top = 1,200; tab 12,430 >= chost and lot x feed =
    // 10,000 DAI >= chost, so the keeper earns tip + chip again: 312.43 DAI.
    let ev = clip.redo(id, AgentId(9), ray(1_000), t(5_401)).unwrap();
    assert_eq!(
        ev,
        AuctionEvent::Redo {
            id,
            usr: OWNER,
            kpr: AgentId(9),
            top: ray(1_200),
            tab: rad(12_430),
            lot: wad(10),
            coin: u(31_243) * RAD / u(100),
        }
    );
    let st = clip.status(id, t(5_401)).unwrap();
    assert!(!st.needs_redo);
    assert_eq!(st.price, ray(1_200));
    assert_eq!(clip.sale(id).unwrap().tic, t(5_401));
    // The clock restarted: one step (90 s) later the price is 1,200 x 0.99 = 1,188.
    assert_eq!(clip.status(id, t(5_491)).unwrap().price, ray(1_188));
    // A clock before the reset is refused, not wrapped.
    assert_eq!(
        clip.status(id, t(5_400)),
        Err(AuctionError::TimeWentBackwards {
            now: t(5_400),
            since: t(5_401)
        })
    );
}

#[test]
fn redo_after_cusp() {
    // Linear to 0 in 1,000 s with cusp 0.5 and a long tail.
    let mut p = params(Abacus::linear(1_000));
    p.cusp = ray_bps(5_000);
    p.tail = 10_000;
    let (mut dog, mut clip) = setup(p, rad(15_000_000));
    let mut vault = urn();
    bark(&mut dog, &mut clip, &mut vault);
    let id = AuctionId(1);
    // 500 s: (1,000 - 500) x RAY / 1,000 = 0.5 ray; price = 900; rdiv(900, 1,800) = 0.5 ray,
    // which is not below cusp.
    let st = clip.status(id, t(500)).unwrap();
    assert_eq!((st.needs_redo, st.price), (false, ray(900)));
    // 501 s: 0.499 ray; price = 898.2; ratio 0.499 < 0.5: reset needed.
    let st = clip.status(id, t(501)).unwrap();
    assert!(st.needs_redo);
    assert_eq!(st.price, u(8_982) * RAY / u(10));
    assert_eq!(
        clip.take(&mut dog, id, wad(1), ray(2_000), BUYER, t(501)),
        Err(AuctionError::NeedsReset)
    );
    let ev = clip.redo(id, KPR, ray(1_500), t(501)).unwrap();
    let AuctionEvent::Redo { top, coin, .. } = ev else {
        panic!("not a redo: {ev:?}")
    };
    assert_eq!(top, ray(1_800));
    assert_eq!(coin, u(31_243) * RAD / u(100));
}

#[test]
fn redo_of_a_dusty_auction_pays_no_incentive() {
    let (mut dog, mut clip) = setup(params(stairstep()), rad(15_000_000));
    let mut vault = urn();
    bark(&mut dog, &mut clip, &mut vault);
    let id = AuctionId(1);
    // Leave tab = chost = 113 DAI and lot 3.157222222222222223 ETH (as in the partial test).
    clip.take(&mut dog, id, wad(69) / u(10), ray(1_800), BUYER, t(0))
        .unwrap();
    assert_eq!(clip.sale(id).unwrap().tab, rad(113));
    assert_eq!(clip.sale(id).unwrap().lot, u(3_157_222_222_222_222_223));
    // After tail, reset at a feed price of 30: lot x 30 = 94.7 DAI < chost 113, so no coin.
    let ev = clip.redo(id, KPR, ray(30), t(5_401)).unwrap();
    let AuctionEvent::Redo { top, coin, .. } = ev else {
        panic!("not a redo: {ev:?}")
    };
    assert_eq!(top, ray(36));
    assert_eq!(coin, U256::ZERO);
}

#[test]
fn hole_limit_makes_a_partial_bark() {
    // ilk.hole 5,000 DAI: room = 5,000 DAI, less than the vault's 12,430 DAI tab.
    let (mut dog, mut clip) = setup(params(stairstep()), rad(5_000));
    let mut vault = urn();
    let b = bark(&mut dog, &mut clip, &mut vault);
    // dart = 5,000e45 x 1e18 / 1.1e27 / 1.13e18: 5e66 / 1.1e27 = 4,545,...,545 (40 digits,
    // floored), / 1.13e18 = 4,022.526146419951729686...e18 floored.
    assert_eq!(b.dart, u(4_022_526_146_419_951_729_686));
    // dink = 10e18 x dart / 10,000e18 = dart / 1,000, floored.
    assert_eq!(b.dink, u(4_022_526_146_419_951_729));
    // due = dart x 1.1e27; tab = due x 1.13: just under the 5,000 DAI room.
    assert_eq!(b.due, b.dart * ray_bps(11_000));
    assert_eq!(b.tab, b.due * u(113) / u(100));
    assert_eq!(
        b.tab,
        u(4_999_999_999_999_999_999_999_698) * U256::from(10u8).pow(U256::from(24u8))
    );
    // The vault keeps the rest, 10,000 - 4,022.5 art: above dust, so the partial bark stands.
    assert_eq!(vault.art, wad(10_000) - b.dart);
    assert_eq!(vault.ink, wad(10) - b.dink);
    assert_eq!(dog.ilk(ETH).unwrap().dirt, b.tab);

    // The room left (about 3e-19 DAI) can seize no debt: a second bark would start an auction
    // below dust, and is refused with nothing changed.
    let (dog_before, clip_before, vault_before) = (dog.clone(), clip.clone(), vault);
    assert_eq!(
        dog.bark(&mut clip, &vat_ilk(), &mut vault, KPR, ray(1_500), t(1)),
        Err(AuctionError::DustyAuctionFromPartialLiquidation)
    );
    assert_eq!(
        (dog.clone(), clip.clone(), vault),
        (dog_before, clip_before, vault_before)
    );

    // Once a take brings DAI in, dirt falls and the room reopens.
    clip.take(&mut dog, AuctionId(1), wad(1), ray(1_800), BUYER, t(1))
        .unwrap();
    let b2 = dog
        .bark(&mut clip, &vat_ilk(), &mut vault, KPR, ray(1_500), t(1))
        .unwrap();
    assert_eq!(b2.id, AuctionId(2));
    assert!(b2.dart < vault_before.art);
}

#[test]
fn global_hole_limits_like_the_ilk_hole() {
    // Hole 5,000 DAI and a roomy ilk.hole: the same partial bark as with ilk.hole 5,000.
    let (mut dog, mut clip) = setup(params(stairstep()), rad(15_000_000));
    dog.set_global_hole(rad(5_000));
    let mut vault = urn();
    let b = bark(&mut dog, &mut clip, &mut vault);
    assert_eq!(b.dart, u(4_022_526_146_419_951_729_686));
    assert_eq!(dog.global_dirt(), b.tab);
    assert_eq!(dog.ilk(ETH).unwrap().dirt, b.tab);
}

#[test]
fn dusty_remainder_liquidates_the_whole_vault() {
    // rate 1, art 1,000: debt 1,000 DAI, full tab 1,130 DAI; ilk.hole 1,100 DAI.
    let (mut dog, mut clip) = setup(params(stairstep()), rad(1_100));
    let ilk = VatIlk {
        rate: RAY,
        spot: ray(90),
        dust: rad(100),
    };
    let mut vault = Urn {
        owner: OWNER,
        ink: wad(10),
        art: wad(1_000),
    };
    let b = dog
        .bark(&mut clip, &ilk, &mut vault, KPR, ray(100), t(0))
        .unwrap();
    // The room allows 1,100 / 1.13 = 973.45 art, leaving 26.5 DAI of debt < dust 100: the whole
    // vault is liquidated instead, and the ilk goes over its hole by 30 DAI.
    assert_eq!(b.dart, wad(1_000));
    assert_eq!(b.dink, wad(10));
    assert_eq!(b.tab, rad(1_130));
    assert_eq!(dog.ilk(ETH).unwrap().dirt, rad(1_130));
    // No room at all now.
    let mut other = Urn {
        owner: AccountId(8),
        ink: wad(1),
        art: wad(1_000),
    };
    assert_eq!(
        dog.bark(&mut clip, &ilk, &mut other, KPR, ray(100), t(0)),
        Err(AuctionError::LiquidationLimitHit)
    );
}

#[test]
fn safe_vaults_and_unknown_auctions_are_refused() {
    let (mut dog, mut clip) = setup(params(stairstep()), rad(15_000_000));
    let mut safe = Urn {
        owner: OWNER,
        ink: wad(20),
        art: wad(10_000),
    };
    // 20 x 1,000 = 20,000 >= 11,000.
    assert_eq!(
        dog.bark(&mut clip, &vat_ilk(), &mut safe, KPR, ray(1_500), t(0)),
        Err(AuctionError::NotUnsafe)
    );
    assert_eq!(
        clip.take(&mut dog, AuctionId(3), wad(1), ray(1), BUYER, t(0)),
        Err(AuctionError::NotRunning(AuctionId(3)))
    );
    assert_eq!(
        clip.redo(AuctionId(3), KPR, ray(1), t(0)),
        Err(AuctionError::NotRunning(AuctionId(3)))
    );
    // A zero feed price cannot start an auction, and nothing is seized.
    let mut vault = urn();
    assert_eq!(
        dog.bark(&mut clip, &vat_ilk(), &mut vault, KPR, U256::ZERO, t(0)),
        Err(AuctionError::ZeroTopPrice)
    );
    assert_eq!(vault, urn());
    assert_eq!(dog.global_dirt(), U256::ZERO);
    // The Dog refuses a chop below one.
    assert!(dog.set_ilk(ETH, wad_bps(9_000), rad(1)).is_err());
}

#[test]
fn eth_presets_match_the_documented_values() {
    let a = ClipperParams::eth_a_2021();
    assert_eq!(a.buf, u(13) * RAY / u(10));
    assert_eq!(a.tail, 8_400);
    assert_eq!(a.cusp, u(4) * RAY / u(10));
    assert_eq!(
        a.calc,
        Abacus::StairstepExponentialDecrease {
            step: 90,
            cut: u(99) * RAY / u(100)
        }
    );
    let b = ClipperParams::eth_b_2021();
    assert_eq!(b.buf, u(12) * RAY / u(10));
    assert_eq!(b.tail, 5_400);
    assert_eq!(b.tip, rad(300));
    assert_eq!(b.chip, wad(1) / u(1_000));
}
