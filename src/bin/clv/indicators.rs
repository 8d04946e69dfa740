//! The indicators of `clv segment` and `clv report`: loyalty tiers and health score from the
//! scores; with the transaction log, observed against model churn per cohort and segment; with
//! its amounts, revenue from existing customers and order value by tenure. Optional
//! pseudonymous ids in every per-customer file.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use clv::analysis::{
    aov_by_tenure, calendar_cohorts, churn_table, health_by_group, health_scores, loyalty_tiers,
    read_extra_columns, revenue_split, segment_customers, segment_groups, AovByTenure,
    ChurnOptions, ChurnTable, CohortPeriod, GroupLabels, HealthDistribution, HealthScores,
    HealthWeights, OrderLog, Pseudonymizer, RevenueSplit, ScoreView, SegmentOptions, Segmentation,
    TierBy, TierOptions, Tiers,
};
use clv::data::transactions::{NaiveDate, TransactionLogOptions, TransactionTable};
use clv::report::{indicators, Section};
use clv::value::ValueTable;
use clv::Duration;

use crate::args::parse_duration;
use crate::failure::{Context, Failure};
use crate::segment_cmd::CohortPeriodArg;

/// How `--tiers` bounds are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TierByArg {
    /// Shares of customers (`5%` or `0.05`), from the top.
    Share,
    /// Minimum CLVs, decreasing from the top.
    Amount,
}

/// Options of the indicators.
#[derive(Debug, Clone, Args)]
pub struct IndicatorArgs {
    /// Amount column of the --transactions log (a header name or a 0-based position): adds
    /// the revenue from existing customers and the order value by tenure.
    #[arg(long, value_name = "COLUMN", requires = "transactions")]
    pub amount_column: Option<String>,
    /// Calendar period of the revenue split.
    #[arg(long, value_enum, default_value_t = CohortPeriodArg::Quarter)]
    pub revenue_period: CohortPeriodArg,
    /// Loyalty tiers from the top, `NAME=BOUND,...,REST` (see --tiers-by).
    #[arg(
        long,
        default_value = "Platinum=5%,Gold=15%,Silver=30%,Standard",
        value_name = "SPEC"
    )]
    pub tiers: String,
    /// Whether the --tiers bounds are shares of customers or minimum CLVs.
    #[arg(long, value_enum, default_value_t = TierByArg::Share)]
    pub tiers_by: TierByArg,
    /// Horizon of the scores' expected purchases (as given to `clv predict`), for the health
    /// score's expected against past purchase rate.
    #[arg(long, default_value = "12months", value_parser = parse_duration)]
    pub horizon: Duration,
    /// Weights of the health score's components, `alive=W,recency=W,expected=W`.
    #[arg(
        long,
        default_value = "alive=0.4,recency=0.3,expected=0.3",
        value_name = "WEIGHTS"
    )]
    pub health_weights: String,
    /// Behavioural columns of the --attributes file in the health score, `COLUMN=WEIGHT`
    /// (comma-separated or repeated), higher values healthier (logins, opens, NPS...).
    #[arg(long, value_delimiter = ',', value_name = "COLUMN=WEIGHT")]
    pub health_column: Vec<String>,
    /// Replace customer ids in every per-customer output by HMAC-SHA256 pseudonyms keyed
    /// with KEY (the same id always gives the same pseudonym under the same key).
    #[arg(long, value_name = "KEY", conflicts_with = "pseudonymize_key_file")]
    pub pseudonymize: Option<String>,
    /// As --pseudonymize, the key being the bytes of FILE (keeps it off the command line).
    #[arg(long, value_name = "FILE")]
    pub pseudonymize_key_file: Option<PathBuf>,
}

impl IndicatorArgs {
    /// The pseudonymizer, if asked for.
    pub fn pseudonymizer(&self) -> Result<Option<Pseudonymizer>, Failure> {
        let key = match (&self.pseudonymize, &self.pseudonymize_key_file) {
            (Some(k), _) => k.as_bytes().to_vec(),
            (None, Some(f)) => std::fs::read(f).context(format!("reading {}", f.display()))?,
            (None, None) => return Ok(None),
        };
        Ok(Some(Pseudonymizer::new(&key).context("--pseudonymize")?))
    }

    fn weights(&self) -> Result<HealthWeights, Failure> {
        let mut w = HealthWeights::default();
        for (name, value) in name_values(&self.health_weights, "--health-weights")? {
            match name.as_str() {
                "alive" => w.alive = value,
                "recency" => w.recency = value,
                "expected" => w.expected = value,
                other => {
                    return Err(Failure::new(format!(
                        "--health-weights: unknown component {other:?} (alive, recency, expected)"
                    )))
                }
            }
        }
        Ok(w)
    }
}

fn name_values(spec: &str, option: &str) -> Result<Vec<(String, f64)>, Failure> {
    spec.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').ok_or_else(|| {
                Failure::new(format!("{option}: expected NAME=NUMBER, got {p:?}"))
            })?;
            let v: f64 = value.trim().parse().map_err(|_| {
                Failure::new(format!("{option}: {value:?} is not a number (in {p:?})"))
            })?;
            Ok((name.trim().to_string(), v))
        })
        .collect()
}

/// Everything the indicators computed.
pub struct Indicators {
    pub tiers: Tiers,
    pub health: HealthScores,
    pub health_by_segment: HealthDistribution,
    pub weights: HealthWeights,
    pub churn_by_group: Option<ChurnTable>,
    pub churn_by_segment: Option<ChurnTable>,
    pub revenue: Option<RevenueSplit>,
    pub aov: Option<AovByTenure>,
}

/// The orders of the log at `path` for the indicators (a Parquet log for a `.parquet` path,
/// with the `parquet` feature, else text): with amounts when `amount_column` is given.
pub fn read_orders(
    path: &Path,
    layout: &TransactionLogOptions,
    amount_column: Option<&str>,
    observation_end: Option<NaiveDate>,
) -> Result<OrderLog, Failure> {
    let mut options = layout.clone();
    if let Some(col) = amount_column {
        options = options.amount(crate::args::column(col));
    }
    let context = format!("reading {}", path.display());
    crate::paths::parquet_supported(path)?;
    #[cfg(feature = "parquet")]
    if crate::paths::is_parquet(path) {
        let table = TransactionTable::from_parquet_path(path, &options).context(&context)?;
        return OrderLog::from_table(&table, observation_end).context(context);
    }
    let bytes = std::fs::read(path).context(&context)?;
    OrderLog::read(&bytes[..], &options, observation_end).context(context)
}

/// Computes the indicators of the customers of `scores`; `groups` are the cohorts (or
/// attribute groups) for churn, `attributes` the file of the --health-column values.
#[allow(clippy::too_many_arguments)]
pub fn compute(
    a: &IndicatorArgs,
    scores: &ValueTable,
    view: &ScoreView<'_>,
    segmentation: &Segmentation,
    orders: Option<&OrderLog>,
    groups: Option<&GroupLabels>,
    cohort_period: CohortPeriod,
    attributes: Option<&Path>,
) -> Result<Indicators, Failure> {
    let by = match a.tiers_by {
        TierByArg::Share => TierBy::Share,
        TierByArg::Amount => TierBy::Amount,
    };
    let tier_options = TierOptions::parse(&a.tiers, by).context("--tiers")?;
    let tiers = loyalty_tiers(view, &tier_options).context("loyalty tiers")?;
    let weights = a.weights()?;
    let columns = a
        .health_column
        .iter()
        .map(|c| name_values(c, "--health-column").map(|mut v| v.remove(0)))
        .collect::<Result<Vec<_>, _>>()?;
    let extra = match (attributes, columns.is_empty()) {
        (_, true) => Vec::new(),
        (Some(file), false) => read_extra_columns(file, &scores.ids, &columns)
            .context(format!("reading {}", file.display()))?,
        (None, false) => {
            return Err(Failure::new(
                "--health-column needs the --attributes FILE that holds the column",
            ))
        }
    };
    let health = health_scores(scores, a.horizon, &weights, &extra).context("health score")?;
    let segment_labels = segment_groups(segmentation);
    let health_by_segment =
        health_by_group(&health, &segment_labels).context("health score per segment")?;
    let (mut churn_by_group, mut churn_by_segment, mut revenue, mut aov) = (None, None, None, None);
    if let Some(log) = orders {
        let cohorts = match groups {
            Some(g) => g.clone(),
            None => {
                let history = log.purchase_history().context("purchase history")?;
                calendar_cohorts(&scores.ids, &history, cohort_period).context("churn cohorts")?
            }
        };
        churn_by_group =
            Some(churn_table(view, &cohorts, log, &ChurnOptions::default()).context("churn")?);
        let any_observed = ChurnOptions {
            min_observed_share: f64::MIN_POSITIVE,
            ..ChurnOptions::default()
        };
        churn_by_segment = Some(
            churn_table(view, &segment_labels, log, &any_observed).context("churn by segment")?,
        );
        if log.has_amounts() {
            let period = a.revenue_period.into();
            revenue = Some(revenue_split(log, period).context("revenue split")?);
            aov = Some(aov_by_tenure(log, cohort_period).context("order value")?);
        }
    }
    Ok(Indicators {
        tiers,
        health,
        health_by_segment,
        weights,
        churn_by_group,
        churn_by_segment,
        revenue,
        aov,
    })
}

impl Indicators {
    /// Replaces the ids of the per-customer tables by pseudonyms.
    pub fn pseudonymize(&mut self, p: &Pseudonymizer) {
        p.apply(&mut self.tiers.ids);
        p.apply(&mut self.health.ids);
    }

    /// Prints every table.
    pub fn print(&self, grouping: &str) {
        if let Some(c) = &self.churn_by_group {
            say!(
                "Churn by {grouping}, observed and model:\n\n{}",
                c.to_table_string()
            );
        }
        if let Some(c) = &self.churn_by_segment {
            say!(
                "Churn by segment, observed and model:\n\n{}",
                c.to_table_string()
            );
        }
        if let Some(r) = &self.revenue {
            say!(
                "Revenue from existing and new customers:\n\n{}",
                r.to_table_string()
            );
        }
        if let Some(v) = &self.aov {
            say!("Average order value by tenure:\n\n{}", v.to_table_string());
        }
        say!(
            "Loyalty tiers by predicted CLV:\n\n{}",
            self.tiers.to_table_string()
        );
        say!(
            "Health score (0-100) by segment:\n\n{}",
            self.health_by_segment.to_table_string()
        );
    }

    /// Writes every table into `dir`, returning the paths written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, Failure> {
        let mut written = Vec::new();
        let mut write = |name: &str, w: &dyn Fn(&Path) -> clv::Result<()>| {
            let path = dir.join(name);
            w(&path).context(format!("writing {}", path.display()))?;
            written.push(path);
            Ok::<_, Failure>(())
        };
        write("tiers.csv", &|p| self.tiers.write_csv(p))?;
        write("customer_tiers.csv", &|p| self.tiers.write_customers_csv(p))?;
        write("health.csv", &|p| self.health.write_csv(p))?;
        write("health_by_segment.csv", &|p| {
            self.health_by_segment.write_csv(p)
        })?;
        if let Some(c) = &self.churn_by_group {
            write("churn_by_cohort.csv", &|p| c.write_csv(p))?;
        }
        if let Some(c) = &self.churn_by_segment {
            write("churn_by_segment.csv", &|p| c.write_csv(p))?;
        }
        if let Some(r) = &self.revenue {
            write("revenue.csv", &|p| r.write_csv(p))?;
        }
        if let Some(v) = &self.aov {
            write("aov.csv", &|p| v.write_csv(p))?;
            write("aov_by_tenure.csv", &|p| v.write_tenure_csv(p))?;
        }
        Ok(written)
    }

    /// The report sections.
    pub fn sections(&self) -> Result<Vec<Section>, Failure> {
        let mut s = Vec::new();
        if let Some(c) = &self.churn_by_group {
            s.push(indicators::churn(c, self.churn_by_segment.as_ref()).context("churn section")?);
        }
        if let Some(r) = &self.revenue {
            s.push(indicators::revenue(r).context("revenue section")?);
        }
        if let Some(v) = &self.aov {
            s.push(indicators::order_value(v).context("order value section")?);
        }
        s.push(indicators::tiers(&self.tiers));
        let extras: Vec<String> = self.health.extras.iter().map(|e| e.0.clone()).collect();
        s.push(indicators::health(
            &self.health_by_segment,
            &self.weights,
            &extras,
        ));
        Ok(s)
    }
}

/// The indicator sections of `clv report`, with default options: churn against the log cut
/// at `score_end` (the end the scores were computed at), revenue and order value over the
/// whole log to `log_end`. Writes their CSV files into `dir` and lists them in `files`.
#[allow(clippy::too_many_arguments)]
pub fn report_sections(
    scores: &ValueTable,
    log: &TransactionTable,
    score_end: Option<NaiveDate>,
    log_end: Option<NaiveDate>,
    horizon: Duration,
    dir: &Path,
    files: &mut Vec<String>,
) -> Result<Vec<Section>, Failure> {
    let view = ScoreView::from_value_table(scores).context("indicators")?;
    let segmentation =
        segment_customers(&view, &SegmentOptions::default()).context("indicators")?;
    let whole = OrderLog::from_table(log, log_end).context("reading the log")?;
    let churn_log = match score_end {
        Some(end) => whole.up_to(end).context("the log up to the scores' end")?,
        None => whole.clone(),
    };
    let mut args = IndicatorArgs::defaults();
    args.horizon = horizon;
    let mut ind = compute(
        &args,
        scores,
        &view,
        &segmentation,
        Some(&churn_log),
        None,
        CohortPeriod::Month,
        None,
    )?;
    if whole.has_amounts() {
        ind.revenue = Some(revenue_split(&whole, CohortPeriod::Quarter).context("revenue")?);
        ind.aov = Some(aov_by_tenure(&whole, CohortPeriod::Month).context("order value")?);
    }
    for p in ind.write(dir)? {
        if let Some(name) = p.file_name() {
            files.push(format!("{}: an indicator table", name.to_string_lossy()));
        }
    }
    ind.sections()
}

impl IndicatorArgs {
    /// The defaults of the command line.
    fn defaults() -> Self {
        IndicatorArgs {
            amount_column: None,
            revenue_period: CohortPeriodArg::Quarter,
            tiers: "Platinum=5%,Gold=15%,Silver=30%,Standard".into(),
            tiers_by: TierByArg::Share,
            horizon: Duration::months(12.0),
            health_weights: "alive=0.4,recency=0.3,expected=0.3".into(),
            health_column: Vec::new(),
            pseudonymize: None,
            pseudonymize_key_file: None,
        }
    }
}
