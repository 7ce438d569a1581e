//! The event queue: a 4-ary min-heap over the key `(time, class, seq)`.

use cascade_types::SimTime;

/// The class of an event: the second component of the queue's order.
///
/// At equal times, events pop in this order. The order encodes causality within one instant:
/// the world moves first (exogenous prices), then what the protocol can see changes (oracle
/// observations and publications), then agents act on what they see, then protocol-side
/// processes run (auctions, keepers' checks), and snapshots record the state last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum EventClass {
    /// Exogenous inputs: reference price path steps, external data rows.
    Exogenous = 0,
    /// Oracle observations, arrivals and publications.
    Oracle = 1,
    /// Agent actions: market-maker re-quotes, liquidator wake-ups, orders.
    Agent = 2,
    /// Protocol processes that run after agents at the same instant (auction steps, checks).
    Protocol = 3,
    /// Trace snapshots of the state after everything else at that instant.
    Snapshot = 4,
}

/// An event taken from the queue, with its full key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled<E> {
    /// When it happens.
    pub time: SimTime,
    /// Its class (second key).
    pub class: EventClass,
    /// Its insertion number (third key), unique within one queue.
    pub seq: u64,
    /// The payload.
    pub event: E,
}

/// Bits of the secondary key given to the sequence number; the class sits above them.
const SEQ_BITS: u32 = 56;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;
const ARITY: usize = 4;

#[derive(Clone, Copy)]
struct Entry<E> {
    time: u64,
    /// `class << 56 | seq`: one integer compares class, then insertion order.
    rest: u64,
    event: E,
}

impl<E> Entry<E> {
    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.time) << 64) | u128::from(self.rest)
    }
}

/// Pending events in total `(time, class, seq)` order.
///
/// `seq` counts every push over the queue's life (2^56 pushes at most), so events pushed with the
/// same time and class pop in insertion order, whatever the heap's internal layout.
///
/// Events are small plain values (`Copy`): sifting moves whole entries through a hole instead of
/// swapping them, which is what makes the queue fast.
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
    next_seq: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `n` pending events.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            heap: Vec::with_capacity(n),
            next_seq: 0,
        }
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// `true` if nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Number of events pushed so far (the next event's `seq`).
    pub fn pushed(&self) -> u64 {
        self.next_seq
    }

    /// Schedules `event` at `time` in `class`; returns its sequence number.
    pub fn push(&mut self, time: SimTime, class: EventClass, event: E) -> u64 {
        let seq = self.next_seq;
        assert!(seq <= SEQ_MASK, "event sequence space exhausted");
        self.next_seq += 1;
        let entry = Entry {
            time: time.0,
            rest: ((class as u64) << SEQ_BITS) | seq,
            event,
        };
        self.heap.push(entry);
        self.sift_up(self.heap.len() - 1);
        seq
    }

    /// The key of the next event, without removing it.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(|e| SimTime(e.time))
    }

    /// Removes and returns the next event in `(time, class, seq)` order.
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        let last = self.heap.pop()?;
        let top = if self.heap.is_empty() {
            last
        } else {
            let top = std::mem::replace(&mut self.heap[0], last);
            self.sift_down(0);
            top
        };
        Some(Scheduled {
            time: SimTime(top.time),
            class: class_from_bits((top.rest >> SEQ_BITS) as u8),
            seq: top.rest & SEQ_MASK,
            event: top.event,
        })
    }

    /// Moves the entry at `i` up to its place: larger parents move down into the hole, and the
    /// entry is written once, where it belongs.
    fn sift_up(&mut self, mut i: usize) {
        let heap = &mut self.heap;
        let entry = heap[i];
        let key = entry.key();
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if heap[parent].key() <= key {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = entry;
    }

    /// Restores the heap after the root was replaced: smaller children move up into the hole
    /// until the root's entry fits. (Measured against Floyd's bottom-up variant and against keys
    /// kept apart from payloads in a slab: both were slower at 1k pending events; BENCHMARKS.md.)
    fn sift_down(&mut self, mut i: usize) {
        let heap = &mut self.heap;
        let n = heap.len();
        let entry = heap[i];
        let key = entry.key();
        loop {
            let first = i * ARITY + 1;
            if first >= n {
                break;
            }
            let (best, best_key) = if first + ARITY <= n {
                // A full set of children: a tournament of pairs, without data-dependent jumps.
                let kids = &heap[first..first + ARITY];
                let (k0, k1, k2, k3) = (kids[0].key(), kids[1].key(), kids[2].key(), kids[3].key());
                let (i01, k01) = if k1 < k0 { (1, k1) } else { (0, k0) };
                let (i23, k23) = if k3 < k2 { (3, k3) } else { (2, k2) };
                let (i, k) = if k23 < k01 { (i23, k23) } else { (i01, k01) };
                (first + i, k)
            } else {
                let mut best = first;
                let mut best_key = heap[first].key();
                for (c, e) in heap[first + 1..n].iter().enumerate() {
                    if e.key() < best_key {
                        best = first + 1 + c;
                        best_key = e.key();
                    }
                }
                (best, best_key)
            };
            if key <= best_key {
                break;
            }
            heap[i] = heap[best];
            i = best;
        }
        heap[i] = entry;
    }
}

fn class_from_bits(b: u8) -> EventClass {
    match b {
        0 => EventClass::Exogenous,
        1 => EventClass::Oracle,
        2 => EventClass::Agent,
        3 => EventClass::Protocol,
        4 => EventClass::Snapshot,
        _ => unreachable!("queue stores only EventClass discriminants"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RngStreams;
    use rand_chacha::rand_core::Rng;

    #[test]
    fn equal_times_pop_by_class_then_insertion_order() {
        let mut q = EventQueue::new();
        let t = SimTime(100);
        q.push(t, EventClass::Snapshot, "snapshot");
        q.push(t, EventClass::Agent, "agent-1");
        q.push(t, EventClass::Exogenous, "exogenous");
        q.push(t, EventClass::Agent, "agent-2");
        q.push(SimTime(50), EventClass::Snapshot, "earlier");
        q.push(t, EventClass::Oracle, "oracle");
        q.push(t, EventClass::Agent, "agent-3");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|s| s.event)).collect();
        assert_eq!(
            order,
            [
                "earlier",
                "exogenous",
                "oracle",
                "agent-1",
                "agent-2",
                "agent-3",
                "snapshot"
            ]
        );
    }

    #[test]
    fn popped_keys_carry_class_and_sequence() {
        let mut q = EventQueue::new();
        q.push(SimTime(7), EventClass::Protocol, ());
        q.push(SimTime(7), EventClass::Oracle, ());
        let a = q.pop().unwrap();
        let b = q.pop().unwrap();
        assert_eq!(
            (a.time, a.class, a.seq),
            (SimTime(7), EventClass::Oracle, 1)
        );
        assert_eq!(
            (b.time, b.class, b.seq),
            (SimTime(7), EventClass::Protocol, 0)
        );
        assert!(q.pop().is_none());
    }

    /// Against a sorted reference: many interleaved pushes and pops with heavy key collisions.
    #[test]
    fn matches_a_sorted_reference_under_random_interleaving() {
        let mut rng = RngStreams::new(7).stream("queue-test", 0);
        let mut q = EventQueue::new();
        let mut reference: Vec<(u64, u8, u64)> = Vec::new();
        let classes = [
            EventClass::Exogenous,
            EventClass::Oracle,
            EventClass::Agent,
            EventClass::Protocol,
            EventClass::Snapshot,
        ];
        let mut now = 0u64;
        for _ in 0..20_000 {
            if !rng.next_u64().is_multiple_of(3) || reference.is_empty() {
                let t = now + rng.next_u64() % 8;
                let c = classes[(rng.next_u64() % 5) as usize];
                let seq = q.push(SimTime(t), c, (t, c as u8));
                reference.push((t, c as u8, seq));
            } else {
                reference.sort_unstable();
                let want = reference.remove(0);
                let got = q.pop().unwrap();
                assert_eq!((got.time.0, got.class as u8, got.seq), want);
                assert_eq!(got.event, (want.0, want.1));
                now = got.time.0;
            }
        }
        reference.sort_unstable();
        for want in reference {
            let got = q.pop().unwrap();
            assert_eq!((got.time.0, got.class as u8, got.seq), want);
        }
        assert!(q.is_empty());
    }
}
