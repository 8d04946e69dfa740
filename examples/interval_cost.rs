//! What prediction intervals cost against point predictions, at scale.
//!
//! For every registered purchase model: N customers (default 1,000,000) drawn from the model's
//! reference parameters with Gamma-Gamma spend (p = 6, q = 4, gamma = 15), ages uniform in
//! 26-52 weeks, recorded in whole days as real logs are; both models fitted; then, timed in the
//! same process, alternately, each three times (the median is printed):
//!
//! - **point**: the value table, every customer's P(alive), expected purchases, expected spend
//!   and CLV over 52 weeks (`value_table`);
//! - **intervals**: [`Predictive`] with spend (the conditional distributions of every distinct
//!   history at the estimate and at every sigma point), every customer's interval ends
//!   (`customers()`) and the base's totals (`total(None)`).
//!
//! The ratio intervals / point is the figure the intervals issue asks for.
//!
//! ```text
//! cargo run --release --example interval_cost -- [CUSTOMERS] [--continuous] [--model KEY]
//! ```
//!
//! `--model KEY` (bgnbd, mbgnbd, pareto-nbd) measures that model only.
//!
//! `--continuous` records exact times instead (every customer a distinct history: the worst
//! case for the per-distinct work).

use std::time::Instant;

use clv::fit::{fit_purchase_model, FitOptions};
use clv::models::{
    AnyPurchaseModel, FitPurchaseModel, GammaGamma, KindVisitor, PurchaseModelKind,
    SimulatePurchases,
};
use clv::simulate::{Ages, Population, Recording};
use clv::value::interval::Predictive;
use clv::value::{value_table, ClvConfig, Discount};
use clv::{CustomerTable, Duration};

/// One model's measurements.
struct Row {
    distinct: usize,
    point: f64,
    intervals: f64,
    total_clv: f64,
    low: f64,
    high: f64,
}

struct Cost {
    customers: usize,
    recording: Recording,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn seconds<T>(f: impl FnOnce() -> clv::Result<T>) -> clv::Result<(f64, T)> {
    let start = Instant::now();
    let out = f()?;
    Ok((start.elapsed().as_secs_f64(), out))
}

impl KindVisitor for Cost {
    type Output = clv::Result<Row>;
    fn visit<M>(self) -> clv::Result<Row>
    where
        M: FitPurchaseModel + SimulatePurchases + Into<AnyPurchaseModel>,
    {
        let ages = Ages::Uniform {
            min: Duration::weeks(26.0),
            max: Duration::weeks(52.0),
        };
        let table: CustomerTable = Population::new(self.customers, M::reference(), ages)?
            .seed(17)
            .spend(GammaGamma::new(6.0, 4.0, 15.0)?)
            .recording(self.recording)
            .rfm_table()?;
        let options = FitOptions::default();
        let purchase = fit_purchase_model::<M>(&table, &options, None)?;
        let spend = GammaGamma::fit(&table, &options)?;
        let year = Duration::weeks(52.0);
        let config = ClvConfig::new(year, Duration::weeks(4.0), Discount::PerStep(0.01), 1.0)?;
        let (mut point, mut intervals) = (Vec::new(), Vec::new());
        let mut last = None;
        for _ in 0..3 {
            let (s, _) = seconds(|| value_table(&purchase.model, &spend.model, &table, &config))?;
            point.push(s);
            let (s, out) = seconds(|| {
                let p =
                    Predictive::new(&purchase, &table, &config, 0.9)?.with_spend(&spend, &table)?;
                let each = p.customers();
                Ok((p.distinct_histories(), each, p.total(None)))
            })?;
            intervals.push(s);
            last = Some(out);
        }
        let (distinct, each, total) = last.expect("three runs");
        assert_eq!(each.expected_purchases_low.len(), table.len());
        let clv = total.clv.expect("a spend model");
        Ok(Row {
            distinct,
            point: median(point),
            intervals: median(intervals),
            total_clv: clv.expected,
            low: clv.low,
            high: clv.high,
        })
    }
}

fn main() -> clv::Result<()> {
    let mut customers = 1_000_000;
    let mut recording = Recording::WholeDays;
    let mut kinds: Vec<PurchaseModelKind> = PurchaseModelKind::ALL.to_vec();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--continuous" => recording = Recording::Continuous,
            "--model" => {
                let key = args.next().unwrap_or_default();
                let kind = PurchaseModelKind::ALL
                    .iter()
                    .find(|k| k.key() == key)
                    .ok_or_else(|| clv::Error::invalid_argument("--model", &key, "a model key"))?;
                kinds = vec![*kind];
            }
            n => {
                customers = n.replace('_', "").parse().map_err(|_| {
                    clv::Error::invalid_argument("CUSTOMERS", n, "a number of customers")
                })?
            }
        }
    }
    println!(
        "{customers} customers, {recording:?} times, 52-week CLV; median of 3 runs, same process"
    );
    println!(
        "{:<12} {:>10} {:>9} {:>12} {:>7}   total CLV (90% interval)",
        "model", "distinct", "point s", "intervals s", "ratio"
    );
    for kind in kinds {
        let r = kind.visit(Cost {
            customers,
            recording,
        })?;
        println!(
            "{:<12} {:>10} {:>9.3} {:>12.3} {:>7.2}   {:.0} ({:.0} to {:.0})",
            kind.name(),
            r.distinct,
            r.point,
            r.intervals,
            r.intervals / r.point,
            r.total_clv,
            r.low,
            r.high
        );
    }
    Ok(())
}
