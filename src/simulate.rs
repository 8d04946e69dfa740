//! Synthetic customer populations drawn from any registered purchase model (through
//! [`SimulatePurchases`]) and the Gamma-Gamma spend model: for tests (parameter recovery,
//! model contracts), benchmarks and examples at any scale.
//!
//! The generative story, per customer:
//! * the model draws the customer's purchase rate `lambda` and dropout ([`Dropout`]): for
//!   BG/NBD `lambda ~ Gamma(r, rate alpha)` and a probability `p ~ Beta(a, b)` of dropping out
//!   after each repeat purchase (MBG/NBD: also at the first purchase); for Pareto/NBD a
//!   lifetime;
//! * while active, purchases arrive as a Poisson process of rate `lambda` after the first
//!   purchase at age 0;
//! * with spend: `nu ~ Gamma(q, rate gamma)` per customer and each transaction's value
//!   `z ~ Gamma(p, rate nu)`; the monetary value is the mean value of the repeat purchases.
//!
//! Customers are drawn in fixed chunks of [`CHUNK_CUSTOMERS`], each with its own random stream
//! seeded from the population's seed and the chunk's index, so the result depends on the seed
//! only, never on the number of threads. The random generator is xoshiro256++, a fixed
//! algorithm: the same seed gives the same population on every platform and run.
//!
//! Two ways of recording time ([`Recording`]):
//! * [`Recording::Continuous`]: exact times in the model's unit;
//! * [`Recording::WholeDays`]: as real transaction logs keep them: every purchase is stamped
//!   with its day, purchases on the same day count as one (their amounts are added), and
//!   recency and age are whole numbers of days (as lifetimes' `summary_data_from_transaction_log`
//!   with `freq = "D"` gives them). The first purchase happens at a uniform time of its day and
//!   observation ends at the end of the last day.

use ndarray::Array1;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp1, Gamma};
use rayon::prelude::*;

use crate::data::CustomerTable;
use crate::error::{Error, Result};
use crate::models::{AnyPurchaseModel, Dropout, GammaGamma, PurchaseModel, SimulatePurchases};
use crate::time::{Duration, TimeUnit};

/// Customers per independently seeded chunk (the unit of parallel work).
pub const CHUNK_CUSTOMERS: usize = 4096;

/// How the customers' ages at the end of observation are distributed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ages {
    /// Every customer has the same age (a single cohort).
    Fixed(Duration),
    /// Ages uniform between `min` and `max`: customers acquired at a steady pace over a period.
    Uniform {
        /// Youngest age.
        min: Duration,
        /// Oldest age.
        max: Duration,
    },
}

impl Ages {
    fn bounds(&self, unit: TimeUnit) -> (f64, f64) {
        match *self {
            Ages::Fixed(d) => (d.in_unit(unit), d.in_unit(unit)),
            Ages::Uniform { min, max } => (min.in_unit(unit), max.in_unit(unit)),
        }
    }
}

/// How purchase times are recorded (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    /// Exact times in the purchase model's unit.
    Continuous,
    /// Whole days, with same-day purchases merged: the table's unit is [`TimeUnit::Days`].
    WholeDays,
}

/// One purchase of a simulated transaction log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transaction {
    /// The customer: row `customer - 1` of [`Population::rfm_table`], whose id is
    /// `customer.to_string()`.
    pub customer: u64,
    /// When, from the start of the simulated calendar: in the model's unit for
    /// [`Recording::Continuous`], the day number for [`Recording::WholeDays`].
    pub time: f64,
    /// Value of the purchase (0 when the population has no spend model). For whole days, the
    /// sum of that day's purchases.
    pub amount: f64,
}

/// A synthetic population: its size, seed, purchase and spend models, ages and time recording.
///
/// ```
/// use clv::models::{BgNbd, GammaGamma};
/// use clv::simulate::{Ages, Population, Recording};
/// use clv::{Duration, TimeUnit};
/// let bgnbd = BgNbd::new(0.25, 4.0, 0.8, 2.5, TimeUnit::Weeks).unwrap();
/// let population = Population::new(1000, bgnbd, Ages::Fixed(Duration::weeks(52.0)))
///     .unwrap()
///     .seed(7)
///     .spend(GammaGamma::new(6.0, 4.0, 15.0).unwrap())
///     .recording(Recording::WholeDays);
/// let table = population.rfm_table().unwrap();
/// assert_eq!(table.len(), 1000);
/// assert_eq!(table.unit(), TimeUnit::Days);
/// assert_eq!(table.age()[0], 364.0);
/// assert_eq!(table, population.rfm_table().unwrap()); // reproducible
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    customers: usize,
    seed: u64,
    purchases: AnyPurchaseModel,
    ages: Ages,
    spend: Option<GammaGamma>,
    recording: Recording,
}

impl Population {
    /// `customers` customers (at least one) from the purchase model `purchases` (any registered
    /// model: BG/NBD, MBG/NBD, ...) with ages `ages`; seed 0, no spend, continuous time until
    /// changed.
    ///
    /// Errors when `customers` is 0 or the ages are not finite, positive and ordered
    /// (`min <= max`).
    pub fn new(
        customers: usize,
        purchases: impl Into<AnyPurchaseModel>,
        ages: Ages,
    ) -> Result<Self> {
        let purchases = purchases.into();
        if customers == 0 {
            return Err(Error::invalid_argument(
                "customers",
                0,
                "a population needs at least one customer",
            ));
        }
        let (min, max) = ages.bounds(purchases.time_unit());
        for (name, v) in [("ages.min", min), ("ages.max", max)] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::invalid_argument(
                    name,
                    v,
                    "customer ages must be positive and finite",
                ));
            }
        }
        if min > max {
            return Err(Error::invalid_argument(
                "ages.min",
                min,
                format!("the youngest age exceeds the oldest ({max})"),
            ));
        }
        Ok(Population {
            customers,
            seed: 0,
            purchases,
            ages,
            spend: None,
            recording: Recording::Continuous,
        })
    }

    /// The same population with another seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Draws a monetary value for every purchase from the Gamma-Gamma model `spend`.
    pub fn spend(mut self, spend: GammaGamma) -> Self {
        self.spend = Some(spend);
        self
    }

    /// Records times as `recording` says.
    pub fn recording(mut self, recording: Recording) -> Self {
        self.recording = recording;
        self
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.customers
    }

    /// Always false: a population has at least one customer.
    pub fn is_empty(&self) -> bool {
        self.customers == 0
    }

    /// The unit of the table's times: the model's unit, or days for whole-day recording.
    pub fn unit(&self) -> TimeUnit {
        match self.recording {
            Recording::Continuous => self.purchases.time_unit(),
            Recording::WholeDays => TimeUnit::Days,
        }
    }

    /// When observation ends, from the start of the simulated calendar (the oldest possible
    /// customer bought first at time 0). [`Transaction::time`]s are at most this.
    pub fn observation_end(&self) -> Duration {
        let (_, max) = self.ages.bounds(self.purchases.time_unit());
        match self.recording {
            Recording::Continuous => Duration::new(max, self.purchases.time_unit()),
            Recording::WholeDays => {
                Duration::days(whole_days(max * self.purchases.time_unit().days()))
            }
        }
    }

    /// The customers' RFM summaries (ids `"1"` to `"n"`), with monetary values when the
    /// population has a spend model (0 for customers without a repeat purchase).
    ///
    /// Errors only if a drawn row were invalid, which would be a bug.
    pub fn rfm_table(&self) -> Result<CustomerTable> {
        let n = self.customers;
        let (mut x, mut t_x, mut age) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut money = vec![0.0; n];
        let sampler = Sampler::new(self);
        x.par_chunks_mut(CHUNK_CUSTOMERS)
            .zip(t_x.par_chunks_mut(CHUNK_CUSTOMERS))
            .zip(age.par_chunks_mut(CHUNK_CUSTOMERS))
            .zip(money.par_chunks_mut(CHUNK_CUSTOMERS))
            .enumerate()
            .for_each(|(chunk, (((x, t_x), age), money))| {
                let mut rng = chunk_rng(self.seed, chunk);
                for i in 0..x.len() {
                    let c = sampler.customer(&mut rng, |_, _| {});
                    x[i] = c.frequency;
                    t_x[i] = c.recency;
                    age[i] = c.age;
                    money[i] = c.monetary_value;
                }
            });
        let ids: Vec<String> = (1..=n).into_par_iter().map(|i| i.to_string()).collect();
        let table = CustomerTable::new(ids, x.into(), t_x.into(), age.into(), self.unit())?;
        match self.spend {
            Some(_) => table.with_monetary_value(Array1::from(money)),
            None => Ok(table),
        }
    }

    /// Every purchase of every customer (first purchases included), customer by customer and
    /// in time order: the transaction log whose summary is [`rfm_table`](Self::rfm_table).
    pub fn transactions(&self) -> Vec<Transaction> {
        let sampler = Sampler::new(self);
        let end = self.observation_end().amount;
        let chunks = self.customers.div_ceil(CHUNK_CUSTOMERS);
        let per_chunk: Vec<Vec<Transaction>> = (0..chunks)
            .into_par_iter()
            .map(|chunk| {
                let mut rng = chunk_rng(self.seed, chunk);
                let first = chunk * CHUNK_CUSTOMERS;
                let last = (first + CHUNK_CUSTOMERS).min(self.customers);
                let mut out = Vec::with_capacity(3 * (last - first));
                for i in first..last {
                    let customer = (i + 1) as u64;
                    let start = out.len();
                    let c = sampler.customer(&mut rng, |t, amount| {
                        out.push(Transaction {
                            customer,
                            time: t,
                            amount,
                        })
                    });
                    // times so far are since the first purchase: shift to the calendar
                    for tr in &mut out[start..] {
                        tr.time += end - c.age;
                    }
                }
                out
            })
            .collect();
        per_chunk.concat()
    }
}

/// A simulated calibration period and the purchases of the holdout period that follows it,
/// drawn from the same customers (see [`Population::calibration_holdout`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationHoldout {
    /// The customers' summaries at the end of calibration (their ages are the population's).
    pub calibration: CustomerTable,
    /// Each customer's purchases in the holdout, in row order.
    pub holdout_purchases: Array1<f64>,
    /// Total value of each customer's holdout purchases (0 without a spend model).
    pub holdout_spend: Array1<f64>,
    /// Length of the holdout period.
    pub holdout: Duration,
}

impl Population {
    /// Draws every customer over her age plus `holdout`, and splits her purchases at her
    /// age: the calibration summaries and the holdout purchases of the same customers, for
    /// checking predictions (and their intervals) against what the model itself generates.
    /// Continuous recording only.
    ///
    /// ```
    /// use clv::models::BgNbd;
    /// use clv::simulate::{Ages, Population};
    /// use clv::{Duration, TimeUnit};
    /// let m = BgNbd::new(0.25, 4.0, 0.8, 2.5, TimeUnit::Weeks).unwrap();
    /// let p = Population::new(1000, m, Ages::Fixed(Duration::weeks(39.0))).unwrap().seed(3);
    /// let split = p.calibration_holdout(Duration::weeks(39.0)).unwrap();
    /// assert_eq!(split.calibration.len(), 1000);
    /// assert!(split.holdout_purchases.sum() > 0.0);
    /// ```
    ///
    /// Errors for whole-day recording or a holdout that is not positive and finite.
    pub fn calibration_holdout(&self, holdout: Duration) -> Result<CalibrationHoldout> {
        let unit = self.purchases.time_unit();
        let h = holdout.in_unit(unit);
        if !(h > 0.0 && h.is_finite()) {
            return Err(Error::invalid_argument(
                "holdout",
                holdout,
                "a holdout period must be positive and finite",
            ));
        }
        if self.recording != Recording::Continuous {
            return Err(Error::invalid_argument(
                "recording",
                "whole days",
                "a simulated holdout is drawn in continuous time",
            ));
        }
        let (min, max) = self.ages.bounds(unit);
        let longer = Population {
            ages: Ages::Uniform {
                min: Duration::new(min + h, unit),
                max: Duration::new(max + h, unit),
            },
            ..self.clone()
        };
        let sampler = Sampler::new(&longer);
        let n = self.customers;
        let rows: Vec<[f64; 6]> = (0..n.div_ceil(CHUNK_CUSTOMERS))
            .into_par_iter()
            .flat_map_iter(|chunk| {
                let mut rng = chunk_rng(self.seed, chunk);
                let count = CHUNK_CUSTOMERS.min(n - chunk * CHUNK_CUSTOMERS);
                let mut times = Vec::new();
                (0..count)
                    .map(|_| split_customer(&sampler, &mut rng, h, &mut times))
                    .collect::<Vec<_>>()
            })
            .collect();
        let col = |j: usize| -> Array1<f64> { rows.iter().map(|r| r[j]).collect() };
        let ids: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
        let mut calibration = CustomerTable::new(ids, col(0), col(1), col(2), unit)?;
        if self.spend.is_some() {
            calibration = calibration.with_monetary_value(col(3))?;
        }
        Ok(CalibrationHoldout {
            calibration,
            holdout_purchases: col(4),
            holdout_spend: col(5),
            holdout,
        })
    }
}

/// One customer drawn over her calibration age plus `h`, split at the calibration age:
/// `[x, t_x, T, mean calibration spend, holdout purchases, holdout spend]`.
fn split_customer<R: RngExt>(
    sampler: &Sampler<'_>,
    rng: &mut R,
    h: f64,
    times: &mut Vec<(f64, f64)>,
) -> [f64; 6] {
    times.clear();
    let drawn = sampler.customer(rng, |t, z| times.push((t, z)));
    let age = drawn.age - h;
    let (mut x, mut t_x, mut spend, mut later, mut later_spend) = (0.0, 0.0, 0.0, 0.0, 0.0);
    // the first purchase (time 0) starts the customer and is not a repeat purchase
    for &(t, z) in times.iter().skip(1) {
        if t <= age {
            x += 1.0;
            t_x = t;
            spend += z;
        } else {
            later += 1.0;
            later_spend += z;
        }
    }
    let mean = if x > 0.0 { spend / x } else { 0.0 };
    [x, t_x, age, mean, later, later_spend]
}

/// `v` days rounded down to whole days, at least 1.
fn whole_days(v: f64) -> f64 {
    v.floor().max(1.0)
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn chunk_rng(seed: u64, chunk: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(splitmix64(seed ^ splitmix64(chunk as u64)))
}

/// One drawn customer's summary.
struct Drawn {
    frequency: f64,
    recency: f64,
    age: f64,
    monetary_value: f64,
}

/// The distributions, built once.
struct Sampler<'a> {
    purchases: &'a AnyPurchaseModel,
    /// Gamma(p, 1) for transaction values and Gamma(q, scale 1/gamma) for nu.
    spend: Option<(Gamma<f64>, Gamma<f64>)>,
    ages: (f64, f64),
    recording: Recording,
    /// Length of a day in the model's unit.
    day: f64,
}

impl<'a> Sampler<'a> {
    fn new(p: &'a Population) -> Sampler<'a> {
        let unit = p.purchases.time_unit();
        // Parameters were validated positive and finite by the models' constructors.
        Sampler {
            purchases: &p.purchases,
            spend: p.spend.map(|s| {
                (
                    Gamma::new(s.p(), 1.0).expect("valid Gamma-Gamma p"),
                    Gamma::new(s.q(), 1.0 / s.gamma()).expect("valid Gamma-Gamma q and gamma"),
                )
            }),
            ages: p.ages.bounds(unit),
            recording: p.recording,
            day: TimeUnit::Days.in_units_of(unit),
        }
    }

    /// Draws one customer, calling `purchase(time since first purchase, amount)` for each
    /// recorded purchase (the first one included) in the table's unit.
    fn customer<R: RngExt>(&self, rng: &mut R, mut purchase: impl FnMut(f64, f64)) -> Drawn {
        let (min, max) = self.ages;
        let age = if max > min {
            min + (max - min) * rng.random::<f64>()
        } else {
            min
        };
        let latent = self.purchases.draw_latent(rng);
        let lambda = latent.rate;
        // purchases stop at `death` (a lifetime), or with probability `p` after each one
        let (p, death) = match latent.dropout {
            Dropout::AfterPurchase { p, at_start } => {
                if at_start && rng.random::<f64>() < p {
                    (p, 0.0)
                } else {
                    (p, f64::INFINITY)
                }
            }
            Dropout::AtTime(t) => (0.0, t),
        };
        let nu = self.spend.as_ref().map(|(_, nu)| nu.sample(rng));
        let amount = |rng: &mut R| match (&self.spend, nu) {
            (Some((z, _)), Some(nu)) if nu > 0.0 => z.sample(rng) / nu,
            _ => 0.0,
        };
        let (mut x, mut t_x, mut total) = (0.0, 0.0, 0.0);
        match self.recording {
            Recording::Continuous => {
                purchase(0.0, amount(rng));
                let mut s = 0.0;
                loop {
                    // lambda can underflow to 0: s becomes infinite (or NaN) and the loop ends
                    let gap: f64 = Exp1.sample(rng);
                    s += gap / lambda;
                    if s.is_nan() || s >= age || s >= death {
                        break;
                    }
                    let z = amount(rng);
                    purchase(s, z);
                    x += 1.0;
                    t_x = s;
                    total += z;
                    if rng.random::<f64>() < p {
                        break;
                    }
                }
                Drawn {
                    frequency: x,
                    recency: t_x,
                    age,
                    monetary_value: if x > 0.0 { total / x } else { 0.0 },
                }
            }
            Recording::WholeDays => {
                let age_days = whole_days(age / self.day);
                // first purchase at a uniform time of day 0; observation ends with day `age_days`
                let u0: f64 = rng.random();
                let window = (age_days + 1.0 - u0) * self.day;
                let (mut day, mut day_amount) = (0.0, amount(rng));
                let mut s = 0.0;
                loop {
                    let gap: f64 = Exp1.sample(rng);
                    s += gap / lambda;
                    if s.is_nan() || s >= window || s >= death {
                        break;
                    }
                    let z = amount(rng);
                    let d = (u0 + s / self.day).floor().min(age_days);
                    if d == day {
                        day_amount += z;
                    } else {
                        purchase(day, day_amount);
                        if day > 0.0 {
                            total += day_amount;
                        }
                        x += 1.0;
                        t_x = d;
                        day = d;
                        day_amount = z;
                    }
                    if rng.random::<f64>() < p {
                        break;
                    }
                }
                purchase(day, day_amount);
                if day > 0.0 {
                    total += day_amount;
                }
                Drawn {
                    frequency: x,
                    recency: t_x,
                    age: age_days,
                    monetary_value: if x > 0.0 { total / x } else { 0.0 },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::BgNbd;

    #[test]
    fn invalid_populations_are_refused() {
        let m = BgNbd::new(0.25, 4.0, 0.8, 2.5, TimeUnit::Weeks).unwrap();
        assert!(Population::new(0, m, Ages::Fixed(Duration::weeks(1.0))).is_err());
        assert!(Population::new(5, m, Ages::Fixed(Duration::weeks(0.0))).is_err());
        let inverted = Ages::Uniform {
            min: Duration::weeks(10.0),
            max: Duration::weeks(2.0),
        };
        assert!(Population::new(5, m, inverted).is_err());
        let nan = Ages::Uniform {
            min: Duration::weeks(1.0),
            max: Duration::weeks(f64::NAN),
        };
        assert!(Population::new(5, m, nan).is_err());
    }

    #[test]
    fn chunk_streams_differ() {
        let a: u64 = chunk_rng(1, 0).random();
        let b: u64 = chunk_rng(1, 1).random();
        let c: u64 = chunk_rng(2, 0).random();
        assert!(a != b && a != c && b != c);
    }
}
