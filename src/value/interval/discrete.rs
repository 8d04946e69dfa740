//! Prediction intervals of the discrete-time BG/BB model: each history's predictive
//! distribution of its transactions in the next opportunities, parameter uncertainty included,
//! and the totals of the base or of any group, as [`Predictive`](super::Predictive) gives them
//! for the continuous-time models.
//!
//! The process uncertainty is [`BgBb::conditional_pmf`], the parameter uncertainty the fit's
//! covariance on the log scale through the same `2k` sigma points; horizons are counted in
//! transaction opportunities ([`Periods`]).

use std::collections::HashMap;

use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::data::discrete::{DiscreteHistory, DiscreteTable};
use crate::data::periods::Periods;
use crate::error::{Error, Result};
use crate::models::bgbb::BgBb;
use crate::models::discrete::DiscreteFit;

use super::{
    add_weighted, check_level, count_interval, logit, logit_interval, one_group, sigma_vectors,
    standard_normal_quantile, total_interval, weighted_coverage, CustomerIntervals, GroupTotals,
    Moments,
};

/// One distinct history: moments at the estimate (index 0) and at each sigma point, the
/// mixture distribution, and its purchase and P(alive) intervals.
#[derive(Debug, Clone)]
struct Distinct {
    moments: Vec<Moments>,
    mixture: Vec<f64>,
    purchases: (f64, f64),
    p_alive: (f64, f64),
}

/// The predictive distributions of the rows of a [`DiscreteTable`] under a fitted BG/BB model.
///
/// ```
/// use clv::data::discrete::DiscreteTable;
/// use clv::data::periods::Periods;
/// use clv::fit::FitOptions;
/// use clv::models::bgbb::BgBb;
/// use clv::value::interval::DiscretePredictive;
/// let donations = DiscreteTable::from_csv_path("data/donations.csv", &Default::default()).unwrap();
/// let fit = BgBb::fit(&donations, &FitOptions::default()).unwrap();
/// let p = DiscretePredictive::new(&fit, &donations, Periods(5), 0.9).unwrap();
/// let total = p.total(None).purchases;
/// assert!(total.low < total.expected && total.expected < total.high);
/// let rows = p.customers();
/// assert!(rows.expected_purchases_low[0] <= rows.expected_purchases_high[0]);
/// ```
#[derive(Debug, Clone)]
pub struct DiscretePredictive {
    level: f64,
    weights: Vec<f64>,
    distinct_of: Vec<u32>,
    distinct: Vec<Distinct>,
}

impl DiscretePredictive {
    /// The predictive distributions of every row of `table` over the next `horizon`
    /// opportunities under `fit`, with intervals at `level` (in (0, 1)).
    ///
    /// Errors when the level is outside (0, 1), the fit has no covariance or it is not positive
    /// definite, or the horizon is beyond [`MAX_PMF_HORIZON`](crate::models::bgbb::MAX_PMF_HORIZON).
    pub fn new(
        fit: &DiscreteFit<BgBb>,
        table: &DiscreteTable,
        horizon: Periods,
        level: f64,
    ) -> Result<Self> {
        check_level(level)?;
        let cov = fit.report.covariance.as_ref().ok_or_else(|| {
            Error::undefined(
                "the parameter uncertainty of the BG/BB fit",
                "the fit has no covariance (its Hessian was not invertible)",
            )
        })?;
        let params = fit.model.params();
        let points: Vec<BgBb> = sigma_vectors(&params, cov, "BG/BB")?
            .iter()
            .map(|p| BgBb::new(p[0], p[1], p[2], p[3]))
            .collect::<Result<_>>()?;
        let (distinct_of, keys) = index_histories(table.histories());
        let z = standard_normal_quantile(0.5 + level / 2.0);
        let distinct = keys
            .par_iter()
            .map(|h| distinct_history(&fit.model, &points, h, horizon, level, z))
            .collect::<Result<Vec<_>>>()?;
        Ok(DiscretePredictive {
            level,
            weights: table.weights().to_vec(),
            distinct_of,
            distinct,
        })
    }

    /// The level of the intervals.
    pub fn level(&self) -> f64 {
        self.level
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.distinct_of.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.distinct_of.is_empty()
    }

    /// Number of distinct (x, t_x, n) the distributions were computed for.
    pub fn distinct_histories(&self) -> usize {
        self.distinct.len()
    }

    /// Every row's intervals of its transactions and of P(alive) at the end of calibration,
    /// in row order (no CLV: the model has no spend side).
    pub fn customers(&self) -> CustomerIntervals {
        let pick = |f: &dyn Fn(&Distinct) -> f64| {
            self.distinct_of
                .iter()
                .map(|&d| f(&self.distinct[d as usize]))
                .collect()
        };
        CustomerIntervals {
            level: self.level,
            expected_purchases_low: pick(&|d| d.purchases.0),
            expected_purchases_high: pick(&|d| d.purchases.1),
            p_alive_low: pick(&|d| d.p_alive.0),
            p_alive_high: pick(&|d| d.p_alive.1),
            clv_low: None,
            clv_high: None,
        }
    }

    /// The share of customers (rows counted with their weights) whose actual transactions in
    /// the horizon, `actual[i]` for row `i`, fall in their interval.
    ///
    /// # Panics
    /// When `actual` does not have one value per row.
    pub fn coverage(&self, actual: &[f64]) -> f64 {
        assert_eq!(actual.len(), self.len(), "one actual count per row");
        weighted_coverage(actual, |i| {
            (
                self.weights[i],
                self.distinct[self.distinct_of[i] as usize].purchases,
            )
        })
    }

    /// The randomised probability integral transform of each row's actual transactions
    /// under its predictive distribution (see
    /// [`SigmaPoints::randomized_pit`](super::SigmaPoints::randomized_pit)), for rows of weight 1.
    ///
    /// # Panics
    /// When `actual` does not have one value per row.
    pub fn randomized_pit(&self, actual: &[f64], seed: u64) -> Vec<f64> {
        assert_eq!(actual.len(), self.len(), "one actual count per row");
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
        actual
            .iter()
            .zip(&self.distinct_of)
            .map(|(&y, &d)| {
                let pmf = &self.distinct[d as usize].mixture;
                let y = y as usize;
                let below: f64 = pmf.iter().take(y).sum();
                let at = pmf.get(y).copied().unwrap_or(0.0);
                (below + rng.random::<f64>() * at).min(1.0)
            })
            .collect()
    }

    /// The totals of the rows in `rows` (all when `None`), with their interval.
    pub fn total(&self, rows: Option<&[usize]>) -> GroupTotals {
        self.group_totals(&one_group(rows, self.len()), 1)[0]
    }

    /// The totals of each group `0..groups`, row `i` being in group `labels[i]` (labels at or
    /// beyond `groups` are left out).
    ///
    /// # Panics
    /// When `labels` does not have one label per row.
    pub fn group_totals(&self, labels: &[usize], groups: usize) -> Vec<GroupTotals> {
        assert_eq!(labels.len(), self.len(), "one label per row");
        let points = self.distinct.first().map_or(1, |d| d.moments.len());
        let mut sums = vec![(0.0, vec![(0.0, 0.0); points]); groups];
        for (i, &g) in labels.iter().enumerate() {
            if g >= groups {
                continue;
            }
            let w = self.weights[i];
            let (customers, s) = &mut sums[g];
            *customers += w;
            for (sum, m) in s
                .iter_mut()
                .zip(&self.distinct[self.distinct_of[i] as usize].moments)
            {
                sum.0 += w * m.mean;
                sum.1 += w * m.variance();
            }
        }
        let sigma_points = 1..points;
        sums.iter()
            .map(|(customers, s)| GroupTotals {
                customers: *customers,
                purchases: total_interval(s, std::slice::from_ref(&sigma_points), self.level),
                clv: None,
            })
            .collect()
    }
}

/// Each row's index into the distinct histories, and those histories in order of first
/// appearance.
fn index_histories(rows: &[DiscreteHistory]) -> (Vec<u32>, Vec<DiscreteHistory>) {
    let mut seen: HashMap<(u32, u32, u32), u32> = HashMap::new();
    let mut keys = Vec::new();
    let of = rows
        .iter()
        .map(|h| {
            let key = (h.frequency(), h.recency(), h.opportunities());
            *seen.entry(key).or_insert_with(|| {
                keys.push(*h);
                (keys.len() - 1) as u32
            })
        })
        .collect();
    (of, keys)
}

/// One distinct history's moments, mixture distribution and intervals.
fn distinct_history(
    model: &BgBb,
    points: &[BgBb],
    h: &DiscreteHistory,
    horizon: Periods,
    level: f64,
    z: f64,
) -> Result<Distinct> {
    let mut pmf = Vec::new();
    model.conditional_pmf(h, horizon, &mut pmf)?;
    let mut moments = vec![Moments::of(&pmf)];
    let mut mixture = Vec::new();
    for m in points {
        m.conditional_pmf(h, horizon, &mut pmf)?;
        moments.push(Moments::of(&pmf));
        add_weighted(&mut mixture, &pmf, 1.0 / points.len() as f64);
    }
    let logits: Vec<f64> = points
        .iter()
        .map(|m| logit(m.p_alive(h, Periods(0))))
        .collect();
    Ok(Distinct {
        purchases: count_interval(&mixture, level),
        p_alive: logit_interval(model.p_alive(h, Periods(0)), &logits, z),
        moments,
        mixture,
    })
}
