//! BG/BB on the donations data (Fader, Hardie & Shang 2010): the fit and the published
//! predictions. `cargo run --release --example donations`
use clv::data::discrete::{DiscreteHistory, DiscreteTable};
use clv::data::periods::Periods;
use clv::fit::FitOptions;
use clv::models::bgbb::{BgBb, PARAM_NAMES};

fn main() -> clv::Result<()> {
    let table = DiscreteTable::from_csv_path("data/donations.csv", &Default::default())?;
    println!(
        "donations: {} donors in {} rows, 6 repeat opportunities (1996-2001)",
        table.total_weight(),
        table.len()
    );
    let fit = BgBb::fit(&table, &FitOptions::default())?;
    let m = fit.model;
    let se = fit.std_errors().unwrap_or_default();
    println!(
        "\nBG/BB fit (FHS 2010: alpha 1.204, beta 0.750, gamma 0.657, delta 2.783, LL -33225.6)"
    );
    for (i, (name, v)) in PARAM_NAMES.iter().zip(m.params()).enumerate() {
        let s = se
            .get(i)
            .map_or(String::new(), |s| format!("  (se {s:.4})"));
        println!("  {name:>5} = {v:.4}{s}");
    }
    println!("  log-likelihood = {:.2}", fit.log_likelihood());

    let h = |x, t, n| DiscreteHistory::new(x, t, n);
    println!("\nP(alive in 2002), n = 6 (FHS 2010: 0.11, 0.59, 0.93)");
    for (x, t_x) in [(0, 0), (2, 4), (6, 6)] {
        let row = h(x, t_x, 6)?;
        println!(
            "  (x, t_x) = ({x}, {t_x}): {:.4}   (at the end of 2001: {:.4})",
            m.p_alive(&row, Periods(1)),
            m.p_alive(&row, Periods(0))
        );
    }
    println!(
        "\nE[X(n = 10)] for a new donor = {:.6}   (reference 3.179805)",
        m.expected_transactions_new(Periods(10))
    );
    println!(
        "expected transactions over the next 10 opportunities (reference 0.1302169, 3.627858)"
    );
    for (x, t_x) in [(0, 0), (4, 5)] {
        let row = h(x, t_x, 6)?;
        println!(
            "  (x, t_x) = ({x}, {t_x}): {:.7}   DERT(d = 0.1) = {:.4}",
            m.expected_transactions(&row, Periods(10)),
            m.dert(&row, 0.1)?
        );
    }
    println!("\nP(X(6) = x) for a new donor, beside the observed shares");
    let mut observed = [0.0; 7];
    for (row, w) in table.iter() {
        observed[row.frequency() as usize] += w / table.total_weight();
    }
    for (x, obs) in observed.iter().enumerate() {
        println!(
            "  x = {x}: model {:.4}  observed {obs:.4}",
            m.probability_of_transactions(x as u32, Periods(6))
        );
    }
    Ok(())
}
