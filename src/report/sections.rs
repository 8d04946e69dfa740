//! The standard sections of the model report, each built from fitted models and data.
//!
//! Every builder returns a [`Section`]; a report is these in order, and other parts of the
//! crate (or an application) can add theirs with [`Report::push`](super::Report::push).

use crate::data::CustomerTable;
use crate::error::Result;
use crate::fit::FitReport;
use crate::io::format_significant;
use crate::models::{frequency_spend_correlation, PurchaseModel, SpendModel};
use crate::time::{Duration, TimeUnit};
use crate::value::{ClvConfig, Discount, ValueTable};

use super::checks::{
    expected_cumulative_repeat, holdout_comparison, period_transactions, rfm_matrix,
    HoldoutComparison,
};
use super::plots::{
    bar_chart, heatmap, line_chart, line_chart_with_bands, Band, ChartText, Series,
};
use super::tracking::TrackingBand;
use super::Section;

/// A transformation of a plotted series' points (cumulative to weekly, ...).
type PointsMap = dyn Fn(&[(f64, f64)]) -> Vec<(f64, f64)>;

/// Frequencies `0..MAX_BIN` have their own bar; `MAX_BIN` and more share the last one.
pub const MAX_BIN: u32 = 7;

/// Formats a number with `digits` decimals.
fn num(v: f64, digits: usize) -> String {
    format!("{v:.digits$}")
}

/// Parameters, standard errors and convergence of one fit, as table rows (5 significant
/// digits, scientific for tiny and huge values: a parameter of 3e-7 is not `0.0000`).
fn fit_rows(model: &str, report: &FitReport) -> Vec<Vec<String>> {
    report
        .param_names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let se = report
                .std_errors
                .as_ref()
                .and_then(|s| s.get(i).copied())
                .map_or("n/a".to_string(), |s| format_significant(s, 5));
            vec![
                model.to_string(),
                name.clone(),
                format_significant(report.params[i], 5),
                se,
            ]
        })
        .collect()
}

/// Fitted parameters with standard errors, log-likelihoods and convergence, and the
/// frequency-spend correlation check of the Gamma-Gamma assumption.
pub fn parameters(
    purchases: &[(&dyn PurchaseModel, &FitReport)],
    spend: Option<(&dyn SpendModel, &FitReport)>,
    table: &CustomerTable,
) -> Section {
    let unit = table.unit();
    let mut rows: Vec<Vec<String>> = purchases
        .iter()
        .flat_map(|(m, r)| fit_rows(m.name(), r))
        .collect();
    if let Some((m, r)) = spend {
        rows.extend(fit_rows(m.name(), r));
    }
    let descriptions: Vec<&str> = purchases.iter().map(|(m, _)| m.description()).collect();
    let mut section = Section::new("parameters", "Fitted parameters").paragraph(format!(
        "{} Parameters in units of time are per {}. Gamma-Gamma (Fader & Hardie 2013): \
         spend per purchase ~ Gamma(p, nu), nu ~ Gamma(q, gamma), in the data's money unit. \
         Standard errors come from the inverse Hessian of the log-likelihood.",
        descriptions.join(" "),
        unit.name().trim_end_matches('s')
    ));
    section = section.table(
        vec![
            "model".into(),
            "parameter".into(),
            "estimate".into(),
            "std. error".into(),
        ],
        rows,
    );
    let mut fits: Vec<Vec<String>> = purchases
        .iter()
        .map(|(m, r)| fit_summary_row(m.name(), r))
        .collect();
    if let Some((m, r)) = spend {
        fits.push(fit_summary_row(m.name(), r));
    }
    section = section.table(
        vec![
            "model".into(),
            "customers".into(),
            "log-likelihood".into(),
            "AIC".into(),
            "BIC".into(),
            "iterations".into(),
            "gradient norm".into(),
            "convergence".into(),
        ],
        fits,
    );
    if spend.is_some() {
        match frequency_spend_correlation(table) {
            Ok(c) => {
                section = section.paragraph(format!(
                    "Gamma-Gamma assumes spend per purchase is independent of purchase frequency: \
                     the correlation of frequency and mean spend among the {:.0} repeat customers is \
                     {:.4}. {}",
                    c.n_customers,
                    c.rho,
                    c.warning.unwrap_or_else(|| "That is weak enough for the assumption.".into())
                ))
            }
            Err(e) => section = section.paragraph(format!("Frequency-spend correlation not available: {e}")),
        }
    }
    section
}

fn fit_summary_row(model: &str, r: &FitReport) -> Vec<String> {
    vec![
        model.into(),
        num(r.n_customers, 0),
        num(r.log_likelihood, 3),
        num(r.aic(), 2),
        num(r.bic(), 2),
        r.iterations.to_string(),
        format!("{:.2e}", r.gradient_norm),
        r.termination.to_string(),
    ]
}

/// Customers by number of repeat purchases in the calibration period, actual vs each model
/// (the models that have a closed-form `P(X(t) = n)`).
pub fn calibration_fit(models: &[&dyn PurchaseModel], table: &CustomerTable) -> Result<Section> {
    let checks: Vec<_> = models
        .iter()
        .filter_map(|m| {
            period_transactions(*m, table, MAX_BIN)
                .ok()
                .map(|p| (m.name(), p))
        })
        .collect();
    let Some((_, first)) = checks.first() else {
        return Err(crate::Error::undefined(
            "the repeat-purchase check",
            "no model has a closed-form P(X(t) = n)",
        ));
    };
    let mut bars = vec![("actual".to_string(), first.actual.clone())];
    bars.extend(
        checks
            .iter()
            .map(|(n, p)| (n.to_string(), p.expected.clone())),
    );
    let svg = bar_chart(
        &ChartText::new(
            "Repeat purchases in the calibration period: actual vs model",
            "repeat purchases per customer in the calibration period",
            "customers",
        ),
        &first.labels,
        &bars,
    )?;
    let rows = (0..first.labels.len())
        .map(|i| {
            let mut row = vec![first.labels[i].clone(), num(first.actual[i], 0)];
            row.extend(checks.iter().map(|(_, p)| num(p.expected[i], 1)));
            row
        })
        .collect();
    let mut header = vec![
        "repeat purchases".to_string(),
        "actual customers".to_string(),
    ];
    header.extend(
        checks
            .iter()
            .map(|(n, _)| format!("expected customers ({n})")),
    );
    Ok(Section::new(
        "calibration-fit",
        "Model check: repeat purchases per customer",
    )
    .plot(
        "frequency_histogram",
        svg,
        format!(
            "Number of customers with 0, 1, ... repeat purchases during their own observation \
                 time T. The model bars are the expected numbers, the sum over customers of \
                 P(X(T) = n) (exact, not simulated). Customers with {MAX_BIN} or more are pooled."
        ),
    )
    .table(header, rows))
}

/// Weekly cumulative repeat transactions of the calibration customers, read from the log.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackingActual {
    /// Label of the time origin (the earliest first purchase), e.g. `1997-01-01`.
    pub origin: String,
    /// End of each week, in weeks since the origin.
    pub weeks: Vec<f64>,
    /// The same instants measured from the calibration end, in the table's unit (negative
    /// before it).
    pub since_calibration_end: Vec<f64>,
    /// Cumulative repeat transactions up to each instant.
    pub cumulative: Vec<f64>,
    /// Calibration end in weeks since the origin.
    pub calibration_end_week: f64,
}

/// Holdout validation: error figures, purchases by calibration frequency, and the tracking
/// plots (cumulative and weekly repeat transactions) when `tracking` is given, the cumulative
/// one with the first model's forecast band when `band` is given.
/// The first of `models` is the one scored; the others are overlaid on the plots.
pub fn holdout(
    models: &[&dyn PurchaseModel],
    table: &CustomerTable,
    holdout_purchases: ndarray::ArrayView1<'_, f64>,
    holdout_length: Duration,
    tracking: Option<&TrackingActual>,
    band: Option<&TrackingBand>,
) -> Result<(Section, HoldoutComparison)> {
    if models.is_empty() {
        return Err(crate::Error::invalid_argument(
            "models",
            0,
            "the holdout section needs a model",
        ));
    }
    let comparisons = models
        .iter()
        .map(|m| holdout_comparison(*m, table, holdout_purchases, holdout_length, MAX_BIN))
        .collect::<Result<Vec<_>>>()?;
    let h = comparisons[0].clone();
    let unit = table.unit();
    let length = format!("{:.1} {}", holdout_length.in_unit(unit), unit);
    let mut s = Section::new("holdout", "Holdout validation").paragraph(format!(
        "The model was fitted on the calibration period only; these figures compare its conditional \
         expectation of each customer's purchases in the {length} after the calibration end with what \
         the customer did."
    ));
    s = s.table(
        vec!["figure".into(), "value".into()],
        vec![
            vec!["customers".into(), num(h.customers.iter().sum(), 0)],
            vec!["holdout purchases, actual".into(), num(h.total_actual, 0)],
            vec![
                "holdout purchases, expected".into(),
                num(h.total_expected, 1),
            ],
            vec![
                "aggregate error (expected - actual) / actual".into(),
                format!("{:+.2}%", 100.0 * h.aggregate_error()),
            ],
            vec![
                "mean absolute error per customer (purchases)".into(),
                num(h.mae, 4),
            ],
            vec![
                "root mean squared error per customer (purchases)".into(),
                num(h.rmse, 4),
            ],
        ],
    );
    let svg = line_chart(
        &ChartText::new(
            "Holdout purchases by calibration frequency: actual vs model",
            "repeat purchases in the calibration period",
            format!("mean purchases per customer in the {length} holdout"),
        ),
        &[Series {
            name: "actual".into(),
            points: h
                .actual_mean
                .iter()
                .enumerate()
                .map(|(i, &v)| (i as f64, v))
                .collect(),
            dashed: false,
        }]
        .into_iter()
        .chain(models.iter().zip(&comparisons).map(|(m, c)| {
            Series {
                name: format!("{} conditional expectation", m.name()),
                points: c
                    .expected_mean
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| (i as f64, v))
                    .collect(),
                dashed: true,
            }
        }))
        .collect::<Vec<_>>(),
        None,
    )?;
    s = s.plot(
        "calibration_vs_holdout",
        svg,
        format!(
            "Customers grouped by their repeat purchases in the calibration period ({MAX_BIN} = {MAX_BIN} or more); \
             mean purchases in the holdout, actual and expected."
        ),
    );
    s = s.table(
        vec![
            "calibration repeat purchases".into(),
            "customers".into(),
            "actual mean holdout purchases".into(),
            "expected mean holdout purchases".into(),
        ],
        (0..h.labels.len())
            .map(|i| {
                vec![
                    h.labels[i].clone(),
                    num(h.customers[i], 0),
                    num(h.actual_mean[i], 3),
                    num(h.expected_mean[i], 3),
                ]
            })
            .collect(),
    );
    if let Some(t) = tracking {
        let expected_by_model: Vec<Vec<f64>> = models
            .iter()
            .map(|m| expected_cumulative_repeat(*m, table, &t.since_calibration_end, unit))
            .collect();
        let expected = expected_by_model[0].clone();
        let actual_points: Vec<(f64, f64)> = t
            .weeks
            .iter()
            .copied()
            .zip(t.cumulative.iter().copied())
            .collect();
        let expected_points: Vec<Vec<(f64, f64)>> = expected_by_model
            .iter()
            .map(|e| t.weeks.iter().copied().zip(e.iter().copied()).collect())
            .collect();
        let series = |transform: &PointsMap| -> Vec<Series> {
            std::iter::once(Series {
                name: "actual".into(),
                points: transform(&actual_points),
                dashed: false,
            })
            .chain(models.iter().zip(&expected_points).map(|(m, p)| Series {
                name: format!("{} expected", m.name()),
                points: transform(p),
                dashed: true,
            }))
            .collect()
        };
        let marker = Some((t.calibration_end_week, "calibration end"));
        let x_label = format!("weeks since {}", t.origin);
        let bands: Vec<Band> = band
            .map(|b| Band {
                name: format!(
                    "{:.0}% forecast interval ({})",
                    100.0 * b.level,
                    models[0].name()
                ),
                series: 1,
                points: (0..b.weeks.len())
                    .map(|k| (b.weeks[k], b.low[k], b.high[k]))
                    .collect(),
            })
            .into_iter()
            .collect();
        let cumulative = line_chart_with_bands(
            &ChartText::new(
                "Tracking: cumulative repeat transactions",
                x_label.clone(),
                "cumulative repeat transactions",
            ),
            &series(&|p| p.to_vec()),
            &bands,
            marker,
        )?;
        let weekly = |p: &[(f64, f64)]| -> Vec<(f64, f64)> {
            p.iter()
                .enumerate()
                .map(|(i, &(w, c))| (w, if i == 0 { c } else { c - p[i - 1].1 }))
                .collect()
        };
        let incremental = line_chart(
            &ChartText::new(
                "Tracking: weekly repeat transactions",
                x_label,
                "repeat transactions per week",
            ),
            &series(&weekly),
            marker,
        )?;
        let last = t.cumulative.len().saturating_sub(1);
        s = s
            .plot(
                "tracking_cumulative",
                cumulative,
                format!(
                    "Repeat transactions of the calibration customers over calendar time. The expected line \
                     sums each customer's E[X(t)] from her own first purchase (unconditional: it uses no \
                     purchase history, so agreement after the calibration end is a genuine forecast). \
                     At the end: {:.0} actual, {:.1} expected.{}",
                    t.cumulative.get(last).copied().unwrap_or(0.0),
                    expected.get(last).copied().unwrap_or(0.0),
                    band.map_or(String::new(), |b| band_caption(b, t.cumulative.get(last).copied()))
                ),
            )
            .plot(
                "tracking_weekly",
                incremental,
                "The same, week by week. The rise at the start is the cohort being acquired.",
            );
    }
    Ok((s, h))
}

/// What the tracking band is and whether the actual end point is inside it.
fn band_caption(b: &TrackingBand, actual: Option<f64>) -> String {
    let k = b.weeks.len() - 1;
    let verdict = match actual {
        Some(a) if b.low[k] <= a && a <= b.high[k] => format!("the actual {a:.0} is inside it"),
        Some(a) => format!("the actual {a:.0} is outside it: the model's forecast is off by more than its own uncertainty"),
        None => String::new(),
    };
    format!(
        " The shaded band is the {:.0}% prediction interval of a different forecast, made at the \
         calibration end: the calibration customers' repeat transactions so far plus the total \
         predicted from each one's history (parameter and process uncertainty). At the end it is \
         {:.1} to {:.1} (centre {:.1}); {verdict}.",
        100.0 * b.level,
        b.low[k],
        b.high[k],
        b.expected[k]
    )
}

/// P(alive) and expected purchases over a frequency x recency grid, for a customer observed
/// as long as the oldest customer of `table`.
pub fn rfm_matrices(
    model: &dyn PurchaseModel,
    table: &CustomerTable,
    horizon: Duration,
) -> Result<Section> {
    let unit = table.unit();
    let age = table.age().iter().fold(0.0f64, |a, &b| a.max(b));
    let max_x = table
        .frequency()
        .iter()
        .fold(0.0f64, |a, &b| a.max(b))
        .clamp(1.0, 40.0) as u32;
    let cells = 40;
    let age = Duration::new(age, unit);
    let alive = rfm_matrix(max_x, age, cells, |c| model.p_alive(c))?;
    let purchases = rfm_matrix(max_x, age, cells, |c| model.expected_purchases(c, horizon))?;
    let x_label = format!("recency: age at last purchase ({unit})");
    let h = format!("{} {}", horizon.amount, horizon.unit);
    let p_svg = heatmap(
        &ChartText::new(
            format!(
                "P(alive) by frequency and recency (T = {:.1} {unit})",
                age.amount
            ),
            x_label.clone(),
            "repeat purchases (frequency)",
        ),
        &alive.recency,
        &alive.frequency,
        &alive.values,
        "P(alive)",
    )?;
    let e_svg = heatmap(
        &ChartText::new(
            format!(
                "Expected purchases in the next {h} (T = {:.1} {unit})",
                age.amount
            ),
            x_label,
            "repeat purchases (frequency)",
        ),
        &purchases.recency,
        &purchases.frequency,
        &purchases.values,
        "purchases",
    )?;
    Ok(Section::new(
        "rfm-matrices",
        "P(alive) and expected purchases by frequency and recency",
    )
    .plot(
        "p_alive_matrix",
        p_svg,
        "Probability that a customer observed for the longest time T is still active, by repeat \
             purchases and time of the last one. Frequent buyers who stopped buying long ago are \
             likely gone (BG/NBD gives P(alive) = 1 to customers without repeat purchases; MBG/NBD \
             and Pareto/NBD do not).",
    )
    .plot(
        "expected_purchases_matrix",
        e_svg,
        format!("Conditional expected purchases in the next {h} for the same grid of customers."),
    ))
}

fn describe_discount(d: &Discount) -> String {
    match d {
        Discount::None => "none".into(),
        Discount::PerStep(r) => format!("{:.4}% per step", 100.0 * r),
        Discount::Continuous { rate, per } => {
            format!(
                "{:.4}% per {} (continuous)",
                100.0 * rate,
                per.name().trim_end_matches('s')
            )
        }
    }
}

use crate::analysis::segments::quantile_of_sorted as quantile;

/// The distribution of customer lifetime values, with the configuration they were computed
/// with.
pub fn value_distribution(scores: &ValueTable, config: &ClvConfig) -> Result<Section> {
    let mut sorted = scores.clv.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let total = scores.total_clv();
    // Histogram up to the 99th percentile; the rest pooled in the last bar.
    let top = quantile(&sorted, 0.99).max(f64::MIN_POSITIVE);
    let bins = 25;
    let width = top / bins as f64;
    let mut counts = vec![0.0; bins + 1];
    for &v in &sorted {
        let b = if v >= top {
            bins
        } else {
            ((v / width).floor().max(0.0) as usize).min(bins - 1)
        };
        counts[b] += 1.0;
    }
    let labels: Vec<String> = (0..=bins)
        .map(|i| {
            if i == bins {
                format!(">={top:.0}")
            } else if i % 5 == 0 {
                format!("{:.0}", i as f64 * width)
            } else {
                String::new()
            }
        })
        .collect();
    let svg = bar_chart(
        &ChartText::new(
            "Distribution of customer lifetime value",
            format!(
                "CLV over {} {} (money, lower edge of bin; last bar: top 1%)",
                config.horizon.amount, config.horizon.unit
            ),
            "customers",
        ),
        &labels,
        &[("customers".into(), counts)],
    )?;
    let top_decile: f64 = sorted.iter().rev().take(n.div_ceil(10)).sum();
    Ok(Section::new("value", "Customer lifetime value")
        .paragraph(format!(
            "CLV = margin x expected spend per purchase (Gamma-Gamma) x discounted expected purchases \
             (BG/NBD) over a horizon of {} {}, in steps of {} {}, discounting {}, margin {}.",
            config.horizon.amount,
            config.horizon.unit,
            config.step.amount,
            config.step.unit,
            describe_discount(&config.discount),
            config.margin
        ))
        .table(
            vec!["figure".into(), "value".into()],
            vec![
                vec!["customers".into(), n.to_string()],
                vec!["total CLV".into(), num(total, 2)],
                vec!["mean CLV".into(), num(total / n.max(1) as f64, 2)],
                vec!["median CLV".into(), num(quantile(&sorted, 0.5), 2)],
                vec!["90th percentile".into(), num(quantile(&sorted, 0.9), 2)],
                vec!["share of the total held by the top 10%".into(), format!("{:.1}%", 100.0 * top_decile / total.max(f64::MIN_POSITIVE))],
            ],
        )
        .plot(
            "clv_distribution",
            svg,
            "Number of customers by lifetime value. Most customers are worth little; a few are worth much.",
        ))
}

/// The `n` customers with the highest CLV.
pub fn top_customers(scores: &ValueTable, n: usize, unit: TimeUnit) -> Section {
    let rows = scores
        .top_by_clv(n)
        .into_iter()
        .enumerate()
        .map(|(rank, i)| {
            vec![
                (rank + 1).to_string(),
                scores.ids[i].clone(),
                num(scores.frequency[i], 0),
                num(scores.recency[i], 2),
                num(scores.age[i], 2),
                num(scores.monetary_value[i], 2),
                num(scores.p_alive[i], 3),
                num(scores.expected_purchases[i], 2),
                num(scores.expected_spend[i], 2),
                num(scores.clv[i], 2),
            ]
        })
        .collect();
    Section::new("top-customers", format!("Top {n} customers by CLV")).table(
        vec![
            "rank".into(),
            "customer".into(),
            "frequency".into(),
            format!("recency ({unit})"),
            format!("T ({unit})"),
            "mean spend".into(),
            "P(alive)".into(),
            "expected purchases".into(),
            "expected spend".into(),
            "CLV".into(),
        ],
        rows,
    )
}
