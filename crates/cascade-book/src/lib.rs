//! A price-time-priority limit order book.
//!
//! This crate owns matching and resting orders, nothing else: no cash, no agents, no clock. The
//! caller passes `now` into every operation and receives what happened as [`BookEvent`]s through
//! a [`BookSink`]; the book reads no clock and draws no random numbers, so the same calls give the
//! same events on every machine.
//!
//! Prices are integer [`Ticks`](cascade_types::Ticks), sizes integer
//! [`Lots`](cascade_types::Lots). Priority is price first, then arrival: each price level is a
//! FIFO queue of orders (an intrusive doubly linked list over a slab, so cancels are O(1)), and
//! levels sit in an ordered map per side with the best price cached, so the best bid and ask are
//! O(1).
//!
//! Order types: [`OrderType::Limit`] (rests what it cannot fill), [`OrderType::Market`] (fills
//! what the book offers, the rest is cancelled), [`OrderType::Ioc`] (fills up to its limit price,
//! the rest is cancelled), [`OrderType::Fok`] (fills completely at or better than its limit, or is
//! rejected without touching the book) and [`OrderType::PostOnly`] (rests, or is rejected if it
//! would take liquidity). Bad requests are [`BookEvent::Rejected`] events, never panics.

mod book;
mod event;
pub mod replay;

pub use book::{Book, LevelView, OrderView};
pub use event::{BookEvent, BookSink, CancelReason, OrderType, RejectReason, SelfTradePrevention};
