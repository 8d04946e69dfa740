//! Subscription logs: one row per subscription (customer, start date, end date or empty while
//! still active, price per period), cut into per-cohort [`Tenures`] at an observation date.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;

use crate::data::csv_fields::CsvTable;
use crate::data::periods::{CalendarPeriod, Periods};
use crate::data::retention::{Tenure, Tenures};
use crate::data::transactions::DateFormat;
use crate::error::{Error, Result};

/// One subscription as read from the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// The subscriber.
    pub customer: String,
    /// First day of the subscription.
    pub start: NaiveDate,
    /// Day it ended, `None` while active.
    pub end: Option<NaiveDate>,
    /// Price per period, when the log has a price column.
    pub price: Option<f64>,
    /// The value of the grouping column, when one was asked for.
    pub group: Option<String>,
}

impl Subscription {
    /// The subscription's tenure seen at `observed`, in `period`s; `None` if it starts after
    /// `observed`. An ended subscription paid for every period it began (a cancellation in the
    /// middle of the third month paid three months: churned after two renewals); one still
    /// active (or ending after `observed`) has renewed at every anniversary up to `observed`.
    pub fn tenure(&self, period: CalendarPeriod, observed: NaiveDate) -> Option<Tenure> {
        if self.start > observed {
            return None;
        }
        match self.end {
            Some(end) if end <= observed => {
                let whole = period.elapsed(self.start, end);
                let partial = period.add(self.start, whole).is_some_and(|d| d < end);
                let paid = (whole + u32::from(partial)).max(1);
                Some(Tenure::churned(Periods(paid - 1)))
            }
            _ => Some(Tenure::active(Periods(
                period.elapsed(self.start, observed),
            ))),
        }
    }
}

/// Column names of a subscription log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionColumns {
    /// Subscriber id.
    pub customer: String,
    /// Start date.
    pub start: String,
    /// End date, empty while active.
    pub end: String,
    /// Price per period (optional).
    pub price: Option<String>,
    /// A column to group subscriptions by (plan, channel...) instead of the start month.
    pub group: Option<String>,
    /// How dates are written.
    pub date_format: DateFormat,
}

impl Default for SubscriptionColumns {
    /// `customer,start,end,price`, ISO dates (or any of [`DateFormat::Auto`]'s).
    fn default() -> Self {
        SubscriptionColumns {
            customer: "customer".into(),
            start: "start".into(),
            end: "end".into(),
            price: Some("price".into()),
            group: None,
            date_format: DateFormat::Auto,
        }
    }
}

fn parse_date(csv: &CsvTable, row: usize, col: usize, format: &DateFormat) -> Result<NaiveDate> {
    let raw = csv.text(row, col);
    let seconds = format
        .parse_seconds(raw.as_bytes())
        .map_err(|why| Error::invalid_value(row + 1, &csv.headers[col], raw, why))?;
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.date_naive())
        .ok_or_else(|| Error::invalid_value(row + 1, &csv.headers[col], raw, "date out of range"))
}

/// Reads a subscription log (CSV with a header). Errors name the row, column and value: an
/// unparseable date, an end before the start, a negative or non-numeric price.
///
/// ```
/// use clv::data::subscriptions::read_subscriptions_reader;
/// let log = "customer,start,end,price\na,2024-01-10,2024-03-20,59\nb,2024-02-01,,59\n";
/// let subs = read_subscriptions_reader(log.as_bytes(), &Default::default()).unwrap();
/// assert_eq!(subs.len(), 2);
/// assert!(subs[1].end.is_none());
/// ```
pub fn read_subscriptions_reader<R: std::io::Read>(
    reader: R,
    columns: &SubscriptionColumns,
) -> Result<Vec<Subscription>> {
    read(CsvTable::read(reader, "subscription log")?, columns)
}

/// [`read_subscriptions_reader`] on a file.
pub fn read_subscriptions(
    path: impl AsRef<Path>,
    columns: &SubscriptionColumns,
) -> Result<Vec<Subscription>> {
    read(CsvTable::read_path(path.as_ref())?, columns)
}

fn read(csv: CsvTable, columns: &SubscriptionColumns) -> Result<Vec<Subscription>> {
    let (cc, cs, ce) = (
        csv.column(&columns.customer)?,
        csv.column(&columns.start)?,
        csv.column(&columns.end)?,
    );
    let cp = columns
        .price
        .as_deref()
        .map(|p| csv.column(p))
        .transpose()?;
    let cg = columns
        .group
        .as_deref()
        .map(|g| csv.column(g))
        .transpose()?;
    let mut out = Vec::with_capacity(csv.rows.len());
    for i in 0..csv.rows.len() {
        let customer = csv.text(i, cc);
        if customer.is_empty() {
            return Err(Error::invalid_value(
                i + 1,
                &columns.customer,
                "",
                "missing id",
            ));
        }
        let start = parse_date(&csv, i, cs, &columns.date_format)?;
        let end = if csv.text(i, ce).is_empty() {
            None
        } else {
            let e = parse_date(&csv, i, ce, &columns.date_format)?;
            if e < start {
                return Err(Error::invalid_value(
                    i + 1,
                    &columns.end,
                    csv.text(i, ce),
                    "ends before it starts",
                ));
            }
            Some(e)
        };
        out.push(Subscription {
            customer: customer.to_string(),
            start,
            end,
            price: cp.map(|c| csv.non_negative(i, c)).transpose()?,
            group: cg.map(|c| csv.text(i, c).to_string()),
        });
    }
    Ok(out)
}

/// One cohort's tenures at the observation date, with its subscriptions' mean price.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    /// The start period (`2024-01` for monthly cohorts) or the group column's value.
    pub name: String,
    /// Tenures, compressed.
    pub tenures: Tenures,
    /// Mean price per period of the cohort's subscriptions (when the log has prices).
    pub mean_price: Option<f64>,
}

/// Groups subscriptions into cohorts (by their group column when they have one, else by the
/// calendar `period` of their start) and cuts their tenures at `observed`, in order of name.
/// Subscriptions starting after `observed` are left out.
pub fn cohorts(subs: &[Subscription], period: CalendarPeriod, observed: NaiveDate) -> Vec<Cohort> {
    let mut groups: BTreeMap<String, (Tenures, f64, f64)> = BTreeMap::new();
    for s in subs {
        let Some(t) = s.tenure(period, observed) else {
            continue;
        };
        let name = s
            .group
            .clone()
            .unwrap_or_else(|| cohort_name(period, s.start));
        let g = groups.entry(name).or_default();
        g.0.push(t, 1.0).expect("unit weight");
        if let Some(p) = s.price {
            g.1 += p;
            g.2 += 1.0;
        }
    }
    groups
        .into_iter()
        .map(|(name, (t, sum, n))| Cohort {
            name,
            tenures: t.compressed(),
            mean_price: (n > 0.0).then(|| sum / n),
        })
        .collect()
}

fn cohort_name(period: CalendarPeriod, d: NaiveDate) -> String {
    use chrono::Datelike;
    match period {
        CalendarPeriod::Year => format!("{}", d.year()),
        CalendarPeriod::Quarter => format!("{}-Q{}", d.year(), d.month0() / 3 + 1),
        CalendarPeriod::Month => format!("{}-{:02}", d.year(), d.month()),
        CalendarPeriod::Week => format!("{}-W{:02}", d.iso_week().year(), d.iso_week().week()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn tenures_with_censoring() {
        let log = "customer,start,end,price\n\
                   a,2024-01-10,2024-03-20,59\n\
                   b,2024-01-15,,59\n\
                   c,2024-01-20,2024-02-20,49\n\
                   d,2024-02-01,2024-12-01,59\n\
                   e,2025-01-01,,59\n";
        let subs = read_subscriptions_reader(log.as_bytes(), &Default::default()).unwrap();
        let obs = d(2024, 6, 30);
        let m = CalendarPeriod::Month;
        // a paid Jan, Feb, Mar: churned after 2 renewals
        assert_eq!(subs[0].tenure(m, obs), Some(Tenure::churned(Periods(2))));
        // b active, anniversaries Feb 15 .. Jun 15
        assert_eq!(subs[1].tenure(m, obs), Some(Tenure::active(Periods(5))));
        // c ended exactly at its first anniversary: paid one period
        assert_eq!(subs[2].tenure(m, obs), Some(Tenure::churned(Periods(0))));
        // d ends after the observation date: still active then
        assert_eq!(subs[3].tenure(m, obs), Some(Tenure::active(Periods(4))));
        assert_eq!(subs[4].tenure(m, obs), None);
        let c = cohorts(&subs, m, obs);
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].name.as_str(), c[0].tenures.total_weight()),
            ("2024-01", 3.0)
        );
        assert!((c[0].mean_price.unwrap() - 167.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn bad_rows_are_named() {
        let log = "customer,start,end,price\na,2024-01-10,2024-01-01,59\n";
        let err = read_subscriptions_reader(log.as_bytes(), &Default::default()).unwrap_err();
        assert!(
            matches!(err, Error::InvalidValue { row: 1, ref column, .. } if column == "end"),
            "{err}"
        );
        let log = "customer,start,end,price\na,2024-13-10,,59\n";
        let err = read_subscriptions_reader(log.as_bytes(), &Default::default()).unwrap_err();
        assert!(err.to_string().contains("2024-13-10"), "{err}");
        let log = "customer,start,end,price\na,2024-01-10,,-3\n";
        let err = read_subscriptions_reader(log.as_bytes(), &Default::default()).unwrap_err();
        assert!(err.to_string().contains("price"), "{err}");
    }
}
