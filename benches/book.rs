//! Order-book throughput.
//!
//! - `lobster_replay`: the AAPL LOBSTER sample (998 messages after the seeding snapshot), applied
//!   to a book seeded from its first snapshot; `lobster_replay_and_check` also compares the top
//!   ten levels with the exchange's snapshot after every message. Each batch starts from a fresh
//!   clone of the seeded replayer (`iter_batched`). Data: `$CASCADE_DATA_DIR` or `../shared/data`.
//! - `synthetic_flow`: 10,000 operations, about 60% limit adds, 30% cancels and 10% marketable
//!   orders, on a book holding 1,000 or 100,000 resting orders, rebuilt for every batch.

use cascade_book::replay::Replayer;
use cascade_book::{Book, OrderType};
use cascade_des::RngStreams;
use cascade_types::{AgentId, Lots, OrderId, Side, SimTime, Ticks};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::rand_core::Rng;
use std::hint::black_box;
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    std::env::var_os("CASCADE_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

fn lobster(c: &mut Criterion) {
    let dir = data_dir().join("lobster-aapl-2012-06-21-L10");
    let m = dir.join("AAPL_2012-06-21_34200000_57600000_message_10.csv");
    let o = dir.join("AAPL_2012-06-21_34200000_57600000_orderbook_10.csv");
    let sample = match cascade_scenario::lobster::load(&m, &o) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("skipping the LOBSTER benches: {e}");
            return;
        }
    };
    let seeded = Replayer::new(&sample.rows[0], 10);
    let messages = &sample.messages[1..];
    let mut group = c.benchmark_group("lobster");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("replay", |b| {
        b.iter_batched(
            || seeded.clone(),
            |mut r| {
                for m in messages {
                    r.apply(m);
                }
                r
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("replay_and_check", |b| {
        b.iter_batched(
            || seeded.clone(),
            |mut r| {
                for (m, row) in messages.iter().zip(&sample.rows[1..]) {
                    r.apply(m);
                    black_box(r.check(row));
                }
                r
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// One pre-drawn operation of the synthetic flow.
#[derive(Clone, Copy)]
enum Op {
    Add { side: Side, price: i64, qty: u64 },
    Cancel { pick: u64 },
    Take { side: Side, qty: u64 },
}

const MID: i64 = 100_000;

fn ops(n: usize, seed: u64) -> Vec<Op> {
    let mut rng = RngStreams::new(seed).stream("bench-flow", 0);
    (0..n)
        .map(|_| {
            let r = rng.next_u64() % 100;
            let side = if rng.next_u64().is_multiple_of(2) {
                Side::Bid
            } else {
                Side::Ask
            };
            if r < 60 {
                // Passive adds within 50 ticks of the touch, geometric-ish towards it.
                let off = 1 + (rng.next_u64() % 50).min(rng.next_u64() % 50) as i64;
                let price = if side == Side::Bid {
                    MID - off
                } else {
                    MID + off
                };
                Op::Add {
                    side,
                    price,
                    qty: 1 + rng.next_u64() % 10,
                }
            } else if r < 90 {
                Op::Cancel {
                    pick: rng.next_u64(),
                }
            } else {
                Op::Take {
                    side,
                    qty: 1 + rng.next_u64() % 20,
                }
            }
        })
        .collect()
}

/// A book with `resting` orders spread over 2,000 levels around `MID`, and their ids.
fn seeded_book(resting: usize) -> (Book, Vec<OrderId>) {
    let mut rng = RngStreams::new(9).stream("bench-seed", resting as u64);
    let mut book = Book::new();
    let mut ids = Vec::with_capacity(resting * 2);
    for i in 0..resting {
        let side = if i.is_multiple_of(2) {
            Side::Bid
        } else {
            Side::Ask
        };
        let off = 1 + (rng.next_u64() % 1_000) as i64;
        let price = if side == Side::Bid {
            MID - off
        } else {
            MID + off
        };
        let id = book.submit(
            SimTime(0),
            AgentId(1),
            side,
            Lots(1 + rng.next_u64() % 10),
            OrderType::Limit(Ticks(price)),
            &mut (),
        );
        ids.push(id);
    }
    (book, ids)
}

fn synthetic(c: &mut Criterion) {
    const OPS: usize = 10_000;
    let flow = ops(OPS, 3);
    let mut group = c.benchmark_group("synthetic_flow");
    group.throughput(Throughput::Elements(OPS as u64));
    for resting in [1_000usize, 100_000] {
        let base = seeded_book(resting);
        group.bench_function(format!("resting_{resting}"), |b| {
            b.iter_batched(
                || base.clone(),
                |(mut book, mut ids)| {
                    let mut events = Vec::with_capacity(64);
                    for (i, op) in flow.iter().enumerate() {
                        events.clear();
                        let now = SimTime(i as u64);
                        match *op {
                            Op::Add { side, price, qty } => {
                                let id = book.submit(
                                    now,
                                    AgentId(2),
                                    side,
                                    Lots(qty),
                                    OrderType::Limit(Ticks(price)),
                                    &mut events,
                                );
                                ids.push(id);
                            }
                            Op::Cancel { pick } => {
                                let k = (pick % ids.len() as u64) as usize;
                                let id = ids.swap_remove(k);
                                book.cancel(now, id, &mut events);
                            }
                            Op::Take { side, qty } => {
                                book.submit(
                                    now,
                                    AgentId(3),
                                    side,
                                    Lots(qty),
                                    OrderType::Market,
                                    &mut events,
                                );
                            }
                        }
                        black_box(&events);
                    }
                    (book, ids)
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = lobster, synthetic
}
criterion_main!(benches);
