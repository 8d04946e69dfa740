//! The places of distinct histories (x, t_x, T) in a table of them: found while records are
//! read, and when the distinct histories of consecutive runs of records are merged.

use rayon::prelude::*;

use crate::data::hash::{FastHasher, FastMap};
use crate::data::CompressedRfm;

/// The key of a history (x, t_x, T): the bit patterns of its numbers, -0 folded into 0 (as the
/// grouping of a table folds it).
type HistoryKey = (u64, u64, u64);

/// The key of the history (x, t_x, T).
#[inline]
fn history_key(x: f64, t_x: f64, age: f64) -> HistoryKey {
    (
        (x + 0.0).to_bits(),
        (t_x + 0.0).to_bits(),
        (age + 0.0).to_bits(),
    )
}

/// Bits of each whole number in a packed key.
const PACKED_BITS: u32 = 21;

/// The history (x, t_x, T) packed into one `u64` when its numbers are whole and below 2^21
/// (whole-day or whole-week data), -0 as 0: a key of one word, hashed once, in a map whose
/// entries are half as large.
#[inline]
fn packed_key(x: f64, t_x: f64, age: f64) -> Option<u64> {
    const LIMIT: f64 = (1u64 << PACKED_BITS) as f64;
    let whole = |v: f64| (0.0..LIMIT).contains(&v) && (v as u64) as f64 == v;
    let key = x as u64 | (t_x as u64) << PACKED_BITS | (age as u64) << (2 * PACKED_BITS);
    (whole(x) && whole(t_x) && whole(age)).then_some(key)
}

/// Ages below this have their history (0, 0, T) placed by [`Places::zero`].
const ZERO_LIMIT: f64 = 65_536.0;

/// The places of distinct histories: those without repeat purchases at a whole age below
/// [`ZERO_LIMIT`] in a table indexed by the age, the others by packed key when there is one,
/// by bit patterns else.
#[derive(Debug, Clone, Default)]
pub(crate) struct Places {
    /// The history (0, 0, T) at index T, met 0 times when not met: most customers of a
    /// whole-day file never return (64% of the scale example's), and a probe of this small
    /// table stays in the cache where a probe of the hash map misses it (measured: the map's
    /// probe was a fifth of the time of reading the 1M-customer file).
    zero: Vec<Seen>,
    packed: FastMap<u64, Seen>,
    other: FastMap<HistoryKey, Seen>,
}

/// A history's place, and how many times it was met. The count shares the map's entry with the
/// place, so that counting a row's history touches no memory beyond the probe: a separate
/// column of weights costs a cache miss a row.
#[derive(Debug, Clone, Copy)]
struct Seen {
    place: u32,
    met: u32,
}

impl Seen {
    /// A history not met (in [`Places::zero`]: the place is set when it is).
    const UNSEEN: Seen = Seen {
        place: u32::MAX,
        met: 0,
    };
}

impl Places {
    /// The places of the histories of `histories`, which are distinct.
    pub(crate) fn of(histories: &CompressedRfm) -> Self {
        let mut places = Places::default();
        places.packed.reserve(histories.len());
        for j in 0..histories.len() {
            let h = (
                histories.frequency[j],
                histories.recency[j],
                histories.age[j],
            );
            places.place(h.0, h.1, h.2, j as u32);
        }
        places
    }

    /// True when no history has a place.
    pub(crate) fn is_empty(&self) -> bool {
        self.packed.is_empty() && self.other.is_empty() && self.zero.iter().all(|s| s.met == 0)
    }

    /// The place of (x, t_x, T), which is `next` when the history is new; counts the meeting.
    #[inline]
    pub(crate) fn place(&mut self, x: f64, t_x: f64, age: f64, next: u32) -> u32 {
        if x == 0.0 && t_x == 0.0 && (0.0..ZERO_LIMIT).contains(&age) {
            let k = age as usize;
            if k as f64 == age {
                return self.place_zero(k, next);
            }
        }
        let new = Seen {
            place: next,
            met: 0,
        };
        let seen = match packed_key(x, t_x, age) {
            Some(key) => self.packed.entry(key).or_insert(new),
            None => self.other.entry(history_key(x, t_x, age)).or_insert(new),
        };
        seen.met = seen.met.saturating_add(1);
        seen.place
    }

    /// The place of (0, 0, `age`), which is `next` when the history is new; counts the meeting.
    #[inline]
    fn place_zero(&mut self, age: usize, next: u32) -> u32 {
        if age >= self.zero.len() {
            self.zero.resize(age + 1, Seen::UNSEEN);
        }
        let seen = &mut self.zero[age];
        if seen.met == 0 {
            seen.place = next;
        }
        seen.met = seen.met.saturating_add(1);
        seen.place
    }

    /// Each history's place and the number of times it was met.
    pub(crate) fn counts(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let zero = self.zero.iter().filter(|s| s.met > 0);
        let seen = zero.chain(self.packed.values()).chain(self.other.values());
        seen.map(|s| (s.place, s.met))
    }
}

/// Adds the histories of `more` (distinct) to `to` (distinct, with its `places`): new ones at
/// the end in their order, the weights of those met before summed.
pub(crate) fn merge_histories(to: &mut CompressedRfm, places: &mut Places, more: &CompressedRfm) {
    for j in 0..more.len() {
        let (x, t_x, age) = (more.frequency[j], more.recency[j], more.age[j]);
        let next = to.len() as u32;
        let g = places.place(x, t_x, age, next);
        if g == next {
            to.frequency.push(x);
            to.recency.push(t_x);
            to.age.push(age);
            to.weight.push(more.weight[j]);
        } else {
            to.weight[g as usize] += more.weight[j];
        }
    }
}

/// Shards of [`merge_runs`]: a few per core, each with a map small enough for a core's cache
/// (the scale example's 186k histories make shards of about 12k, 200 kB).
const SHARDS: usize = 16;

/// The shard of (x, t_x, T), from bits of its key's hash that the maps of the shards do not
/// use (they take the low bits for the bucket, the top 7 for its tag).
#[inline]
fn shard_of(x: f64, t_x: f64, age: f64) -> usize {
    use std::hash::Hasher;
    let mut hasher = FastHasher::default();
    match packed_key(x, t_x, age) {
        Some(key) => hasher.write_u64(key),
        None => {
            let (a, b, c) = history_key(x, t_x, age);
            hasher.write_u64(a);
            hasher.write_u64(b);
            hasher.write_u64(c);
        }
    }
    (hasher.finish() >> 40) as usize % SHARDS
}

/// Where a shard of [`merge_runs`] first met a history, and the history's summed weight.
struct FirstMet {
    run: u32,
    history: u32,
    weight: f64,
}

/// The distinct histories of consecutive runs of records (each run's histories distinct) as
/// one table: what merging them one after another with [`merge_histories`] gives, histories
/// in order of first appearance and a history's weights summed in run order, but with the
/// probes made in parallel, by shards of histories.
///
/// Merging one run after another probes one map of all histories on one core; on the scale
/// example's 1M-customer file those probes missed the cache and took a sixth of the time of
/// the read, while the other core waited.
pub(crate) fn merge_runs(mut runs: Vec<CompressedRfm>) -> CompressedRfm {
    if runs.len() <= 1 {
        return runs.pop().unwrap_or_default();
    }
    // each run's histories by shard, in their order
    let by_shard: Vec<Vec<Vec<u32>>> = runs
        .par_iter()
        .map(|run| {
            let mut shards = vec![Vec::new(); SHARDS];
            for j in 0..run.len() {
                let s = shard_of(run.frequency[j], run.recency[j], run.age[j]);
                shards[s].push(j as u32);
            }
            shards
        })
        .collect();
    let first_met: Vec<Vec<FirstMet>> = (0..SHARDS)
        .into_par_iter()
        .map(|s| merge_shard(&runs, by_shard.iter().map(|shards| &shards[s][..])))
        .collect();
    // the summed weight at each history's first meeting, NaN elsewhere (weights are positive)
    let mut weight: Vec<Vec<f64>> = runs.iter().map(|r| vec![f64::NAN; r.len()]).collect();
    for f in first_met.iter().flatten() {
        weight[f.run as usize][f.history as usize] = f.weight;
    }
    let distinct = first_met.iter().map(Vec::len).sum();
    let mut out = CompressedRfm {
        frequency: Vec::with_capacity(distinct),
        recency: Vec::with_capacity(distinct),
        age: Vec::with_capacity(distinct),
        weight: Vec::with_capacity(distinct),
    };
    for (run, weight) in runs.iter().zip(&weight) {
        for (j, &w) in weight.iter().enumerate() {
            if !w.is_nan() {
                out.frequency.push(run.frequency[j]);
                out.recency.push(run.recency[j]);
                out.age.push(run.age[j]);
                out.weight.push(w);
            }
        }
    }
    out
}

/// One shard of [`merge_runs`]: the histories of `runs` at `positions` (one list per run, in
/// order), each where it was first met, with its weights summed in run order.
fn merge_shard<'a>(
    runs: &[CompressedRfm],
    positions: impl Iterator<Item = &'a [u32]>,
) -> Vec<FirstMet> {
    let mut places = Places::default();
    let mut first_met: Vec<FirstMet> = Vec::new();
    for (r, (run, positions)) in runs.iter().zip(positions).enumerate() {
        for &j in positions {
            let h = j as usize;
            let next = first_met.len() as u32;
            let g = places.place(run.frequency[h], run.recency[h], run.age[h], next);
            if g == next {
                first_met.push(FirstMet {
                    run: r as u32,
                    history: j,
                    weight: run.weight[h],
                });
            } else {
                first_met[g as usize].weight += run.weight[h];
            }
        }
    }
    first_met
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_keys_fold_negative_zero_and_refuse_fractions_and_large_numbers() {
        assert_eq!(packed_key(-0.0, 0.0, 3.0), packed_key(0.0, 0.0, 3.0));
        assert_eq!(packed_key(1.0, 2.0, 3.0), Some(1 | 2 << 21 | 3 << 42));
        let max = ((1u64 << 21) - 1) as f64;
        assert!(packed_key(max, max, max).is_some());
        for bad in [0.5, -1.0, (1u64 << 21) as f64, f64::NAN, f64::INFINITY] {
            assert_eq!(packed_key(1.0, bad, 2.0), None, "{bad}");
        }
    }

    /// `runs` runs of distinct histories drawn from a fixed sequence, repeating across runs:
    /// whole and fractional times, large ones, -0, customers without repeat purchases
    /// (placed by age), and weights that are not whole (so that their order of summation
    /// shows in the bits).
    fn runs(runs: usize, per_run: usize) -> Vec<CompressedRfm> {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut draw = |n: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % n
        };
        (0..runs)
            .map(|_| {
                let mut run = CompressedRfm::default();
                let mut places = Places::default();
                while run.len() < per_run {
                    let x = draw(4) as f64;
                    let (t_x, age) = match draw(5) {
                        _ if x == 0.0 => (if draw(2) == 0 { -0.0 } else { 0.0 }, draw(90) as f64),
                        0 => (draw(20) as f64 + 0.5, 30.25),
                        1 => (1e7 + draw(9) as f64, 2e7),
                        _ => (draw(30) as f64, 30.0 + draw(30) as f64),
                    };
                    let next = run.len() as u32;
                    if places.place(x, t_x, age, next) == next {
                        run.frequency.push(x);
                        run.recency.push(t_x);
                        run.age.push(age);
                        run.weight.push(0.1 + draw(7) as f64 / 3.0);
                    }
                }
                run
            })
            .collect()
    }

    #[test]
    fn merged_runs_are_the_runs_merged_one_after_another() {
        for (count, per_run) in [(0, 0), (1, 50), (2, 300), (7, 400), (40, 25)] {
            let runs = runs(count, per_run);
            let mut expected = runs.first().cloned().unwrap_or_default();
            let mut places = Places::of(&expected);
            for run in runs.iter().skip(1) {
                merge_histories(&mut expected, &mut places, run);
            }
            if count > 1 {
                assert!(
                    expected.len() < count * per_run,
                    "histories repeat across runs"
                );
            }
            let merged = merge_runs(runs);
            // bit for bit, weights included, -0 kept where it was first met
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&merged.frequency), bits(&expected.frequency));
            assert_eq!(bits(&merged.recency), bits(&expected.recency));
            assert_eq!(bits(&merged.age), bits(&expected.age));
            assert_eq!(bits(&merged.weight), bits(&expected.weight), "{count} runs");
        }
    }

    #[test]
    fn shards_share_out_histories() {
        let mut sizes = [0usize; SHARDS];
        for x in 1..40 {
            for age in 1..100 {
                sizes[shard_of(f64::from(x), 1.0, f64::from(age))] += 1;
            }
        }
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(
            *min > 39 * 99 / SHARDS / 2 && *max < 39 * 99 / SHARDS * 2,
            "{sizes:?}"
        );
    }
}
