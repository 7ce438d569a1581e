//! Event-queue throughput: push+pop pairs at a steady number of pending events.
//!
//! Each iteration pops the next event and pushes one new event a random delay after it, as a
//! simulation loop does. The queue is rebuilt for every batch (`iter_batched`), so no state leaks
//! between measurements. Throughput is reported in pairs per second.

use cascade_des::{EventClass, EventQueue, RngStreams};
use cascade_types::SimTime;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::rand_core::Rng;
use std::hint::black_box;

/// A payload the size of the engine's events; the loop reads it so it is not optimised away.
#[derive(Clone, Copy)]
struct Payload([u64; 3]);

impl Payload {
    fn tag(&self) -> u64 {
        self.0[0]
    }
}

const CLASSES: [EventClass; 5] = [
    EventClass::Exogenous,
    EventClass::Oracle,
    EventClass::Agent,
    EventClass::Protocol,
    EventClass::Snapshot,
];

fn filled(pending: usize) -> (EventQueue<Payload>, Vec<u64>) {
    let mut rng = RngStreams::new(1).stream("bench-queue", pending as u64);
    let mut q = EventQueue::with_capacity(pending + 1);
    for _ in 0..pending {
        let t = rng.next_u64() % 1_000_000_000;
        q.push(SimTime(t), CLASSES[(t % 5) as usize], Payload([t; 3]));
    }
    // Pre-drawn delays so the measured loop is the queue alone.
    let delays = (0..4096).map(|_| rng.next_u64() % 1_000_000_000).collect();
    (q, delays)
}

fn push_pop(c: &mut Criterion) {
    const PAIRS: u64 = 10_000;
    let mut group = c.benchmark_group("event_queue_push_pop");
    group.throughput(Throughput::Elements(PAIRS));
    for pending in [1_000usize, 1_000_000] {
        group.bench_function(format!("pending_{pending}"), |b| {
            b.iter_batched(
                || filled(pending),
                |(mut q, delays)| {
                    for i in 0..PAIRS as usize {
                        let e = q.pop().expect("queue never drains");
                        let d = delays[(i + e.event.tag() as usize) & 4095];
                        let t = SimTime(e.time.0 + d);
                        q.push(t, CLASSES[i % 5], black_box(e.event));
                    }
                    q
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = push_pop
}
criterion_main!(benches);
