//! Quickstart on the CDNOW data shipped in `data/`: fit BG/NBD, inspect it, predict purchases,
//! then fit Gamma-Gamma and compute each customer's lifetime value.
//!
//! Run with `cargo run --release --example cdnow`.

use clv::fit::FitOptions;
use clv::models::{BgNbd, GammaGamma, PurchaseModel};
use clv::value::{value_table, ClvConfig, Discount};
use clv::{CustomerTable, Duration, RfmCsvOptions, TimeUnit};

fn main() -> Result<(), clv::Error> {
    // The published RFM summary of the CDNOW sample: times in weeks, columns ID,x,t_x,T,zbar.
    let options = RfmCsvOptions::new(TimeUnit::Weeks)
        .columns("ID", "x", "t_x", "T")
        .monetary_value("zbar");
    let customers = CustomerTable::from_csv_path("data/cdnow_summary.csv", &options)?;
    println!(
        "{} customers, times in {}",
        customers.len(),
        customers.unit()
    );

    // Fit BG/NBD by maximum likelihood.
    let fit = BgNbd::fit(&customers, &FitOptions::default())?;
    let se = fit.report.std_errors.clone().unwrap_or_default();
    println!(
        "\nBG/NBD fit ({}, {} iterations)",
        fit.report.termination, fit.report.iterations
    );
    for (i, name) in fit.report.param_names.iter().enumerate() {
        let s = se
            .get(i)
            .map_or(String::new(), |s| format!("  (s.e. {s:.4})"));
        println!("  {name:>5} = {:.3}{s}", fit.report.params[i]);
    }
    println!("  log-likelihood = {:.1}", fit.report.log_likelihood);

    // Predictions for every customer over the next 52 weeks.
    let horizon = Duration::weeks(52.0);
    let p_alive = fit.p_alive_all(&customers);
    let expected = fit.expected_purchases_all(&customers, horizon);
    let mut order: Vec<usize> = (0..customers.len()).collect();
    order.sort_by(|&i, &j| expected[j].total_cmp(&expected[i]));

    println!("\nTop 10 customers by expected purchases in the next {horizon}:");
    println!(
        "{:>6} {:>4} {:>8} {:>7} {:>8} {:>9}",
        "id", "x", "t_x", "T", "P(alive)", "E[purch]"
    );
    for &i in order.iter().take(10) {
        let c = customers.get(i);
        println!(
            "{:>6} {:>4} {:>8.2} {:>7.2} {:>8.3} {:>9.2}",
            customers.ids()[i],
            c.frequency,
            c.recency,
            c.age,
            p_alive[i],
            expected[i]
        );
    }
    println!(
        "\nA new customer is expected to make {:.3} repeat purchases in the first year.",
        fit.expected_purchases_new_customer(horizon)
    );

    // Spend per purchase (Gamma-Gamma on the repeat buyers' mean spend `zbar`), then the
    // discounted lifetime value over 12 months of 30.4375 days, 1% per month.
    let spend = GammaGamma::fit(&customers, &FitOptions::default())?;
    println!(
        "\nGamma-Gamma: p = {:.2}, q = {:.2}, gamma = {:.2}; mean spend per purchase {:.2}",
        spend.p,
        spend.q,
        spend.gamma,
        spend.population_mean_spend()?
    );
    let config = ClvConfig::new(
        Duration::months(12.0),
        Duration::months(1.0),
        Discount::PerStep(0.01),
        1.0,
    )?;
    let scores = value_table(&fit.model, &spend.model, &customers, &config)?;
    println!(
        "Total 12-month CLV of the {} customers: {:.0}; the five most valuable:",
        scores.len(),
        scores.total_clv()
    );
    for i in scores.top_by_clv(5) {
        println!(
            "  customer {:>5}: P(alive) {:.3}, {:.1} purchases of {:.2} expected, CLV {:.2}",
            scores.ids[i],
            scores.p_alive[i],
            scores.expected_purchases[i],
            scores.expected_spend[i],
            scores.clv[i]
        );
    }
    Ok(())
}
