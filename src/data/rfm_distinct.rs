//! What the fits need of an RFM CSV, read straight from its bytes: the distinct (x, t_x, T)
//! with their weights and the repeat customers' (x, mean spend, weight), gathered while the
//! records are parsed (in parallel pieces), without building the table of rows.
//!
//! Reading a table and then compressing it touches about 200 bytes of fresh memory a row
//! (the parsed columns of each piece, their concatenation, the ids, the grouping keys), and on
//! this machine the page faults of that memory cost as much as the parsing. Gathered while
//! parsing, a row costs a probe of the piece's places of distinct histories
//! ([`Places`]: a table by age for customers without repeat purchases, a hash map for the
//! others) and, for a repeat customer, 24 bytes of spend.

use rayon::prelude::*;

use crate::data::places::{merge_runs, Places};
use crate::data::rfm::{CustomerTable, RfmCsvOptions};
use crate::data::rfm_record::{id_hash, shared_hashes, RfmLayout, RfmRecord};
use crate::data::CompressedRfm;
use crate::error::{Error, Result};
use crate::io::CsvBytes;
use crate::time::TimeUnit;

/// The sufficient data of the fits for a run of records (a chunk of a file, or a piece of a
/// chunk).
#[derive(Debug)]
pub(crate) struct DistinctRows {
    /// Each distinct history's place in `distinct`, while records are pushed; empty in the
    /// rows [`combine`] makes of several pieces (their merge keeps places of its own).
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
    /// records' unit weights, exactly). Called once, when all records are pushed.
    fn settle_weights(&mut self) {
        if !self.weighted {
            for (place, met) in self.seen.counts() {
                self.distinct.weight[place as usize] = f64::from(met);
            }
        }
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

    /// Appends the ids of `other`, which come after these, but not their hashes.
    fn append(&mut self, other: Ids) {
        if other.first.is_empty() {
            return;
        }
        if self.first.is_empty() {
            self.first = other.first;
            self.increasing = other.increasing;
        } else {
            self.increasing &= other.increasing && shortlex_less(&self.last, &other.first);
        }
        self.last = other.last;
    }
}

/// `a < b` in shortlex order: shorter first, then by bytes.
#[inline]
fn shortlex_less(a: &str, b: &str) -> bool {
    (a.len(), a.as_bytes()) < (b.len(), b.as_bytes())
}

/// The pieces' records in order, and their ids. The hashes of several pieces are concatenated
/// only when the ids do not increase (an increase proves them distinct, and the caller then
/// never reads the hashes).
fn combine(mut pieces: Vec<Piece>, layout: &RfmLayout) -> (DistinctRows, Ids) {
    pieces.par_iter_mut().for_each(|p| p.rows.settle_weights());
    if pieces.len() <= 1 {
        let Piece { rows, ids } = pieces.pop().unwrap_or_else(|| Piece::new(0, layout));
        return (rows, ids);
    }
    let spends = pieces.iter().map(|p| p.rows.spend_mean.len()).sum();
    let first = &pieces[0].rows;
    let mut rows = DistinctRows::with_capacity(0, first.unit, first.weighted, first.has_spend);
    rows.spend_frequency.reserve_exact(spends);
    rows.spend_mean.reserve_exact(spends);
    rows.spend_weight.reserve_exact(spends);
    let (mut runs, mut hashes) = (Vec::new(), Vec::new());
    let mut ids = Ids {
        increasing: true,
        ..Ids::default()
    };
    for Piece {
        rows: piece,
        ids: mut piece_ids,
    } in pieces
    {
        rows.spend_frequency
            .extend_from_slice(&piece.spend_frequency);
        rows.spend_mean.extend_from_slice(&piece.spend_mean);
        rows.spend_weight.extend_from_slice(&piece.spend_weight);
        rows.without_spend += piece.without_spend;
        rows.customers += piece.customers;
        runs.push(piece.distinct);
        hashes.push(std::mem::take(&mut piece_ids.hashes));
        ids.append(piece_ids);
    }
    rows.distinct = merge_runs(runs);
    if !ids.increasing {
        ids.hashes = hashes.concat();
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
        assert!(pieces > 10 && customers == 200 && increasing && hashes == 0);
        let (_, _, increasing, hashes) = layout_of(&csv(200, false, false));
        assert!(!increasing && hashes == 200);
        // increasing within every piece but not across two of them
        let restart = csv(200, true, false).replace("c150,", "c0x,");
        assert!(!layout_of(&restart).2);
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
