//! The streaming summariser: transactions in, one RFM row per customer out.

use chrono::{DateTime, NaiveDateTime};
use ndarray::Array1;

use super::dates::{datetime_seconds, Period};
use crate::data::rfm::CustomerTable;
use crate::error::{Error, Result};
use crate::time::{Duration, TimeUnit};

use super::ids::{hash_id, CustomerIndex};

/// Rows whose customer look-ups are overlapped (see [`CustomerIndex::prefetch_entry`]).
const BATCH: usize = 32;

/// A row waiting in the current batch.
#[derive(Debug, Clone, Copy)]
struct Pending {
    hash: u64,
    line: u64,
    amount: f64,
    period: i32,
    id_start: u32,
    id_len: u32,
}

/// The problem of a refund refused under [`RefundPolicy::Reject`] (front ends recognise it to
/// name their own option).
pub const REFUND_REFUSED: &str =
    "negative amount (a refund), refused by the refund policy (RefundPolicy::Net nets refunds \
     against purchases, RefundPolicy::Drop leaves them out)";

/// What to do with a negative amount (a refund).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RefundPolicy {
    /// A negative amount is an error naming its line (the default).
    #[default]
    Reject,
    /// A negative amount is a refund: it is netted against the customer's spend in the most
    /// recent purchase period at or before it, within the same part of the log (calibration or
    /// holdout), and does not by itself count as a purchase. A refund in the holdout part of a
    /// calibration purchase lowers the holdout spend. A refund dated before the customer's first
    /// purchase, or refunds that leave a repeat customer with a negative net repeat spend, are
    /// errors.
    Net,
    /// A negative amount is left out (counted in [`SummaryStats::refunds_dropped`]): the
    /// purchases stand as they were made.
    Drop,
}

/// Whether the log is known to list each customer's transactions in time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogOrder {
    /// Stream with a constant state per customer (about 100 bytes with its id), assuming each
    /// customer's transactions come in time order (true of a log sorted by time, or by customer
    /// then time). Files read by [`summarize_csv`](super::summarize_csv) and friends are read a
    /// second time as [`Unordered`](Self::Unordered) if that assumption fails; a
    /// [`Summarizer`] fed by hand reports an error at the first transaction out of order.
    #[default]
    Auto,
    /// Keep every transaction (24 bytes each) and sort them at the end: any order works, memory
    /// grows with the number of transactions.
    Unordered,
}

/// How transactions become an RFM summary; see the [module documentation](super) for the
/// conventions.
///
/// ```
/// use clv::data::transactions::{NaiveDate, Period, SummaryOptions};
/// use clv::TimeUnit;
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).unwrap();
/// let opts = SummaryOptions::new().unit(TimeUnit::Weeks).observation_end(end);
/// assert_eq!(opts.period, Period::Day);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryOptions {
    /// Purchases within one period count as one (default: a day).
    pub period: Period,
    /// Unit of recency and age in the table (default: days).
    pub unit: TimeUnit,
    /// End of observation; its whole period is observed. Default: the latest transaction.
    pub observation_end: Option<NaiveDateTime>,
    /// Keep only customers whose first purchase falls in these periods (both ends included).
    pub first_purchase_between: Option<(NaiveDateTime, NaiveDateTime)>,
    /// What to do with negative amounts.
    pub refunds: RefundPolicy,
    /// Whether customers' transactions come in time order.
    pub order: LogOrder,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            period: Period::Day,
            unit: TimeUnit::Days,
            observation_end: None,
            first_purchase_between: None,
            refunds: RefundPolicy::Reject,
            order: LogOrder::Auto,
        }
    }
}

impl SummaryOptions {
    /// Periods of a day, times in days, observation ending at the latest transaction, negative
    /// amounts rejected.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the period within which purchases count as one.
    pub fn period(mut self, period: Period) -> Self {
        self.period = period;
        self
    }
    /// Sets the unit of recency and age.
    pub fn unit(mut self, unit: TimeUnit) -> Self {
        self.unit = unit;
        self
    }
    /// Sets the end of observation (a `NaiveDate` means that whole day).
    pub fn observation_end(mut self, end: impl Into<NaiveDateTime>) -> Self {
        self.observation_end = Some(end.into());
        self
    }
    /// Keeps only customers whose first purchase is in the periods from `from` to `to`, both
    /// included (a cohort).
    pub fn first_purchase_between(
        mut self,
        from: impl Into<NaiveDateTime>,
        to: impl Into<NaiveDateTime>,
    ) -> Self {
        self.first_purchase_between = Some((from.into(), to.into()));
        self
    }
    /// Sets the refund policy.
    pub fn refunds(mut self, refunds: RefundPolicy) -> Self {
        self.refunds = refunds;
        self
    }
    /// Sets what is assumed about the order of the log.
    pub fn order(mut self, order: LogOrder) -> Self {
        self.order = order;
        self
    }
}

/// What happened in the holdout part of the log, per customer of the calibration table.
///
/// Columns are aligned with the rows of the calibration [`CustomerTable`].
#[derive(Debug, Clone, PartialEq)]
pub struct Holdout {
    /// Number of periods with a purchase after the calibration end (all of them are repeat
    /// purchases, comparable with a model's expected purchases over [`duration`](Self::duration)).
    pub purchases: Array1<f64>,
    /// Total spend after the calibration end, net of refunds there under [`RefundPolicy::Net`];
    /// `None` when the log has no amounts.
    pub spend: Option<Array1<f64>>,
    /// Length of the holdout part: observation end minus calibration end, in the table's unit.
    pub duration: Duration,
}

/// Counts of what the summariser did, to check that nothing went missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SummaryStats {
    /// Transactions read.
    pub transactions: u64,
    /// Transactions after the observation end (ignored).
    pub after_observation_end: u64,
    /// Distinct customers among the transactions up to the observation end.
    pub customers_seen: usize,
    /// Customers left out because their first purchase is outside
    /// [`SummaryOptions::first_purchase_between`].
    pub outside_cohort: usize,
    /// Customers left out because their first purchase is in the last observed period (their
    /// age T would be 0; the customer table needs T > 0). In a calibration/holdout split, this
    /// counts customers first seen after the calibration end too.
    pub first_seen_at_end: usize,
    /// Customers in the table.
    pub customers: usize,
    /// Whether the log had to be sorted in memory because a customer's transactions were out
    /// of time order.
    pub sorted_in_memory: bool,
    /// Negative amounts left out under [`RefundPolicy::Drop`].
    pub refunds_dropped: u64,
}

/// The result of summarising a log: the customer table, the holdout part if one was asked
/// for, and counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// One row per customer, in order of first appearance in the log.
    pub table: CustomerTable,
    /// Holdout purchases and spend, with [`Summarizer::with_calibration_end`].
    pub holdout: Option<Holdout>,
    /// What was read and left out.
    pub stats: SummaryStats,
}

const NONE: i32 = i32::MIN;

/// Constant-size state of one customer while streaming (64 bytes).
#[derive(Debug, Clone, Copy)]
struct CustomerState {
    /// First purchase period (`NONE` before any purchase).
    first: i32,
    /// Latest purchase period.
    last: i32,
    /// Latest period with any transaction (purchase or refund).
    latest: i32,
    /// Latest purchase period up to the calibration end.
    calibration_last: i32,
    /// Purchase periods up to the calibration end, the first included.
    periods: u32,
    /// Purchase periods after the calibration end.
    holdout_periods: u32,
    /// Spend in the first purchase period.
    first_amount: f64,
    /// Spend in the repeat purchase periods up to the calibration end.
    repeat_amount: f64,
    /// Spend after the calibration end.
    holdout_amount: f64,
    /// Refunds in period `latest` not yet attached to a purchase period.
    pending: f64,
    /// Line of the latest transaction (or of a refund waiting for a first purchase), for errors.
    line: u64,
}

impl CustomerState {
    const NEW: CustomerState = CustomerState {
        first: NONE,
        last: NONE,
        latest: NONE,
        calibration_last: NONE,
        periods: 0,
        holdout_periods: 0,
        first_amount: 0.0,
        repeat_amount: 0.0,
        holdout_amount: 0.0,
        pending: 0.0,
        line: 0,
    };

    /// The spend bucket of purchase period `p`.
    fn bucket(&mut self, p: i32, calibration_end: i32) -> &mut f64 {
        if p == self.first {
            &mut self.first_amount
        } else if p <= calibration_end {
            &mut self.repeat_amount
        } else {
            &mut self.holdout_amount
        }
    }

    /// Attaches pending refunds (of period `latest`) to the latest purchase period of the same
    /// part of the log. `Err` carries the line of a refund that precedes every purchase.
    fn flush(&mut self, calibration_end: i32) -> std::result::Result<(), u64> {
        if self.pending == 0.0 {
            return Ok(());
        }
        if self.first == NONE {
            return Err(self.line);
        }
        let amount = std::mem::take(&mut self.pending);
        if self.latest > calibration_end && self.last <= calibration_end {
            self.holdout_amount += amount;
        } else {
            let last = self.last;
            *self.bucket(last, calibration_end) += amount;
        }
        Ok(())
    }

    /// Adds a transaction at period `p >= self.latest`. `Err` carries the line of a refund that
    /// precedes every purchase.
    fn absorb(
        &mut self,
        p: i32,
        amount: f64,
        line: u64,
        calibration_end: i32,
    ) -> std::result::Result<(), u64> {
        if p > self.latest {
            self.flush(calibration_end)?;
            self.latest = p;
        }
        if !(self.first == NONE && self.pending != 0.0) {
            self.line = line;
        }
        if amount < 0.0 {
            // A refund (only reaches here under RefundPolicy::Net).
            if p == self.last {
                *self.bucket(p, calibration_end) += amount;
            } else {
                self.pending += amount;
            }
            return Ok(());
        }
        if self.first == NONE {
            self.first = p;
            self.last = p;
            self.calibration_last = p;
            self.periods = 1;
            self.first_amount = amount + std::mem::take(&mut self.pending);
        } else if p == self.last {
            *self.bucket(p, calibration_end) += amount;
        } else {
            self.last = p;
            if p <= calibration_end {
                self.periods += 1;
                self.calibration_last = p;
            } else {
                self.holdout_periods += 1;
            }
            let pending = std::mem::take(&mut self.pending);
            *self.bucket(p, calibration_end) += amount + pending;
        }
        Ok(())
    }
}

/// One transaction kept for sorting in [`LogOrder::Unordered`] mode.
#[derive(Debug, Clone, Copy)]
struct Record {
    customer: u32,
    period: i32,
    amount: f64,
    line: u64,
}

/// Column names used in error messages.
#[derive(Debug, Clone)]
pub(crate) struct ColumnLabels {
    pub(crate) customer: String,
    pub(crate) time: String,
    pub(crate) amount: String,
}

impl Default for ColumnLabels {
    fn default() -> Self {
        ColumnLabels {
            customer: "customer_id".into(),
            time: "time".into(),
            amount: "amount".into(),
        }
    }
}

/// Turns a stream of transactions into a [`Summary`].
///
/// With [`LogOrder::Auto`] it keeps a constant state per customer, so memory grows with the
/// number of customers, not transactions; see [`LogOrder`] for logs out of order.
///
/// ```
/// use clv::data::transactions::{NaiveDate, Summarizer, SummaryOptions};
/// let day = |d| NaiveDate::from_ymd_opt(2024, 1, d).unwrap().and_hms_opt(12, 0, 0).unwrap();
/// let mut s = Summarizer::new(&SummaryOptions::new()).unwrap();
/// s.push("ann", day(1), Some(10.0)).unwrap();
/// s.push("ann", day(1), Some(5.0)).unwrap(); // same day: same purchase period
/// s.push("bob", day(2), Some(7.0)).unwrap();
/// s.push("ann", day(4), Some(20.0)).unwrap();
/// s.push("bob", day(8), Some(1.0)).unwrap();
/// let summary = s.finish().unwrap();
/// let t = &summary.table;
/// assert_eq!(t.ids(), ["ann", "bob"]);
/// assert_eq!(t.frequency().to_vec(), [1.0, 1.0]);
/// assert_eq!(t.recency().to_vec(), [3.0, 6.0]);
/// assert_eq!(t.age().to_vec(), [7.0, 6.0]);
/// assert_eq!(t.monetary_value().unwrap().to_vec(), [20.0, 1.0]);
/// ```
#[derive(Debug)]
pub struct Summarizer {
    period: Period,
    unit: TimeUnit,
    refunds: RefundPolicy,
    order: LogOrder,
    end: Option<i32>,
    calibration_end: Option<i32>,
    /// The calibration end as given (for messages).
    calibration_date: Option<NaiveDateTime>,
    cohort: Option<(i32, i32)>,
    customers: CustomerIndex<CustomerState>,
    batch: Vec<Pending>,
    batch_ids: Vec<u8>,
    records: Vec<Record>,
    latest_period: i32,
    has_amounts: Option<bool>,
    pushed: u64,
    after_end: u64,
    refunds_dropped: u64,
    disordered: bool,
    pub(crate) labels: ColumnLabels,
}

pub(crate) fn period_i32(period: Period, seconds: i64) -> Option<i32> {
    i32::try_from(period.index_of_seconds(seconds))
        .ok()
        .filter(|&p| p != NONE)
}

/// `t` for messages: the date alone at midnight, else date and time.
fn show_date(t: NaiveDateTime) -> String {
    if t.time() == chrono::NaiveTime::MIN {
        t.date().to_string()
    } else {
        t.to_string()
    }
}

fn show_time(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0)
        .map(|t| t.naive_utc().to_string())
        .unwrap_or_else(|| format!("{seconds} s after 1970-01-01"))
}

impl Summarizer {
    /// A summariser without a holdout part.
    pub fn new(options: &SummaryOptions) -> Result<Self> {
        Self::build(options, None)
    }

    /// A summariser that splits the log at `calibration_end` (its whole period is calibration):
    /// the table summarises the calibration part, and [`Summary::holdout`] what each of its
    /// customers did after it, up to the observation end. Customers first seen after the
    /// calibration end are not in the table.
    pub fn with_calibration_end(
        options: &SummaryOptions,
        calibration_end: impl Into<NaiveDateTime>,
    ) -> Result<Self> {
        Self::build(options, Some(calibration_end.into()))
    }

    fn build(options: &SummaryOptions, calibration_end: Option<NaiveDateTime>) -> Result<Self> {
        let period = options.period;
        let to_period = |name: &str, t: NaiveDateTime| {
            period_i32(period, datetime_seconds(t)).ok_or_else(|| {
                Error::invalid_argument(name, show_date(t), "the date is out of range")
            })
        };
        let end = options
            .observation_end
            .map(|t| to_period("observation_end", t))
            .transpose()?;
        let cal = calibration_end
            .map(|t| to_period("calibration_end", t))
            .transpose()?;
        if let (Some(e), Some(c)) = (end, cal) {
            if c >= e {
                return Err(Error::invalid_argument(
                    "calibration_end",
                    show_date(calibration_end.unwrap_or_default()),
                    format!(
                        "the calibration end must be in a {} before the observation end {}",
                        period.name(),
                        show_date(options.observation_end.unwrap_or_default())
                    ),
                ));
            }
        }
        let cohort = match options.first_purchase_between {
            Some((from, to)) => {
                let (f, t) = (
                    to_period("first_purchase_from", from)?,
                    to_period("first_purchase_to", to)?,
                );
                if f > t {
                    return Err(Error::invalid_argument(
                        "first_purchase_between",
                        format!("{} to {}", show_date(from), show_date(to)),
                        "the cohort of first purchases starts after it ends",
                    ));
                }
                Some((f, t))
            }
            None => None,
        };
        Ok(Summarizer {
            period,
            unit: options.unit,
            refunds: options.refunds,
            order: options.order,
            end,
            calibration_end: cal,
            calibration_date: calibration_end,
            cohort,
            customers: CustomerIndex::new(),
            batch: Vec::with_capacity(BATCH),
            batch_ids: Vec::with_capacity(BATCH * 16),
            records: Vec::new(),
            latest_period: NONE,
            has_amounts: None,
            pushed: 0,
            after_end: 0,
            refunds_dropped: 0,
            disordered: false,
            labels: ColumnLabels::default(),
        })
    }

    /// Adds one transaction. `amount` must be given for every transaction or for none; the
    /// `n`-th call is "line `n`" in error messages.
    pub fn push(
        &mut self,
        customer_id: &str,
        time: NaiveDateTime,
        amount: Option<f64>,
    ) -> Result<()> {
        let line = self.pushed + 1;
        if customer_id.is_empty() {
            return Err(Error::invalid_value(
                line as usize,
                &self.labels.customer,
                "",
                "missing customer id",
            ));
        }
        if let Some(a) = amount {
            if !a.is_finite() {
                return Err(Error::invalid_value(
                    line as usize,
                    &self.labels.amount,
                    a,
                    "amount must be a finite number",
                ));
            }
        }
        self.push_at(line, customer_id, datetime_seconds(time), amount)
    }

    /// True once a customer's transaction came before one already seen, in [`LogOrder::Auto`]
    /// mode (the file readers then read the file again, sorting in memory).
    pub(crate) fn is_disordered(&self) -> bool {
        self.disordered
    }

    /// Adds a transaction at `seconds` since the epoch, read from `line`.
    pub(crate) fn push_at(
        &mut self,
        line: u64,
        customer_id: &str,
        seconds: i64,
        amount: Option<f64>,
    ) -> Result<()> {
        self.pushed += 1;
        match (self.has_amounts, amount.is_some()) {
            (None, has) => self.has_amounts = Some(has),
            (Some(true), false) => {
                return Err(Error::invalid_value(
                    line as usize,
                    &self.labels.amount,
                    "",
                    "missing amount",
                ));
            }
            (Some(false), true) => {
                return Err(Error::invalid_value(
                    line as usize,
                    &self.labels.amount,
                    amount.unwrap_or_default(),
                    "an amount, where earlier transactions had none",
                ));
            }
            _ => {}
        }
        let amount = amount.unwrap_or(0.0);
        if amount < 0.0 {
            match self.refunds {
                RefundPolicy::Reject => {
                    return Err(Error::invalid_value(
                        line as usize,
                        &self.labels.amount,
                        amount,
                        REFUND_REFUSED,
                    ))
                }
                RefundPolicy::Drop => {
                    self.refunds_dropped += 1;
                    return Ok(());
                }
                RefundPolicy::Net => {}
            }
        }
        let Some(period) = period_i32(self.period, seconds) else {
            return Err(Error::invalid_value(
                line as usize,
                &self.labels.time,
                show_time(seconds),
                "date out of range",
            ));
        };
        if self.end.is_some_and(|e| period > e) {
            self.after_end += 1;
            return Ok(());
        }
        self.latest_period = self.latest_period.max(period);
        self.batch.push(Pending {
            hash: hash_id(customer_id.as_bytes()),
            line,
            amount,
            period,
            id_start: self.batch_ids.len() as u32,
            id_len: customer_id.len() as u32,
        });
        self.batch_ids.extend_from_slice(customer_id.as_bytes());
        if self.batch.len() == BATCH {
            self.process_batch()?;
        }
        Ok(())
    }

    /// Looks up the customers of the batched rows and adds the rows to their states.
    fn process_batch(&mut self) -> Result<()> {
        // Fetch every row's slot, then its entry, before the look-ups: the cache misses of the
        // whole batch overlap instead of coming one after the other.
        for r in &self.batch {
            self.customers.prefetch_slot(r.hash);
        }
        for r in &self.batch {
            self.customers.prefetch_entry(r.hash);
        }
        let cal = self.calibration_end.unwrap_or(i32::MAX);
        let batch = std::mem::take(&mut self.batch);
        let mut result = Ok(());
        for r in &batch {
            let id = &self.batch_ids[r.id_start as usize..(r.id_start + r.id_len) as usize];
            let customer = self
                .customers
                .index_or_insert(r.hash, id, CustomerState::NEW);
            if self.order == LogOrder::Unordered {
                self.records.push(Record {
                    customer,
                    period: r.period,
                    amount: r.amount,
                    line: r.line,
                });
                continue;
            }
            let state = self.customers.value_mut(customer);
            if r.period < state.latest {
                let later_line = state.line;
                self.disordered = true;
                let seconds = self.period_start_seconds(r.period);
                result = Err(Error::invalid_value(
                    r.line as usize,
                    &self.labels.time,
                    show_time(seconds),
                    format!(
                        "customer {:?} has a later transaction at line {}: transactions are not in time order \
                         (use LogOrder::Unordered, which sorts them in memory)",
                        String::from_utf8_lossy(id),
                        later_line
                    ),
                ));
                break;
            }
            if let Err(l) = state.absorb(r.period, r.amount, r.line, cal) {
                result = Err(self.refund_before_purchase(l, &String::from_utf8_lossy(id)));
                break;
            }
        }
        self.batch = batch;
        self.batch.clear();
        self.batch_ids.clear();
        result
    }

    /// Processes the rows waiting in the current batch.
    pub(crate) fn flush(&mut self) -> Result<()> {
        self.process_batch()
    }

    /// Period `p` for messages: its first day (its first hour for hourly periods).
    fn show_period(&self, p: i32) -> String {
        let text = show_time(self.period_start_seconds(p));
        match self.period {
            Period::Hour => text,
            _ => text.split(' ').next().unwrap_or_default().to_string(),
        }
    }

    /// Start of period `p` in seconds since the epoch (for messages).
    fn period_start_seconds(&self, p: i32) -> i64 {
        let hours =
            i64::from(p) * self.period.hours() - if self.period == Period::Week { 72 } else { 0 };
        hours * 3600
    }

    /// The spend of a customer summed beyond the largest `f64`: named by the log's line (the
    /// customer's last transaction), amount column and customer, never by the table's rows.
    fn spend_overflow(&self, line: u64, customer_id: &str) -> Error {
        Error::invalid_value(
            line as usize,
            &self.labels.amount,
            "(the customer's total)",
            format!(
                "the amounts of customer {} (last transaction on this line) add up to more than \
                 the largest representable number ({})",
                crate::error::quote(customer_id),
                crate::error::number(f64::MAX)
            ),
        )
    }

    fn refund_before_purchase(&self, line: u64, customer_id: &str) -> Error {
        Error::invalid_value(
            line as usize,
            &self.labels.amount,
            "(refund)",
            format!(
                "refund before any purchase of customer {customer_id:?} (in its period or earlier)"
            ),
        )
    }

    /// Ends the stream and builds the table (and holdout part).
    pub fn finish(mut self) -> Result<Summary> {
        self.process_batch()?;
        let n = self.customers.len();
        let cal = self.calibration_end.unwrap_or(i32::MAX);
        let sorted_in_memory = self.order == LogOrder::Unordered;
        if sorted_in_memory {
            let mut records = std::mem::take(&mut self.records);
            records.sort_unstable_by_key(|r| (r.customer, r.period, r.line));
            for r in &records {
                if let Err(l) = self
                    .customers
                    .value_mut(r.customer)
                    .absorb(r.period, r.amount, r.line, cal)
                {
                    let id = String::from_utf8_lossy(self.customers.id(r.customer)).into_owned();
                    return Err(self.refund_before_purchase(l, &id));
                }
            }
        }
        if self.pushed == 0 {
            return Err(Error::Empty {
                what: "transaction log".into(),
            });
        }
        if self.latest_period == NONE {
            return Err(Error::Empty {
                what: format!(
                    "transaction log up to the observation end ({} transactions after it)",
                    self.after_end
                ),
            });
        }
        let end = self.end.unwrap_or(self.latest_period);
        if let Some(c) = self.calibration_end {
            if c >= end {
                let p = self.period.name();
                let end_is = match self.end {
                    Some(_) => "",
                    None => ", by default that of the latest transaction",
                };
                return Err(Error::invalid_argument(
                    "calibration_end",
                    self.calibration_date
                        .map_or_else(|| self.show_period(c), show_date),
                    format!(
                        "the calibration end must be in a {p} before the observation end (the {p} \
                         starting {}{end_is})",
                        self.show_period(end)
                    ),
                ));
            }
        }
        let table_end = self.calibration_end.unwrap_or(end);
        let has_amounts = self.has_amounts == Some(true);
        let mut stats = SummaryStats {
            transactions: self.pushed,
            after_observation_end: self.after_end,
            refunds_dropped: self.refunds_dropped,
            customers_seen: n,
            sorted_in_memory,
            ..SummaryStats::default()
        };
        let (mut out_ids, mut xs, mut txs, mut ages, mut ms) =
            (vec![], vec![], vec![], vec![], vec![]);
        let (mut h_n, mut h_spend) = (vec![], vec![]);
        let customers = std::mem::replace(&mut self.customers, CustomerIndex::new());
        let (ids, mut states) = customers.into_parts();
        for (i, (state, id)) in states.iter_mut().zip(ids).enumerate() {
            state.flush(cal).map_err(|l| {
                Error::invalid_value(
                    l as usize,
                    &self.labels.amount,
                    "(refund)",
                    format!(
                        "refund before any purchase of customer {id:?} (in its period or earlier)"
                    ),
                )
            })?;
            debug_assert!(state.first != NONE, "customer {i} without purchase");
            if self
                .cohort
                .is_some_and(|(f, t)| state.first < f || state.first > t)
            {
                stats.outside_cohort += 1;
                continue;
            }
            if state.first >= table_end {
                stats.first_seen_at_end += 1;
                continue;
            }
            let x = state.periods - 1;
            let last_calibration = state.calibration_last;
            xs.push(f64::from(x));
            txs.push(
                self.period
                    .span_in(i64::from(last_calibration - state.first), self.unit),
            );
            ages.push(
                self.period
                    .span_in(i64::from(table_end - state.first), self.unit),
            );
            if has_amounts {
                let m = if x > 0 {
                    state.repeat_amount / f64::from(x)
                } else {
                    0.0
                };
                // a mean of 0 (free orders) is data; only refunds can make it negative
                if m < 0.0 {
                    return Err(Error::invalid_value(
                        state.line as usize,
                        &self.labels.amount,
                        m,
                        format!(
                            "customer {} (last transaction on this line): refunds exceed the repeat \
                             purchases, leaving a negative mean repeat spend",
                            crate::error::quote(&id)
                        ),
                    ));
                }
                if !m.is_finite() || !state.holdout_amount.is_finite() {
                    return Err(self.spend_overflow(state.line, &id));
                }
                ms.push(m);
            }
            if self.calibration_end.is_some() {
                h_n.push(f64::from(state.holdout_periods));
                h_spend.push(state.holdout_amount);
            }
            out_ids.push(id);
        }
        stats.customers = out_ids.len();
        if out_ids.is_empty() {
            return Err(Error::Empty {
                what: format!(
                    "summary of {} customers ({} outside the cohort, {} first seen at the end of observation)",
                    n, stats.outside_cohort, stats.first_seen_at_end
                ),
            });
        }
        let mut table = CustomerTable::new(out_ids, xs.into(), txs.into(), ages.into(), self.unit)?;
        if has_amounts {
            table = table.with_monetary_value(ms.into())?;
        }
        let holdout = self.calibration_end.map(|c| Holdout {
            purchases: h_n.into(),
            spend: has_amounts.then(|| h_spend.into()),
            duration: Duration::new(
                self.period.span_in(i64::from(end - c), self.unit),
                self.unit,
            ),
        });
        Ok(Summary {
            table,
            holdout,
            stats,
        })
    }
}
