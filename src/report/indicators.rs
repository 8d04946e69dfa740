//! Report sections of the indicators a business steers by: churn per cohort and segment,
//! revenue from existing customers, order value by tenure, loyalty tiers and the health
//! score. Each takes the result of its [`analysis`](crate::analysis) function, so any source
//! of scores (any model) feeds them.

use crate::analysis::{
    AovByTenure, ChurnTable, HealthDistribution, HealthWeights, RepeatRate, RevenueSplit, Tiers,
};
use crate::error::Result;

use super::plots::{bar_chart, line_chart, ChartText, Series};
use super::Section;

fn pct(v: f64) -> f64 {
    100.0 * v
}

/// Observed churn (no order in the last N days) beside model churn (mean 1 - P(alive)) per
/// acquisition cohort, and per value segment when given, with a bar chart per cohort.
pub fn churn(cohorts: &ChurnTable, segments: Option<&ChurnTable>) -> Result<Section> {
    let mut categories: Vec<String> = cohorts.rows.iter().map(|r| r.group.clone()).collect();
    categories.push(cohorts.overall.group.clone());
    let rows: Vec<_> = cohorts
        .rows
        .iter()
        .chain(std::iter::once(&cohorts.overall))
        .collect();
    let mut series: Vec<(String, Vec<f64>)> = cohorts
        .windows_days
        .iter()
        .enumerate()
        .map(|(k, w)| {
            let values = rows
                .iter()
                .map(|r| match r.observed[k] {
                    RepeatRate::Rate { rate, .. } => pct(rate),
                    RepeatRate::TooYoung { .. } => f64::NAN,
                })
                .collect();
            (format!("observed: no order in {w} days"), values)
        })
        .collect();
    series.push((
        "model: 1 - P(alive)".into(),
        rows.iter().map(|r| pct(r.model_churn)).collect(),
    ));
    let svg = bar_chart(
        &ChartText::new(
            "Churn by acquisition cohort: observed and model",
            "cohort",
            "churn (%)",
        ),
        &categories,
        &series,
    )?;
    let t = cohorts.table(true);
    let mut s = Section::new("churn", "Churn by cohort and segment")
        .paragraph(format!(
            "Observed churn: among the customers observed for N days, the share with no order \
             in the N days up to {}; a cohort not yet observed that long is too young. Model \
             churn: the mean probability 1 - P(alive) that a customer has already left for \
             good. A pause is not a departure, so observed churn runs above model churn for \
             short windows; a cohort whose observed churn is far above the others' is leaving \
             faster. Also in churn_by_cohort.csv.",
            cohorts.observation_end
        ))
        .table(t.headers, t.rows)
        .plot(
            "churn_by_cohort",
            svg,
            "Observed churn within each window (solid bars per window) and the model's churn \
             probability (last bar) per cohort; a missing bar is a window the cohort is too \
             young for.",
        );
    if let Some(seg) = segments {
        let t = seg.table(true);
        s = s
            .paragraph("The same by value x risk segment (churn_by_segment.csv).")
            .table(t.headers, t.rows);
    }
    Ok(s)
}

/// Revenue of first against repeat orders per period and the share from customers acquired
/// before it, with a bar chart of the split.
pub fn revenue(split: &RevenueSplit) -> Result<Section> {
    let categories: Vec<String> = split.rows.iter().map(|r| r.period.clone()).collect();
    let svg = bar_chart(
        &ChartText::new(
            "Revenue per period: first and repeat orders, existing customers",
            "period",
            "revenue (currency of the log)",
        ),
        &categories,
        &[
            (
                "first orders".into(),
                split.rows.iter().map(|r| r.first_order_revenue).collect(),
            ),
            (
                "repeat orders".into(),
                split.rows.iter().map(|r| r.repeat_order_revenue).collect(),
            ),
            (
                "customers acquired before the period".into(),
                split
                    .rows
                    .iter()
                    .map(|r| r.existing_customer_revenue)
                    .collect(),
            ),
        ],
    )?;
    let t = split.table(true);
    Ok(
        Section::new("revenue", "Revenue from existing and new customers")
            .paragraph(
                "Per calendar period of the order: revenue of first orders (a customer's first \
             day) and of repeat orders, and the revenue of customers acquired in an earlier \
             period with its share (existing_share; practitioners quote about 65% for an \
             online shop). Orders are a customer's purchases of one day. Also in revenue.csv.",
            )
            .table(t.headers, t.rows)
            .plot(
                "revenue_split",
                svg,
                "Per period, revenue of first orders, of repeat orders, and of customers acquired \
             before the period (part of the repeat revenue).",
            ),
    )
}

/// Order value of first against repeat orders per cohort, and by tenure month, with a line
/// chart of the order value by tenure per cohort.
pub fn order_value(aov: &AovByTenure) -> Result<Section> {
    let mut cohorts: Vec<&str> = aov.by_tenure.iter().map(|c| c.cohort.as_str()).collect();
    cohorts.dedup();
    let series: Vec<Series> = cohorts
        .iter()
        .map(|&name| Series {
            name: name.to_string(),
            points: aov
                .by_tenure
                .iter()
                .filter(|c| c.cohort == name)
                .map(|c| (f64::from(c.tenure_month), c.aov))
                .collect(),
            dashed: name == "(all)",
        })
        .collect();
    let svg = line_chart(
        &ChartText::new(
            "Average order value by tenure",
            "months since the first order (30.4375 days)",
            "average order value (currency of the log)",
        ),
        &series,
        None,
    )?;
    let first = aov.first_table(true);
    let tenure = aov.tenure_table(true, Some("(all)"));
    Ok(Section::new("order-value", "Average order value by tenure")
        .paragraph(
            "First against repeat orders per acquisition cohort: does the basket grow once a \
             customer knows the shop? Then the order value by months since the first order, \
             all customers together (per cohort in aov_by_tenure.csv).",
        )
        .table(first.headers, first.rows)
        .table(tenure.headers, tenure.rows)
        .plot(
            "aov_by_tenure",
            svg,
            "Average order value in each month of tenure, one line per cohort, all customers \
             dashed; months with few orders are noisy (see the orders column).",
        ))
}

/// The loyalty tier table.
pub fn tiers(tiers: &Tiers) -> Section {
    let t = tiers.table(true);
    Section::new("tiers", "Loyalty tiers by predicted value")
        .paragraph(
            "Customers ranked by predicted CLV into tiers: count, share of customers and of \
             predicted value, mean and lowest CLV, mean P(alive). Each customer's tier is in \
             customer_tiers.csv.",
        )
        .table(t.headers, t.rows)
}

/// The distribution of the health score per segment, with the weights used.
pub fn health(dist: &HealthDistribution, weights: &HealthWeights, extras: &[String]) -> Section {
    let t = dist.table(true);
    let extra = if extras.is_empty() {
        String::new()
    } else {
        format!(", plus {}", extras.join(", "))
    };
    Section::new("health", "Customer health score")
        .paragraph(format!(
            "A score from 0 to 100 per customer: the weighted mean of P(alive) (weight {}), \
             recency against the customer's own typical time between purchases (weight {}) \
             and the expected purchase rate against the past rate (weight {}){extra}, each \
             in [0, 1]. Mean, quartiles and customers per band of 25 points, per segment; \
             every customer's score and components are in health.csv.",
            weights.alive, weights.recency, weights.expected
        ))
        .table(t.headers, t.rows)
}
