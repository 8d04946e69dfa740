//! Each customer's first and second purchase day, read from a transaction log, for the
//! repeat rates of the cohort tables: the library's per-transaction reader
//! ([`for_each_transaction`]) parses the log exactly as the summariser does, and the
//! (customer, day) pairs go to [`PurchaseHistory::from_transactions`].

use clv::analysis::PurchaseHistory;
use clv::data::transactions::{for_each_transaction, NaiveDate, TransactionLogOptions};

use crate::failure::{Context, Failure};

/// The purchase history of the log `bytes` (named `name` in messages), read with the layout of
/// `options`, up to `observation_end` (default: the last day in the log).
pub fn purchase_history(
    bytes: &[u8],
    options: &TransactionLogOptions,
    observation_end: Option<NaiveDate>,
    name: &str,
) -> Result<PurchaseHistory, Failure> {
    let mut pairs = Vec::new();
    for_each_transaction(bytes, options, |r| {
        pairs.push((r.customer.to_string(), r.time.date()));
        Ok(())
    })
    .context(format!("reading {name}"))?;
    PurchaseHistory::from_transactions(pairs, observation_end).context(format!("reading {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clv::data::transactions::DateFormat;

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
