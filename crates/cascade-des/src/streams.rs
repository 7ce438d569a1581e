//! Named random-number streams.
//!
//! Every consumer of randomness asks for its own stream by `(name, id)`: the reference path is
//! `("reference", 0)`, market maker 3's latencies are `("maker", 3)`, and so on. Each stream is a
//! `ChaCha8Rng` seeded from the master seed and the stream's name and id alone, so streams are
//! independent of each other and of the order in which they are created.
//!
//! The derivation is part of the determinism contract (changing it changes every result):
//! `h = FNV-1a-64(name)`, `s = splitmix(splitmix(splitmix(master) ^ h) ^ id)`, and the 32-byte
//! ChaCha seed is four successive SplitMix64 outputs from `s`, little-endian.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

/// The generator every stream uses: ChaCha with 8 rounds, a fixed, portable algorithm.
pub type StreamRng = ChaCha8Rng;

/// The factory of a run's random streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RngStreams {
    master: u64,
}

impl RngStreams {
    /// Streams for a run with this master seed.
    pub const fn new(master_seed: u64) -> Self {
        RngStreams {
            master: master_seed,
        }
    }

    /// The run's master seed.
    pub const fn master_seed(&self) -> u64 {
        self.master
    }

    /// The stream `(name, id)`: the same generator state whenever it is asked for.
    pub fn stream(&self, name: &str, id: u64) -> StreamRng {
        StreamRng::from_seed(derive_seed(self.master, name, id))
    }
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn derive_seed(master: u64, name: &str, id: u64) -> [u8; 32] {
    let mut s = master;
    let mut s = splitmix64(&mut s) ^ fnv1a64(name.as_bytes());
    let mut s = splitmix64(&mut s) ^ id;
    let mut s = splitmix64(&mut s);
    let mut seed = [0u8; 32];
    for chunk in seed.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut s).to_le_bytes());
    }
    seed
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::Rng;

    fn draws(rng: &mut StreamRng, n: usize) -> Vec<u64> {
        (0..n).map(|_| rng.next_u64()).collect()
    }

    #[test]
    fn a_stream_does_not_depend_on_other_streams() {
        let streams = RngStreams::new(42);
        let alone = draws(&mut streams.stream("maker", 1), 16);
        // Create and consume other streams first, including a new agent of the same kind.
        let mut other = streams.stream("maker", 0);
        let _ = draws(&mut other, 100);
        let mut extra = streams.stream("maker", 2);
        let _ = draws(&mut extra, 100);
        let again = draws(&mut streams.stream("maker", 1), 16);
        assert_eq!(alone, again);
    }

    #[test]
    fn streams_differ_by_name_id_and_seed() {
        let a = draws(&mut RngStreams::new(42).stream("maker", 1), 4);
        let b = draws(&mut RngStreams::new(42).stream("maker", 2), 4);
        let c = draws(&mut RngStreams::new(42).stream("liquidator", 1), 4);
        let d = draws(&mut RngStreams::new(43).stream("maker", 1), 4);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    /// The derivation is part of the determinism contract: pin its output.
    #[test]
    fn derivation_is_pinned() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xe220_a839_7b1d_cdaf);
    }
}
