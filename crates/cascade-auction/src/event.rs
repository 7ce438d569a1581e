//! What each auction operation did, in integer units, for an engine to settle and trace.
//!
//! Every successful operation returns one [`AuctionEvent`]. The events carry every amount that
//! moves, so a caller can keep its own ledgers from them alone: the Dutch-auction events
//! (`Kick` with [`KickTerms::Dutch`], `Take`, `Redo`) mirror clip.sol's `Kick`/`Take`/`Redo`
//! logs, the English-auction ones (`Kick` with [`KickTerms::English`], `Tend`, `Dent`, `Tick`,
//! `Deal`) the `vat.move`/`vat.flux` calls of flip.sol.
//!
//! Units: `tab`, `bid`, `owe`, `coin`, `refund`, `paid`, `deficit` in rad; `lot`, `slice`,
//! `returned` in wad; `top`, `price`, `max` in ray.

use cascade_types::{AccountId, AgentId, SimTime};
use ruint::aliases::U256;

use crate::AuctionId;

/// How an auction starts: the Dutch terms of a Clipper or the English terms of a Flipper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KickTerms {
    /// Liquidations 2.0: a falling price from `top`.
    Dutch {
        /// Starting price, `feedPrice * buf` (ray).
        top: U256,
        /// The keeper who triggered the liquidation and receives `coin`.
        kpr: AgentId,
        /// Keeper incentive `tip + chip * tab`, new DAI owed by the protocol (rad).
        coin: U256,
    },
    /// Liquidations 1.2: rising DAI bids until `end`.
    English {
        /// Opening bid (the Cat opens at 0) (rad).
        bid: U256,
        /// Auction end, `kick time + tau`.
        end: SimTime,
    },
}

/// One auction operation and every amount it moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuctionEvent {
    /// An auction started for `lot` collateral to raise `tab` DAI from vault owner `usr`.
    Kick {
        /// The new auction.
        id: AuctionId,
        /// The liquidated vault's owner, who gets back any collateral left when `tab` is covered.
        usr: AccountId,
        /// DAI to raise, debt plus penalty (rad).
        tab: U256,
        /// Collateral for sale (wad).
        lot: U256,
        /// Dutch or English terms.
        terms: KickTerms,
    },
    /// A Dutch-auction purchase: `who` paid `owe` DAI for `slice` collateral at `price`.
    Take {
        /// The auction.
        id: AuctionId,
        /// The buyer.
        who: AgentId,
        /// The liquidated vault's owner.
        usr: AccountId,
        /// The buyer's price limit (ray).
        max: U256,
        /// The auction price paid (ray).
        price: U256,
        /// Collateral bought (wad).
        slice: U256,
        /// DAI paid to the protocol (rad).
        owe: U256,
        /// Tab left after the purchase (rad).
        tab: U256,
        /// Lot left after the purchase (wad) (before any return to `usr`).
        lot: U256,
        /// Collateral returned to `usr` because the tab is covered (wad).
        returned: U256,
        /// Tab left uncovered because the lot ran out (rad).
        deficit: U256,
    },
    /// A Dutch auction restarted from a fresh `top`.
    Redo {
        /// The auction.
        id: AuctionId,
        /// The liquidated vault's owner.
        usr: AccountId,
        /// The keeper who reset it and receives `coin`.
        kpr: AgentId,
        /// New starting price (ray).
        top: U256,
        /// Tab to raise (rad).
        tab: U256,
        /// Lot for sale (wad).
        lot: U256,
        /// Keeper incentive paid, zero when the auction is dusty (rad).
        coin: U256,
    },
    /// An English-auction bid raising the DAI offered for the whole lot (tend phase).
    Tend {
        /// The auction.
        id: AuctionId,
        /// The new high bidder.
        guy: AgentId,
        /// The lot bid on (unchanged) (wad).
        lot: U256,
        /// The new bid (rad).
        bid: U256,
        /// The previous high bidder (`None`: the kicker, before any keeper bid).
        prev_guy: Option<AgentId>,
        /// DAI the new bidder repaid to `prev_guy` (zero when raising one's own bid) (rad).
        refund: U256,
        /// DAI the new bidder paid to the protocol, `bid - previous bid` (rad).
        paid: U256,
    },
    /// An English-auction bid asking less collateral for the full tab (dent phase).
    Dent {
        /// The auction.
        id: AuctionId,
        /// The new high bidder.
        guy: AgentId,
        /// The new, lower lot (wad).
        lot: U256,
        /// The bid, equal to the tab (rad).
        bid: U256,
        /// The previous high bidder.
        prev_guy: Option<AgentId>,
        /// DAI the new bidder repaid to `prev_guy` (zero when lowering one's own lot) (rad).
        refund: U256,
        /// Collateral given back to the vault owner, `previous lot - lot` (wad).
        returned: U256,
    },
    /// An English auction with no bid restarted after its end.
    Tick {
        /// The auction.
        id: AuctionId,
        /// New end, `now + tau`.
        end: SimTime,
    },
    /// An English auction settled: `winner` takes `lot`; `bid` was raised against `tab`.
    Deal {
        /// The auction.
        id: AuctionId,
        /// The high bidder, who receives the lot.
        winner: AgentId,
        /// The liquidated vault's owner.
        usr: AccountId,
        /// Collateral won (wad).
        lot: U256,
        /// DAI raised (rad).
        bid: U256,
        /// DAI that was to be raised (rad).
        tab: U256,
        /// `tab - bid`: the part of the tab the auction did not cover (rad).
        deficit: U256,
    },
}

impl AuctionEvent {
    /// The auction the event belongs to.
    pub fn id(&self) -> AuctionId {
        match *self {
            AuctionEvent::Kick { id, .. }
            | AuctionEvent::Take { id, .. }
            | AuctionEvent::Redo { id, .. }
            | AuctionEvent::Tend { id, .. }
            | AuctionEvent::Dent { id, .. }
            | AuctionEvent::Tick { id, .. }
            | AuctionEvent::Deal { id, .. } => id,
        }
    }

    /// The operation's name as Maker spells it, for traces.
    pub fn name(&self) -> &'static str {
        match self {
            AuctionEvent::Kick { .. } => "kick",
            AuctionEvent::Take { .. } => "take",
            AuctionEvent::Redo { .. } => "redo",
            AuctionEvent::Tend { .. } => "tend",
            AuctionEvent::Dent { .. } => "dent",
            AuctionEvent::Tick { .. } => "tick",
            AuctionEvent::Deal { .. } => "deal",
        }
    }

    /// Whether the auction is over after this event: a `Take` that emptied the lot or covered the
    /// tab, or a `Deal`.
    pub fn ends_auction(&self) -> bool {
        match *self {
            AuctionEvent::Take { tab, lot, .. } => tab.is_zero() || lot.is_zero(),
            AuctionEvent::Deal { .. } => true,
            _ => false,
        }
    }
}
