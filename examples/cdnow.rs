//! Quickstart on the CDNOW data shipped in `data/`: fit BG/NBD and Gamma-Gamma, inspect them,
//! predict purchases, P(alive) and 12-month lifetime value.
//!
//! Run with `cargo run --release --example cdnow`.

use clv::fit::Fit;
use clv::fit::{FitOptions, FitReport};
use clv::models::{frequency_spend_correlation, BgNbd, GammaGamma, PurchaseModel};
use clv::value::{value_table, ClvConfig};
use clv::{CustomerTable, Duration, RfmCsvOptions, TimeUnit};

fn print_fit(title: &str, report: &FitReport) {
    println!(
        "\n{title} ({}, {} iterations)",
        report.termination, report.iterations
    );
    let se = report.std_errors.clone().unwrap_or_default();
    for (i, name) in report.param_names.iter().enumerate() {
        let s = se
            .get(i)
            .map_or(String::new(), |s| format!("  (s.e. {s:.4})"));
        println!("  {name:>5} = {:.3}{s}", report.params[i]);
    }
    println!("  log-likelihood = {:.2}", report.log_likelihood);
}

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

    // Purchases and dropout: BG/NBD. Spend per purchase: Gamma-Gamma on the repeat buyers.
    let bgnbd = BgNbd::fit(&customers, &FitOptions::default())?;
    print_fit("BG/NBD", &bgnbd.report);
    let gg = GammaGamma::fit(&customers, &FitOptions::default())?;
    print_fit("Gamma-Gamma", &gg.report);
    let rho = frequency_spend_correlation(&customers)?;
    println!(
        "  frequency-spend correlation among repeat buyers: {:.4}",
        rho.rho
    );
    if let Some(warning) = rho.warning {
        println!("  warning: {warning}");
    }

    // 12 months of value, lifetimes' convention for weekly data (steps of 4.345 weeks,
    // 1% discount per month), no margin applied.
    let config = ClvConfig::lifetimes(TimeUnit::Weeks, 12, 0.01)?;
    let scores = value_table(&bgnbd, &gg.model, &customers, &config)?;
    println!("\nTop 10 customers by 12-month CLV:");
    println!(
        "{:>6} {:>4} {:>7} {:>7} {:>8} {:>8} {:>9} {:>9}",
        "id", "x", "t_x", "T", "P(alive)", "E[purch]", "E[spend]", "CLV"
    );
    for i in scores.top_by_clv(10) {
        let c = customers.get(i);
        println!(
            "{:>6} {:>4} {:>7.2} {:>7.2} {:>8.3} {:>8.2} {:>9.2} {:>9.2}",
            scores.ids[i],
            c.frequency,
            c.recency,
            c.age,
            scores.p_alive[i],
            scores.expected_purchases[i],
            scores.expected_spend[i],
            scores.clv[i]
        );
    }
    println!(
        "\nTotal 12-month value of the cohort: {:.0}",
        scores.total_clv()
    );
    println!(
        "A new customer is expected to make {:.3} repeat purchases in the first year.",
        bgnbd.expected_purchases_new_customer(Duration::weeks(52.0))
    );
    Ok(())
}
