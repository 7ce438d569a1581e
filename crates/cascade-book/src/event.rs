//! What callers ask of the book and what the book reports back.

use cascade_types::{AgentId, Lots, OrderId, Side, Ticks};

/// The type of an incoming order, with its limit price where it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderType {
    /// Match what crosses the limit price, rest the remainder.
    Limit(Ticks),
    /// Match against whatever the book holds, at any price; cancel the remainder.
    Market,
    /// Immediate-or-cancel: match up to the limit price, cancel the remainder.
    Ioc(Ticks),
    /// Fill-or-kill: fill the whole quantity at or better than the limit price, or reject.
    Fok(Ticks),
    /// Rest at the limit price without taking liquidity; reject if it would cross.
    PostOnly(Ticks),
}

impl OrderType {
    /// The limit price, if the type has one.
    pub const fn limit(self) -> Option<Ticks> {
        match self {
            OrderType::Limit(p)
            | OrderType::Ioc(p)
            | OrderType::Fok(p)
            | OrderType::PostOnly(p) => Some(p),
            OrderType::Market => None,
        }
    }
}

/// Why an order left the book without trading all of its quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelReason {
    /// The owner cancelled it.
    Requested,
    /// The unfilled rest of an IOC order.
    ImmediateOrCancel,
    /// The unfilled rest of a market order: the opposite side ran out.
    NoLiquidity,
    /// Self-trade prevention: the order would have traded with its owner's own order.
    SelfTrade,
}

/// What happens when an incoming order would trade with a resting order of the same owner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SelfTradePrevention {
    /// They trade (no prevention).
    #[default]
    Allow,
    /// The resting order is cancelled and matching goes on.
    CancelResting,
    /// The incoming order's remainder is cancelled.
    CancelIncoming,
    /// Both the resting order and the incoming remainder are cancelled.
    CancelBoth,
}

/// Why a request was refused. A refused request leaves the book unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectReason {
    /// The quantity was zero.
    ZeroQuantity,
    /// The limit price was zero or negative.
    InvalidPrice,
    /// A post-only order would have taken liquidity.
    WouldTake,
    /// A fill-or-kill order could not be filled completely.
    CannotFill,
    /// The order to cancel or modify is not resting (unknown, filled or cancelled).
    UnknownOrder,
    /// The price is too far from the side's other levels (more than 2^22 ticks apart).
    PriceOutOfRange,
    /// A reduction of zero, or of more than the order holds.
    InvalidReduction,
}

/// One thing that happened in the book, in the order it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookEvent {
    /// An order (or its remainder) now rests on the book.
    Placed {
        /// The resting order.
        id: OrderId,
        /// Its owner.
        owner: AgentId,
        /// Its side.
        side: Side,
        /// Its price.
        price: Ticks,
        /// The quantity resting.
        qty: Lots,
    },
    /// A trade between a resting order (maker) and an incoming one (taker), at the maker's price.
    Fill {
        /// The resting order.
        maker: OrderId,
        /// Its owner.
        maker_owner: AgentId,
        /// The incoming order.
        taker: OrderId,
        /// Its owner.
        taker_owner: AgentId,
        /// The taker's side (`Ask` when a sell order hit the bids).
        taker_side: Side,
        /// The trade price (the maker's limit).
        price: Ticks,
        /// The traded quantity.
        qty: Lots,
        /// What is left of the maker order (0 when it is gone).
        maker_remaining: Lots,
    },
    /// An order left the book, or an incoming order's remainder was dropped.
    Cancelled {
        /// The order.
        id: OrderId,
        /// Its owner.
        owner: AgentId,
        /// The quantity that did not trade.
        remaining: Lots,
        /// Why.
        reason: CancelReason,
    },
    /// A resting order's quantity was reduced in place, keeping its priority.
    Reduced {
        /// The order.
        id: OrderId,
        /// Its owner.
        owner: AgentId,
        /// The quantity now resting.
        qty: Lots,
    },
    /// A request was refused; the book is unchanged.
    Rejected {
        /// The order the request was about (a fresh id for a new order).
        id: OrderId,
        /// The requester.
        owner: AgentId,
        /// Why.
        reason: RejectReason,
    },
}

/// Receives the book's events as they happen.
pub trait BookSink {
    /// Called once per event, in order.
    fn on_event(&mut self, event: BookEvent);
}

impl BookSink for Vec<BookEvent> {
    fn on_event(&mut self, event: BookEvent) {
        self.push(event);
    }
}

/// Discards events (for callers that read the book's state instead).
impl BookSink for () {
    fn on_event(&mut self, _event: BookEvent) {}
}
