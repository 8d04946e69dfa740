//! Loyalty tiers: customers ranked by predicted CLV into named tiers.
//!
//! By default Platinum, Gold, Silver and Standard: the top 5% of customers by CLV, the next
//! 15%, the next 30% and the rest. Tiers are set either by *share* of customers (the top
//! `round(n x cumulative share)` customers, ranked by CLV from the highest, ties kept in
//! input order) or by *amount* (a customer is in the first tier whose minimum CLV it reaches).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{csv_opt, fmt_opt, fmt_pct, mean_at, ScoreView, TextTable};
use crate::error::{Error, Result};

/// How tier bounds are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TierBy {
    /// Each bound is the tier's share of customers, in (0, 1].
    Share,
    /// Each bound is the minimum CLV of the tier (strictly decreasing down the tiers).
    Amount,
}

/// Named tiers from the top; the last tier, `rest`, takes everyone else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierOptions {
    /// How the bounds are read.
    pub by: TierBy,
    /// `(name, bound)` from the top tier down.
    pub tiers: Vec<(String, f64)>,
    /// Name of the last tier.
    pub rest: String,
}

impl Default for TierOptions {
    fn default() -> Self {
        TierOptions {
            by: TierBy::Share,
            tiers: vec![
                ("Platinum".into(), 0.05),
                ("Gold".into(), 0.15),
                ("Silver".into(), 0.30),
            ],
            rest: "Standard".into(),
        }
    }
}

impl TierOptions {
    /// Parses `NAME=BOUND,...,REST` (for example `Platinum=0.05,Gold=0.15,Silver=0.3,Standard`
    /// by share, or `VIP=500,Regular=100,Other` by amount); a share may be written `5%`.
    ///
    /// ```
    /// use clv::analysis::{TierBy, TierOptions};
    /// let o = TierOptions::parse("Top=10%,Middle=0.4,Rest", TierBy::Share).unwrap();
    /// assert_eq!(o.tiers[0], ("Top".to_string(), 0.1));
    /// assert!(TierOptions::parse("Top=0.7,Mid=0.5,Rest", TierBy::Share).is_err()); // 120%
    /// ```
    pub fn parse(spec: &str, by: TierBy) -> Result<Self> {
        let parts: Vec<&str> = spec.split(',').map(str::trim).collect();
        let (rest, bounded) = parts.split_last().expect("split gives one part at least");
        let mut tiers = Vec::new();
        for p in bounded {
            let (name, bound) = p.split_once('=').ok_or_else(|| {
                Error::invalid_option("tiers", p, "expected NAME=BOUND before the last tier")
            })?;
            let value = match bound.strip_suffix('%') {
                Some(pct) if by == TierBy::Share => pct.trim().parse::<f64>().map(|v| v / 100.0),
                _ => bound.trim().parse::<f64>(),
            }
            .map_err(|_| Error::invalid_option("tiers", bound, "not a number"))?;
            tiers.push((name.trim().to_string(), value));
        }
        let o = TierOptions {
            by,
            tiers,
            rest: rest.to_string(),
        };
        o.validate()?;
        Ok(o)
    }

    fn validate(&self) -> Result<()> {
        let names = self.tiers.iter().map(|t| &t.0).chain([&self.rest]);
        if let Some(n) = names.clone().find(|n| n.is_empty()) {
            return Err(Error::invalid_option("tiers", n, "a tier needs a name"));
        }
        let mut cumulative = 0.0;
        for (k, (name, b)) in self.tiers.iter().enumerate() {
            let bad = |why: &str| Err(Error::invalid_option("tiers", format!("{name}={b}"), why));
            match self.by {
                TierBy::Share => {
                    if !(b.is_finite() && *b > 0.0) {
                        return bad("a tier's share must be positive");
                    }
                    cumulative += b;
                    if cumulative > 1.0 + 1e-12 {
                        return bad("the tiers' shares add up to more than 1");
                    }
                }
                TierBy::Amount => {
                    if !(b.is_finite() && *b >= 0.0) {
                        return bad("a minimum CLV must be a finite, non-negative amount");
                    }
                    if k > 0 && *b >= self.tiers[k - 1].1 {
                        return bad("minimum CLVs must decrease from the top tier down");
                    }
                }
            }
        }
        Ok(())
    }

    /// Tier names from the top, `rest` last.
    pub fn names(&self) -> Vec<String> {
        self.tiers
            .iter()
            .map(|t| t.0.clone())
            .chain([self.rest.clone()])
            .collect()
    }
}

/// Figures of one tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierRow {
    /// Tier name.
    pub tier: String,
    /// Customers in it.
    pub customers: usize,
    /// Its share of all customers.
    pub share_of_customers: f64,
    /// Sum of its customers' CLVs.
    pub total_clv: f64,
    /// Its share of the total predicted value; `None` when the total is 0.
    pub share_of_value: Option<f64>,
    /// Mean CLV; `None` for an empty tier.
    pub mean_clv: Option<f64>,
    /// Lowest CLV in the tier; `None` for an empty tier.
    pub min_clv: Option<f64>,
    /// Mean P(alive); `None` for an empty tier.
    pub mean_p_alive: Option<f64>,
}

/// Every customer's tier and the tier table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tiers {
    /// Customer ids, in input order.
    pub ids: Vec<String>,
    /// Each customer's tier, an index into `rows`.
    pub tier: Vec<usize>,
    /// One row per tier from the top, empty tiers included.
    pub rows: Vec<TierRow>,
}

impl Tiers {
    pub(crate) fn table(&self, for_terminal: bool) -> TextTable {
        let mut t = TextTable::new(&[
            "tier",
            "customers",
            "share_of_customers",
            "share_of_value",
            "mean_clv",
            "min_clv",
            "mean_p_alive",
            "total_clv",
        ]);
        for r in &self.rows {
            t.rows.push(if for_terminal {
                vec![
                    r.tier.clone(),
                    r.customers.to_string(),
                    fmt_pct(Some(r.share_of_customers)),
                    fmt_pct(r.share_of_value),
                    fmt_opt(r.mean_clv, 2),
                    fmt_opt(r.min_clv, 2),
                    fmt_opt(r.mean_p_alive, 3),
                    format!("{:.2}", r.total_clv),
                ]
            } else {
                vec![
                    r.tier.clone(),
                    r.customers.to_string(),
                    crate::io::format_number(r.share_of_customers),
                    csv_opt(r.share_of_value),
                    csv_opt(r.mean_clv),
                    csv_opt(r.min_clv),
                    csv_opt(r.mean_p_alive),
                    crate::io::format_number(r.total_clv),
                ]
            });
        }
        t
    }

    /// The tier table aligned for a terminal.
    pub fn to_table_string(&self) -> String {
        self.table(true).render()
    }

    /// Writes the tier table as CSV, atomically (shares as fractions).
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        self.table(false).write_csv(path.as_ref())
    }

    /// Writes `customer_id,tier`, one row per customer in input order, atomically.
    pub fn write_customers_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut t = TextTable::new(&["customer_id", "tier"]);
        for (id, &k) in self.ids.iter().zip(&self.tier) {
            t.rows.push(vec![id.clone(), self.rows[k].tier.clone()]);
        }
        t.write_csv(path.as_ref())
    }
}

/// Places every customer in a tier by its predicted CLV and summarises each tier.
///
/// ```
/// use clv::analysis::{loyalty_tiers, ScoreView, TierOptions};
/// use ndarray::Array1;
/// let ids: Vec<String> = (0..20).map(|i| i.to_string()).collect();
/// let clv = Array1::from_iter((0..20).map(|i| f64::from(i)));
/// let p = Array1::from_elem(20, 0.5);
/// let t = loyalty_tiers(&ScoreView::new(&ids, clv.view(), p.view()).unwrap(), &TierOptions::default()).unwrap();
/// // 20 customers: 1 Platinum (5%), 3 Gold (15%), 6 Silver (30%), 10 Standard.
/// let counts: Vec<usize> = t.rows.iter().map(|r| r.customers).collect();
/// assert_eq!(counts, [1, 3, 6, 10]);
/// assert_eq!(t.rows[0].min_clv, Some(19.0));
/// ```
pub fn loyalty_tiers(scores: &ScoreView<'_>, options: &TierOptions) -> Result<Tiers> {
    options.validate()?;
    let clv = scores.clv();
    let n = scores.len();
    let last = options.tiers.len();
    let tier: Vec<usize> = match options.by {
        TierBy::Amount => clv
            .iter()
            .map(|&v| {
                options
                    .tiers
                    .iter()
                    .position(|&(_, min)| v >= min)
                    .unwrap_or(last)
            })
            .collect(),
        TierBy::Share => {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| clv[b].total_cmp(&clv[a]));
            let mut ends = Vec::new();
            let mut cumulative = 0.0;
            for &(_, share) in &options.tiers {
                cumulative += share;
                ends.push(((cumulative * n as f64).round() as usize).min(n));
            }
            let mut tier = vec![last; n];
            for (rank, &i) in order.iter().enumerate() {
                tier[i] = ends.iter().position(|&e| rank < e).unwrap_or(last);
            }
            tier
        }
    };
    let total: f64 = clv.sum();
    let rows = options
        .names()
        .into_iter()
        .enumerate()
        .map(|(k, name)| {
            let members: Vec<usize> = (0..n).filter(|&i| tier[i] == k).collect();
            let tier_total: f64 = members.iter().map(|&i| clv[i]).sum();
            TierRow {
                tier: name,
                customers: members.len(),
                share_of_customers: members.len() as f64 / n as f64,
                total_clv: tier_total,
                share_of_value: (total > 0.0).then(|| tier_total / total),
                mean_clv: mean_at(clv, &members),
                min_clv: members.iter().map(|&i| clv[i]).reduce(f64::min),
                mean_p_alive: mean_at(scores.p_alive(), &members),
            }
        })
        .collect();
    Ok(Tiers {
        ids: scores.ids().to_vec(),
        tier,
        rows,
    })
}
