//! Discrete time: counts of periods (opportunities, renewals) and the calendar periods that
//! cut dates into them.
//!
//! The discrete-time and contractual models count *opportunities* (a yearly fund drive, a
//! monthly renewal), not spans of continuous time: a [`Periods`] is a whole number of them and
//! cannot be mixed up with a [`Duration`](crate::Duration).

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A whole number of discrete periods (transaction opportunities, subscription renewals).
///
/// ```
/// use clv::data::periods::Periods;
/// let horizon = Periods(10);
/// assert_eq!(horizon.get(), 10);
/// assert_eq!(horizon.to_string(), "10 periods");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Periods(pub u32);

impl Periods {
    /// The number of periods.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Periods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} periods", self.0)
    }
}

/// The calendar period that makes one opportunity or one renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CalendarPeriod {
    /// Calendar years.
    Year,
    /// Calendar quarters (January-March, ...).
    Quarter,
    /// Calendar months.
    Month,
    /// Weeks from Monday to Sunday.
    Week,
}

impl CalendarPeriod {
    /// The index of the calendar period containing `date` (consecutive periods have
    /// consecutive indices).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use clv::data::periods::CalendarPeriod;
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// let q = CalendarPeriod::Quarter;
    /// assert_eq!(q.index(d(2024, 4, 1)) - q.index(d(2024, 3, 31)), 1);
    /// let w = CalendarPeriod::Week; // 2024-01-07 is a Sunday
    /// assert_eq!(w.index(d(2024, 1, 8)) - w.index(d(2024, 1, 7)), 1);
    /// ```
    pub fn index(self, date: NaiveDate) -> i64 {
        let (y, m) = (date.year() as i64, date.month0() as i64);
        match self {
            CalendarPeriod::Year => y,
            CalendarPeriod::Quarter => y * 4 + m / 3,
            CalendarPeriod::Month => y * 12 + m,
            // days since 1970-01-01 (a Thursday); the Monday of its week is day -3
            CalendarPeriod::Week => {
                let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
                (date.signed_duration_since(epoch).num_days() + 3).div_euclid(7)
            }
        }
    }

    /// The number of whole periods from `start` to `end` (`end >= start`): anniversaries of
    /// `start` on or before `end`. A month after January 31 is the last day of February.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use clv::data::periods::CalendarPeriod;
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// assert_eq!(CalendarPeriod::Month.elapsed(d(2024, 1, 15), d(2024, 3, 14)), 1);
    /// assert_eq!(CalendarPeriod::Month.elapsed(d(2024, 1, 15), d(2024, 3, 15)), 2);
    /// assert_eq!(CalendarPeriod::Week.elapsed(d(2024, 1, 1), d(2024, 1, 14)), 1);
    /// ```
    pub fn elapsed(self, start: NaiveDate, end: NaiveDate) -> u32 {
        if end <= start {
            return 0;
        }
        let months = match self {
            CalendarPeriod::Week => {
                return (end.signed_duration_since(start).num_days() / 7) as u32;
            }
            CalendarPeriod::Month => 1,
            CalendarPeriod::Quarter => 3,
            CalendarPeriod::Year => 12,
        };
        let diff = (end.year() as i64 * 12 + end.month0() as i64)
            - (start.year() as i64 * 12 + start.month0() as i64);
        let mut n = (diff / months).max(0) as u32;
        while n > 0 && self.add(start, n).is_none_or(|d| d > end) {
            n -= 1;
        }
        n
    }

    /// `start` plus `n` periods (`None` past chrono's range).
    pub fn add(self, start: NaiveDate, n: u32) -> Option<NaiveDate> {
        match self {
            CalendarPeriod::Week => start.checked_add_days(chrono::Days::new(7 * n as u64)),
            CalendarPeriod::Month => start.checked_add_months(Months::new(n)),
            CalendarPeriod::Quarter => start.checked_add_months(Months::new(3 * n)),
            CalendarPeriod::Year => start.checked_add_months(Months::new(12 * n)),
        }
    }

    /// The period's name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            CalendarPeriod::Year => "year",
            CalendarPeriod::Quarter => "quarter",
            CalendarPeriod::Month => "month",
            CalendarPeriod::Week => "week",
        }
    }
}

impl fmt::Display for CalendarPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for CalendarPeriod {
    type Err = String;
    /// `year`, `quarter`, `month` or `week` (also plural or `-ly`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "year" | "years" | "yearly" | "annual" => Ok(CalendarPeriod::Year),
            "quarter" | "quarters" | "quarterly" => Ok(CalendarPeriod::Quarter),
            "month" | "months" | "monthly" => Ok(CalendarPeriod::Month),
            "week" | "weeks" | "weekly" => Ok(CalendarPeriod::Week),
            other => Err(format!(
                "unknown period {other:?} (expected year, quarter, month or week)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn elapsed_counts_anniversaries() {
        let m = CalendarPeriod::Month;
        assert_eq!(m.elapsed(d(2024, 1, 31), d(2024, 2, 28)), 0);
        assert_eq!(m.elapsed(d(2024, 1, 31), d(2024, 2, 29)), 1);
        assert_eq!(m.elapsed(d(2024, 1, 31), d(2024, 1, 1)), 0);
        assert_eq!(
            CalendarPeriod::Year.elapsed(d(2020, 2, 29), d(2021, 2, 28)),
            1
        );
        assert_eq!(
            CalendarPeriod::Quarter.elapsed(d(2024, 1, 10), d(2024, 12, 31)),
            3
        );
    }

    #[test]
    fn indices_are_consecutive() {
        for p in [
            CalendarPeriod::Year,
            CalendarPeriod::Quarter,
            CalendarPeriod::Month,
            CalendarPeriod::Week,
        ] {
            let start = d(2023, 12, 20);
            let next = p.add(start, 1).unwrap();
            assert_eq!(p.index(next) - p.index(start), 1, "{p}");
            assert_eq!(p.name().parse::<CalendarPeriod>().unwrap(), p);
        }
        assert!("fortnight".parse::<CalendarPeriod>().is_err());
    }
}
