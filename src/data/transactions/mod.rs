//! From a log of transactions (orders) to the customer table the models need.
//!
//! # Conventions (those of lifetimes' `summary_data_from_transaction_data`)
//! * Time is cut into [`Period`]s (a day by default; an hour or a Monday-to-Sunday week too).
//!   All purchases of a customer in one period count as one purchase, their amounts summed.
//! * frequency x = number of periods with a purchase, minus one (the first);
//!   recency t_x = last purchase period minus first; age T = observation end period minus
//!   first purchase period; times are whole numbers of periods expressed in the chosen
//!   [`TimeUnit`] (days in weeks = days / 7).
//! * monetary value = mean spend of the repeat purchase periods (the first period excluded);
//!   0 for customers without a repeat purchase.
//! * The observation end defaults to the latest transaction in the log. Transactions after it
//!   are ignored (and counted in [`SummaryStats`]), so customers first seen after it are not in
//!   the table. Customers whose first purchase is in the very last period would have T = 0,
//!   which the [`CustomerTable`] does not accept: they are left out and counted
//!   ([`SummaryStats::first_seen_at_end`]), where lifetimes keeps them with T = 0.
//! * Rows come in order of each customer's first appearance in the log.
//! * Timestamps are naive (no time zone); see [`DateFormat`].
//!
//! # Memory
//! Reading streams the file. When each customer's transactions come in time order (a log
//! sorted by time, or by customer then time), the state is constant per customer (about 100
//! bytes with its id): memory grows with the number of customers, not transactions. A file out
//! of order is detected and read a second time, keeping 24 bytes per transaction, and sorted
//! in memory ([`LogOrder`]).
//!
//! # Errors
//! Every bad line is an [`Error::InvalidValue`] whose `row` is the
//! physical line number in the file (the header, if any, is line 1) and whose value is the text
//! as read: an unparseable date or amount, a missing id, date or amount, a negative amount
//! (unless [`RefundPolicy::Net`]). An empty log is [`Error::Empty`], a header
//! without a requested column [`Error::MissingColumn`]. No line is
//! skipped silently (blank lines are not data).
//!
//! ```
//! use clv::data::transactions::{summarize_csv_reader, TransactionLogOptions};
//! let log = "customer,date,amount\n\
//!            a,2024-01-01,10\n\
//!            b,2024-01-03,5\n\
//!            a,2024-01-08,30\n\
//!            a,2024-01-08,2.5\n\
//!            a,2024-01-15,20\n";
//! let opts = TransactionLogOptions::new("customer", "date").amount("amount");
//! let summary = summarize_csv_reader(log.as_bytes(), &opts, None).unwrap();
//! let t = &summary.table;
//! assert_eq!(t.ids(), ["a", "b"]);
//! assert_eq!(t.frequency().to_vec(), [2.0, 0.0]);
//! assert_eq!(t.recency().to_vec(), [14.0, 0.0]);
//! assert_eq!(t.age().to_vec(), [14.0, 12.0]);
//! assert_eq!(t.monetary_value().unwrap().to_vec(), [26.25, 0.0]);
//! ```

mod csv_log;
mod dates;
mod holdout_file;
mod ids;
mod summarizer;
mod table;

use std::io::Read;
use std::path::Path;

pub use chrono::{NaiveDate, NaiveDateTime};
pub use dates::{DateFormat, Period};
pub use summarizer::{
    Holdout, LogOrder, RefundPolicy, Summarizer, Summary, SummaryOptions, SummaryStats,
    REFUND_REFUSED,
};
pub use table::TransactionTable;

use crate::data::rfm::CustomerTable;
use crate::error::{Error, Result};
use crate::time::TimeUnit;

#[cfg(feature = "parquet")]
pub(crate) use csv_log::{Layout, RowSink};

/// A column chosen by its header name or by its position (counting from 0).
///
/// ```
/// use clv::data::transactions::ColumnRef;
/// assert_eq!(ColumnRef::from("date"), ColumnRef::Name("date".into()));
/// assert_eq!(ColumnRef::from(2), ColumnRef::Position(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// The column with this header.
    Name(String),
    /// The column at this position, the first being 0 (works with or without a header).
    Position(usize),
}

impl From<&str> for ColumnRef {
    fn from(name: &str) -> Self {
        ColumnRef::Name(name.to_string())
    }
}

impl From<String> for ColumnRef {
    fn from(name: String) -> Self {
        ColumnRef::Name(name)
    }
}

impl From<usize> for ColumnRef {
    fn from(position: usize) -> Self {
        ColumnRef::Position(position)
    }
}

/// How fields are separated in a text log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// CSV with this one-byte delimiter (`,`, `;`, `\t`...), double-quoted fields allowed.
    Delimiter(u8),
    /// Runs of spaces and tabs, leading and trailing ones ignored (as in `CDNOW_sample.txt`);
    /// no quoting.
    Whitespace,
}

/// How to read a transaction log: columns, date format, layout of the text, and how to
/// summarise it.
///
/// CDNOW's whitespace-separated log without a header, columns by position:
/// ```
/// use clv::data::transactions::{summarize_csv, DateFormat, NaiveDate, TransactionLogOptions};
/// use clv::TimeUnit;
/// let opts = TransactionLogOptions::new(1, 2)
///     .amount(4)
///     .whitespace()
///     .no_header()
///     .date_format(DateFormat::Compact)
///     .unit(TimeUnit::Weeks)
///     .observation_end(NaiveDate::from_ymd_opt(1997, 9, 30).unwrap());
/// let table = summarize_csv("data/CDNOW_sample.txt", &opts).unwrap();
/// assert_eq!(table.len(), 2357);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionLogOptions {
    /// Customer id column.
    pub customer: ColumnRef,
    /// Timestamp column.
    pub time: ColumnRef,
    /// Amount column, if the log has one (then the table gets a monetary value).
    pub amount: Option<ColumnRef>,
    /// How timestamps are written (text logs, and text columns of Parquet files).
    pub date_format: DateFormat,
    /// Field separator of a text log (default `,`; not used for Parquet).
    pub separator: Separator,
    /// Whether a text log starts with a header line (default true; not used for Parquet).
    pub has_header: bool,
    /// How the transactions are summarised.
    pub summary: SummaryOptions,
}

impl TransactionLogOptions {
    /// A comma-separated log with a header, customer and timestamp columns given by name or
    /// position, dates in any ISO or `YYYYMMDD` form, no amount, default [`SummaryOptions`].
    pub fn new(customer: impl Into<ColumnRef>, time: impl Into<ColumnRef>) -> Self {
        TransactionLogOptions {
            customer: customer.into(),
            time: time.into(),
            amount: None,
            date_format: DateFormat::Auto,
            separator: Separator::Delimiter(b','),
            has_header: true,
            summary: SummaryOptions::default(),
        }
    }
    /// Reads amounts from this column.
    pub fn amount(mut self, column: impl Into<ColumnRef>) -> Self {
        self.amount = Some(column.into());
        self
    }
    /// Sets the date format.
    pub fn date_format(mut self, format: DateFormat) -> Self {
        self.date_format = format;
        self
    }
    /// Fields separated by this byte.
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.separator = Separator::Delimiter(delimiter);
        self
    }
    /// Fields separated by runs of whitespace.
    pub fn whitespace(mut self) -> Self {
        self.separator = Separator::Whitespace;
        self
    }
    /// The log has no header line (columns must then be given by position).
    pub fn no_header(mut self) -> Self {
        self.has_header = false;
        self
    }
    /// Replaces the summary options.
    pub fn summary(mut self, summary: SummaryOptions) -> Self {
        self.summary = summary;
        self
    }
    /// Sets the period within which purchases count as one.
    pub fn period(mut self, period: Period) -> Self {
        self.summary.period = period;
        self
    }
    /// Sets the unit of recency and age.
    pub fn unit(mut self, unit: TimeUnit) -> Self {
        self.summary.unit = unit;
        self
    }
    /// Sets the end of observation (a `NaiveDate` means that whole day).
    pub fn observation_end(mut self, end: impl Into<NaiveDateTime>) -> Self {
        self.summary.observation_end = Some(end.into());
        self
    }
    /// Keeps only customers whose first purchase is in the periods from `from` to `to`.
    pub fn first_purchase_between(
        mut self,
        from: impl Into<NaiveDateTime>,
        to: impl Into<NaiveDateTime>,
    ) -> Self {
        self.summary.first_purchase_between = Some((from.into(), to.into()));
        self
    }
    /// Sets the refund policy.
    pub fn refunds(mut self, refunds: RefundPolicy) -> Self {
        self.summary.refunds = refunds;
        self
    }
}

/// One transaction, for summarising data that is already in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// Who bought.
    pub customer_id: String,
    /// When.
    pub time: NaiveDateTime,
    /// How much (all transactions have one, or none has).
    pub amount: Option<f64>,
}

/// Summarises transactions already in memory (simulations, other readers).
///
/// With [`LogOrder::Auto`] each customer's transactions must come in time order; use
/// [`LogOrder::Unordered`] otherwise.
///
/// ```
/// use clv::data::transactions::{summarize_transactions, NaiveDate, SummaryOptions, Transaction};
/// let t = |id: &str, d| Transaction {
///     customer_id: id.into(),
///     time: NaiveDate::from_ymd_opt(2024, 1, d).unwrap().into(),
///     amount: None,
/// };
/// let table = summarize_transactions([t("a", 1), t("a", 3), t("b", 5)], &SummaryOptions::new()).unwrap();
/// // b's first purchase is in the last period (T would be 0): left out.
/// assert_eq!(table.ids(), ["a"]);
/// assert_eq!((table.frequency()[0], table.recency()[0], table.age()[0]), (1.0, 2.0, 4.0));
/// ```
pub fn summarize_transactions<I>(transactions: I, options: &SummaryOptions) -> Result<CustomerTable>
where
    I: IntoIterator<Item = Transaction>,
{
    let mut s = Summarizer::new(options)?;
    for t in transactions {
        s.push(&t.customer_id, t.time, t.amount)?;
    }
    Ok(s.finish()?.table)
}

fn new_summarizer(
    options: &SummaryOptions,
    calibration_end: Option<NaiveDateTime>,
) -> Result<Summarizer> {
    match calibration_end {
        Some(c) => Summarizer::with_calibration_end(options, c),
        None => Summarizer::new(options),
    }
}

/// Runs `read` into a summariser; if the log turns out to be out of order, runs it again with
/// [`LogOrder::Unordered`].
pub(crate) fn summarize_with<F>(
    what: &Path,
    options: &TransactionLogOptions,
    calibration_end: Option<NaiveDateTime>,
    mut read: F,
) -> Result<Summary>
where
    F: FnMut(&mut Summarizer) -> Result<()>,
{
    let name_empty = |e: Error| match e {
        Error::Empty { what: w } if w.starts_with("transaction log") => Error::Empty {
            what: format!(
                "{}{}",
                what.display(),
                w.trim_start_matches("transaction log")
            ),
        },
        other => other,
    };
    let mut s = new_summarizer(&options.summary, calibration_end)?;
    // Rows are processed in batches: an out-of-order row may be found by `finish` too.
    let first = read(&mut s).and_then(|()| s.flush());
    match first {
        Ok(()) => s.finish().map_err(name_empty),
        Err(_) if s.is_disordered() => {
            let unordered = options.summary.clone().order(LogOrder::Unordered);
            let mut s = new_summarizer(&unordered, calibration_end)?;
            read(&mut s)?;
            s.finish().map_err(name_empty)
        }
        Err(e) => Err(name_empty(e)),
    }
}

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| Error::io(path, e))
}

/// Summarises a text log (CSV or whitespace-separated) into a customer table; see the
/// [module documentation](self) for the conventions and [`TransactionLogOptions`] for the
/// layout.
pub fn summarize_csv(
    path: impl AsRef<Path>,
    options: &TransactionLogOptions,
) -> Result<CustomerTable> {
    Ok(summarize_csv_detailed(path, options, None)?.table)
}

/// Splits a text log at `calibration_end` (its whole period is calibration): the calibration
/// customer table, and per customer what happened afterwards up to the observation end.
///
/// ```
/// use clv::data::transactions::{calibration_holdout_csv, DateFormat, NaiveDate, TransactionLogOptions};
/// use clv::TimeUnit;
/// let opts = TransactionLogOptions::new(1, 2).amount(4).whitespace().no_header()
///     .date_format(DateFormat::Compact).unit(TimeUnit::Weeks);
/// let cal_end = NaiveDate::from_ymd_opt(1997, 9, 30).unwrap();
/// let (table, holdout) = calibration_holdout_csv("data/CDNOW_sample.txt", &opts, cal_end).unwrap();
/// assert_eq!(table.len(), 2357);
/// assert_eq!(holdout.duration.unit, TimeUnit::Weeks);
/// assert!(holdout.purchases.sum() > 0.0);
/// ```
pub fn calibration_holdout_csv(
    path: impl AsRef<Path>,
    options: &TransactionLogOptions,
    calibration_end: impl Into<NaiveDateTime>,
) -> Result<(CustomerTable, Holdout)> {
    let s = summarize_csv_detailed(path, options, Some(calibration_end.into()))?;
    let holdout = s
        .holdout
        .ok_or_else(|| Error::undefined("the holdout", "no calibration end was given"))?;
    Ok((s.table, holdout))
}

/// Summarises a text log, with an optional calibration/holdout split, returning the table,
/// the holdout part and counts of what was read and left out.
pub fn summarize_csv_detailed(
    path: impl AsRef<Path>,
    options: &TransactionLogOptions,
    calibration_end: Option<NaiveDateTime>,
) -> Result<Summary> {
    let path = path.as_ref();
    summarize_with(path, options, calibration_end, |s| {
        csv_log::read_log(open(path)?, options, s).map_err(|e| match e {
            Error::Io { source, .. } => Error::io(path, source),
            other => other,
        })
    })
}

/// Summarises a text log from any reader. A reader cannot be read twice: with
/// [`LogOrder::Auto`], a customer's transaction out of time order is an error (choose
/// [`LogOrder::Unordered`] in [`TransactionLogOptions::summary`] for such logs).
pub fn summarize_csv_reader<R: Read>(
    reader: R,
    options: &TransactionLogOptions,
    calibration_end: Option<NaiveDateTime>,
) -> Result<Summary> {
    let mut s = new_summarizer(&options.summary, calibration_end)?;
    csv_log::read_log(reader, options, &mut s)?;
    s.finish()
}

/// One parsed line of a transaction log, as [`for_each_transaction`] hands it over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRecord<'a> {
    /// 1-based line of the file (the header, if any, is line 1).
    pub line: u64,
    /// The customer id.
    pub customer: &'a str,
    /// When the transaction happened.
    pub time: NaiveDateTime,
    /// Its amount, when the options name an amount column.
    pub amount: Option<f64>,
}

/// Reads every line of a text log with the layout of `options` (columns, separator, header,
/// date format) and calls `visit` with each, in file order, streaming. Lines are parsed and
/// validated exactly as the summariser does (errors name the line, column and value), but
/// nothing is filtered: observation end, cohort and refund rules are the summariser's.
///
/// ```
/// use clv::data::transactions::{for_each_transaction, DateFormat, TransactionLogOptions};
/// let log = " 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n";
/// let options = TransactionLogOptions::new(1, 2)
///     .amount(4)
///     .whitespace()
///     .no_header()
///     .date_format(DateFormat::Compact);
/// let mut days = Vec::new();
/// for_each_transaction(log.as_bytes(), &options, |r| {
///     days.push((r.customer.to_string(), r.time.date().to_string(), r.amount));
///     Ok(())
/// })
/// .unwrap();
/// assert_eq!(days[1], ("0001".to_string(), "1997-01-18".to_string(), Some(29.73)));
/// ```
pub fn for_each_transaction<R, F>(
    reader: R,
    options: &TransactionLogOptions,
    visit: F,
) -> Result<()>
where
    R: Read,
    F: FnMut(LogRecord<'_>) -> Result<()>,
{
    struct Visitor<F>(F);
    impl<F: FnMut(LogRecord<'_>) -> Result<()>> csv_log::RowSink for Visitor<F> {
        fn push_at(
            &mut self,
            line: u64,
            id: &str,
            seconds: i64,
            amount: Option<f64>,
        ) -> Result<()> {
            let time = chrono::DateTime::from_timestamp(seconds, 0)
                .ok_or_else(|| {
                    Error::invalid_value(line as usize, "time", seconds, "time out of range")
                })?
                .naive_utc();
            (self.0)(LogRecord {
                line,
                customer: id,
                time,
                amount,
            })
        }
    }
    csv_log::read_log(reader, options, &mut Visitor(visit))
}
