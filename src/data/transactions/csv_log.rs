//! Reading transaction logs from delimited text: CSV (any one-byte delimiter, quoting) and
//! whitespace-separated columns.

use std::io::{BufRead, BufReader, Read};

use super::dates::DateFormat;
use super::summarizer::{ColumnLabels, Summarizer};
use super::{ColumnRef, Separator, TransactionLogOptions};
use crate::error::{Error, Result};

/// Resolved column positions and their names for messages.
pub(crate) struct Layout {
    pub(crate) customer: usize,
    pub(crate) time: usize,
    pub(crate) amount: Option<usize>,
    pub(crate) labels: ColumnLabels,
}

impl Layout {
    /// Finds the columns in `header` (`None` when the log has no header).
    pub(crate) fn resolve(
        options: &TransactionLogOptions,
        header: Option<&[String]>,
    ) -> Result<Layout> {
        let find = |c: &ColumnRef| -> Result<(usize, String)> {
            match (c, header) {
                (ColumnRef::Position(i), Some(h)) => match h.get(*i) {
                    Some(name) => Ok((*i, name.clone())),
                    None => Err(Error::MissingColumn {
                        column: format!("#{i} (counting from 0)"),
                        available: h.join(","),
                    }),
                },
                (ColumnRef::Position(i), None) => Ok((*i, format!("#{i}"))),
                (ColumnRef::Name(name), Some(h)) => match h.iter().position(|x| x == name) {
                    Some(i) => Ok((i, name.clone())),
                    None => Err(Error::MissingColumn {
                        column: name.clone(),
                        available: h.join(","),
                    }),
                },
                (ColumnRef::Name(name), None) => Err(Error::MissingColumn {
                    column: name.clone(),
                    available: "(none: the log is read without a header; give columns by position)"
                        .into(),
                }),
            }
        };
        let (customer, c_label) = find(&options.customer)?;
        let (time, t_label) = find(&options.time)?;
        let (amount, a_label) = match &options.amount {
            Some(a) => {
                let (i, l) = find(a)?;
                (Some(i), l)
            }
            None => (None, "amount".into()),
        };
        Ok(Layout {
            customer,
            time,
            amount,
            labels: ColumnLabels {
                customer: c_label,
                time: t_label,
                amount: a_label,
            },
        })
    }
}

/// Where parsed log lines go: the summariser, or a caller's visitor.
pub(crate) trait RowSink {
    /// The column names of the log, for the sink's own messages.
    fn set_labels(&mut self, _labels: &ColumnLabels) {}
    /// One line: its 1-based line number, customer id, time in seconds since the epoch, amount.
    fn push_at(&mut self, line: u64, id: &str, seconds: i64, amount: Option<f64>) -> Result<()>;
}

impl RowSink for Summarizer {
    fn set_labels(&mut self, labels: &ColumnLabels) {
        self.labels = labels.clone();
    }
    fn push_at(&mut self, line: u64, id: &str, seconds: i64, amount: Option<f64>) -> Result<()> {
        Summarizer::push_at(self, line, id, seconds, amount)
    }
}

/// Parses the fields of one line and feeds a [`RowSink`]. Remembers the last timestamp text,
/// since logs sorted by time repeat it line after line.
pub(crate) struct RowParser<'a> {
    layout: Layout,
    format: &'a DateFormat,
    last_time: Vec<u8>,
    last_seconds: Option<i64>,
}

fn lossy(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

impl<'a> RowParser<'a> {
    pub(crate) fn new(layout: Layout, format: &'a DateFormat) -> Self {
        RowParser {
            layout,
            format,
            last_time: Vec::with_capacity(32),
            last_seconds: None,
        }
    }

    /// `field(i)` is the `i`-th field of the line (untrimmed), `None` past the last one.
    pub(crate) fn row<'r>(
        &mut self,
        line: u64,
        field: impl Fn(usize) -> Option<&'r [u8]>,
        sink: &mut impl RowSink,
    ) -> Result<()> {
        let row = line as usize;
        let labels = &self.layout.labels;
        let id = field(self.layout.customer).map_or(&b""[..], <[u8]>::trim_ascii);
        if id.is_empty() {
            return Err(Error::invalid_value(
                row,
                &labels.customer,
                "",
                "missing customer id",
            ));
        }
        let id = std::str::from_utf8(id).map_err(|_| {
            Error::invalid_value(
                row,
                &labels.customer,
                lossy(id),
                "customer id is not valid UTF-8",
            )
        })?;
        let time = field(self.layout.time).map_or(&b""[..], <[u8]>::trim_ascii);
        let seconds = match self.last_seconds {
            Some(s) if self.last_time == time => s,
            _ => {
                if time.is_empty() {
                    return Err(Error::invalid_value(row, &labels.time, "", "missing date"));
                }
                let s = self
                    .format
                    .parse_seconds(time)
                    .map_err(|why| Error::invalid_value(row, &labels.time, lossy(time), why))?;
                self.last_time.clear();
                self.last_time.extend_from_slice(time);
                self.last_seconds = Some(s);
                s
            }
        };
        let amount = match self.layout.amount {
            None => None,
            Some(i) => {
                let raw = field(i).map_or(&b""[..], <[u8]>::trim_ascii);
                Some(parse_amount(row, &labels.amount, raw)?)
            }
        };
        sink.push_at(line, id, seconds, amount)
    }
}

/// Plain decimals such as `-123.45`: with at most 15 digits and 22 decimals, `digits / 10^k`
/// is one correctly rounded division of exact values, so it equals the correctly rounded
/// parse (Clinger's fast path). `None` for anything else.
fn parse_plain_decimal(raw: &[u8]) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let (negative, digits) = match raw.first()? {
        b'-' => (true, &raw[1..]),
        b'+' => (false, &raw[1..]),
        _ => (false, raw),
    };
    let (mut mantissa, mut count, mut decimals, mut seen_point) = (0u64, 0usize, 0usize, false);
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
                decimals += usize::from(seen_point);
            }
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
        if count > 15 {
            return None;
        }
    }
    if count == 0 || decimals > 22 {
        return None;
    }
    let v = mantissa as f64 / POW10[decimals];
    Some(if negative { -v } else { v })
}

fn parse_amount(row: usize, column: &str, raw: &[u8]) -> Result<f64> {
    if raw.is_empty() {
        return Err(Error::invalid_value(row, column, "", "missing amount"));
    }
    if let Some(v) = parse_plain_decimal(raw) {
        return Ok(v);
    }
    let v: f64 = std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::invalid_value(row, column, lossy(raw), "amount is not a number"))?;
    if !v.is_finite() {
        return Err(Error::invalid_value(
            row,
            column,
            lossy(raw),
            "amount must be a finite number",
        ));
    }
    Ok(v)
}

/// Reads a whole log from `reader` into `sink`, line by line.
pub(crate) fn read_log<R: Read>(
    reader: R,
    options: &TransactionLogOptions,
    sink: &mut impl RowSink,
) -> Result<()> {
    match options.separator {
        Separator::Delimiter(d) => read_delimited(reader, d, options, sink),
        Separator::Whitespace => read_whitespace(reader, options, sink),
    }
}

fn empty() -> Error {
    Error::Empty {
        what: "transaction log".into(),
    }
}

fn read_delimited<R: Read>(
    reader: R,
    delimiter: u8,
    options: &TransactionLogOptions,
    sink: &mut impl RowSink,
) -> Result<()> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 18)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let header = if options.has_header {
        if !rdr.read_byte_record(&mut record)? {
            return Err(empty());
        }
        Some(
            record
                .iter()
                .map(|f| lossy(f.trim_ascii()))
                .collect::<Vec<_>>(),
        )
    } else {
        None
    };
    let layout = Layout::resolve(options, header.as_deref())?;
    sink.set_labels(&layout.labels);
    let mut parser = RowParser::new(layout, &options.date_format);
    while rdr.read_byte_record(&mut record)? {
        let line = record.position().map_or(0, |p| p.line());
        let rec = &record;
        parser.row(line, |i| rec.get(i), sink)?;
    }
    Ok(())
}

fn read_whitespace<R: Read>(
    reader: R,
    options: &TransactionLogOptions,
    sink: &mut impl RowSink,
) -> Result<()> {
    let mut reader = BufReader::with_capacity(1 << 18, reader);
    let mut buf = Vec::with_capacity(256);
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(8);
    let mut line = 0u64;
    let io = |e: std::io::Error| Error::io("transaction log", e);
    let mut next_line =
        |buf: &mut Vec<u8>, spans: &mut Vec<(usize, usize)>, line: &mut u64| -> Result<bool> {
            loop {
                buf.clear();
                if reader.read_until(b'\n', buf).map_err(io)? == 0 {
                    return Ok(false);
                }
                *line += 1;
                spans.clear();
                let mut start = None;
                for (i, b) in buf.iter().enumerate() {
                    match (b.is_ascii_whitespace(), start) {
                        (true, Some(s)) => {
                            spans.push((s, i));
                            start = None;
                        }
                        (false, None) => start = Some(i),
                        _ => {}
                    }
                }
                if let Some(s) = start {
                    spans.push((s, buf.len()));
                }
                if !spans.is_empty() {
                    return Ok(true);
                }
            }
        };
    let header = if options.has_header {
        if !next_line(&mut buf, &mut spans, &mut line)? {
            return Err(empty());
        }
        Some(
            spans
                .iter()
                .map(|&(s, e)| lossy(&buf[s..e]))
                .collect::<Vec<_>>(),
        )
    } else {
        None
    };
    let layout = Layout::resolve(options, header.as_deref())?;
    sink.set_labels(&layout.labels);
    let mut parser = RowParser::new(layout, &options.date_format);
    while next_line(&mut buf, &mut spans, &mut line)? {
        let (b, sp) = (&buf, &spans);
        parser.row(line, |i| sp.get(i).map(|&(s, e)| &b[s..e]), sink)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_parse_exactly_like_std() {
        let cases = [
            "0",
            "12",
            "12.5",
            "-4.5",
            "+3",
            "0.1",
            "0.3",
            "29.33",
            "123456789012.345",
            "1.",
            ".5",
            "999999999999999",
            "0.0000001",
        ];
        for c in cases {
            assert_eq!(
                parse_plain_decimal(c.as_bytes()),
                Some(c.parse::<f64>().unwrap()),
                "{c}"
            );
        }
        for c in [
            "",
            "-",
            ".",
            "1e5",
            "1,5",
            "1.2.3",
            "12345678901234567",
            "nan",
            "$3",
        ] {
            assert_eq!(parse_plain_decimal(c.as_bytes()), None, "{c}");
        }
        // Every cent amount up to 1000.
        for cents in 0..100_000u32 {
            let s = format!("{}.{:02}", cents / 100, cents % 100);
            assert_eq!(
                parse_plain_decimal(s.as_bytes()),
                Some(s.parse().unwrap()),
                "{s}"
            );
        }
    }
}
