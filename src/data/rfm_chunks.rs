//! Reading an RFM CSV in chunks of rows, with memory bounded by the chunk size rather than the
//! file's: what `clv predict` and `clv fit` use on files of any size.

use std::io::Read;

use crate::data::rfm::{CustomerTable, RfmCsvOptions};
use crate::data::rfm_distinct::DistinctRows;
use crate::error::{Error, Result};
use crate::io::CsvBytes;

/// Default size of a chunk of CSV bytes (about 1.5 million rows of a five-column RFM file).
pub const DEFAULT_CHUNK_BYTES: usize = 64 << 20;

/// An RFM CSV read as consecutive [`CustomerTable`]s of whole records, in file order.
///
/// Each chunk is parsed and validated as [`CustomerTable::from_csv_reader`] parses a whole
/// file (in parallel pieces when no field is quoted), and its errors name the file's rows.
/// Chunks end at record boundaries: at a newline outside quotes. Customer ids are checked for
/// repeats within a chunk only (a check over the whole file would hold every id).
///
/// ```
/// use clv::data::RfmChunks;
/// use clv::{RfmCsvOptions, TimeUnit};
/// let csv = "customer_id,frequency,recency,T\na,1,2,5\nb,0,0,5\nc,2,4,5\n";
/// let options = RfmCsvOptions::new(TimeUnit::Days);
/// let chunks: Vec<_> = RfmChunks::new(csv.as_bytes(), &options, 10)
///     .unwrap()
///     .collect::<clv::Result<_>>()
///     .unwrap();
/// assert_eq!(chunks.iter().map(|c| c.len()).sum::<usize>(), 3);
///
/// let bad = "customer_id,frequency,recency,T\na,1,2,5\nb,0,0,5\nc,2,9,5\n";
/// let err = RfmChunks::new(bad.as_bytes(), &options, 10)
///     .unwrap()
///     .collect::<clv::Result<Vec<_>>>()
///     .unwrap_err();
/// assert!(err.to_string().starts_with("row 3, column `recency`"), "{err}");
/// ```
pub struct RfmChunks<R> {
    reader: R,
    options: RfmCsvOptions,
    chunk_bytes: usize,
    /// The header line, newline included: every chunk is parsed as header + records.
    header: Vec<u8>,
    /// Bytes read after the last complete record of the previous chunk.
    carry: Vec<u8>,
    rows_before: usize,
    done: bool,
    keep_ids: bool,
}

impl RfmChunks<std::fs::File> {
    /// Chunks of the file at `path` (see [`new`](Self::new)).
    pub fn from_path(
        path: impl AsRef<std::path::Path>,
        options: &RfmCsvOptions,
        chunk_bytes: usize,
    ) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Self::new(file, options, chunk_bytes)
    }
}

impl<R: Read> RfmChunks<R> {
    /// Reads the header of `reader`; chunks hold about `chunk_bytes` bytes of records each
    /// (at least one record).
    pub fn new(mut reader: R, options: &RfmCsvOptions, chunk_bytes: usize) -> Result<Self> {
        let mut carry = Vec::new();
        let header = loop {
            if let Some(end) = record_end(&carry, true, options.delimiter) {
                let rest = carry.split_off(end + 1);
                let line = std::mem::replace(&mut carry, rest);
                // blank lines before the header are skipped, as the whole-file reader does
                if line != b"\n" && line != b"\r\n" {
                    break line;
                }
                continue;
            }
            if fill(&mut reader, &mut carry, chunk_bytes.clamp(1, 64 << 10))? == 0 {
                // a header without a newline (and so without records)
                break std::mem::take(&mut carry);
            }
        };
        if header.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::Empty {
                what: "CSV input".into(),
            });
        }
        let mut header = header;
        if header.last() != Some(&b'\n') {
            header.push(b'\n');
        }
        Ok(RfmChunks {
            reader,
            options: options.clone(),
            chunk_bytes: chunk_bytes.max(1),
            header,
            carry,
            rows_before: 0,
            done: false,
            keep_ids: true,
        })
    }

    /// Chunks whose ids are validated and checked for repeats within the chunk, as always,
    /// but not kept: every id of the tables is empty. For a reader that needs the numbers
    /// alone, such as a fit ([`FitData`](crate::fit::FitData)): it saves a string per row.
    ///
    /// ```
    /// use clv::data::RfmChunks;
    /// use clv::{RfmCsvOptions, TimeUnit};
    /// let options = RfmCsvOptions::new(TimeUnit::Days);
    /// let csv = "customer_id,frequency,recency,T\na,1,2,5\nb,0,0,5\n";
    /// let chunks = RfmChunks::new(csv.as_bytes(), &options, 1 << 20).unwrap().without_ids();
    /// let tables: Vec<_> = chunks.collect::<clv::Result<_>>().unwrap();
    /// assert_eq!(tables[0].ids(), ["", ""]);
    /// let repeat = "customer_id,frequency,recency,T\na,1,2,5\na,0,0,5\n";
    /// let err = RfmChunks::new(repeat.as_bytes(), &options, 1 << 20).unwrap().without_ids()
    ///     .next().unwrap().unwrap_err();
    /// assert!(err.to_string().contains("rows 1 and 2"), "{err}");
    /// ```
    pub fn without_ids(mut self) -> Self {
        self.keep_ids = false;
        self
    }

    /// The next chunk's bytes, header first; `None` at the end of the input.
    fn next_bytes(&mut self) -> Result<Option<Vec<u8>>> {
        let mut buf = crate::io::chunk_buffer(self.header.len() + self.chunk_bytes + (64 << 10));
        buf.extend_from_slice(&self.header);
        let start = buf.len();
        buf.append(&mut self.carry);
        let mut eof = false;
        while !eof {
            if buf.len() - start >= self.chunk_bytes {
                if let Some(end) = record_end(&buf[start..], false, self.options.delimiter) {
                    self.carry = buf[start + end + 1..].to_vec();
                    buf.truncate(start + end + 1);
                    break;
                }
            }
            let want = (self.chunk_bytes + start)
                .saturating_sub(buf.len())
                .max(self.chunk_bytes.min(64 << 10));
            eof = fill(&mut self.reader, &mut buf, want)? == 0;
        }
        if eof {
            self.done = true;
        }
        if buf[start..].iter().all(u8::is_ascii_whitespace) {
            self.done = true;
            return Ok(None);
        }
        Ok(Some(buf))
    }
}

impl<R: Read> RfmChunks<R> {
    /// The next chunk parsed by `parse` (given the chunk's bytes, the options and the rows
    /// before it); `rows` counts its records. `None` after the last chunk or an error.
    fn next_parsed<T>(
        &mut self,
        parse: impl FnOnce(&CsvBytes, &RfmCsvOptions, usize) -> Result<T>,
        rows: impl FnOnce(&T) -> usize,
    ) -> Option<Result<T>> {
        if self.done {
            return None;
        }
        let first = self.rows_before == 0;
        let bytes = match self.next_bytes() {
            Ok(Some(b)) => b,
            Ok(None) if first => {
                return Some(Err(Error::Empty {
                    what: "CSV input".into(),
                }))
            }
            Ok(None) => return None,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        let parsed = CsvBytes::from_bytes(bytes, self.options.delimiter)
            .and_then(|input| parse(&input, &self.options, self.rows_before));
        match &parsed {
            Ok(t) => self.rows_before += rows(t),
            Err(_) => self.done = true,
        }
        Some(parsed)
    }

    /// The chunks as what the fits need of them ([`DistinctRows`]), gathered while parsing,
    /// with the checks and errors of the tables.
    pub(crate) fn distinct_rows(mut self) -> impl Iterator<Item = Result<DistinctRows>> {
        std::iter::from_fn(move || self.next_parsed(DistinctRows::from_csv_bytes, |d| d.customers))
    }
}

impl<R: Read> Iterator for RfmChunks<R> {
    type Item = Result<CustomerTable>;

    fn next(&mut self) -> Option<Self::Item> {
        let keep_ids = self.keep_ids;
        self.next_parsed(
            |input, options, rows_before| {
                CustomerTable::from_csv_bytes_with(input, options, rows_before, keep_ids)
            },
            CustomerTable::len,
        )
    }
}

/// Runs `consume` on the items of `chunks` while a second thread produces them, one item
/// ahead: the next chunk is read and parsed while this one is fitted or scored and written.
/// On two cores that overlaps the sequential parts of each (the read, the grouping of rows).
/// The producer stops when `consume` returns (it drops the items it has not taken) and a
/// panic in it is raised again here.
pub(crate) fn read_ahead<I, R>(
    chunks: I,
    consume: impl FnOnce(&mut dyn Iterator<Item = I::Item>) -> R,
) -> R
where
    I: IntoIterator,
    I::IntoIter: Send,
    I::Item: Send,
{
    let chunks = chunks.into_iter();
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel(0);
        scope.spawn(move || {
            for item in chunks {
                if sender.send(item).is_err() {
                    break;
                }
            }
        });
        let mut items = receiver.into_iter();
        consume(&mut items)
    })
}

/// Appends up to `want` bytes of `reader` to `buf`; the number appended (0 at the end).
fn fill<R: Read>(reader: &mut R, buf: &mut Vec<u8>, want: usize) -> Result<usize> {
    reader
        .by_ref()
        .take(want as u64)
        .read_to_end(buf)
        .map_err(|e| Error::Csv(e.into()))
}

/// Position of the newline ending the first (`first`) or the last complete record of
/// `bytes`, which start at a record boundary: a newline outside a quoted field (a quoted field
/// may hold newlines; doubled quotes inside it keep it open). As in the csv crate, a double
/// quote opens a quoted field only at the start of a field; elsewhere it is a plain byte.
fn record_end(bytes: &[u8], first: bool, delimiter: u8) -> Option<usize> {
    if !bytes.contains(&b'"') {
        return if first {
            bytes.iter().position(|&b| b == b'\n')
        } else {
            bytes.iter().rposition(|&b| b == b'\n')
        };
    }
    // at the start of a field, in an unquoted one, in a quoted one, after a quote in a quoted one
    #[derive(PartialEq)]
    enum State {
        Start,
        Plain,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::Start;
    let mut last = None;
    for (i, &b) in bytes.iter().enumerate() {
        state = match (state, b) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') | (State::Start, b'"') => State::Quoted,
            (_, b'\n') => {
                if first {
                    return Some(i);
                }
                last = Some(i);
                State::Start
            }
            (_, b) if b == delimiter => State::Start,
            _ => State::Plain,
        };
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_without_ids_read_the_same_numbers_and_the_same_errors() {
        let options = RfmCsvOptions::new(TimeUnit::Days);
        let cases = [
            "customer_id,frequency,recency,T\na,1,2,5\nb,0,0,5\nc,2,4,5\n",
            "customer_id,frequency,recency,T\na,1,2,5\nb,0,0,5\na,2,4,5\n",
            "customer_id,frequency,recency,T\na,1,2,5\n ,0,0,5\n",
            "customer_id,frequency,recency,T\na,1,2,5\n b ,0,0,5\nb,1,1,1\n",
            "frequency,recency,T\n1,2,5\n0,0,5\n",
            "customer_id,frequency,recency,T\na,1,2,5\nb,0,9,5\n",
        ];
        let collect = |csv: &str, keep: bool, bytes: usize| {
            let chunks = RfmChunks::new(csv.as_bytes(), &options, bytes).unwrap();
            let chunks = if keep { chunks } else { chunks.without_ids() };
            chunks
                .map(|t| {
                    t.map(|t| {
                        (
                            t.frequency().to_vec(),
                            t.recency().to_vec(),
                            t.age().to_vec(),
                        )
                    })
                })
                .collect::<Result<Vec<_>>>()
                .map_err(|e| e.to_string())
        };
        for csv in cases {
            for bytes in [1, 12, 1 << 20] {
                assert_eq!(
                    collect(csv, true, bytes),
                    collect(csv, false, bytes),
                    "{csv:?} {bytes}"
                );
            }
        }
        assert!(collect(cases[1], false, 1 << 20)
            .unwrap_err()
            .contains("rows 1 and 3"));
    }

    #[test]
    fn read_ahead_keeps_the_order_and_stops_when_the_consumer_does() {
        let all = read_ahead(0..1000, |items| items.collect::<Vec<_>>());
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        // the consumer stops after two items: the producer stops too (this returns)
        let produced = std::sync::atomic::AtomicUsize::new(0);
        let counted = (0..1_000_000).inspect(|_| {
            produced.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        let first = read_ahead(counted, |items| items.take(2).collect::<Vec<_>>());
        assert_eq!(first, vec![0, 1]);
        assert!(produced.load(std::sync::atomic::Ordering::Relaxed) <= 4);
    }
    use crate::time::TimeUnit;

    fn whole(csv: &str, options: &RfmCsvOptions) -> Result<CustomerTable> {
        CustomerTable::from_csv_reader(csv.as_bytes(), options)
    }

    fn chunked(csv: &str, options: &RfmCsvOptions, bytes: usize) -> Result<Vec<CustomerTable>> {
        RfmChunks::new(csv.as_bytes(), options, bytes)?.collect()
    }

    fn sample(rows: usize, quoted: bool) -> String {
        let mut csv = "customer_id,frequency,recency,T,monetary_value\n".to_string();
        for i in 0..rows {
            let id = if quoted && i % 7 == 3 {
                format!("\"id\n\"\"{i}\"\"\"")
            } else {
                format!("id{i}")
            };
            csv.push_str(&format!(
                "{id},{},{},{},{}\n",
                i % 4,
                if i % 4 == 0 { 0 } else { i % 30 },
                30 + i % 9,
                if i % 4 == 0 { 0.0 } else { 1.5 + i as f64 }
            ));
        }
        csv
    }

    #[test]
    fn chunks_concatenate_to_the_whole_table() {
        let options = RfmCsvOptions::new(TimeUnit::Days).monetary_value("monetary_value");
        for quoted in [false, true] {
            let csv = sample(500, quoted);
            let all = whole(&csv, &options).unwrap();
            for bytes in [1, 37, 1000, 1 << 20] {
                let parts = chunked(&csv, &options, bytes).unwrap();
                let ids: Vec<String> = parts.iter().flat_map(|t| t.ids().to_vec()).collect();
                let x: Vec<f64> = parts.iter().flat_map(|t| t.frequency().to_vec()).collect();
                let m: Vec<f64> = parts
                    .iter()
                    .flat_map(|t| t.monetary_value().unwrap().to_vec())
                    .collect();
                assert_eq!(ids, all.ids(), "quoted {quoted}, {bytes} bytes");
                assert_eq!(x, all.frequency().to_vec());
                assert_eq!(m, all.monetary_value().unwrap().to_vec());
                if bytes == 1 {
                    assert_eq!(parts.len(), 500, "one record per chunk");
                }
            }
        }
    }

    #[test]
    fn errors_name_the_file_row_and_ids_default_to_row_numbers() {
        let options = RfmCsvOptions::new(TimeUnit::Days).monetary_value("monetary_value");
        let csv = sample(200, false).replace("id150,2,", "id150,x,");
        let expected = whole(&csv, &options).unwrap_err().to_string();
        let err = chunked(&csv, &options, 100).unwrap_err().to_string();
        assert_eq!(err, expected);
        assert!(err.starts_with("row 151, column `frequency`"), "{err}");

        // a repeated id within a chunk names the file's rows
        let csv = sample(200, false).replace("id121,", "id120,");
        let err = chunked(&csv, &options, 1 << 20).unwrap_err();
        assert!(
            matches!(
                err,
                Error::DuplicateId {
                    first: 121,
                    second: 122,
                    ..
                }
            ),
            "{err}"
        );

        let no_ids = "frequency,recency,T\n1,2,5\n0,0,5\n2,4,5\n";
        let parts = chunked(no_ids, &RfmCsvOptions::new(TimeUnit::Days), 1).unwrap();
        let ids: Vec<&str> = parts.iter().map(|t| t.ids()[0].as_str()).collect();
        assert_eq!(ids, ["1", "2", "3"]);
    }

    /// Found by `cargo fuzz` (target `rfm_csv`, minimised): blank lines before the header were
    /// read as the header, and the file as empty, though it reads whole.
    #[test]
    fn blank_lines_before_the_header_and_quotes_inside_fields_read_as_when_read_whole() {
        let reads_as_whole = |csv: &str, options: &RfmCsvOptions| {
            let all = whole(csv, options).unwrap();
            for bytes in [1, 7, 1 << 20] {
                let parts = chunked(csv, options, bytes).unwrap();
                let ids: Vec<String> = parts.iter().flat_map(|t| t.ids().to_vec()).collect();
                assert_eq!(ids, all.ids(), "{csv:?}, {bytes} bytes");
            }
        };
        let options = RfmCsvOptions::new(TimeUnit::Days);
        for csv in [
            "\nr_id,frequency,recency,T,_22\nb,1,7,13,",
            "\r\n\ncustomer_id,frequency,recency,T\na,1,2,5\nb,0,0,5\n",
        ] {
            reads_as_whole(csv, &options);
        }
        // a quote inside an unquoted field is a plain byte (found by `cargo fuzz`, minimised)
        let mut cal =
            options
                .clone()
                .columns("customer_id", "frequency_cal", "recency_cal", "T_cal");
        cal.id = crate::data::Column::IfPresent("customer_id".into());
        for (csv, options) in [
            (
                "customer_id,frequency,recency,T,x\"y\nc,2,30.43,38.,1\nd,0,0,1,\"2\"\"\n\"\n",
                &options,
            ),
            (
                "customer_id,frequency_cal,recency_cal,T_cal,motaenry_value_cal,fr\0\0\0\0\0\0\0al,\0\"DDDDDDDout\n2,2,30.43,38.,38.86,0,",
                &cal,
            ),
        ] {
            reads_as_whole(csv, options);
        }
        // blank lines alone are still an empty input
        assert!(matches!(
            chunked("\n\r\n\n", &options, 10),
            Err(Error::Empty { .. })
        ));
    }

    #[test]
    fn empty_inputs_are_errors_and_a_last_line_may_lack_its_newline() {
        let options = RfmCsvOptions::new(TimeUnit::Days);
        for csv in [
            "",
            "customer_id,frequency,recency,T\n",
            "customer_id,frequency,recency,T",
        ] {
            let err = chunked(csv, &options, 10).unwrap_err();
            assert!(matches!(err, Error::Empty { .. }), "{csv:?}: {err}");
        }
        let csv = "customer_id,frequency,recency,T\na,1,2,5\nb,0,0,5";
        let parts = chunked(csv, &options, 1).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].ids(), ["b"]);
    }
}
