//! Deterministic hashing and shuffling: FNV-1a for feature hashing and a SplitMix64 stream for
//! shuffles. Both are fixed forever (a test pins them), unlike `std`'s hasher or a crate's
//! generator, so a model trained today reads the same features and folds tomorrow.

/// FNV-1a, 64-bit: stable across platforms and Rust versions, unlike `std`'s hasher.
/// A `const fn`, so fixed strings hash at compile time.
#[inline]
pub const fn hash(s: &str) -> u64 {
    hash_more(0xcbf2_9ce4_8422_2325, s)
}

/// FNV-1a continued from state `h`: `hash_more(hash(a), b) == hash(a + b)`.
#[inline]
pub const fn hash_more(mut h: u64, s: &str) -> u64 {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        h ^= b[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

/// `hash("")`.
pub const EMPTY_HASH: u64 = hash("");

/// The index hash of a feature from its template's and its value's hashes: a multiply-xorshift
/// mix, so nearby inputs spread over the whole table.
#[inline]
pub fn combine(a: u64, b: u64) -> u64 {
    let x = (a ^ b.rotate_left(23)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^ (x >> 29)
}

/// A small deterministic generator (SplitMix64) for shuffling: its stream is fixed forever,
/// which a crate's generator does not promise across versions.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_shuffle_are_pinned() {
        // Pinned: changing either silently breaks every shipped model and every fold.
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash_more(hash("ab"), "c"), hash("abc"));
        let mut v: Vec<u32> = (0..8).collect();
        SplitMix::new(7).shuffle(&mut v);
        let again = {
            let mut w: Vec<u32> = (0..8).collect();
            SplitMix::new(7).shuffle(&mut w);
            w
        };
        assert_eq!(v, again);
        assert_eq!(SplitMix::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
    }
}
