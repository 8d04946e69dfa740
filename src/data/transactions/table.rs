//! A transaction log parsed once into columns, from which every view of the log is derived:
//! the customer table with its holdout part, the cumulative repeat purchases over time, and
//! each row for the per-transaction indicators.

use std::io::Read;

use chrono::{DateTime, NaiveDateTime};

use super::csv_log::{self, RowSink};
use super::dates::datetime_seconds;
use super::ids::{hash_id, CustomerIndex};
use super::summarizer::{period_i32, ColumnLabels, Summarizer, REFUND_REFUSED};
use super::{LogOrder, LogRecord, RefundPolicy, Summary, TransactionLogOptions};
use crate::error::{Error, Result};

/// Every line of a text log (or row of a Parquet log,
/// `TransactionTable::from_parquet_path` with the `parquet` feature), parsed once into columns
/// (customer number, time in seconds since the epoch, amount, line of the file or row), in
/// file order, with the options it was read with.
///
/// [`summary`](Self::summary) gives exactly what [`summarize_csv_reader`](super::summarize_csv_reader)
/// gives on the same text (a log out of time order included), and
/// [`repeat_purchases_at`](Self::repeat_purchases_at) the cumulative repeat purchases of the
/// calibration customers at any number of dates in one sweep. Memory: 28 bytes per line plus
/// each distinct id.
///
/// ```
/// use clv::data::transactions::{summarize_csv_reader, TransactionLogOptions, TransactionTable};
/// let log = "customer,date,amount\na,2024-01-01,10\nb,2024-01-03,5\na,2024-01-08,30\n";
/// let opts = TransactionLogOptions::new("customer", "date").amount("amount");
/// let table = TransactionTable::read(log.as_bytes(), &opts).unwrap();
/// assert_eq!((table.len(), table.ids()), (3, &["a".to_string(), "b".to_string()][..]));
/// let summary = table.summary(None).unwrap();
/// assert_eq!(summary, summarize_csv_reader(log.as_bytes(), &opts, None).unwrap());
/// ```
#[derive(Debug, Clone)]
pub struct TransactionTable {
    options: TransactionLogOptions,
    labels: ColumnLabels,
    ids: Vec<String>,
    customer: Vec<u32>,
    seconds: Vec<i64>,
    amount: Option<Vec<f64>>,
    line: Vec<u64>,
}

/// Collects the parsed lines while the log is read.
pub(crate) struct Collector {
    refunds: RefundPolicy,
    labels: ColumnLabels,
    index: CustomerIndex<()>,
    customer: Vec<u32>,
    seconds: Vec<i64>,
    amount: Vec<f64>,
    has_amounts: bool,
    line: Vec<u64>,
}

impl RowSink for Collector {
    fn set_labels(&mut self, labels: &ColumnLabels) {
        self.labels = labels.clone();
    }

    fn push_at(&mut self, line: u64, id: &str, seconds: i64, amount: Option<f64>) -> Result<()> {
        if DateTime::from_timestamp(seconds, 0).is_none() {
            return Err(Error::invalid_value(
                line as usize,
                &self.labels.time,
                seconds,
                "time out of range",
            ));
        }
        if let Some(a) = amount {
            // Refused where the summariser refuses it, so that errors come in line order.
            if a < 0.0 && self.refunds == RefundPolicy::Reject {
                return Err(Error::invalid_value(
                    line as usize,
                    &self.labels.amount,
                    a,
                    REFUND_REFUSED,
                ));
            }
            self.amount.push(a);
        }
        self.has_amounts = amount.is_some();
        let bytes = id.as_bytes();
        let customer = self.index.index_or_insert(hash_id(bytes), bytes, ());
        self.customer.push(customer);
        self.seconds.push(seconds);
        self.line.push(line);
        Ok(())
    }
}

impl TransactionTable {
    /// Parses a text log with the layout of `options` (columns, separator, header, date
    /// format): every line, validated as the summariser validates it (errors name the line,
    /// the column and the value), a negative amount refused at its line under
    /// [`RefundPolicy::Reject`]. Nothing else is filtered here: the observation end, the
    /// cohort and the other refund policies apply to what is derived from the table.
    ///
    /// ```
    /// use clv::data::transactions::{DateFormat, TransactionLogOptions, TransactionTable};
    /// let log = " 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n";
    /// let options = TransactionLogOptions::new(1, 2).amount(4).whitespace().no_header()
    ///     .date_format(DateFormat::Compact);
    /// let table = TransactionTable::read(log.as_bytes(), &options).unwrap();
    /// let second = table.records().nth(1).unwrap();
    /// assert_eq!((second.line, second.customer, second.amount), (2, "0001", Some(29.73)));
    /// assert_eq!(second.time.date().to_string(), "1997-01-18");
    /// ```
    pub fn read<R: Read>(reader: R, options: &TransactionLogOptions) -> Result<Self> {
        Self::collect(options, |sink| csv_log::read_log(reader, options, sink))
    }

    /// The table of the rows that `read` pushes, in the order pushed (a text log's or a
    /// Parquet file's reader).
    pub(crate) fn collect(
        options: &TransactionLogOptions,
        read: impl FnOnce(&mut Collector) -> Result<()>,
    ) -> Result<Self> {
        let mut c = Collector {
            refunds: options.summary.refunds,
            labels: ColumnLabels::default(),
            index: CustomerIndex::new(),
            customer: Vec::new(),
            seconds: Vec::new(),
            amount: Vec::new(),
            has_amounts: options.amount.is_some(),
            line: Vec::new(),
        };
        read(&mut c)?;
        let (ids, _) = c.index.into_parts();
        Ok(TransactionTable {
            options: options.clone(),
            labels: c.labels,
            ids,
            customer: c.customer,
            seconds: c.seconds,
            amount: c.has_amounts.then_some(c.amount),
            line: c.line,
        })
    }

    /// Number of transactions (lines with data).
    pub fn len(&self) -> usize {
        self.line.len()
    }

    /// Whether the log has no transaction.
    pub fn is_empty(&self) -> bool {
        self.line.is_empty()
    }

    /// Distinct customer ids, in order of first appearance in the log.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Whether the transactions carry amounts.
    pub fn has_amounts(&self) -> bool {
        self.amount.is_some()
    }

    /// The options the log was read with (and the summaries are made with).
    pub fn options(&self) -> &TransactionLogOptions {
        &self.options
    }

    /// The transaction on row `r` (counting from 0, in file order).
    fn record(&self, r: usize) -> LogRecord<'_> {
        LogRecord {
            line: self.line[r],
            customer: &self.ids[self.customer[r] as usize],
            // `read` refused the times out of range.
            time: DateTime::from_timestamp(self.seconds[r], 0)
                .map(|t| t.naive_utc())
                .unwrap_or_default(),
            amount: self.amount.as_ref().map(|a| a[r]),
        }
    }

    /// Every transaction in file order, as [`for_each_transaction`](super::for_each_transaction)
    /// reads it from the text.
    pub fn records(&self) -> impl Iterator<Item = LogRecord<'_>> + '_ {
        (0..self.len()).map(|r| self.record(r))
    }

    /// Summarises the table with its options, like [`summarize_csv_reader`](super::summarize_csv_reader)
    /// on the text it was read from, optionally split at `calibration_end`; when that fails
    /// (a customer's transactions out of time order), again keeping every transaction
    /// ([`LogOrder::Unordered`]); the error is then the first one.
    ///
    /// ```
    /// use clv::data::transactions::{NaiveDate, TransactionLogOptions, TransactionTable};
    /// // b's purchases are out of time order.
    /// let log = "id,date\na,2024-01-01\nb,2024-01-09\nb,2024-01-02\na,2024-01-05\na,2024-01-10\n";
    /// let table = TransactionTable::read(log.as_bytes(), &TransactionLogOptions::new("id", "date")).unwrap();
    /// let cal = NaiveDate::from_ymd_opt(2024, 1, 6).unwrap();
    /// let s = table.summary(Some(cal.into())).unwrap();
    /// assert_eq!(s.table.frequency().to_vec(), [1.0, 0.0]);
    /// assert_eq!(s.holdout.unwrap().purchases.to_vec(), [1.0, 1.0]);
    /// assert!(s.stats.sorted_in_memory);
    /// ```
    pub fn summary(&self, calibration_end: Option<NaiveDateTime>) -> Result<Summary> {
        self.summarize(self.options.summary.order, calibration_end)
            .or_else(|first| {
                self.summarize(LogOrder::Unordered, calibration_end)
                    .map_err(|_| first)
            })
    }

    fn summarize(
        &self,
        order: LogOrder,
        calibration_end: Option<NaiveDateTime>,
    ) -> Result<Summary> {
        let options = self.options.summary.clone().order(order);
        let mut s = match calibration_end {
            Some(c) => Summarizer::with_calibration_end(&options, c)?,
            None => Summarizer::new(&options)?,
        };
        s.labels = self.labels.clone();
        for r in 0..self.len() {
            let id = &self.ids[self.customer[r] as usize];
            let amount = self.amount.as_ref().map(|a| a[r]);
            s.push_at(self.line[r], id, self.seconds[r], amount)?;
        }
        s.finish()
    }

    /// Each customer's distinct purchase periods (refunds are not purchases), sorted, as
    /// `(customer, period)` pairs sorted by customer then period.
    fn purchase_periods(&self) -> Result<Vec<(u32, i32)>> {
        let period = self.options.summary.period;
        let mut pairs = Vec::with_capacity(self.len());
        for r in 0..self.len() {
            if self.amount.as_ref().is_some_and(|a| a[r] < 0.0) {
                continue;
            }
            let p = period_i32(period, self.seconds[r]).ok_or_else(|| {
                let r = self.record(r);
                Error::invalid_value(
                    r.line as usize,
                    &self.labels.time,
                    r.time,
                    "date out of range",
                )
            })?;
            pairs.push((self.customer[r], p));
        }
        pairs.sort_unstable();
        pairs.dedup();
        Ok(pairs)
    }

    /// The cumulative number of repeat purchase periods of the calibration customers at each
    /// of `ends` (whose whole period is counted), in one sweep over the table: for each end
    /// `e`, what the customer table summarised with the observation end at `e` would count
    /// (the sum of the frequencies), and past `calibration_end` the frequencies of the table
    /// ending there plus its holdout purchases up to `e`.
    ///
    /// So the conventions are the summariser's: the purchases of one period count as one,
    /// refunds are not purchases (left out under [`RefundPolicy::Drop`], netted against
    /// spend only under [`RefundPolicy::Net`]), amounts of 0 are purchases; the calibration
    /// customers are those in the cohort ([`SummaryOptions::first_purchase_between`](super::SummaryOptions::first_purchase_between))
    /// whose first purchase is in a period before that of `calibration_end` (customers first
    /// seen in or after it have no row in the table). The options' observation end is not
    /// used: each end is one. Only the dates matter, not the order of the log.
    ///
    /// ```
    /// use clv::data::transactions::{NaiveDate, TransactionLogOptions, TransactionTable};
    /// // a buys on the 1st, twice on the 4th, on the 9th; b on the 3rd and 10th; c first on the 9th.
    /// let log = "id,date\na,2024-01-01\nb,2024-01-03\na,2024-01-04\na,2024-01-04\n\
    ///            a,2024-01-09\nc,2024-01-09\nb,2024-01-10\nc,2024-01-10\n";
    /// let table = TransactionTable::read(log.as_bytes(), &TransactionLogOptions::new("id", "date")).unwrap();
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap().into();
    /// let counts = table.repeat_purchases_at(d(8), &[d(2), d(7), d(10)]).unwrap();
    /// // c, first seen after the calibration end, is not counted.
    /// assert_eq!(counts, [0.0, 1.0, 3.0]);
    /// ```
    pub fn repeat_purchases_at(
        &self,
        calibration_end: NaiveDateTime,
        ends: &[NaiveDateTime],
    ) -> Result<Vec<f64>> {
        let summary = &self.options.summary;
        let period = summary.period;
        let index = |name: &str, t: NaiveDateTime| {
            period_i32(period, datetime_seconds(t))
                .ok_or_else(|| Error::invalid_argument(name, t, format!("{t} is out of range")))
        };
        let calibration = index("calibration_end", calibration_end)?;
        let cohort = match summary.first_purchase_between {
            Some((from, to)) => Some((
                index("first_purchase_from", from)?,
                index("first_purchase_to", to)?,
            )),
            None => None,
        };
        let pairs = self.purchase_periods()?;
        let mut repeats = Vec::new();
        for customer in pairs.chunk_by(|a, b| a.0 == b.0) {
            let first = customer[0].1;
            let in_cohort = cohort.is_none_or(|(f, t)| f <= first && first <= t);
            if in_cohort && first < calibration {
                repeats.extend(customer[1..].iter().map(|&(_, p)| p));
            }
        }
        repeats.sort_unstable();
        ends.iter()
            .map(|&e| {
                let end = index("end", e)?;
                Ok(repeats.partition_point(|&p| p <= end) as f64)
            })
            .collect()
    }
}
