//! How a lifetime value is summed: horizon, step, discounting and margin, all with their units.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::{Duration, TimeUnit};

/// How future cash flows are discounted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Discount {
    /// No discounting.
    None,
    /// A rate `d` per step: the cash flow of the step ending at time `t` is divided by
    /// `(1 + d)^(t / step)`, i.e. by `(1 + d)^i` for the i-th whole step (lifetimes' convention).
    PerStep(f64),
    /// Continuous discounting at `rate` per `per`: the cash flow of the step ending at time `t`
    /// is multiplied by `exp(-rate * t)`, `t` measured in `per`. For example
    /// `Continuous { rate: 0.1, per: TimeUnit::Years }` is a 10% continuously compounded
    /// annual rate; it does not depend on the step or on the data's unit.
    Continuous {
        /// Continuously compounded rate per unit `per`.
        rate: f64,
        /// The unit the rate is expressed per.
        per: TimeUnit,
    },
}

/// Horizon, step, discounting and profit margin of a lifetime value.
///
/// The lifetime value of a customer is
/// `margin * E[spend] * sum_i (N(t_i) - N(t_{i-1})) * discount(t_i)`,
/// where `N(t)` is the expected cumulative number of purchases after the end of observation,
/// `t_i = min(i * step, horizon)` are the step ends (`t_0 = 0`) and `discount(t)` the factor of
/// [`Discount`]. Purchases are discounted at the end of the step they fall in. When the horizon
/// is not a whole number of steps (within a relative 1e-9), the last step is a partial one that
/// ends at the horizon, discounted at its end time (a fractional exponent for
/// [`Discount::PerStep`]).
///
/// Every duration carries its unit, and the purchase model converts them to its own unit, so
/// weekly data cannot be discounted as if it were daily.
///
/// ```
/// use clv::{Duration, TimeUnit};
/// use clv::value::{ClvConfig, Discount};
/// // 12 months of 30.4375 days, monthly steps, 1% per month, 30% margin.
/// let config = ClvConfig::new(Duration::months(12.0), Duration::months(1.0), Discount::PerStep(0.01), 0.3).unwrap();
/// assert_eq!(config.step_count(), 12);
/// assert!(ClvConfig::new(Duration::months(12.0), Duration::days(0.0), Discount::None, 1.0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClvConfig {
    /// Total span the value is summed over, from the end of observation.
    pub horizon: Duration,
    /// Length of one step (cash flows are discounted at the end of their step).
    pub step: Duration,
    /// Discounting.
    pub discount: Discount,
    /// Profit margin in (0, 1] applied to expected spend (1 = revenue).
    pub margin: f64,
}

impl ClvConfig {
    /// A validated configuration (see [`validate`](Self::validate)).
    pub fn new(horizon: Duration, step: Duration, discount: Discount, margin: f64) -> Result<Self> {
        let c = ClvConfig {
            horizon,
            step,
            discount,
            margin,
        };
        c.validate()?;
        Ok(c)
    }

    /// lifetimes' `customer_lifetime_value(..., time=months, discount_rate, freq)` convention
    /// for data in `data_unit`: `months` steps of one "month", the cash flow of month `i`
    /// divided by `(1 + discount_rate_per_month)^i`, margin 1 (lifetimes' monetary value is
    /// already a profit).
    ///
    /// lifetimes' month is a fixed number of the data's units: 4.345 for weekly data, 30 for
    /// daily data, 720 for hourly data and 1 for monthly data. These are inconsistent with each
    /// other: 4.345 weeks are 30.415 days, so the same customers scored from weekly data get
    /// months 1.4% longer than from daily data (and a slightly larger CLV). This constructor
    /// reproduces that convention exactly (so its numbers match lifetimes); for a
    /// unit-consistent month use [`ClvConfig::new`] with [`Duration::months`].
    /// Yearly data has no lifetimes convention and is refused.
    ///
    /// ```
    /// use clv::TimeUnit;
    /// use clv::value::ClvConfig;
    /// let weekly = ClvConfig::lifetimes(TimeUnit::Weeks, 12, 0.01).unwrap();
    /// assert_eq!(weekly.step.amount, 4.345);
    /// let daily = ClvConfig::lifetimes(TimeUnit::Days, 12, 0.01).unwrap();
    /// assert_eq!(daily.horizon.amount, 360.0);
    /// ```
    pub fn lifetimes(
        data_unit: TimeUnit,
        months: u32,
        discount_rate_per_month: f64,
    ) -> Result<Self> {
        let month = match data_unit {
            TimeUnit::Hours => 720.0,
            TimeUnit::Days => 30.0,
            TimeUnit::Weeks => 4.345,
            TimeUnit::Months => 1.0,
            TimeUnit::Years => {
                return Err(Error::invalid_argument(
                    "unit",
                    "years",
                    "lifetimes' CLV convention has no month length for yearly data; \
                     use ClvConfig::new with explicit durations",
                ))
            }
        };
        if months == 0 {
            return Err(Error::invalid_argument(
                "months",
                0.0,
                "the horizon needs at least one month",
            ));
        }
        ClvConfig::new(
            Duration::new(month * months as f64, data_unit),
            Duration::new(month, data_unit),
            Discount::PerStep(discount_rate_per_month),
            1.0,
        )
    }

    /// The same configuration with profit margin `margin` (in (0, 1]).
    pub fn with_margin(mut self, margin: f64) -> Result<Self> {
        self.margin = margin;
        self.validate()?;
        Ok(self)
    }

    /// Checks that horizon and step are positive and finite, the margin is in (0, 1], a
    /// per-step rate is > -1 and a continuous rate finite, and the horizon holds at most
    /// 1,000,000 steps.
    pub fn validate(&self) -> Result<()> {
        let positive = |name: &str, d: Duration| {
            if d.amount > 0.0 && d.amount.is_finite() {
                Ok(())
            } else {
                Err(Error::invalid_argument(
                    name,
                    d.amount,
                    format!("must be a positive, finite number of {}", d.unit),
                ))
            }
        };
        positive("horizon", self.horizon)?;
        positive("step", self.step)?;
        if !(self.margin > 0.0 && self.margin <= 1.0) {
            return Err(Error::invalid_argument(
                "margin",
                self.margin,
                "the profit margin must be in (0, 1]",
            ));
        }
        match self.discount {
            Discount::None => {}
            Discount::PerStep(d) => {
                if !(d > -1.0 && d.is_finite()) {
                    return Err(Error::invalid_argument(
                        "discount rate per step",
                        d,
                        "must be finite and > -1",
                    ));
                }
            }
            Discount::Continuous { rate, .. } => {
                if !rate.is_finite() {
                    return Err(Error::invalid_argument(
                        "continuous discount rate",
                        rate,
                        "must be finite",
                    ));
                }
            }
        }
        let steps = self.steps_exact();
        if steps > 1e6 {
            return Err(Error::invalid_argument(
                "step",
                self.step.amount,
                format!(
                    "the horizon {} holds {steps:.0} steps; at most 1,000,000 are allowed",
                    self.horizon
                ),
            ));
        }
        Ok(())
    }

    fn steps_exact(&self) -> f64 {
        self.horizon.in_unit(self.step.unit) / self.step.amount
    }

    /// Number of steps: the horizon divided by the step, rounded up (a whole number within a
    /// relative 1e-9 counts as whole); a horizon shorter than a step is one partial step.
    pub fn step_count(&self) -> usize {
        let s = self.steps_exact();
        let r = s.round();
        // a horizon shorter than one step is one partial step (it rounded to 0 steps, and so
        // to a CLV of 0, while purchases were expected)
        if r >= 1.0 && (s - r).abs() <= 1e-9 * r {
            r as usize
        } else {
            s.ceil() as usize
        }
    }

    /// The step ends `t_1 .. t_n` (the last one is the horizon), in the step's unit.
    ///
    /// ```
    /// use clv::Duration;
    /// use clv::value::{ClvConfig, Discount};
    /// let c = ClvConfig::new(Duration::weeks(2.5), Duration::weeks(1.0), Discount::None, 1.0).unwrap();
    /// let ends: Vec<f64> = c.step_ends().iter().map(|d| d.amount).collect();
    /// assert_eq!(ends, vec![1.0, 2.0, 2.5]);
    /// ```
    pub fn step_ends(&self) -> Vec<Duration> {
        let n = self.step_count();
        let horizon = self.horizon.in_unit(self.step.unit);
        (1..=n)
            .map(|i| {
                let t = if i == n {
                    horizon
                } else {
                    (i as f64 * self.step.amount).min(horizon)
                };
                Duration::new(t, self.step.unit)
            })
            .collect()
    }

    /// The discount factor applied to a cash flow at time `t` after the end of observation.
    ///
    /// ```
    /// use clv::{Duration, TimeUnit};
    /// use clv::value::{ClvConfig, Discount};
    /// let c = ClvConfig::new(Duration::weeks(4.0), Duration::weeks(1.0), Discount::PerStep(0.1), 1.0).unwrap();
    /// assert!((c.discount_factor(Duration::days(14.0)) - 1.0 / 1.21).abs() < 1e-12);
    /// ```
    pub fn discount_factor(&self, t: Duration) -> f64 {
        match self.discount {
            Discount::None => 1.0,
            Discount::PerStep(d) => (1.0 + d).powf(-t.in_unit(self.step.unit) / self.step.amount),
            Discount::Continuous { rate, per } => (-rate * t.in_unit(per)).exp(),
        }
    }

    /// The discount factor of each step, in the order of [`step_ends`](Self::step_ends).
    pub fn discount_factors(&self) -> Vec<f64> {
        self.step_ends()
            .into_iter()
            .map(|t| self.discount_factor(t))
            .collect()
    }
}
