//! Each customer's first and second purchase day, read from a transaction log, for the
//! repeat rates of the cohort tables.
//!
//! The library's log reader feeds its summariser and has no per-transaction output, and the
//! customer table keeps the first and last purchase but not the second. So this module reads
//! just the customer id and the calendar day of every line, with the same layout options as
//! the summariser (columns by header name or position, header line, separator, date format),
//! and hands the pairs to [`PurchaseHistory::from_transactions`].

use std::borrow::Cow;

use clv::analysis::PurchaseHistory;
use clv::data::transactions::{ColumnRef, DateFormat, NaiveDate, Separator, TransactionLogOptions};

use crate::failure::{Context, Failure};

/// The purchase history of the log `bytes` (named `name` in messages), read with the layout of
/// `options`, up to `observation_end` (default: the last day in the log).
pub fn purchase_history(
    bytes: &[u8],
    options: &TransactionLogOptions,
    observation_end: Option<NaiveDate>,
    name: &str,
) -> Result<PurchaseHistory, Failure> {
    let pairs = read_days(bytes, options).context(format!("reading {name}"))?;
    PurchaseHistory::from_transactions(pairs, observation_end).context(format!("reading {name}"))
}

/// A resolved column: its position and its name for messages.
type Column = (usize, String);

/// `(customer id, day)` of every line, reading the log line by line; errors name the line,
/// the column and the value.
fn read_days(
    bytes: &[u8],
    options: &TransactionLogOptions,
) -> Result<Vec<(String, NaiveDate)>, clv::Error> {
    let mut columns: Option<(Column, Column)> = None;
    let mut pairs = Vec::new();
    let mut line_of = |line: u64, fields: &[Cow<'_, str>]| -> Result<(), clv::Error> {
        let (id, date) = match &columns {
            Some(c) => c,
            None => {
                let header = options.has_header.then_some(fields);
                columns = Some((
                    position(&options.customer, header)?,
                    position(&options.time, header)?,
                ));
                if header.is_some() {
                    return Ok(());
                }
                columns.as_ref().expect("just set")
            }
        };
        let row = line as usize;
        let customer = fields.get(id.0).map_or("", |f| f.as_ref());
        if customer.is_empty() {
            return Err(clv::Error::invalid_value(
                row,
                &id.1,
                "",
                "missing customer id",
            ));
        }
        let raw = fields.get(date.0).map_or("", |f| f.as_ref());
        let day = day_of(raw, &options.date_format)
            .map_err(|why| clv::Error::invalid_value(row, &date.1, raw, why))?;
        pairs.push((customer.to_string(), day));
        Ok(())
    };
    match options.separator {
        Separator::Delimiter(d) => {
            let mut rdr = csv::ReaderBuilder::new()
                .delimiter(d)
                .has_headers(false)
                .flexible(true)
                .from_reader(bytes);
            let mut record = csv::ByteRecord::new();
            while rdr.read_byte_record(&mut record)? {
                let line = record.position().map_or(0, |p| p.line());
                let fields: Vec<Cow<'_, str>> = record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f.trim_ascii()))
                    .collect();
                line_of(line, &fields)?;
            }
        }
        Separator::Whitespace => {
            for (i, l) in bytes.split(|&b| b == b'\n').enumerate() {
                let l = String::from_utf8_lossy(l);
                let fields: Vec<Cow<'_, str>> = l.split_whitespace().map(Cow::Borrowed).collect();
                if !fields.is_empty() {
                    line_of(i as u64 + 1, &fields)?;
                }
            }
        }
    }
    Ok(pairs)
}

/// Where column `c` is, given the header line if the log has one.
fn position(c: &ColumnRef, header: Option<&[Cow<'_, str>]>) -> Result<Column, clv::Error> {
    match (c, header) {
        (ColumnRef::Position(i), Some(h)) => {
            Ok((*i, h.get(*i).map_or(String::new(), |n| n.to_string())))
        }
        (ColumnRef::Position(i), None) => Ok((*i, format!("#{i}"))),
        (ColumnRef::Name(n), Some(h)) => match h.iter().position(|x| x == n) {
            Some(i) => Ok((i, n.clone())),
            None => Err(clv::Error::MissingColumn {
                column: n.clone(),
                available: h.join(","),
            }),
        },
        (ColumnRef::Name(n), None) => Err(clv::Error::MissingColumn {
            column: n.clone(),
            available: "(none: the log has no header; give columns by position)".into(),
        }),
    }
}

/// The calendar day of a timestamp written in `format` (the time of day is read, then dropped).
fn day_of(raw: &str, format: &DateFormat) -> Result<NaiveDate, String> {
    use chrono::NaiveDateTime;
    let date = |s: &str, f: &str| NaiveDate::parse_from_str(s, f).map_err(|e| e.to_string());
    let date_time = |s: &str| {
        let s = s.strip_suffix('Z').unwrap_or(s);
        [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.date())
        .ok_or_else(|| "not a date-time (expected YYYY-MM-DDTHH:MM[:SS])".to_string())
    };
    match format {
        DateFormat::Auto if raw.len() == 8 => date(raw, "%Y%m%d"),
        DateFormat::Auto if raw.len() == 10 => date(raw, "%Y-%m-%d"),
        DateFormat::Auto if raw.len() > 10 => date_time(raw),
        DateFormat::Auto => {
            Err("not a date (expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS or YYYYMMDD)".into())
        }
        DateFormat::IsoDate => date(raw, "%Y-%m-%d"),
        DateFormat::IsoDateTime => date_time(raw),
        DateFormat::Compact => date(raw, "%Y%m%d"),
        DateFormat::Custom(f) => NaiveDateTime::parse_from_str(raw, f)
            .map(|t| t.date())
            .or_else(|_| date(raw, f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reads_ids_and_days_by_name_and_by_position() {
        let csv = "date,customer_id\n2024-01-03T10:00:00,a\n20240105,b\n2024-01-09,a\n";
        let h = purchase_history(
            csv.as_bytes(),
            &TransactionLogOptions::new("customer_id", "date"),
            None,
            "log",
        )
        .unwrap();
        assert_eq!(h.ids(), ["a", "b"]);
        assert_eq!(h.get("a").unwrap().days_to_second_purchase(), Some(6));
        assert_eq!(h.observation_end(), d(2024, 1, 9));

        // CDNOW layout: whitespace, no header, sample id in field 1, YYYYMMDD in field 2.
        let cdnow =
            "00001 1 19970101 1 11.77\n\n00002 2 19970112 1 12.00\n00001 1 19970120 2 20.5\n";
        let options = TransactionLogOptions::new(1, 2)
            .whitespace()
            .no_header()
            .date_format(DateFormat::Compact);
        let h =
            purchase_history(cdnow.as_bytes(), &options, Some(d(1997, 1, 15)), "cdnow").unwrap();
        // The purchase of Jan 20 is after the observation end.
        assert_eq!(h.get("1").unwrap().second_purchase, None);
        assert_eq!(h.get("2").unwrap().first_purchase, d(1997, 1, 12));
    }

    #[test]
    fn errors_name_line_column_and_value() {
        let csv = "customer_id,date\na,2024-01-03\nb,03/01/2024\n";
        let err = purchase_history(
            csv.as_bytes(),
            &TransactionLogOptions::new("customer_id", "date"),
            None,
            "log.csv",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("reading log.csv: row 3, column `date`"),
            "{err}"
        );
        assert!(err.contains("03/01/2024"), "{err}");
        let err = purchase_history(
            csv.as_bytes(),
            &TransactionLogOptions::new("id", "date"),
            None,
            "log.csv",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("id"), "{err}");
    }
}
