//! What the fits need of an RFM CSV, read straight from its bytes: the distinct (x, t_x, T)
//! with their weights and the repeat customers' (x, mean spend, weight), gathered while the
//! records are parsed (in parallel pieces), without building the table of rows.
//!
//! Reading a table and then compressing it touches about 200 bytes of fresh memory a row
//! (the parsed columns of each piece, their concatenation, the ids, the grouping keys), and on
//! this machine the page faults of that memory cost as much as the parsing. Gathered while
//! parsing, a row costs a probe of a hash map of the piece's distinct histories and, for a
//! repeat customer, 24 bytes of spend.

use crate::data::hash::FastMap;
use crate::data::rfm::{CustomerTable, RfmCsvOptions};
use crate::data::rfm_record::{id_hash, shared_hashes, RfmLayout, RfmRecord};
use crate::data::CompressedRfm;
use crate::error::{Error, Result};
use crate::io::CsvBytes;
use crate::time::TimeUnit;

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

/// The places of distinct histories: by packed key when there is one, by bit patterns else.
#[derive(Debug, Clone, Default)]
pub(crate) struct Places {
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
        self.packed.is_empty() && self.other.is_empty()
    }

    /// The place of (x, t_x, T), which is `next` when the history is new; counts the meeting.
    #[inline]
    fn place(&mut self, x: f64, t_x: f64, age: f64, next: u32) -> u32 {
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

    /// Each history's place and the number of times it was met.
    fn counts(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let seen = self.packed.values().chain(self.other.values());
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

/// The sufficient data of the fits for a run of records (a chunk of a file, or a piece of a
/// chunk).
#[derive(Debug)]
pub(crate) struct DistinctRows {
    /// Each distinct history's place in `distinct`.
    seen: Places,
    /// The distinct histories in order of first appearance, weights summed in row order.
    pub(crate) distinct: CompressedRfm,
    /// Repeat customers with a positive mean spend: x, mean spend, weight, in row order.
    pub(crate) spend_frequency: Vec<f64>,
    pub(crate) spend_mean: Vec<f64>,
    pub(crate) spend_weight: Vec<f64>,
    /// Weight of the repeat customers whose mean spend is 0.
    pub(crate) without_spend: f64,
    /// Number of records.
    pub(crate) customers: usize,
    /// Whether the records have a weight; without, a history's weight is the number of its
    /// records, counted in `seen` and written to `distinct` by [`Self::settle_weights`].
    weighted: bool,
    /// Whether the records have a mean spend.
    pub(crate) has_spend: bool,
    /// The unit of the times.
    pub(crate) unit: TimeUnit,
}

impl DistinctRows {
    /// No records yet, room reserved for the spends of `rows` records.
    fn with_capacity(rows: usize, unit: TimeUnit, weighted: bool, has_spend: bool) -> Self {
        let spend = if has_spend { rows } else { 0 };
        DistinctRows {
            seen: Places::default(),
            distinct: CompressedRfm::default(),
            spend_frequency: Vec::with_capacity(spend),
            spend_mean: Vec::with_capacity(spend),
            spend_weight: Vec::with_capacity(spend),
            without_spend: 0.0,
            customers: 0,
            weighted,
            has_spend,
            unit,
        }
    }

    /// Parses `input` (its first record being row `rows_before + 1` of its file), with the
    /// checks and errors of [`CustomerTable::from_csv_bytes`]: ids are checked for repeats
    /// within `input` (through their hashes, and exactly when two hashes are equal).
    pub(crate) fn from_csv_bytes(
        input: &CsvBytes,
        options: &RfmCsvOptions,
        rows_before: usize,
    ) -> Result<Self> {
        let headers = input.headers();
        if headers.iter().all(str::is_empty) {
            return Err(Error::Empty {
                what: "CSV input".into(),
            });
        }
        let layout = RfmLayout::new(headers, options)?;
        let pieces = input.parse(
            |_, rows| Piece::new(rows, &layout),
            |piece, row, record| {
                piece.push(layout.read(rows_before + row, record)?);
                Ok(())
            },
        )?;
        let (rows, ids) = combine(pieces, &layout);
        if rows.customers == 0 {
            return Err(Error::Empty {
                what: "CSV input".into(),
            });
        }
        if !ids.increasing && !shared_hashes(&ids.hashes).is_empty() {
            // a repeat or a collision: the exact check names the id (and passes a collision)
            CustomerTable::from_csv_bytes(input, options, rows_before)?;
        }
        Ok(rows)
    }

    /// Adds one record.
    #[inline]
    fn push(&mut self, r: &RfmRecord<'_>) {
        let (x, w) = (r.frequency, r.weight.unwrap_or(1.0));
        let next = self.distinct.frequency.len() as u32;
        let g = self.seen.place(x, r.recency, r.age, next);
        if g == next {
            self.distinct.frequency.push(x);
            self.distinct.recency.push(r.recency);
            self.distinct.age.push(r.age);
            self.distinct.weight.push(w);
        } else if self.weighted {
            self.distinct.weight[g as usize] += w;
        }
        if let Some(m) = r.monetary_value {
            if x > 0.0 && m > 0.0 {
                self.spend_frequency.push(x);
                self.spend_mean.push(m);
                self.spend_weight.push(w);
            } else if x > 0.0 {
                self.without_spend += w;
            }
        }
        self.customers += 1;
    }

    /// Without weights, writes each history's count of records as its weight (the sum of its
    /// records' unit weights, exactly). Called once, when all records are pushed and before
    /// [`append`](Self::append) meets this run's histories again.
    fn settle_weights(&mut self) {
        if !self.weighted {
            for (place, met) in self.seen.counts() {
                self.distinct.weight[place as usize] = f64::from(met);
            }
        }
    }

    /// Appends the records of `other`, which come after these (both settled).
    pub(crate) fn append(&mut self, other: DistinctRows) {
        merge_histories(&mut self.distinct, &mut self.seen, &other.distinct);
        self.spend_frequency
            .extend_from_slice(&other.spend_frequency);
        self.spend_mean.extend_from_slice(&other.spend_mean);
        self.spend_weight.extend_from_slice(&other.spend_weight);
        self.without_spend += other.without_spend;
        self.customers += other.customers;
    }
}

/// The records of one parallel piece, and what the repeat check needs of their ids.
struct Piece {
    rows: DistinctRows,
    ids: Ids,
}

impl Piece {
    fn new(rows: usize, layout: &RfmLayout) -> Self {
        let has_spend = layout.monetary_value.is_some();
        Piece {
            rows: DistinctRows::with_capacity(
                rows,
                layout.options.unit,
                layout.weights.is_some(),
                has_spend,
            ),
            ids: Ids {
                hashes: Vec::with_capacity(if layout.id.is_some() { rows } else { 0 }),
                increasing: true,
                ..Ids::default()
            },
        }
    }

    #[inline]
    fn push(&mut self, r: RfmRecord<'_>) {
        self.rows.push(&r);
        if let Some(id) = r.id {
            self.ids.push(id);
        }
    }
}

/// The ids of a run of records: their hashes, and whether they increase strictly in shortlex
/// order (by length, then bytes: numeric order for numbers without leading zeros), which
/// proves them distinct without sorting the hashes. Files summarised by a group-by on the
/// customer (lifetimes', CLVTools', this crate's) have increasing ids.
#[derive(Default)]
struct Ids {
    hashes: Vec<u64>,
    increasing: bool,
    first: String,
    last: String,
}

impl Ids {
    #[inline]
    fn push(&mut self, id: &str) {
        self.hashes.push(id_hash(id));
        if self.first.is_empty() {
            self.first.push_str(id);
        } else {
            self.increasing &= shortlex_less(&self.last, id);
        }
        self.last.clear();
        self.last.push_str(id);
    }

    /// Appends the ids of `other`, which come after these.
    fn append(&mut self, other: Ids) {
        if other.first.is_empty() {
            return;
        }
        if self.first.is_empty() {
            *self = other;
            return;
        }
        self.increasing &= other.increasing && shortlex_less(&self.last, &other.first);
        self.hashes.extend_from_slice(&other.hashes);
        self.last = other.last;
    }
}

/// `a < b` in shortlex order: shorter first, then by bytes.
#[inline]
fn shortlex_less(a: &str, b: &str) -> bool {
    (a.len(), a.as_bytes()) < (b.len(), b.as_bytes())
}

/// The pieces' records in order, and their ids.
fn combine(pieces: Vec<Piece>, layout: &RfmLayout) -> (DistinctRows, Ids) {
    let mut pieces = pieces.into_iter();
    let Some(Piece { mut rows, mut ids }) = pieces.next() else {
        return (Piece::new(0, layout).rows, Ids::default());
    };
    rows.settle_weights();
    for mut piece in pieces {
        piece.rows.settle_weights();
        rows.append(piece.rows);
        ids.append(piece.ids);
    }
    (rows, ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RFM CSV of `n` rows: whole and fractional times, a -0, zero and positive spends,
    /// weights when `weights`; ids increasing, or shuffled when not `sorted`.
    fn csv(n: usize, sorted: bool, weights: bool) -> String {
        let mut out = String::from("customer_id,frequency,recency,T,monetary_value");
        out.push_str(if weights { ",w\n" } else { "\n" });
        for i in 0..n {
            let id = if sorted { i } else { (i * 7919) % n };
            let x = i % 3;
            let t_x = match (x, i % 11) {
                (0, 5) => "-0".to_string(),
                (0, _) => "0".to_string(),
                (_, 4) => format!("{}.5", i % 7),
                _ => (i % 7 + 1).to_string(),
            };
            let spend = if i % 5 == 0 {
                "0".to_string()
            } else {
                format!("{}.25", i % 9)
            };
            out.push_str(&format!("c{id},{x},{t_x},{},{spend}", 9 + i % 4));
            if weights {
                out.push_str(&format!(",{}", 1 + i % 3));
            }
            out.push('\n');
        }
        out
    }

    fn options(weights: bool) -> RfmCsvOptions {
        let o = RfmCsvOptions::new(TimeUnit::Days).monetary_value("monetary_value");
        if weights {
            o.weights("w")
        } else {
            o
        }
    }

    fn gathered(csv: &str, options: &RfmCsvOptions, piece: usize) -> Result<DistinctRows> {
        let input = CsvBytes::from_bytes(csv.as_bytes().to_vec(), b',')?.with_chunk_bytes(piece);
        DistinctRows::from_csv_bytes(&input, options, 0)
    }

    #[test]
    fn records_gathered_while_parsing_are_the_compressed_table_and_its_spends() {
        for (sorted, weights) in [(true, false), (false, false), (true, true)] {
            let (csv, options) = (csv(400, sorted, weights), options(weights));
            let table = CustomerTable::from_csv_reader(csv.as_bytes(), &options).unwrap();
            let compressed = CompressedRfm::from_table(&table);
            let (x, m) = (table.frequency(), table.monetary_value().unwrap());
            let w = |i: usize| table.weights().map_or(1.0, |w| w[i]);
            let kept: Vec<usize> = (0..table.len())
                .filter(|&i| x[i] > 0.0 && m[i] > 0.0)
                .collect();
            let without: f64 = (0..table.len())
                .filter(|&i| x[i] > 0.0 && m[i] == 0.0)
                .map(w)
                .sum();
            for piece in [1, 37, 500, usize::MAX] {
                let rows = gathered(&csv, &options, piece).unwrap();
                assert_eq!(rows.distinct, compressed, "{sorted} {weights} {piece}");
                assert!(rows.distinct.len() < 100, "histories repeat");
                assert_eq!(rows.customers, 400);
                assert_eq!(
                    rows.spend_frequency,
                    kept.iter().map(|&i| x[i]).collect::<Vec<_>>()
                );
                assert_eq!(
                    rows.spend_mean,
                    kept.iter().map(|&i| m[i]).collect::<Vec<_>>()
                );
                assert_eq!(
                    rows.spend_weight,
                    kept.iter().map(|&i| w(i)).collect::<Vec<_>>()
                );
                assert_eq!(rows.without_spend, without);
                assert!(rows.has_spend);
            }
        }
    }

    #[test]
    fn errors_are_those_of_the_table_reader() {
        let options = options(false);
        let good = csv(300, true, false);
        let cases = [
            // a bad value in a later piece
            good.replace("c250,", "c250,x"),
            good.replace("c251,2,", "c251,2,99"),
            // repeated ids: adjacent in sorted ids, far apart in shuffled ones, across pieces
            good.replace("c101,", "c100,"),
            good.replace("c290,", "c3,"),
            csv(300, false, false).replace("c119,", "c0,"),
            good.replace("c9,", ","),
            "customer_id,frequency,recency\nc1,1,2\n".to_string(),
            "customer_id,frequency,recency,T,monetary_value\n\n".to_string(),
        ];
        for (k, csv) in cases.iter().enumerate() {
            let expected = CustomerTable::from_csv_reader(csv.as_bytes(), &options)
                .unwrap_err()
                .to_string();
            for piece in [16, 300, usize::MAX] {
                let err = gathered(csv, &options, piece).unwrap_err().to_string();
                assert_eq!(err, expected, "case {k}, pieces of {piece} bytes");
            }
        }
    }

    #[test]
    fn only_increasing_ids_are_known_distinct_without_their_hashes() {
        let options = options(false);
        let layout_of = |csv: &str| {
            let input = CsvBytes::from_bytes(csv.as_bytes().to_vec(), b',').unwrap();
            let layout = RfmLayout::new(input.headers(), &options).unwrap();
            let pieces = input
                .with_chunk_bytes(64)
                .parse(
                    |_, rows| Piece::new(rows, &layout),
                    |piece, row, record| {
                        piece.push(layout.read(row, record)?);
                        Ok(())
                    },
                )
                .unwrap();
            let n = pieces.len();
            let (rows, ids) = combine(pieces, &layout);
            (n, rows.customers, ids.increasing, ids.hashes.len())
        };
        let (pieces, customers, increasing, hashes) = layout_of(&csv(200, true, false));
        assert!(pieces > 10 && customers == 200 && increasing && hashes == 200);
        assert!(!layout_of(&csv(200, false, false)).2);
        // increasing within every piece but not across two of them
        let restart = csv(200, true, false).replace("c150,", "c0x,");
        assert!(!layout_of(&restart).2);
    }

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

    #[test]
    fn shortlex_order_is_numeric_order_for_plain_numbers() {
        assert!(shortlex_less("9", "10"));
        assert!(shortlex_less("10", "11"));
        assert!(!shortlex_less("11", "11"));
        assert!(!shortlex_less("b", "a"));
        assert!(shortlex_less("C0009", "C0010"));
        assert!(!shortlex_less("10", "9"));
    }
}
