//! Maker-style vaults, the second protocol a world can run: their configuration, the mapping
//! between Maker's fixed-point units and the market's integer units, and their counters.
//!
//! A world with [`VaultsConfig`] runs one collateral type (the market's base asset) in vaults
//! alongside the Aave-like lending market (which may have no accounts). Both read the same
//! market oracle. The handlers live in `world/vaults.rs` (vaults, liquidation module, auctions,
//! settlement) and `world/keepers.rs` (keepers' wake-ups and moves).

use crate::route::Route;
use cascade_agents::{KeeperParams, Wallet};
use cascade_auction::math::{BLN, RAD, RAY, WAD};
use cascade_auction::{ClipperParams, FlipperParams, U256};
use cascade_types::{Lots, MarketSpec, Quote, Ticks};

/// How Maker's units map to the market's: a lot is `wad_per_lot` wad of collateral, a tick
/// `ray_per_tick` ray of price, a quote atom `rad_per_atom` rad of DAI (1 DAI = 1 unit of the
/// quote currency, Maker's `par` of one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MakerUnits {
    /// Wad per lot: `lot_size * 10^18`, rounded.
    pub wad_per_lot: U256,
    /// Ray per tick: `tick_size * 10^27`, rounded to whole wad times `10^9`.
    pub ray_per_tick: U256,
    /// Rad per quote atom: `wad_per_lot * ray_per_tick`.
    pub rad_per_atom: U256,
}

impl MakerUnits {
    /// The units of a market whose tick and lot are each at least `10^-18` (checked when the
    /// scenario is validated).
    pub fn of(spec: &MarketSpec) -> Self {
        let wad = |x: f64| U256::from((x * 1e18).round().max(1.0) as u128);
        let wad_per_lot = wad(spec.lot_size);
        let ray_per_tick = wad(spec.tick_size) * BLN;
        MakerUnits {
            wad_per_lot,
            ray_per_tick,
            rad_per_atom: wad_per_lot * ray_per_tick,
        }
    }

    /// Lots in wad.
    pub fn wad(&self, q: Lots) -> U256 {
        U256::from(q.0) * self.wad_per_lot
    }

    /// Quote atoms in rad.
    pub fn rad(&self, a: Quote) -> U256 {
        U256::from(a.0) * self.rad_per_atom
    }

    /// A price in ray.
    pub fn ray(&self, p: Ticks) -> U256 {
        U256::from(u64::try_from(p.0).unwrap_or(0)) * self.ray_per_tick
    }

    /// Whole lots in `wad`, rounded down, and the remainder (wad).
    pub fn lots_floor(&self, wad: U256) -> (Lots, U256) {
        let lots = wad / self.wad_per_lot;
        (Lots(lots.to::<u64>()), wad - lots * self.wad_per_lot)
    }

    /// Whole quote atoms in `rad`, rounded down.
    pub fn atoms_floor(&self, rad: U256) -> Quote {
        Quote((rad / self.rad_per_atom).to::<u64>())
    }

    /// Whole quote atoms in `rad`, rounded up.
    pub fn atoms_ceil(&self, rad: U256) -> Quote {
        Quote(rad.div_ceil(self.rad_per_atom).to::<u64>())
    }

    /// DAI for output.
    pub fn dai(rad: U256) -> f64 {
        f64::from(rad) / f64::from(RAD)
    }

    /// Collateral units for output.
    pub fn coll(wad: U256) -> f64 {
        f64::from(wad) / f64::from(WAD)
    }

    /// A price for output.
    pub fn price(ray: U256) -> f64 {
        f64::from(ray) / f64::from(RAY)
    }
}

/// The collateral type's Vat and spotter settings, constant over a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IlkConfig {
    /// Liquidation ratio `mat` (ray): `spot = price / par / mat`.
    pub mat: U256,
    /// Liquidation penalty `chop` (wad).
    pub chop: U256,
    /// Debt floor `dust` (rad).
    pub dust: U256,
    /// Accumulated stability rate `rate` (ray); fees do not accrue within a run.
    pub rate: U256,
}

/// The liquidation module and auction house.
#[derive(Clone, Debug, PartialEq)]
pub enum AuctionDesign {
    /// Liquidations 1.2: the Cat and English (flip) auctions.
    Flip {
        /// Flipper settings.
        params: FlipperParams,
        /// The Cat's `box`: most DAI all running auctions may seek (rad).
        box_cap: U256,
        /// The Cat's `dunk`: largest tab of one auction (rad).
        dunk: U256,
    },
    /// Liquidations 2.0: the Dog and Dutch (clip) auctions.
    Clip {
        /// Clipper settings.
        params: ClipperParams,
        /// The Dog's global `Hole` (rad).
        hole: U256,
        /// The ilk's `hole` (rad).
        ilk_hole: U256,
    },
}

impl AuctionDesign {
    /// `flip` or `clip`.
    pub fn name(&self) -> &'static str {
        match self {
            AuctionDesign::Flip { .. } => "flip",
            AuctionDesign::Clip { .. } => "clip",
        }
    }
}

/// One vault at the start: locked collateral and normalised debt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VaultInit {
    /// Locked collateral.
    pub ink: Lots,
    /// Normalised debt (wad); the debt is `art * rate`.
    pub art: U256,
}

/// One keeper.
#[derive(Clone, Debug, PartialEq)]
pub struct KeeperConfig {
    /// Behaviour.
    pub params: KeeperParams,
    /// How it sells the collateral it wins.
    pub route: Route,
    /// Starting DAI and collateral.
    pub wallet: Wallet,
}

/// Maker-style vaults with their auctions and keepers.
#[derive(Clone, Debug, PartialEq)]
pub struct VaultsConfig {
    /// The collateral type.
    pub ilk: IlkConfig,
    /// Liquidation module and auctions.
    pub auction: AuctionDesign,
    /// Vaults, ids from 0.
    pub vaults: Vec<VaultInit>,
    /// Keepers, agent ids after the traders.
    pub keepers: Vec<KeeperConfig>,
}

/// An auction counts as won at or near zero when it raised less than this share of its tab
/// (basis points): Black Thursday's 0-DAI bids are far below it.
pub const NEAR_ZERO_BPS: u64 = 100;

/// What the vaults, auctions and keepers did in a run, in Maker's units.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VaultStats {
    /// Vaults at the start.
    pub vaults: u64,
    /// Auctions started (bites or barks).
    pub auctions: u64,
    /// Auctions over (dealt, or taken to the end of their lot or tab).
    pub auctions_ended: u64,
    /// Auctions still running at the end.
    pub auctions_open: u64,
    /// Bids: tends, dents and takes.
    pub bids: u64,
    /// Dutch auctions reset.
    pub redos: u64,
    /// English auctions restarted for want of bids.
    pub ticks: u64,
    /// Ended auctions that raised less than [`NEAR_ZERO_BPS`] of their tab.
    pub near_zero_wins: u64,
    /// Debt taken over from vaults, `dart * rate` summed (rad).
    pub debt_liquidated: U256,
    /// Tabs of all auctions (debt plus penalty) (rad).
    pub tab: U256,
    /// DAI raised by ended auctions (rad).
    pub raised: U256,
    /// Debt not covered by ended auctions, `max(0, debt - raised)` summed per auction (rad).
    pub deficit: U256,
    /// DAI raised above the debt by ended auctions (penalty income) (rad).
    pub surplus: U256,
    /// Keeper incentives minted, `tip + chip * tab` on kicks and resets (rad).
    pub incentives: U256,
    /// Collateral put up for auction (wad).
    pub collateral_auctioned: U256,
    /// Collateral returned to vault owners (wad).
    pub collateral_returned: U256,
    /// Collateral won in auctions that raised nearly nothing (wad).
    pub collateral_won_near_zero: U256,
    /// That collateral at the market oracle's price when each auction started (rad).
    pub value_won_near_zero: U256,
    /// Debt of auctions still running, less what they raised (rad).
    pub open_debt: U256,
    /// The part of `open_debt` above their lots' value at the last oracle price (rad).
    pub open_shortfall: U256,
    /// Keeper looks at an auction they passed on for want of DAI.
    pub keeper_no_capital: u64,
    /// Collateral keepers sold on the venues.
    pub keeper_sales: Lots,
}

impl VaultStats {
    /// Ended auctions won at or near zero, as a share of ended auctions (0 without any).
    pub fn near_zero_share(&self) -> f64 {
        if self.auctions_ended == 0 {
            0.0
        } else {
            self.near_zero_wins as f64 / self.auctions_ended as f64
        }
    }
}
