//! `clv report`: from a transaction log to a model report in one command.

use std::path::{Path, PathBuf};

use chrono::Days;
use clap::Args;
use clv::analysis::{
    calendar_cohorts, cohort_table, segment_customers, CohortOptions, CohortPeriod,
    PurchaseHistory, ScoreView, SegmentOptions,
};
use clv::data::transactions::{
    DateFormat, NaiveDate, Summary, TransactionLogOptions, TransactionTable,
};
use clv::report::intervals::HoldoutPredictive;
use clv::report::tracking::{tracking_band, tracking_from_table, TrackingBand};
use clv::report::{sections, Report, Section};
use clv::value::interval::{GroupTotals, Predictive, TotalInterval};
use clv::value::{value_table, ClvConfig, Discount, ValueTable};

use crate::args::{LogArgs, ValueArgs};
use clv::fit::compare::{compare_models, Comparison};
use clv::fit::{fit_kind, Fitted};
use clv::models::{AnyPurchaseModel, PurchaseModel, PurchaseModelKind};

use crate::commands::{
    fit_spend, print_fit, print_top, write_calibration_holdout, OptimizerArgs, SpendModelName,
};
use crate::failure::{Context, Failure};
use crate::model_file::{ModelFile, FORMAT};
use crate::progress::Progress;
use crate::segment_cmd::{cohorts_section, segments_section};

/// The CDNOW sample (Fader, Hardie & Lee 2005): 2,357 customers of the Q1 1997 cohort,
/// 6,919 transactions to 1998-06-30.
const CDNOW_SAMPLE: &[u8] = include_bytes!("../../../data/CDNOW_sample.txt");

/// `clv report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Transaction log, text or (a name ending in .parquet) Parquet; see `clv summarize --help`
    /// for its options. Without it, the CDNOW
    /// sample embedded in the binary: 2,357 customers first seen in Q1 1997, calibration to
    /// 1997-09-30 (39 weeks), holdout to 1998-06-30; its layout options are then fixed.
    pub transactions: Option<PathBuf>,
    /// Output directory: index.html, one SVG per plot, rfm.csv, model.json, scores.csv, and
    /// segments.csv, customer_segments.csv and cohorts.csv.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    #[command(flatten)]
    pub log: LogArgs,
    #[command(flatten)]
    pub value: ValueArgs,
    #[command(flatten)]
    pub fit: OptimizerArgs,
    /// Purchase model: a registered key (bgnbd, mbgnbd, ...), or `auto` to fit every model,
    /// compare them (log-likelihood, AIC, BIC and, with a calibration end, holdout errors),
    /// print and write the comparison (comparison.csv), overlay them on the plots, and score
    /// customers with the one chosen: the smallest holdout RMSE per customer, or the smallest
    /// BIC without a holdout.
    #[arg(long, default_value = "bgnbd", value_parser = parse_choice)]
    pub model: ModelChoice,
    /// Number of customers in the top-customers table.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Level of the prediction intervals the report shows (the holdout total and each
    /// customer's holdout purchases against theirs, the band on the tracking plot, the total
    /// CLV of the base, of each segment and of each cohort), in (0, 1).
    #[arg(long, default_value_t = 0.9, value_name = "LEVEL")]
    pub interval: f64,
    /// Leave the prediction intervals out.
    #[arg(long)]
    pub no_intervals: bool,
}

impl ReportArgs {
    /// The interval level, `None` with `--no-intervals`.
    fn interval_level(&self) -> Result<Option<f64>, Failure> {
        if self.no_intervals {
            return Ok(None);
        }
        if !(self.interval > 0.0 && self.interval < 1.0) {
            return Err(Failure::new(format!(
                "--interval {}: an interval's level must be in (0, 1), e.g. 0.9",
                self.interval
            )));
        }
        Ok(Some(self.interval))
    }
}

/// `--model`: one registered model, or all of them compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChoice {
    /// Fit and report this model.
    One(PurchaseModelKind),
    /// Fit every registered model and choose on evidence.
    Auto,
}

fn parse_choice(s: &str) -> Result<ModelChoice, String> {
    if s.eq_ignore_ascii_case("auto") {
        return Ok(ModelChoice::Auto);
    }
    crate::commands::parse_model(s).map(ModelChoice::One)
}

/// The purchase fits of a report: the one scored first, then the others to overlay.
struct PurchaseFits {
    fits: Vec<Fitted<AnyPurchaseModel>>,
    comparison: Option<Comparison>,
}

impl PurchaseFits {
    fn chosen(&self) -> &Fitted<AnyPurchaseModel> {
        &self.fits[0]
    }
    fn models(&self) -> Vec<&dyn PurchaseModel> {
        self.fits
            .iter()
            .map(|f| &f.model as &dyn PurchaseModel)
            .collect()
    }
}

/// Fits the model `--model` asks for, or all of them compared.
fn fit_purchases(
    a: &ReportArgs,
    summary: &Summary,
    progress: &Progress,
) -> Result<PurchaseFits, Failure> {
    let table = &summary.table;
    let options = a.fit.options();
    match a.model {
        ModelChoice::One(kind) => {
            progress.step(format!(
                "fitting {} to {} customers",
                kind.name(),
                table.len()
            ));
            let fit = fit_kind(kind, table, &options).context(format!("{} fit", kind.name()))?;
            Ok(PurchaseFits {
                fits: vec![fit],
                comparison: None,
            })
        }
        ModelChoice::Auto => {
            progress.step(format!(
                "fitting {} purchase models to {} customers",
                PurchaseModelKind::ALL.len(),
                table.len()
            ));
            let holdout = summary
                .holdout
                .as_ref()
                .map(|h| (h.purchases.view(), h.duration));
            let c = compare_models(table, PurchaseModelKind::ALL, &options, holdout)
                .context("model comparison")?;
            let mut fits = vec![c.chosen_fit().clone()];
            for (i, cand) in c.candidates.iter().enumerate() {
                if let (Ok(f), true) = (&cand.fit, i != c.chosen) {
                    fits.push(f.clone());
                }
            }
            Ok(PurchaseFits {
                fits,
                comparison: Some(c),
            })
        }
    }
}

/// Prints the comparison, writes comparison.csv and returns the report section.
fn comparison_output(c: &Comparison, dir: &Path) -> Result<Section, Failure> {
    let (header, rows) = c.table();
    say!("model comparison:");
    let widths: Vec<usize> = (0..header.len())
        .map(|j| {
            rows.iter()
                .map(|r| r[j].len())
                .fold(header[j].len(), usize::max)
        })
        .collect();
    for r in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        say!("  {}", cells.join(" ").trim_end());
    }
    say!("chosen: {}", c.reason);
    let path = dir.join("comparison.csv");
    clv::io::write_atomically(&path, |w| {
        let mut wtr = csv::Writer::from_writer(w);
        wtr.write_record(&header)?;
        for r in &rows {
            wtr.write_record(r)?;
        }
        wtr.flush().map_err(|e| clv::Error::io(&path, e))
    })
    .context(format!("writing {}", path.display()))?;
    Ok(
        Section::new("model-comparison", "Which model? Comparison on evidence")
            .paragraph(format!(
                "Every registered purchase model fitted to the calibration period. Chosen: {}. \
             The plots below overlay the models (the chosen one first).",
                c.reason
            ))
            .table(header, rows),
    )
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn midnight(d: NaiveDate) -> chrono::NaiveDateTime {
    d.and_hms_opt(0, 0, 0).expect("midnight")
}

/// Where the log is: text in memory, or a Parquet file read in `parse`.
enum Source {
    Text(Vec<u8>),
    #[cfg(feature = "parquet")]
    Parquet(PathBuf),
}

/// A `.parquet` log is read as Parquet (refused without the `parquet` feature), any other as
/// text.
fn source(path: &Path) -> Result<Source, Failure> {
    crate::paths::parquet_supported(path)?;
    #[cfg(feature = "parquet")]
    if crate::paths::is_parquet(path) {
        return Ok(Source::Parquet(path.to_path_buf()));
    }
    Ok(Source::Text(crate::paths::read_input(path)?))
}

/// The log, how to read it, its name, and the calibration and observation ends.
struct Input {
    source: Source,
    options: TransactionLogOptions,
    name: String,
    calibration_end: Option<NaiveDate>,
    observation_end: Option<NaiveDate>,
}

fn input(a: &ReportArgs) -> Result<Input, Failure> {
    match &a.transactions {
        Some(path) => Ok(Input {
            source: source(path)?,
            options: a.log.options()?,
            name: crate::paths::shown(path),
            calibration_end: a.log.calibration_end,
            observation_end: a.log.observation_end,
        }),
        None => {
            // Columns: master id, sample id (1..2357), date YYYYMMDD, CDs, dollar value.
            let cal = a.log.calibration_end.unwrap_or(date(1997, 9, 30));
            let end = a.log.observation_end.unwrap_or(date(1998, 6, 30));
            let options = TransactionLogOptions::new(1, 2)
                .amount(4)
                .whitespace()
                .no_header()
                .date_format(DateFormat::Compact)
                .unit(a.log.unit)
                .observation_end(midnight(end))
                .first_purchase_between(midnight(date(1997, 1, 1)), midnight(date(1997, 3, 31)));
            Ok(Input {
                source: Source::Text(CDNOW_SAMPLE.to_vec()),
                options,
                name: "the CDNOW sample (embedded; Fader, Hardie & Lee 2005)".into(),
                calibration_end: Some(cal),
                observation_end: Some(end),
            })
        }
    }
}

/// Parses the log, once: the summary, the tracking, the cohorts' purchase history and the
/// indicators' orders all come from this table (the text is let go).
fn parse(input: &mut Input) -> Result<TransactionTable, Failure> {
    let read = match std::mem::replace(&mut input.source, Source::Text(Vec::new())) {
        Source::Text(bytes) => TransactionTable::read(&bytes[..], &input.options),
        #[cfg(feature = "parquet")]
        Source::Parquet(path) => TransactionTable::from_parquet_path(&path, &input.options),
    };
    read.context(format!("reading {}", input.name))
}

/// Summarises the log, keeping every transaction if it is out of order.
fn summarize(input: &Input, log: &TransactionTable) -> Result<Summary, Failure> {
    let cal = input.calibration_end.map(midnight);
    log.summary(cal).context(format!("reading {}", input.name))
}

pub fn report(a: &ReportArgs, progress: &Progress) -> Result<(), Failure> {
    let log: Vec<&Path> = a.transactions.iter().map(PathBuf::as_path).collect();
    crate::report_dir::refuse_inputs(&a.output, &log)?;
    let level = a.interval_level()?;
    let mut input = input(a)?;
    let config = a.value.config()?;
    progress.step(format!("summarising {}", input.name));
    let log = parse(&mut input)?;
    let summary = summarize(&input, &log)?;
    let table = &summary.table;
    let unit = table.unit();
    let purchases = fit_purchases(a, &summary, progress)?;
    let spend = fit_spend(table, SpendModelName::Auto, &a.fit.options(), progress)?;
    let purchase = purchases.chosen();
    for f in &purchases.fits {
        print_fit(f.model.name(), &f.report, Some(unit));
    }
    if let Some(s) = &spend {
        print_fit("Gamma-Gamma", &s.report, None);
        if let Some(note) = crate::notes::zero_spend(table) {
            say!("  {note}");
        }
    }
    let models = purchases.models();

    crate::report_dir::prepare(&a.output)?;
    let rfm_path = a.output.join("rfm.csv");
    match &summary.holdout {
        Some(h) => write_calibration_holdout(&rfm_path, table, h)?,
        None => table
            .write_csv(&rfm_path)
            .context(format!("writing {}", rfm_path.display()))?,
    }
    crate::unit_file::write(&rfm_path, unit)?;
    let model_file = ModelFile {
        format: FORMAT.into(),
        purchase: purchase.clone(),
        spend: spend.clone(),
        fitted_on: "rfm.csv".into(),
    };
    model_file.write(&a.output.join("model.json"))?;

    let mut report = Report::new(format!("Customer lifetime value report: {}", input.name));
    report.push(data_section(&input, &summary));
    if let Some(c) = &purchases.comparison {
        report.push(comparison_output(c, &a.output)?);
    }
    let fit_reports: Vec<(&dyn PurchaseModel, &clv::fit::FitReport)> = purchases
        .fits
        .iter()
        .map(|f| (&f.model as &dyn PurchaseModel, &f.report))
        .collect();
    report.push(sections::parameters(
        &fit_reports,
        spend
            .as_ref()
            .map(|s| (&s.model as &dyn clv::models::SpendModel, &s.report)),
        table,
    ));
    progress.step("model checks");
    report.push(sections::calibration_fit(&models, table)?);

    if let (Some(h), Some(cal)) = (&summary.holdout, input.calibration_end) {
        let max_age = table.age().iter().fold(0.0f64, |m, &v| m.max(v));
        let origin = cal - Days::new((max_age * unit.days()).round() as u64);
        let end = input
            .observation_end
            .unwrap_or(cal + Days::new((h.duration.in_unit(clv::TimeUnit::Days)).round() as u64));
        progress.step("tracking repeat transactions week by week");
        let tracking =
            tracking_from_table(&log, origin, cal, end, unit).context("tracking plot")?;
        progress.step("model checks");
        let how_sure =
            level.map(|level| holdout_intervals(&purchases, table, h, &tracking, level, progress));
        let band = how_sure.as_ref().and_then(|s| s.band.as_ref());
        let (section, comparison) = sections::holdout(
            &models,
            table,
            h.purchases.view(),
            h.duration,
            Some(&tracking),
            band,
        )?;
        report.push(section);
        if let Some(s) = how_sure {
            report.push(s.section);
        }
        progress.println(format!(
            "holdout ({:.1} {unit}): {:.0} purchases, {:.1} expected ({:+.2}%), MAE per customer {:.3}",
            h.duration.in_unit(unit),
            comparison.total_actual,
            comparison.total_expected,
            100.0 * comparison.aggregate_error(),
            comparison.mae
        ));
    }
    report.push(sections::rfm_matrices(
        &purchase.model,
        table,
        config.horizon,
    )?);

    let mut files = vec![
        "index.html: this report".to_string(),
        "rfm.csv: the customer table the models were fitted on".into(),
    ];
    match &spend {
        Some(s) => {
            progress.step(format!("scoring {} customers", table.len()));
            let scores = value_table(&purchase.model, &s.model, table, &config).context("scoring")?;
            let scores_path = a.output.join("scores.csv");
            scores.write_csv(&scores_path).context(format!("writing {}", scores_path.display()))?;
            report.push(sections::value_distribution(&scores, &config)?);
            report.push(sections::top_customers(&scores, a.top, unit));
            files.push("scores.csv: every customer's P(alive), expected purchases, expected spend and CLV".into());
            let mut clv_interval = String::new();
            let value_intervals = level
                .map(|level| value_predictive(purchase, s, table, &config, level, progress));
            let (predictive, why_not) = match value_intervals {
                Some(Ok(p)) => (Some(p), None),
                Some(Err(e)) => (None, Some(e)),
                None => (None, None),
            };
            if let Some(p) = &predictive {
                let total = p.total(None);
                if let Some(clv) = &total.clv {
                    report.push(value_interval_section(clv, &config));
                    clv_interval = format!(
                        ", {:.0}% interval {}",
                        100.0 * clv.level,
                        clv::report::intervals::interval_text(clv, 2)
                    );
                }
            }
            if let Some(e) = why_not {
                report.push(Section::new("value-interval", "How sure? The value of the base").paragraph(
                    format!("No value intervals: {e}"),
                ));
            }
            progress.step("segments and cohorts");
            for section in segments_and_cohorts(&scores, &input, &log, predictive.as_ref(), &a.output, &mut files)? {
                report.push(section);
            }
            let score_end = input.calibration_end.or(input.observation_end);
            for section in crate::indicators::report_sections(
                &scores, &log, score_end, input.observation_end,
                config.horizon, &a.output, &mut files,
            )? {
                report.push(section);
            }
            progress.println(format!(
                "total CLV over {}: {:.2}{clv_interval}; top customers:",
                config.horizon,
                scores.total_clv()
            ));
            progress.suspend(|| print_top(&scores, 5.min(a.top)));
        }
        None => report.push(Section::new("value", "Customer lifetime value").paragraph(
            "The log has no amount column (--amount-column), so there is no spend model and no CLV.",
        )),
    }
    files.push("model.json: the fitted models (for `clv predict`)".into());
    let plots: Vec<String> = report.plots().map(|p| format!("{}.svg", p.name)).collect();
    files.push(format!("{}: the plots", plots.join(", ")));
    let mut files_section = Section::new("files", "Files in this directory");
    for f in files {
        files_section = files_section.paragraph(f);
    }
    report.push(files_section);

    progress.step("writing the report");
    report
        .write(&a.output)
        .context(format!("writing the report to {}", a.output.display()))?;
    progress.finish();
    say!("wrote {}", a.output.join("index.html").display());
    Ok(())
}

/// The segment and cohort sections of the scored customers; writes segments.csv,
/// customer_segments.csv and cohorts.csv into `dir` and lists them in `files`.
fn segments_and_cohorts(
    scores: &ValueTable,
    input: &Input,
    log: &TransactionTable,
    predictive: Option<&Predictive>,
    dir: &Path,
    files: &mut Vec<String>,
) -> Result<[Section; 2], Failure> {
    let view = ScoreView::from_value_table(scores).context("segments")?;
    let options = SegmentOptions::default();
    let segmentation = segment_customers(&view, &options).context("segments")?;
    let history = PurchaseHistory::from_table(log, input.observation_end)
        .context(format!("reading {}", input.name))?;
    let cohorts = calendar_cohorts(&scores.ids, &history, CohortPeriod::Month)
        .context("acquisition cohorts")?;
    let table = cohort_table(&view, &cohorts, Some(&history), &CohortOptions::default())
        .context("acquisition cohorts")?;
    let write = |name: &str, w: &dyn Fn(&Path) -> clv::Result<()>| {
        let path = dir.join(name);
        w(&path).context(format!("writing {}", path.display()))
    };
    write("segments.csv", &|p| segmentation.summary.write_csv(p))?;
    write("customer_segments.csv", &|p| {
        segmentation.write_customers_csv(p)
    })?;
    write("cohorts.csv", &|p| table.write_csv(p))?;
    files.push(
        "segments.csv, customer_segments.csv: the segment table and each customer's segment".into(),
    );
    files.push("cohorts.csv: the acquisition cohort table".into());
    let segment_intervals = predictive.map(|p| {
        let rows = &segmentation.summary.rows;
        let labels: Vec<usize> = segmentation
            .segments
            .iter()
            .map(|s| {
                rows.iter()
                    .position(|r| r.segment == *s)
                    .unwrap_or(rows.len())
            })
            .collect();
        clv_intervals(&p.group_totals(&labels, rows.len()))
    });
    let cohort_intervals = predictive.map(|p| {
        let index: std::collections::HashMap<&str, usize> = table
            .rows
            .iter()
            .enumerate()
            .map(|(k, r)| (r.group.as_str(), k))
            .collect();
        let labels: Vec<usize> = cohorts
            .labels
            .iter()
            .map(|l| index.get(l.as_str()).copied().unwrap_or(table.rows.len()))
            .collect();
        let mut v = clv_intervals(&p.group_totals(&labels, table.rows.len()));
        v.extend(clv_intervals(&[p.total(None)]));
        v
    });
    Ok([
        segments_section(&segmentation, &options, segment_intervals.as_deref())?,
        cohorts_section(
            &table,
            history.observation_end(),
            cohort_intervals.as_deref(),
        ),
    ])
}

/// The CLV intervals of groups (present whenever the predictive has a spend model).
fn clv_intervals(groups: &[GroupTotals]) -> Vec<TotalInterval> {
    groups.iter().filter_map(|g| g.clv).collect()
}

/// The holdout intervals of every fitted model, and the chosen one's tracking band.
struct HowSure {
    section: Section,
    band: Option<TrackingBand>,
}

/// The predictive distributions of the holdout purchases of each fitted model, laid out as the
/// report's interval section; a model whose intervals cannot be built is named with the reason.
fn holdout_intervals(
    purchases: &PurchaseFits,
    table: &clv::CustomerTable,
    h: &clv::data::transactions::Holdout,
    tracking: &clv::report::sections::TrackingActual,
    level: f64,
    progress: &Progress,
) -> HowSure {
    progress.step("holdout prediction intervals");
    let config = ClvConfig::new(h.duration, h.duration, Discount::None, 1.0);
    let mut built = Vec::new();
    let mut failures = Vec::new();
    for f in &purchases.fits {
        let p = match &config {
            Ok(c) => Predictive::new(f, table, c, level).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match p {
            Ok(p) => built.push((f.model.name(), p)),
            Err(e) => failures.push(format!("{}: no intervals ({e}).", f.model.name())),
        }
    }
    let views: Vec<HoldoutPredictive<'_>> = built
        .iter()
        .map(|(model, predictive)| HoldoutPredictive { model, predictive })
        .collect();
    let mut section = if views.is_empty() {
        Section::new(
            "holdout-intervals",
            "How sure? The holdout against its intervals",
        )
    } else {
        match clv::report::intervals::holdout_intervals(
            &views,
            h.purchases.view(),
            h.duration,
            table.unit(),
        ) {
            Ok(s) => s,
            Err(e) => Section::new(
                "holdout-intervals",
                "How sure? The holdout against its intervals",
            )
            .paragraph(format!("No holdout intervals: {e}")),
        }
    };
    for f in failures {
        section = section.paragraph(f);
    }
    if let Some((model, p)) = built.first() {
        let t = p.total(None).purchases;
        let actual = h.purchases.sum();
        progress.println(format!(
            "holdout {:.0}% interval ({model}): {} ({:.0} actual, {})",
            100.0 * level,
            clv::report::intervals::interval_text(&t, 1),
            actual,
            if t.contains(actual) {
                "inside"
            } else {
                "outside"
            }
        ));
    }
    let band = match tracking_band(purchases.chosen(), table, tracking, level) {
        Ok(b) => Some(b),
        Err(e) => {
            section = section.paragraph(format!("No band on the tracking plot: {e}"));
            None
        }
    };
    HowSure { section, band }
}

/// The predictive distributions of the scored customers' purchases and CLV.
fn value_predictive(
    purchase: &Fitted<AnyPurchaseModel>,
    spend: &Fitted<clv::models::GammaGamma>,
    table: &clv::CustomerTable,
    config: &ClvConfig,
    level: f64,
    progress: &Progress,
) -> clv::Result<Predictive> {
    progress.step(format!(
        "value prediction intervals of {} customers",
        table.len()
    ));
    Predictive::new(purchase, table, config, level)?.with_spend(spend, table)
}

/// The interval of the base's total CLV.
fn value_interval_section(clv: &TotalInterval, config: &ClvConfig) -> Section {
    Section::new("value-interval", "How sure? The value of the base").paragraph(format!(
        "Total CLV over {}: {:.2}, {:.0}% prediction interval {} (standard deviation {:.2}, of \
         which {:.2} from the uncertainty of the fitted parameters, which every customer shares \
         and which therefore does not average out over a large base). The segment and cohort \
         tables below give the same interval for each group's total.",
        config.horizon,
        clv.expected,
        100.0 * clv.level,
        clv::report::intervals::interval_text(clv, 2),
        clv.sd,
        clv.parameter_sd
    ))
}

fn data_section(input: &Input, summary: &Summary) -> Section {
    let t = &summary.table;
    let st = summary.stats;
    let unit = t.unit();
    let n = t.total_weight();
    let repeat: f64 = (0..t.len())
        .filter(|&i| t.frequency()[i] > 0.0)
        .map(|i| t.weight(i))
        .sum();
    let repeats: f64 = (0..t.len()).map(|i| t.weight(i) * t.frequency()[i]).sum();
    let max_age = t.age().iter().fold(0.0f64, |m, &v| m.max(v));
    let mut rows = vec![
        vec!["transactions read".to_string(), st.transactions.to_string()],
        vec!["customers in the table".into(), format!("{n:.0}")],
        vec![
            "customers with repeat purchases".into(),
            format!("{repeat:.0} ({:.1}%)", 100.0 * repeat / n),
        ],
        vec![
            "repeat purchases in the calibration period".into(),
            format!("{repeats:.0}"),
        ],
        vec![
            "longest observation T".into(),
            format!("{max_age:.2} {unit}"),
        ],
        vec![
            "left out: outside the cohort".into(),
            st.outside_cohort.to_string(),
        ],
        vec![
            "left out: first seen at the end".into(),
            st.first_seen_at_end.to_string(),
        ],
    ];
    if t.monetary_value().is_some() {
        rows.push(vec![
            "repeat customers with a mean spend of 0 (left out of the Gamma-Gamma fit; expected spend: the population mean)".into(),
            format!("{:.0}", clv::data::repeat_customers_without_spend(t)),
        ]);
    }
    if st.refunds_dropped > 0 {
        rows.push(vec![
            "refunds left out".into(),
            st.refunds_dropped.to_string(),
        ]);
    }
    if let Some(cal) = input.calibration_end {
        rows.push(vec!["calibration period ends".into(), cal.to_string()]);
    }
    if let Some(end) = input.observation_end {
        rows.push(vec!["observation ends".into(), end.to_string()]);
    }
    if let Some(h) = &summary.holdout {
        rows.push(vec![
            "holdout length".into(),
            format!("{:.2} {unit}", h.duration.in_unit(unit)),
        ]);
    }
    Section::new("data", "Data")
        .paragraph(format!(
            "Source: {}. Purchases of a customer on the same {} count as one; frequency is the number of \
             repeat purchases, recency the age at the last one, T the age at the end of the calibration \
             period, all in {unit}.",
            input.name,
            match input.options.summary.period {
                clv::data::transactions::Period::Hour => "hour",
                clv::data::transactions::Period::Day => "day",
                clv::data::transactions::Period::Week => "week",
            }
        ))
        .table(vec!["figure".into(), "value".into()], rows)
}
