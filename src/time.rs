//! Time units and durations.
//!
//! Model parameters such as BG/NBD's `alpha` are rates per unit of time, so a model fitted on
//! weekly data must not be asked about "52" meaning days. Every duration that crosses the API is a
//! [`Duration`] that carries its unit, and every table and model records the unit its times are in.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A unit of time for customer ages, recencies and horizons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// Hours.
    Hours,
    /// Days (24 hours).
    Days,
    /// Weeks (7 days).
    Weeks,
    /// Months of 365.25 / 12 = 30.4375 days (the average Gregorian month).
    Months,
    /// Years of 365.25 days.
    Years,
}

impl TimeUnit {
    /// Length of one unit in days.
    ///
    /// ```
    /// use clv::TimeUnit;
    /// assert_eq!(TimeUnit::Weeks.days(), 7.0);
    /// ```
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Hours => 1.0 / 24.0,
            TimeUnit::Days => 1.0,
            TimeUnit::Weeks => 7.0,
            TimeUnit::Months => 365.25 / 12.0,
            TimeUnit::Years => 365.25,
        }
    }

    /// How many `to` units one `self` unit is.
    ///
    /// ```
    /// use clv::TimeUnit;
    /// assert_eq!(TimeUnit::Weeks.in_units_of(TimeUnit::Days), 7.0);
    /// ```
    pub fn in_units_of(self, to: TimeUnit) -> f64 {
        if self == to {
            1.0
        } else {
            self.days() / to.days()
        }
    }

    /// The unit's name in the plural, as used in column headers and messages.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Hours => "hours",
            TimeUnit::Days => "days",
            TimeUnit::Weeks => "weeks",
            TimeUnit::Months => "months",
            TimeUnit::Years => "years",
        }
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for TimeUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "h" | "hour" | "hours" => Ok(TimeUnit::Hours),
            "d" | "day" | "days" => Ok(TimeUnit::Days),
            "w" | "week" | "weeks" => Ok(TimeUnit::Weeks),
            "m" | "month" | "months" => Ok(TimeUnit::Months),
            "y" | "year" | "years" => Ok(TimeUnit::Years),
            other => Err(format!(
                "unknown time unit {other:?} (expected hours, days, weeks, months or years)"
            )),
        }
    }
}

/// A span of time with its unit.
///
/// ```
/// use clv::{Duration, TimeUnit};
/// let year = Duration::weeks(52.0);
/// assert_eq!(year.in_unit(TimeUnit::Days), 364.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Duration {
    /// How many units.
    pub amount: f64,
    /// The unit.
    pub unit: TimeUnit,
}

impl Duration {
    /// A duration of `amount` units.
    pub const fn new(amount: f64, unit: TimeUnit) -> Self {
        Duration { amount, unit }
    }
    /// `amount` hours.
    pub const fn hours(amount: f64) -> Self {
        Duration::new(amount, TimeUnit::Hours)
    }
    /// `amount` days.
    pub const fn days(amount: f64) -> Self {
        Duration::new(amount, TimeUnit::Days)
    }
    /// `amount` weeks.
    pub const fn weeks(amount: f64) -> Self {
        Duration::new(amount, TimeUnit::Weeks)
    }
    /// `amount` average months of 30.4375 days.
    pub const fn months(amount: f64) -> Self {
        Duration::new(amount, TimeUnit::Months)
    }
    /// `amount` years of 365.25 days.
    pub const fn years(amount: f64) -> Self {
        Duration::new(amount, TimeUnit::Years)
    }
    /// The length of this duration expressed in `unit`.
    pub fn in_unit(self, unit: TimeUnit) -> f64 {
        self.amount * self.unit.in_units_of(unit)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", crate::io::format_number(self.amount), self.unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip() {
        for u in [
            TimeUnit::Hours,
            TimeUnit::Days,
            TimeUnit::Weeks,
            TimeUnit::Months,
            TimeUnit::Years,
        ] {
            for v in [TimeUnit::Hours, TimeUnit::Days, TimeUnit::Weeks] {
                let d = Duration::new(3.5, u);
                let back = Duration::new(d.in_unit(v), v).in_unit(u);
                assert!((back - 3.5).abs() < 1e-12);
            }
        }
        assert_eq!(Duration::days(14.0).in_unit(TimeUnit::Weeks), 2.0);
        assert_eq!("Weeks".parse::<TimeUnit>(), Ok(TimeUnit::Weeks));
        assert!("fortnights".parse::<TimeUnit>().is_err());
    }
}
