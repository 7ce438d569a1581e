//! Identifiers of auctions and collateral types.

use std::fmt;

/// An auction, numbered from 1 by the auction house that holds it (Maker's `kicks` counter).
///
/// A [`Clipper`](crate::Clipper) and a [`Flipper`](crate::Flipper) number their auctions
/// independently; the event variant tells which house an id belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AuctionId(pub u64);

/// A collateral type (Maker's `ilk`, e.g. ETH-A).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IlkId(pub u32);

impl fmt::Display for AuctionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl fmt::Display for IlkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ilk {}", self.0)
    }
}
