//! From scores to decisions on the CDNOW data shipped in `data/`: value x risk segments,
//! monthly acquisition cohorts with early repeat rates, historical against predictive value,
//! and CLV against an (illustrative) acquisition cost per cohort.
//!
//! Run with `cargo run --release --example cdnow_segments`.

use chrono::NaiveDate;
use clv::analysis::{
    cac_report, calendar_cohorts, cohort_table, naive_value_of, rfm_scores_of, segment_customers,
    value_comparison, AcquisitionCosts, CacOptions, CohortOptions, CohortPeriod, PurchaseHistory,
    ScoreView, SegmentOptions,
};
use clv::fit::{Fit, FitOptions};
use clv::models::{BgNbd, GammaGamma};
use clv::value::{value_table, ClvConfig};
use clv::{CustomerTable, RfmCsvOptions, TimeUnit};

fn main() -> Result<(), clv::Error> {
    // Scores: BG/NBD and Gamma-Gamma on the published RFM summary (calibration ends
    // 1997-09-30), 12 months of value in lifetimes' convention, no margin.
    let options = RfmCsvOptions::new(TimeUnit::Weeks)
        .columns("ID", "x", "t_x", "T")
        .monetary_value("zbar");
    let customers = CustomerTable::from_csv_path("data/cdnow_summary.csv", &options)?;
    let bgnbd = BgNbd::fit(&customers, &FitOptions::default())?;
    let gg = GammaGamma::fit(&customers, &FitOptions::default())?;
    let config = ClvConfig::lifetimes(TimeUnit::Weeks, 12, 0.01)?;
    let table = value_table(&bgnbd, &gg.model, &customers, &config)?;
    let scores = ScoreView::from_value_table(&table)?;

    println!("Value x risk segments (12-month CLV):\n");
    let segmentation = segment_customers(&scores, &SegmentOptions::default())?;
    print!("{}", segmentation.summary.to_table_string());

    let rfm = rfm_scores_of(&table)?;
    let best = (0..rfm.ids.len()).filter(|&i| rfm.code(i) == "555").count();
    println!("\nRFM: {best} customers score 555.");

    // First and second purchase days from the transaction log (sample id, date).
    let text = std::fs::read_to_string("data/CDNOW_sample.txt")
        .map_err(|e| clv::Error::io("data/CDNOW_sample.txt", e))?;
    let mut log = Vec::new();
    for (line, row) in text.lines().enumerate() {
        let fields: Vec<&str> = row.split_whitespace().collect();
        let (Some(id), Some(day)) = (fields.get(1), fields.get(2)) else {
            return Err(clv::Error::invalid_value(
                line + 1,
                "line",
                row,
                "expected 5 fields",
            ));
        };
        let date = NaiveDate::parse_from_str(day, "%Y%m%d")
            .map_err(|e| clv::Error::invalid_value(line + 1, "date", day, e.to_string()))?;
        log.push((id.trim_start_matches('0').to_string(), date));
    }
    let end = NaiveDate::from_ymd_opt(1997, 9, 30).expect("valid date");
    let history = PurchaseHistory::from_transactions(log, Some(end))?;

    println!("\nMonthly acquisition cohorts:\n");
    let cohorts = calendar_cohorts(&table.ids, &history, CohortPeriod::Month)?;
    print!(
        "{}",
        cohort_table(&scores, &cohorts, Some(&history), &CohortOptions::default())?
            .to_table_string()
    );

    println!("\nHistorical (run-rate) against predictive 12-month value per cohort:\n");
    let historical = naive_value_of(&table, &config)?;
    print!(
        "{}",
        value_comparison(&cohorts, historical.view(), scores.clv())?.to_table_string()
    );

    println!("\nCLV against acquisition cost (illustrative costs, 30% margin):\n");
    let costs = AcquisitionCosts::from_csv_reader(
        "group,cac\n1997-01,4\n1997-02,8\n1997-03,15\n".as_bytes(),
    )?;
    let cac_options = CacOptions {
        margin: 0.3,
        target_ratio: 3.0,
    };
    print!(
        "{}",
        cac_report(&scores, &cohorts, &costs, &cac_options)?.to_table_string()
    );
    Ok(())
}
