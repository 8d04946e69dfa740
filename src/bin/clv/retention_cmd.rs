//! `clv retention`: sBG and BdW per cohort from a subscription log.

use std::path::PathBuf;

use clap::Args;
use clv::data::periods::{CalendarPeriod, Periods};
use clv::data::subscriptions::{cohorts, read_subscriptions, Cohort, SubscriptionColumns};
use clv::fit::FitOptions;
use clv::models::bdw::Bdw;
use clv::models::retention::RetentionModel;
use clv::models::sbg::Sbg;
use clv::value::subscriber::{active_base_value, new_subscriber_value, SubscriberTerms};

use crate::args::parse_date;
use crate::failure::Failure;

/// Retention curves, churn, DERL and subscriber value per cohort of a subscription log.
///
/// The input is a CSV with a header and one row per subscription: a customer id, a start date,
/// an end date (empty while the subscription is active) and optionally a price per period.
/// Every unit of time is a *period* (a month by default, `--period`): tenures are counted in
/// renewals, a cancellation during a period pays that period, and subscriptions still active
/// at the observation date are right-censored there. Subscriptions are grouped into cohorts by
/// the period of their start (or by a column, `--by`), and for each cohort the
/// shifted-beta-geometric (sBG) and beta-discrete-Weibull (BdW) models are fitted.
#[derive(Debug, Args)]
pub struct RetentionArgs {
    /// The subscription log (CSV).
    pub subscriptions: PathBuf,
    /// Customer id column.
    #[arg(long, default_value = "customer", value_name = "COLUMN")]
    pub customer: String,
    /// Start date column.
    #[arg(long, default_value = "start", value_name = "COLUMN")]
    pub start: String,
    /// End date column (empty: still active).
    #[arg(long, default_value = "end", value_name = "COLUMN")]
    pub end: String,
    /// Price column (price per period); overridden by --price.
    #[arg(long, default_value = "price", value_name = "COLUMN")]
    pub price_column: String,
    /// A fixed price per period instead of a price column.
    #[arg(long, value_name = "AMOUNT")]
    pub price: Option<f64>,
    /// Profit margin, in (0, 1].
    #[arg(long, default_value_t = 1.0, value_name = "M")]
    pub margin: f64,
    /// Discount rate per period (0.01 a month is about 12.7% a year).
    #[arg(long, default_value_t = 0.01, value_name = "D")]
    pub discount_rate: f64,
    /// The period of a renewal: year, quarter, month or week.
    #[arg(long, default_value = "month", value_name = "PERIOD")]
    pub period: CalendarPeriod,
    /// Group subscriptions by this column (a plan, a channel) instead of their start period.
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
    /// Observation date (YYYY-MM-DD); default: the latest start or end date in the log.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub observed: Option<chrono::NaiveDate>,
    /// Periods of the retention curve to print (and to project).
    #[arg(long, default_value_t = 12, value_name = "N")]
    pub horizon: u32,
}

pub fn retention(a: &RetentionArgs) -> Result<(), Failure> {
    let columns = SubscriptionColumns {
        customer: a.customer.clone(),
        start: a.start.clone(),
        end: a.end.clone(),
        price: a.price.is_none().then(|| a.price_column.clone()),
        group: a.by.clone(),
        ..Default::default()
    };
    let subs = read_subscriptions(&a.subscriptions, &columns)?;
    let observed = a.observed.unwrap_or_else(|| {
        subs.iter()
            .flat_map(|s| [Some(s.start), s.end])
            .flatten()
            .max()
            .expect("a non-empty log")
    });
    say!(
        "{} subscriptions, observed at {observed}; units: {}s (tenure = renewals made)",
        subs.len(),
        a.period
    );
    for cohort in cohorts(&subs, a.period, observed) {
        report_cohort(a, &cohort)?;
    }
    Ok(())
}

fn report_cohort(a: &RetentionArgs, c: &Cohort) -> Result<(), Failure> {
    let t = &c.tenures;
    say!(
        "\n== cohort {} ({} subscriptions) ==",
        c.name,
        t.total_weight()
    );
    if t.max_renewals().get() == 0 {
        say!("  no renewal opportunity observed yet: nothing to fit");
        return Ok(());
    }
    let opts = FitOptions::default();
    let (sbg, bdw) = match (Sbg::fit(t, &opts), Bdw::fit(t, &opts)) {
        (Ok(s), Ok(b)) => (s, b),
        (Err(e), _) | (_, Err(e)) => {
            say!("  fit failed: {e}");
            return Ok(());
        }
    };
    let [sa, sb] = sbg.model.params();
    let [ba, bb, bc] = bdw.model.params();
    say!(
        "  sBG: alpha {sa:.4}, beta {sb:.4}, LL {:.2}",
        sbg.log_likelihood()
    );
    say!(
        "  BdW: alpha {ba:.4}, beta {bb:.4}, c {bc:.4}, LL {:.2}",
        bdw.log_likelihood()
    );
    let km = t.kaplan_meier();
    say!("  period  actual%    sBG%    BdW%  sBG churn%");
    for k in 0..=a.horizon {
        let actual = km
            .get(k as usize)
            .map_or("       -".to_string(), |s| format!("{:>8.1}", 100.0 * s));
        say!(
            "  {k:>6} {actual} {:>7.1} {:>7.1} {:>10.1}",
            100.0 * sbg.model.survival(Periods(k)),
            100.0 * bdw.model.survival(Periods(k)),
            100.0 * sbg.model.churn_probability(Periods(k))
        );
    }
    let price = a.price.or(c.mean_price).unwrap_or(1.0);
    let terms = SubscriberTerms::new(price, a.margin, a.discount_rate)?;
    for (name, derl0, derl12, new, base) in [
        (
            "sBG",
            sbg.model.derl(Periods(0), a.discount_rate)?,
            sbg.model.derl(Periods(12), a.discount_rate)?,
            new_subscriber_value(&sbg.model, &terms)?,
            active_base_value(&sbg.model, t, &terms)?,
        ),
        (
            "BdW",
            bdw.model.derl(Periods(0), a.discount_rate)?,
            bdw.model.derl(Periods(12), a.discount_rate)?,
            new_subscriber_value(&bdw.model, &terms)?,
            active_base_value(&bdw.model, t, &terms)?,
        ),
    ] {
        say!(
            "  {name}: DERL {derl0:.2} after 0 renewals, {derl12:.2} after 12; value at price {price:.2}: new subscriber {new:.2}, active base {base:.2}"
        );
    }
    Ok(())
}
