//! `clv summarize`, `clv fit`, `clv predict` and `clv simulate`.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use clv::data::transactions::{summarize_csv_detailed, Holdout, Summary};
use clv::fit::{FitData, FitOptions, Fitted};
use clv::io::format_significant;
use clv::models::{BgNbd, GammaGamma, PurchaseModel, PurchaseModelKind};
use clv::simulate::{Ages, Population, Recording};
use clv::value::{value_table, write_scores, ValueTable};
use clv::{CustomerTable, Duration, TimeUnit};

use crate::args::{parse_date, parse_duration, parse_numbers, LogArgs, RfmArgs, ValueArgs};
use crate::failure::{Context, Failure};
use crate::model_file::{ModelFile, FORMAT};
use crate::paths;
use crate::progress::Progress;

/// `clv summarize`.
#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// Transaction log (CSV, or whitespace-separated with `--separator whitespace`, or Parquet
    /// for a name ending in .parquet, where the separator and header options do not apply and
    /// errors count data rows from 1): one row per order with a customer id, a date and
    /// optionally an amount.
    pub transactions: PathBuf,
    /// Output RFM CSV, or Parquet for a name ending in .parquet (lifetimes' columns
    /// customer_id, frequency, recency, T[, monetary_value]; with --calibration-end:
    /// frequency_cal, recency_cal, T_cal[, monetary_value_cal], frequency_holdout[,
    /// monetary_value_holdout], duration_holdout).
    #[arg(short, long, value_name = "RFM")]
    pub output: PathBuf,
    #[command(flatten)]
    pub log: LogArgs,
}

/// Summarises a log, with its calibration/holdout split if asked.
pub fn summarize_log(path: &Path, log: &LogArgs) -> Result<Summary, Failure> {
    let options = log.options()?;
    let calibration_end = log
        .calibration_end
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight"));
    if paths::is_standard(path) {
        let bytes = paths::read_input(path)?;
        return paths::summarize_bytes(&bytes, &options, calibration_end, "standard input");
    }
    paths::parquet_supported(path)?;
    #[cfg(feature = "parquet")]
    if paths::is_parquet(path) {
        return clv::data::parquet::summarize_parquet_detailed(path, &options, calibration_end)
            .context(format!("reading {}", path.display()));
    }
    summarize_csv_detailed(path, &options, calibration_end)
        .context(format!("reading {}", path.display()))
}

/// Writes a customer table as Parquet for a `.parquet` output (with the `parquet` feature),
/// else as CSV.
fn write_table(table: &CustomerTable, output: &Path) -> clv::Result<()> {
    #[cfg(feature = "parquet")]
    if paths::is_parquet(output) {
        return table.write_parquet(output);
    }
    table.write_csv(output)
}

pub fn summarize(a: &SummarizeArgs, progress: &Progress) -> Result<(), Failure> {
    paths::refuse_input_as_output(&a.output, &[&a.transactions])?;
    paths::parquet_supported(&a.output)?;
    progress.step(format!("summarising {}", paths::shown(&a.transactions)));
    let s = summarize_log(&a.transactions, &a.log)?;
    match &s.holdout {
        Some(h) => write_calibration_holdout(&a.output, &s.table, h)?,
        None => {
            write_table(&s.table, &a.output).context(format!("writing {}", a.output.display()))?
        }
    }
    crate::unit_file::write(&a.output, s.table.unit())?;
    progress.finish();
    let st = s.stats;
    say!(
        "{} transactions read, {} customers in the table ({} outside the cohort, {} first seen in the last period, {} transactions after the observation end ignored)",
        st.transactions, st.customers, st.outside_cohort, st.first_seen_at_end, st.after_observation_end
    );
    if st.refunds_dropped > 0 {
        say!("{} refunds (negative amounts) left out", st.refunds_dropped);
    }
    if let Some(note) = crate::notes::zero_spend(&s.table) {
        say!("{note}");
    }
    if let Some(h) = &s.holdout {
        say!(
            "holdout: {:.2} {} with {} purchases",
            h.duration.amount,
            h.duration.unit,
            h.purchases.sum()
        );
    }
    say!("wrote {} (times in {})", a.output.display(), s.table.unit());
    Ok(())
}

/// Writes a calibration/holdout RFM file with lifetimes' `calibration_and_holdout_data` names,
/// as Parquet for a `.parquet` path (with the `parquet` feature), else as CSV.
pub fn write_calibration_holdout(
    path: &Path,
    table: &CustomerTable,
    h: &Holdout,
) -> Result<(), Failure> {
    #[cfg(feature = "parquet")]
    if paths::is_parquet(path) {
        return h
            .write_parquet(table, path)
            .context(format!("writing {}", path.display()));
    }
    h.write_csv(table, path)
        .context(format!("writing {}", path.display()))
}

/// Parses `--model KEY` into a registered purchase model.
pub fn parse_model(s: &str) -> Result<PurchaseModelKind, String> {
    s.parse().map_err(|e: clv::Error| e.to_string())
}

/// Spend models `clv fit` can fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpendModelName {
    /// Gamma-Gamma when the file has monetary values, none otherwise.
    Auto,
    /// Gamma-Gamma (Fader & Hardie 2013); needs a monetary_value column.
    GammaGamma,
    /// No spend model (`clv predict` then cannot compute CLV).
    None,
}

/// `clv fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// RFM CSV (as written by `clv summarize`).
    pub rfm: PathBuf,
    /// Output model file (JSON).
    #[arg(short, long, value_name = "MODEL.json")]
    pub output: PathBuf,
    #[command(flatten)]
    pub rfm_args: RfmArgs,
    /// Purchase and dropout model: bgnbd (BG/NBD), mbgnbd (MBG/NBD), pareto-nbd (Pareto/NBD)
    /// where registered (the registry: `clv::models::PurchaseModelKind`).
    #[arg(long, default_value = "bgnbd", value_parser = parse_model)]
    pub model: PurchaseModelKind,
    /// Spend model.
    #[arg(long, value_enum, default_value_t = SpendModelName::Auto)]
    pub spend_model: SpendModelName,
    #[command(flatten)]
    pub fit: OptimizerArgs,
}

/// Optimiser options.
#[derive(Debug, Clone, Args)]
pub struct OptimizerArgs {
    /// L2 penalty on the parameters (lifetimes' penalizer_coef); 0 for plain maximum likelihood.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true, value_parser = crate::args::parse_non_negative)]
    pub penalizer: f64,
    /// Maximum number of L-BFGS iterations.
    #[arg(long, default_value_t = 1000)]
    pub max_iters: u64,
}

impl OptimizerArgs {
    pub fn options(&self) -> FitOptions {
        FitOptions::default()
            .penalizer(self.penalizer)
            .max_iters(self.max_iters)
    }
}

/// The spend model `spend_model` says, fitted to `table`.
pub fn fit_spend(
    table: &CustomerTable,
    spend_model: SpendModelName,
    options: &FitOptions,
    progress: &Progress,
) -> Result<Option<Fitted<GammaGamma>>, Failure> {
    let spend = match spend_model {
        SpendModelName::None => None,
        SpendModelName::Auto if table.monetary_value().is_none() => None,
        _ => {
            progress.step("fitting Gamma-Gamma");
            Some(GammaGamma::fit(table, options).context("Gamma-Gamma fit")?)
        }
    };
    Ok(spend)
}

/// Significant digits of the parameter table (scientific notation for tiny and huge values).
const PARAM_DIGITS: usize = 5;

pub fn print_fit(name: &str, report: &clv::fit::FitReport, unit: Option<TimeUnit>) {
    let what = match unit {
        Some(u) => format!("{:.0} customers, times in {u}", report.n_customers),
        None => format!("{:.0} repeat customers", report.n_customers),
    };
    say!(
        "{name} ({what}): {} after {} iterations",
        report.termination,
        report.iterations
    );
    say!(
        "  {:<10} {:>12} {:>12}",
        "parameter",
        "estimate",
        "std. error"
    );
    for (i, p) in report.param_names.iter().enumerate() {
        let se = report
            .std_errors
            .as_ref()
            .and_then(|s| s.get(i).copied())
            .map_or("n/a".to_string(), |s| format_significant(s, PARAM_DIGITS));
        let estimate = format_significant(report.params[i], PARAM_DIGITS);
        say!("  {p:<10} {estimate:>12} {se:>12}");
    }
    say!("  log-likelihood {:.3}", report.log_likelihood);
}

pub fn fit(a: &FitArgs, progress: &Progress) -> Result<(), Failure> {
    paths::refuse_input_as_output(&a.output, &[&a.rfm])?;
    paths::parquet_supported(&a.rfm)?;
    // the file is read in chunks into what the fits need (its distinct histories and the
    // repeat customers' spends), never held whole
    let (chunks, warning) =
        a.rfm_args
            .chunks(&a.rfm, TimeUnit::Weeks, "the default of `clv fit`")?;
    // the fits need the numbers alone: ids are checked, not kept, and no table is built
    let data =
        FitData::from_rfm_chunks(chunks).context(format!("reading {}", paths::shown(&a.rfm)))?;
    if let Some(warning) = warning {
        eprintln!("{warning}");
    }
    let (kind, options) = (a.model, a.fit.options());
    progress.step(format!(
        "fitting {} to {} customers ({} distinct histories)",
        kind.name(),
        data.customers(),
        data.distinct()
    ));
    let purchase = data
        .fit_kind(kind, &options)
        .context(format!("{} fit", kind.name()))?;
    let spend = match a.spend_model {
        SpendModelName::None => None,
        SpendModelName::Auto if !data.has_monetary_value() => None,
        _ => {
            progress.step("fitting Gamma-Gamma");
            Some(data.fit_spend(&options).context("Gamma-Gamma fit")?)
        }
    };
    progress.finish();
    print_fit(
        purchase.model.name(),
        &purchase.report,
        Some(purchase.model.time_unit()),
    );
    match &spend {
        Some(s) => {
            print_fit("Gamma-Gamma", &s.report, None);
            if let Some(note) =
                crate::notes::zero_spend_count(data.repeat_customers_without_spend())
            {
                say!("  {note}");
            }
        }
        None => {
            say!("no spend model (the file has no monetary_value column, or --spend-model none)")
        }
    }
    let file = ModelFile {
        format: FORMAT.into(),
        purchase,
        spend,
        fitted_on: a.rfm.display().to_string(),
    };
    file.write(&a.output)?;
    say!("wrote {}", a.output.display());
    Ok(())
}

/// `clv predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Model file written by `clv fit`.
    pub model: PathBuf,
    /// RFM CSV of the customers to score (unit: the model's unless --unit says otherwise).
    pub rfm: PathBuf,
    /// Output scores CSV: customer_id, frequency, recency, T, monetary_value, p_alive,
    /// churn_probability, expected_purchases (over the horizon), expected_spend (per purchase), clv.
    #[arg(short, long, value_name = "SCORES.csv")]
    pub output: PathBuf,
    #[command(flatten)]
    pub rfm_args: RfmArgs,
    #[command(flatten)]
    pub value: ValueArgs,
    /// How many of the most valuable customers to print.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Add prediction intervals at this level (e.g. 0.9): the columns expected_purchases_low,
    /// expected_purchases_high, clv_low, clv_high, p_alive_low, p_alive_high, with parameter
    /// and process uncertainty (the level is written beside the output, in SCORES.csv.notes),
    /// and the totals with their intervals. The table is then read whole, not streamed.
    #[arg(long, value_name = "LEVEL")]
    pub interval: Option<f64>,
}

/// Prints the top customers of a value table.
pub fn print_top(scores: &ValueTable, n: usize) {
    say!(
        "{:>12} {:>5} {:>9} {:>9} {:>8} {:>10} {:>9} {:>10}",
        "customer",
        "freq",
        "recency",
        "T",
        "P(alive)",
        "E[purch]",
        "E[spend]",
        "CLV"
    );
    for i in scores.top_by_clv(n) {
        say!(
            "{:>12} {:>5} {:>9.2} {:>9.2} {:>8.3} {:>10.3} {:>9.2} {:>10.2}",
            scores.ids[i],
            scores.frequency[i],
            scores.recency[i],
            scores.age[i],
            scores.p_alive[i],
            scores.expected_purchases[i],
            scores.expected_spend[i],
            scores.clv[i]
        );
    }
}

pub fn predict(a: &PredictArgs, progress: &Progress) -> Result<(), Failure> {
    paths::refuse_input_as_output(&a.output, &[&a.model, &a.rfm])?;
    paths::parquet_supported(&a.output)?;
    paths::parquet_supported(&a.rfm)?;
    let model = ModelFile::read(&a.model)?;
    let purchase = &model.purchase;
    let (chunks, warning) =
        a.rfm_args
            .chunks(&a.rfm, purchase.model.time_unit(), "the model's unit")?;
    let config = a.value.config()?;
    if let Some(level) = a.interval {
        if !(level > 0.0 && level < 1.0) {
            return Err(Failure::new(format!(
                "--interval {level}: an interval's level must be in (0, 1), e.g. 0.9"
            )));
        }
        let table =
            crate::intervals::collect(chunks, &format!("reading {}", paths::shown(&a.rfm)))?;
        if let Some(warning) = warning {
            eprintln!("{warning}");
        }
        return crate::intervals::predict(a, &model, &table, &config, level, progress);
    }
    let mut chunks = chunks.peekable();
    let reading = || format!("reading {}", paths::shown(&a.rfm));
    let has_spend = match chunks.peek() {
        Some(Ok(first)) => first.monetary_value().is_some(),
        _ => true,
    };
    let spend = match (&model.spend, has_spend) {
        (Some(spend), true) => spend,
        (spend, _) => {
            let why = match spend {
                None => format!("{} has no spend model", a.model.display()),
                Some(_) => format!("{} has no monetary_value column", paths::shown(&a.rfm)),
            };
            progress.finish();
            let horizon = config.horizon;
            if let Some(warning) = warning {
                eprintln!("{warning}");
            }
            return crate::purchase_scores::write(
                &purchase.model,
                chunks,
                horizon,
                &a.output,
                &why,
                &reading(),
            );
        }
    };
    progress.step(format!("scoring the customers of {}", paths::shown(&a.rfm)));
    // chunk by chunk: read, score (each distinct history once), write in input order
    let mut top: Option<ValueTable> = None;
    // chunks are read on a second thread (write_scores reads one ahead)
    let read_failed = std::sync::atomic::AtomicBool::new(false);
    let chunks =
        chunks.inspect(|c| read_failed.store(c.is_err(), std::sync::atomic::Ordering::Relaxed));
    let score = |table: &CustomerTable| value_table(&purchase.model, &spend.model, table, &config);
    let keep_top = |scores: &ValueTable| {
        let best = scores.select(&scores.top_by_clv(a.top));
        let merged = match &top {
            Some(t) => t.concat(&best),
            None => best,
        };
        top = Some(merged.select(&merged.top_by_clv(a.top)));
    };
    let done = write_scores(chunks, &a.output, score, keep_top).map_err(|e| {
        let what = if read_failed.load(std::sync::atomic::Ordering::Relaxed) {
            reading()
        } else {
            format!("scoring and writing {}", a.output.display())
        };
        Failure::new(format!("{what}: {}", Failure::from(e)))
    })?;
    progress.finish();
    if let Some(warning) = warning {
        eprintln!("{warning}");
    }
    say!(
        "{} customers scored over {} (steps of {}, discount {} per step, margin {}); total CLV {:.2}",
        done.customers,
        config.horizon,
        config.step,
        a.value.discount_rate,
        config.margin,
        done.total_clv
    );
    if let Some(top) = &top {
        print_top(top, a.top);
    }
    say!("wrote {}", a.output.display());
    Ok(())
}

/// `clv simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Number of customers.
    #[arg(long, default_value_t = 10_000)]
    pub customers: usize,
    /// Output: an RFM CSV, or with --transactions a transaction log (customer_id,date,amount).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Write the transaction log (one row per purchase day, dates from --start-date) instead
    /// of the RFM summary.
    #[arg(long)]
    pub transactions: bool,
    /// BG/NBD parameters `r,alpha,a,b` (alpha per --unit); default: the CDNOW estimates of
    /// Fader, Hardie & Lee (2005) in weeks.
    #[arg(
        long,
        default_value = "0.243,4.414,0.793,2.426",
        value_name = "R,ALPHA,A,B"
    )]
    pub bgnbd: String,
    /// Gamma-Gamma spend parameters `p,q,gamma`; default: the CDNOW estimates (Fader & Hardie 2013).
    #[arg(long, default_value = "6.25,3.74,15.44", value_name = "P,Q,GAMMA")]
    pub gamma_gamma: String,
    /// Time unit of alpha: hours, days, weeks, months or years.
    #[arg(long, default_value = "weeks")]
    pub unit: TimeUnit,
    /// Age of the oldest customer at the end of observation (`39w`, `1y`...).
    #[arg(long, default_value = "39w", value_parser = parse_duration)]
    pub max_age: Duration,
    /// Age of the youngest customer; customers are acquired uniformly in between (default: all
    /// the same age).
    #[arg(long, value_parser = parse_duration)]
    pub min_age: Option<Duration>,
    /// Record whole days (same-day purchases merged; recency and T in days), as a real log would.
    #[arg(long)]
    pub whole_days: bool,
    /// Random seed: the same seed gives the same population.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First day of the simulated calendar, for --transactions (YYYY-MM-DD).
    #[arg(long, default_value = "2024-01-01", value_parser = parse_date)]
    pub start_date: clv::data::transactions::NaiveDate,
}

pub fn simulate(a: &SimulateArgs, progress: &Progress) -> Result<(), Failure> {
    paths::refuse_input_as_output(&a.output, &[])?;
    let b = parse_numbers(&a.bgnbd, 4, "--bgnbd")?;
    let g = parse_numbers(&a.gamma_gamma, 3, "--gamma-gamma")?;
    let purchases = BgNbd::new(b[0], b[1], b[2], b[3], a.unit).context("--bgnbd")?;
    let spend = GammaGamma::new(g[0], g[1], g[2]).context("--gamma-gamma")?;
    let ages = match a.min_age {
        Some(min) => Ages::Uniform {
            min,
            max: a.max_age,
        },
        None => Ages::Fixed(a.max_age),
    };
    let recording = if a.whole_days || a.transactions {
        Recording::WholeDays
    } else {
        Recording::Continuous
    };
    let population = Population::new(a.customers, purchases, ages)
        .context("simulation")?
        .seed(a.seed)
        .spend(spend)
        .recording(recording);
    progress.step(format!("simulating {} customers", a.customers));
    if a.transactions {
        let log = population.transactions();
        let end = population.observation_end();
        let path = &a.output;
        clv::io::write_atomically(path, |w| {
            let mut wtr = csv::Writer::from_writer(w);
            wtr.write_record(["customer_id", "date", "amount"])?;
            for t in &log {
                let date = a.start_date + chrono::Days::new(t.time as u64);
                wtr.write_record([
                    t.customer.to_string(),
                    date.to_string(),
                    format!("{:.2}", t.amount),
                ])?;
            }
            wtr.flush().map_err(|e| clv::Error::io(path, e))
        })
        .context(format!("writing {}", path.display()))?;
        progress.finish();
        let last = a.start_date + chrono::Days::new(end.amount as u64);
        say!(
            "{} purchases of {} customers, {} to {} (summarise with --observation-end {last})",
            log.len(),
            a.customers,
            a.start_date,
            last
        );
    } else {
        let table = population.rfm_table().context("simulation")?;
        table
            .write_csv(&a.output)
            .context(format!("writing {}", a.output.display()))?;
        crate::unit_file::write(&a.output, table.unit())?;
        progress.finish();
        let repeat = table.frequency().iter().filter(|&&x| x > 0.0).count();
        say!(
            "{} customers ({} with repeat purchases), times in {}",
            table.len(),
            repeat,
            table.unit()
        );
    }
    say!("wrote {}", a.output.display());
    Ok(())
}
