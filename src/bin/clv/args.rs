//! Options shared by several subcommands, and parsers of durations, dates and columns.

use std::io::Read;
use std::path::Path;

use clap::{Args, ValueEnum};
use clv::data::transactions::{
    ColumnRef, DateFormat, NaiveDate, NaiveDateTime, Period, RefundPolicy, TransactionLogOptions,
};
use clv::data::{RfmChunks, DEFAULT_CHUNK_BYTES};
use clv::value::{ClvConfig, Discount};
use clv::{Duration, RfmCsvOptions, TimeUnit};

use crate::failure::{Context, Failure};

/// Where the customer id and date are in a transaction log, and how its text is laid out.
#[derive(Debug, Clone, Args)]
pub struct LogLayoutArgs {
    /// Customer id column: a header name, or a 0-based position given as a number.
    #[arg(long, default_value = "customer_id", value_name = "COLUMN")]
    pub customer_column: String,
    /// Date (or date-time) column: a header name or a 0-based position.
    #[arg(long, default_value = "date", value_name = "COLUMN")]
    pub date_column: String,
    /// Field separator: one character such as `,` `;` `|`, `tab`, or `whitespace` for runs of
    /// spaces and tabs.
    #[arg(long, default_value = ",", value_name = "SEP")]
    pub separator: String,
    /// The log has no header line (columns must then be given by position).
    #[arg(long)]
    pub no_header: bool,
    /// Date format: `auto` (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS or YYYYMMDD, recognised per value),
    /// `iso-date`, `iso-datetime`, `yyyymmdd`, or a strftime format such as `%d/%m/%Y`.
    #[arg(long, default_value = "auto", value_name = "FORMAT")]
    pub date_format: String,
}

impl LogLayoutArgs {
    /// The library's reading options for this layout (no amount column, default summary).
    pub fn options(&self) -> Result<TransactionLogOptions, Failure> {
        let mut o =
            TransactionLogOptions::new(column(&self.customer_column), column(&self.date_column));
        o = match self.separator.as_str() {
            "whitespace" | "space" | "spaces" => o.whitespace(),
            "tab" | "\\t" => o.delimiter(b'\t'),
            s if s.len() == 1 => o.delimiter(s.as_bytes()[0]),
            s => {
                return Err(Failure::new(format!(
                    "--separator {s:?}: expected one character, `tab` or `whitespace`"
                )))
            }
        };
        if self.no_header {
            o = o.no_header();
        }
        let format: DateFormat = self
            .date_format
            .parse()
            .map_err(|e: String| Failure::new(format!("--date-format: {e}")))?;
        Ok(o.date_format(format))
    }
}

/// How to read a transaction log and summarise it.
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    #[command(flatten)]
    pub layout: LogLayoutArgs,
    /// Amount (money) column, a header name or a 0-based position; without it there is no
    /// monetary value and no spend model.
    #[arg(long, value_name = "COLUMN")]
    pub amount_column: Option<String>,
    /// What to do with a negative amount (a refund): `error` stops at it, `net` subtracts it
    /// from the customer's spend in the latest purchase period at or before it, `drop` leaves
    /// it out.
    #[arg(long, value_enum, default_value_t = Refunds::Error, value_name = "POLICY")]
    pub refunds: Refunds,
    /// Purchases of a customer within one period count as one purchase: `hour`, `day` or `week`
    /// (Monday to Sunday).
    #[arg(long, default_value = "day", value_name = "PERIOD")]
    pub period: String,
    /// Unit of recency and T in the output: hours, days, weeks, months (30.4375 days) or years.
    #[arg(long, default_value = "weeks", value_name = "UNIT")]
    pub unit: TimeUnit,
    /// Last day observed (YYYY-MM-DD, included); default: the latest transaction in the log.
    /// Later transactions are ignored.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub observation_end: Option<NaiveDate>,
    /// Keep only customers whose first purchase is on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date, requires = "first_purchase_to")]
    pub first_purchase_from: Option<NaiveDate>,
    /// Keep only customers whose first purchase is on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date, requires = "first_purchase_from")]
    pub first_purchase_to: Option<NaiveDate>,
    /// Split the log at this day (YYYY-MM-DD, included in calibration): recency and T describe
    /// the calibration period, and holdout columns what each customer did afterwards.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub calibration_end: Option<NaiveDate>,
}

/// `--refunds`: the library's [`RefundPolicy`] in the CLI's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Refunds {
    /// A negative amount is an error naming its line.
    Error,
    /// Refunds are netted against the customer's purchases.
    Net,
    /// Refunds are left out.
    Drop,
}

impl From<Refunds> for RefundPolicy {
    fn from(r: Refunds) -> Self {
        match r {
            Refunds::Error => RefundPolicy::Reject,
            Refunds::Net => RefundPolicy::Net,
            Refunds::Drop => RefundPolicy::Drop,
        }
    }
}

pub fn column(spec: &str) -> ColumnRef {
    match spec.parse::<usize>() {
        Ok(i) => ColumnRef::Position(i),
        Err(_) => ColumnRef::Name(spec.to_string()),
    }
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).expect("midnight exists")
}

impl LogArgs {
    /// The library's reading options.
    pub fn options(&self) -> Result<TransactionLogOptions, Failure> {
        let mut o = self.layout.options()?;
        if let Some(a) = &self.amount_column {
            o = o.amount(column(a));
        }
        let period: Period = self
            .period
            .parse()
            .map_err(|e: String| Failure::new(format!("--period: {e}")))?;
        o = o
            .period(period)
            .unit(self.unit)
            .refunds(self.refunds.into());
        if let Some(end) = self.observation_end {
            o = o.observation_end(midnight(end));
        }
        if let (Some(from), Some(to)) = (self.first_purchase_from, self.first_purchase_to) {
            o = o.first_purchase_between(midnight(from), midnight(to));
        }
        Ok(o)
    }
}

/// How to read an RFM CSV.
#[derive(Debug, Clone, Args)]
pub struct RfmArgs {
    /// Unit of recency and T in the file: hours, days, weeks, months or years. Default: the
    /// unit `clv summarize` wrote beside the file (FILE.unit); without either, a warning.
    #[arg(long, value_name = "UNIT")]
    pub unit: Option<TimeUnit>,
    /// Column names `ID,FREQUENCY,RECENCY,T[,MONETARY_VALUE]` when they are not lifetimes'
    /// (`customer_id,frequency,recency,T,monetary_value`, or the same with `_cal` as written
    /// with a calibration end), e.g. `ID,x,t_x,T,zbar`.
    #[arg(long, value_name = "NAMES")]
    pub columns: Option<String>,
    /// Bytes of CSV read, scored and written at a time by `fit` and `predict` (memory is
    /// bounded by this, not by the file's size); tests make it tiny.
    #[arg(long, hide = true, default_value_t = DEFAULT_CHUNK_BYTES)]
    pub chunk_bytes: usize,
}

impl RfmArgs {
    /// Reads the table in chunks of rows, for files of any size, times in `--unit` or the unit
    /// stated beside the file (see [`crate::unit_file`]), or else `default_unit` with a warning
    /// saying it is `assumed`, returned for the caller to print once the file was read. The
    /// file (or standard input) is read as it is consumed.
    pub fn chunks(
        &self,
        path: &Path,
        default_unit: TimeUnit,
        assumed: &str,
    ) -> Result<(Chunks, Option<String>), Failure> {
        let (unit, warning) = crate::unit_file::resolve(path, self.unit, default_unit, assumed)?;
        let what = || format!("reading {}", crate::paths::shown(path));
        let mut input: Box<dyn Read + Send> = if crate::paths::is_standard(path) {
            Box::new(std::io::stdin())
        } else if crate::paths::is_parquet(path) {
            parquet_as_csv(path).context(what())?
        } else {
            Box::new(std::fs::File::open(path).context(what())?)
        };
        // the header decides the layout: read up to its end, then put it back in front
        let mut head = Vec::new();
        while !head.contains(&b'\n') {
            let n = (&mut input)
                .take(64 << 10)
                .read_to_end(&mut head)
                .context(what())?;
            if n == 0 {
                break;
            }
        }
        let o = self.options(unit, &head)?;
        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head).chain(input));
        let chunks = RfmChunks::new(input, &o, self.chunk_bytes).context(what())?;
        Ok((chunks, warning))
    }

    /// The CSV options for a file whose first bytes (its header at least) are `head`.
    fn options(&self, unit: TimeUnit, head: &[u8]) -> Result<RfmCsvOptions, Failure> {
        let mut o = RfmCsvOptions::new(unit);
        if let Some(spec) = &self.columns {
            let c: Vec<&str> = spec.split(',').map(str::trim).collect();
            if !(4..=5).contains(&c.len()) || c.iter().any(|n| n.is_empty()) {
                return Err(Failure::new(format!(
                    "--columns {spec:?}: expected 4 or 5 comma-separated names ID,FREQUENCY,RECENCY,T[,MONETARY_VALUE]"
                )));
            }
            o = o.columns(c[0], c[1], c[2], c[3]);
            if let Some(m) = c.get(4).copied() {
                o = o.monetary_value(m);
            }
        } else if header_has(head, "frequency_cal") {
            o = o.columns("customer_id", "frequency_cal", "recency_cal", "T_cal");
            o.monetary_value = clv::data::Column::IfPresent("monetary_value_cal".into());
        }
        Ok(o)
    }
}

/// An RFM file read in chunks, from a file or standard input.
pub type Chunks = RfmChunks<Box<dyn Read + Send>>;

fn header_has(bytes: &[u8], name: &str) -> bool {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    rdr.headers().is_ok_and(|h| h.iter().any(|h| h == name))
}

/// Horizon, step, discounting and margin of the lifetime value.
#[derive(Debug, Clone, Args)]
pub struct ValueArgs {
    /// Horizon of the lifetime value, a number and a unit: `12months`, `52w`, `365d`, `1y`...
    /// (a month is 30.4375 days).
    #[arg(long, default_value = "12months", value_parser = parse_duration)]
    pub horizon: Duration,
    /// Step of the cash flows: purchases in a step are discounted at its end (`1month`, `1w`...).
    #[arg(long, default_value = "1month", value_parser = parse_duration)]
    pub step: Duration,
    /// Discount rate per step, e.g. 0.01 for 1% per month with monthly steps (lifetimes'
    /// default); 0 for none.
    #[arg(long, default_value_t = 0.01, value_name = "RATE", allow_negative_numbers = true, value_parser = parse_discount_rate)]
    pub discount_rate: f64,
    /// Profit margin applied to expected spend, in (0, 1]; 1 means CLV is revenue.
    #[arg(long, default_value_t = 1.0)]
    pub margin: f64,
}

impl ValueArgs {
    /// The library's configuration.
    pub fn config(&self) -> Result<ClvConfig, Failure> {
        let discount = if self.discount_rate == 0.0 {
            Discount::None
        } else {
            Discount::PerStep(self.discount_rate)
        };
        ClvConfig::new(self.horizon, self.step, discount, self.margin)
            .context("lifetime value options")
    }
}

/// Parses `12months`, `52 weeks`, `365d`, `1.5y`, `48h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| format!("{s:?} has no unit (write e.g. 52w, 12months, 365d)"))?;
    let (number, unit) = s.split_at(split);
    let amount: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{:?} is not a number", number.trim()))?;
    if !(amount > 0.0 && amount.is_finite()) {
        return Err(format!("{s:?}: the amount must be positive"));
    }
    let unit: TimeUnit = unit.trim().parse()?;
    Ok(Duration::new(amount, unit))
}

/// Parses a finite number that is 0 or more (a penalty): a negative one is refused with its
/// reason rather than taken for an option.
pub fn parse_non_negative(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Ok(v),
        Ok(v) if v < 0.0 => Err(format!("{v} is negative; it must be 0 or more")),
        _ => Err(format!("{s:?} is not a finite number")),
    }
}

/// Parses a discount rate per step: [`parse_non_negative`], saying why a negative one is refused.
pub fn parse_discount_rate(s: &str) -> Result<f64, String> {
    parse_non_negative(s).map_err(|e| match s.trim().parse::<f64>() {
        Ok(v) if v < 0.0 => {
            format!("{e} (a negative discount rate would be growth, and inflate CLV)")
        }
        _ => e,
    })
}

/// Parses `YYYY-MM-DD` or `YYYYMMDD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y%m%d"))
        .map_err(|_| format!("{s:?} is not a date (expected YYYY-MM-DD)"))
}

/// Parses a comma-separated list of positive numbers, e.g. `0.24,4.41,0.79,2.43`.
pub fn parse_numbers(s: &str, n: usize, what: &str) -> Result<Vec<f64>, Failure> {
    let v: Result<Vec<f64>, _> = s.split(',').map(|x| x.trim().parse::<f64>()).collect();
    match v {
        Ok(v) if v.len() == n => Ok(v),
        _ => Err(Failure::new(format!(
            "{what}: expected {n} comma-separated numbers, got {s:?}"
        ))),
    }
}

/// A Parquet RFM table read as the CSV text of its columns (the same names, checks and
/// errors as the CSV).
#[cfg(feature = "parquet")]
fn parquet_as_csv(path: &Path) -> clv::Result<Box<dyn Read + Send>> {
    Ok(Box::new(clv::data::parquet_tables::CsvFromParquet::open(
        path,
    )?))
}

#[cfg(not(feature = "parquet"))]
fn parquet_as_csv(path: &Path) -> clv::Result<Box<dyn Read + Send>> {
    // (refused earlier by crate::paths::parquet_supported)
    Err(clv::Error::invalid_option(
        "input",
        path.display(),
        "Parquet files need clv built with the `parquet` feature",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_dates() {
        assert_eq!(parse_duration("52w"), Ok(Duration::weeks(52.0)));
        assert_eq!(parse_duration("12 months"), Ok(Duration::months(12.0)));
        assert!(parse_duration("12").is_err());
        assert!(parse_duration("-1d").is_err());
        assert_eq!(parse_date("19970930"), parse_date("1997-09-30"));
        assert!(parse_date("30/09/1997").is_err());
    }
}
