//! `clv segment`: from a scores CSV to the tables a business acts on (value x risk segments,
//! RFM scores, cohorts or attribute groups with repeat rates, CLV against acquisition cost), and
//! the report sections built from the same tables.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use clv::analysis::{
    attribute_groups, cac_report, calendar_cohorts, cohort_table, read_attribute_csv,
    rfm_scores_of, segment_customers, AcquisitionCosts, CacOptions, CohortOptions, CohortPeriod,
    CohortTable, GroupLabels, PurchaseHistory, RepeatRate, RfmScores, ScoreView, SegmentOptions,
    Segmentation, ValueThreshold,
};
use clv::data::transactions::NaiveDate;
use clv::report::intervals::interval_text;
use clv::report::plots::{bar_chart, ChartText};
use clv::report::Section;
use clv::value::interval::TotalInterval;
use clv::value::ValueTable;
use clv::TimeUnit;

use crate::args::{parse_date, LogLayoutArgs};
use crate::failure::{Context, Failure};
use crate::indicators::{compute as compute_indicators, read_orders, IndicatorArgs, Indicators};
use crate::progress::Progress;

/// Calendar period of the acquisition cohorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CohortPeriodArg {
    /// Month of first purchase (`1997-01`).
    Month,
    /// Quarter of first purchase (`1997-Q1`).
    Quarter,
}

impl From<CohortPeriodArg> for CohortPeriod {
    fn from(p: CohortPeriodArg) -> Self {
        match p {
            CohortPeriodArg::Month => CohortPeriod::Month,
            CohortPeriodArg::Quarter => CohortPeriod::Quarter,
        }
    }
}

/// `clv segment`.
#[derive(Debug, Args)]
pub struct SegmentArgs {
    /// Scores CSV as written by `clv predict` or `clv report` (customer_id, frequency, recency,
    /// T, monetary_value, p_alive, churn_probability, expected_purchases, expected_spend, clv).
    pub scores: PathBuf,
    /// Output directory: segments.csv, customer_segments.csv and rfm_scores.csv, plus
    /// cohorts.csv with --by or --transactions and cac.csv with --cac. Without it, tables are
    /// only printed.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// High value means CLV above this quantile of all customers' CLVs, in [0, 1].
    #[arg(long, default_value_t = 0.8, value_name = "Q")]
    pub clv_quantile: f64,
    /// High value means CLV above this amount (currency of the scores), instead of a quantile.
    #[arg(long, value_name = "AMOUNT", conflicts_with = "clv_quantile")]
    pub clv_amount: Option<f64>,
    /// Likely active means P(alive) at or above this level, in [0, 1] (also the level of the
    /// cohort table's share_active).
    #[arg(long, default_value_t = 0.5, value_name = "P")]
    pub active_level: f64,
    /// Group customers by this column of the --attributes file (an acquisition channel, a
    /// region...) instead of by month of first purchase.
    #[arg(long, value_name = "COLUMN", requires = "attributes")]
    pub by: Option<String>,
    /// CSV with a customer_id column and the --by column (and the --health-column ones), one
    /// row per customer.
    #[arg(long, value_name = "FILE.csv")]
    pub attributes: Option<PathBuf>,
    /// Transaction log of the scored customers: without --by, groups them by month (or
    /// --cohort quarter) of first purchase; always adds the repeat rates within --repeat-days
    /// of the first purchase. Layout options below; a name ending in .parquet is read as a
    /// Parquet log.
    #[arg(long, value_name = "LOG")]
    pub transactions: Option<PathBuf>,
    /// Last day of the log to use (YYYY-MM-DD); default: its latest transaction. A repeat
    /// rate counts only customers observed for the whole window up to this day.
    #[arg(long, value_name = "DATE", value_parser = parse_date, requires = "transactions")]
    pub observation_end: Option<NaiveDate>,
    /// Calendar period of the acquisition cohorts.
    #[arg(long, value_enum, default_value_t = CohortPeriodArg::Month)]
    pub cohort: CohortPeriodArg,
    /// Windows after the first purchase, in days, of the repeat rates (comma-separated).
    #[arg(
        long,
        default_value = "30,60,90",
        value_delimiter = ',',
        value_name = "DAYS"
    )]
    pub repeat_days: Vec<u32>,
    /// Acquisition cost per customer of each group: a CSV with columns `group,cac`, groups
    /// named as in the cohort table (`1997-01`, or the values of the --by column).
    #[arg(long, value_name = "FILE.csv")]
    pub cac: Option<PathBuf>,
    /// Profit margin applied to CLV before comparing it with the CAC, in (0, 1]. Leave it at 1
    /// when the scores already include a margin (`clv predict --margin`).
    #[arg(long, default_value_t = 1.0, value_name = "M", requires = "cac")]
    pub margin: f64,
    /// CLV / CAC ratio that the affordable CAC is computed for.
    #[arg(long, default_value_t = 3.0, value_name = "R", requires = "cac")]
    pub target_ratio: f64,
    #[command(flatten, next_help_heading = "Layout of the --transactions log")]
    pub layout: LogLayoutArgs,
    #[command(flatten, next_help_heading = "Indicators")]
    pub indicators: IndicatorArgs,
}

/// What `clv segment` computed.
struct Tables {
    segmentation: Segmentation,
    rfm: RfmScores,
    cohorts: Option<CohortTable>,
    cac: Option<clv::analysis::CacTable>,
    indicators: Indicators,
}

fn compute(a: &SegmentArgs, scores: &ValueTable, progress: &Progress) -> Result<Tables, Failure> {
    let view =
        ScoreView::from_value_table(scores).context(format!("reading {}", a.scores.display()))?;
    let mut options = SegmentOptions::default()
        .clv_quantile(a.clv_quantile)
        .context("--clv-quantile")?
        .active_level(a.active_level)
        .context("--active-level")?;
    if let Some(amount) = a.clv_amount {
        options = options.clv_amount(amount).context("--clv-amount")?;
    }
    let segmentation = segment_customers(&view, &options).context("segments")?;
    let rfm = rfm_scores_of(scores).context(format!("RFM scores of {}", a.scores.display()))?;

    let orders = match &a.transactions {
        Some(path) => {
            progress.step(format!("reading {}", path.display()));
            Some(read_orders(
                path,
                &a.layout.options()?,
                a.indicators.amount_column.as_deref(),
                a.observation_end,
            )?)
        }
        None => None,
    };
    let history = orders
        .as_ref()
        .map(|o| o.purchase_history())
        .transpose()
        .context("purchase history")?;
    let groups = match (&a.by, &a.attributes, &history) {
        (Some(column), Some(file), _) => {
            let map =
                read_attribute_csv(file, column).context(format!("reading {}", file.display()))?;
            Some(
                attribute_groups(&scores.ids, &map, column)
                    .context(format!("grouping {} by {column}", a.scores.display()))?,
            )
        }
        (_, _, Some(h)) => Some(cohorts_of(&scores.ids, h, a.cohort.into(), a)?),
        _ => None,
    };
    let cohorts = match &groups {
        Some(g) => {
            let options = CohortOptions {
                windows_days: a.repeat_days.clone(),
                active_level: a.active_level,
                ..CohortOptions::default()
            };
            Some(
                cohort_table(&view, g, history.as_ref(), &options)
                    .context(format!("cohort table of {}", a.scores.display()))?,
            )
        }
        None => None,
    };
    let cac = match (&a.cac, &groups) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(Failure::new(
                "--cac needs groups to compare: give --by COLUMN --attributes FILE, or \
                 --transactions LOG for acquisition cohorts",
            ))
        }
        (Some(file), Some(g)) => {
            let what = format!("reading {}", file.display());
            let costs = AcquisitionCosts::read_csv(file).context(&what)?;
            let options = CacOptions {
                margin: a.margin,
                target_ratio: a.target_ratio,
            };
            Some(cac_report(&view, g, &costs, &options).context(&what)?)
        }
    };
    let indicators = compute_indicators(
        &a.indicators,
        scores,
        &view,
        &segmentation,
        orders.as_ref(),
        groups.as_ref(),
        a.cohort.into(),
        a.attributes.as_deref(),
    )?;
    Ok(Tables {
        segmentation,
        rfm,
        cohorts,
        cac,
        indicators,
    })
}

fn cohorts_of(
    ids: &[String],
    history: &PurchaseHistory,
    period: CohortPeriod,
    a: &SegmentArgs,
) -> Result<GroupLabels, Failure> {
    calendar_cohorts(ids, history, period).context(format!(
        "{} against {}",
        a.scores.display(),
        a.transactions
            .as_deref()
            .map_or(String::new(), |p| p.display().to_string())
    ))
}

/// Customers per RFM score, for each of the three measures.
fn rfm_counts(rfm: &RfmScores) -> String {
    let count = |v: &[u8], s: u8| v.iter().filter(|&&x| x == s).count();
    let mut out = format!(
        "{:<6}{:>11}{:>11}{:>11}\n",
        "score", "recency", "frequency", "monetary"
    );
    out.push_str(&"-".repeat(39));
    out.push('\n');
    for s in (1..=5).rev() {
        out.push_str(&format!(
            "{s:<6}{:>11}{:>11}{:>11}\n",
            count(&rfm.recency, s),
            count(&rfm.frequency, s),
            count(&rfm.monetary, s)
        ));
    }
    let best = (0..rfm.ids.len()).filter(|&i| rfm.code(i) == "555").count();
    out.push_str(&format!(
        "customers per score (5 = best fifth; ties share the lower score); {best} score 555\n"
    ));
    out
}

pub fn segment(a: &SegmentArgs, progress: &Progress) -> Result<(), Failure> {
    progress.step(format!("reading {}", a.scores.display()));
    // The unit of recency and T enters none of these tables (RFM scores are ranks).
    let scores = ValueTable::read_csv(&a.scores, TimeUnit::Weeks)
        .context(format!("reading {}", a.scores.display()))?;
    let mut t = compute(a, &scores, progress)?;
    if let Some(p) = a.indicators.pseudonymizer()? {
        p.apply(&mut t.segmentation.ids);
        p.apply(&mut t.rfm.ids);
        t.indicators.pseudonymize(&p);
    }
    let mut written = Vec::new();
    if let Some(dir) = &a.output {
        std::fs::create_dir_all(dir).context(format!("creating {}", dir.display()))?;
        let inputs: Vec<&Path> = [
            Some(&a.scores),
            a.attributes.as_ref(),
            a.transactions.as_ref(),
            a.cac.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|p| p.as_path())
        .collect();
        let write = |name: &str, w: &dyn Fn(&Path) -> clv::Result<()>| {
            let path = dir.join(name);
            crate::paths::refuse_input_as_output(&path, &inputs)?;
            w(&path).context(format!("writing {}", path.display()))?;
            Ok::<_, Failure>(path)
        };
        written.push(write("segments.csv", &|p| {
            t.segmentation.summary.write_csv(p)
        })?);
        written.push(write("customer_segments.csv", &|p| {
            t.segmentation.write_customers_csv(p)
        })?);
        written.push(write("rfm_scores.csv", &|p| t.rfm.write_csv(p))?);
        if let Some(c) = &t.cohorts {
            written.push(write("cohorts.csv", &|p| c.write_csv(p))?);
        }
        if let Some(c) = &t.cac {
            written.push(write("cac.csv", &|p| c.write_csv(p))?);
        }
        written.extend(t.indicators.write(dir)?);
    }
    progress.finish();
    say!(
        "{} customers from {}\n\nValue x risk segments:\n",
        scores.len(),
        a.scores.display()
    );
    say!("{}", t.segmentation.summary.to_table_string());
    say!("RFM scores:\n\n{}", rfm_counts(&t.rfm));
    if let Some(c) = &t.cohorts {
        let title = match &a.by {
            Some(column) => format!("Customers by {column}"),
            None => "Acquisition cohorts".to_string(),
        };
        say!("{title}:\n\n{}", c.to_table_string());
    }
    if let Some(c) = &t.cac {
        say!("CLV against acquisition cost:\n\n{}", c.to_table_string());
    }
    t.indicators
        .print(a.by.as_deref().unwrap_or("acquisition cohort"));
    for p in written {
        say!("wrote {}", p.display());
    }
    Ok(())
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{:.1}%", 100.0 * x))
}

/// The report section of the value x risk segments: the table and a bar chart of each
/// segment's share of customers and of predicted value.
/// `value_intervals`, when given, has the interval of each row's total CLV, in row order.
pub fn segments_section(
    s: &Segmentation,
    options: &SegmentOptions,
    value_intervals: Option<&[TotalInterval]>,
) -> Result<Section, Failure> {
    let summary = &s.summary;
    let threshold = match options.value_threshold {
        ValueThreshold::Quantile(q) => format!(" (the {q} quantile of all CLVs)"),
        ValueThreshold::Amount(_) => String::new(),
    };
    let n = summary.customers as f64;
    let rows = summary
        .rows
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let mut row = vec![
                r.segment.label().to_string(),
                r.customers.to_string(),
                pct(Some(r.customers as f64 / n)),
                pct(r.share_of_value),
                r.mean_clv.map_or("-".into(), |v| format!("{v:.2}")),
                r.mean_p_alive.map_or("-".into(), |v| format!("{v:.3}")),
                format!("{:.2}", r.total_clv),
            ];
            if let Some(v) = value_intervals {
                row.push(interval_text(&v[k], 2));
            }
            row.push(r.segment.action().to_string());
            row
        })
        .collect();
    let categories: Vec<String> = summary
        .rows
        .iter()
        .map(|r| r.segment.label().to_string())
        .collect();
    let share = |f: &dyn Fn(&clv::analysis::SegmentRow) -> f64| -> Vec<f64> {
        summary.rows.iter().map(f).collect()
    };
    let svg = bar_chart(
        &ChartText::new(
            "Customers and predicted value by segment",
            "segment",
            "share (%)",
        ),
        &categories,
        &[
            (
                "customers".into(),
                share(&|r| 100.0 * r.customers as f64 / n),
            ),
            (
                "lifetime value".into(),
                share(&|r| 100.0 * r.share_of_value.unwrap_or(0.0)),
            ),
        ],
    )
    .context("segment chart")?;
    Ok(Section::new("segments", "Segments: value x risk")
        .paragraph(format!(
            "High value: CLV above {:.2}{threshold}; likely active: P(alive) at least {}. \
             Champions are high value and likely active (protect them), \"at risk\" high value \
             but likely churning (win them back now), potential low value but active (room to \
             grow), dormant low value and likely gone (spend little). The per-customer segment \
             is in customer_segments.csv; `clv segment scores.csv` gives other thresholds, \
             attribute groups and CLV against acquisition cost.",
            summary.clv_threshold, summary.active_level
        ))
        .table(
            [
                "segment",
                "customers",
                "share of customers",
                "share of value",
                "mean CLV",
                "mean P(alive)",
                "total CLV",
            ]
            .iter()
            .map(|h| h.to_string())
            .chain(value_intervals.map(interval_header))
            .chain(std::iter::once("action".to_string()))
            .collect(),
            rows,
        )
        .plot(
            "segments",
            svg,
            "Share of all customers (blue) and of the total predicted lifetime value (orange) in \
             each segment: a segment whose value bar is far above its customer bar concentrates \
             value.",
        ))
}

/// The header of an interval column of total CLV.
fn interval_header(v: &[TotalInterval]) -> String {
    let level = v.first().map_or(0.9, |t| t.level);
    format!("total CLV, {:.0}% interval", 100.0 * level)
}

/// The report section of the acquisition cohorts: customers, value, activity and repeat rates
/// per cohort, a window the cohort is too young for shown as such.
/// `value_intervals`, when given, has the interval of each row's total CLV, the rows then the
/// overall row.
pub fn cohorts_section(
    t: &CohortTable,
    observation_end: NaiveDate,
    value_intervals: Option<&[TotalInterval]>,
) -> Section {
    let mut header: Vec<String> = [
        "cohort",
        "customers",
        "mean CLV",
        "total CLV",
        "lift",
        "mean P(alive)",
        "share active",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    if let Some(v) = value_intervals {
        header.insert(4, interval_header(v));
    }
    for w in &t.windows_days {
        header.push(format!("repeat within {w} days"));
    }
    let rows = t
        .rows
        .iter()
        .chain(std::iter::once(&t.overall))
        .enumerate()
        .map(|(k, r)| {
            let mut cells = vec![
                r.group.clone(),
                r.customers.to_string(),
                format!("{:.2}", r.mean_clv),
                format!("{:.2}", r.total_clv),
            ];
            if let Some(v) = value_intervals {
                cells.push(interval_text(&v[k], 2));
            }
            cells.extend([
                r.lift.map_or("-".into(), |x| format!("{:+.1}%", 100.0 * x)),
                format!("{:.3}", r.mean_p_alive),
                pct(Some(r.share_active)),
            ]);
            for rate in &r.repeat {
                cells.push(match *rate {
                    RepeatRate::Rate { rate, .. } => pct(Some(rate)),
                    RepeatRate::TooYoung {
                        observed,
                        customers,
                    } => format!("too young ({observed} of {customers} observed)"),
                });
            }
            cells
        })
        .collect();
    Section::new("cohorts", "Acquisition cohorts")
        .paragraph(format!(
            "Customers grouped by the month of their first purchase. Repeat within N days: share \
             of the cohort whose second purchase (on a later day) came at most N days after the \
             first, counting the log up to {observation_end}; a rate is given only when every \
             customer of the cohort has been observed for N days, otherwise the cohort is too \
             young for that window. Lift: the cohort's mean CLV above or below all customers' mean. \
             Share active: P(alive) at least {}. The last row is all \
             customers together; the table is also in cohorts.csv.",
            t.active_level
        ))
        .table(header, rows)
}
