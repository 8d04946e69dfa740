//! sBG and BdW on Fader & Hardie's (2007) regular and high-end cohorts: fits on years 0-7,
//! survival projected for years 8-12 beside the actual counts, and Fader & Hardie's (2010)
//! DERL figures. `cargo run --release --example retention`
use clv::data::periods::Periods;
use clv::data::retention::SurvivorCurves;
use clv::fit::FitOptions;
use clv::models::bdw::Bdw;
use clv::models::retention::RetentionModel;
use clv::models::sbg::Sbg;

const CALIBRATION: u32 = 7;

fn main() -> clv::Result<()> {
    let curves = SurvivorCurves::from_csv_path("data/sbg_retention.csv", "year")?;
    let published = [
        ("regular", 0.704, 1.182, -1680.27),
        ("high_end", 0.668, 3.806, -1611.16),
    ];
    for (cohort, pa, pb, pll) in published {
        let counts = curves.counts(cohort).expect("cohort in the file");
        let tenures = curves.tenures(cohort, Periods(CALIBRATION))?;
        let sbg = Sbg::fit(&tenures, &FitOptions::default())?;
        let bdw = Bdw::fit(&tenures, &FitOptions::default())?;
        let [a, b] = sbg.model.params();
        let [ba, bb, bc] = bdw.model.params();
        println!("== {cohort} cohort, calibrated on years 0-{CALIBRATION} ==");
        println!(
            "  sBG: alpha {a:.3}, beta {b:.3}, LL {:.2}   (Fader & Hardie 2007: {pa}, {pb}, {pll})",
            sbg.log_likelihood()
        );
        println!(
            "  BdW: alpha {ba:.3}, beta {bb:.3}, c {bc:.3}, LL {:.2}",
            bdw.log_likelihood()
        );
        println!("  year  actual%   sBG%    BdW%");
        let n0 = counts[0];
        let (mut err_sbg, mut err_bdw, mut k) = (0.0, 0.0, 0.0);
        for (t, &actual) in counts.iter().enumerate() {
            let (s, w) = (
                100.0 * sbg.model.survival(Periods(t as u32)),
                100.0 * bdw.model.survival(Periods(t as u32)),
            );
            let act = 100.0 * actual / n0;
            let mark = if t as u32 > CALIBRATION {
                " (projected)"
            } else {
                ""
            };
            println!("  {t:>4}  {act:>6.1}  {s:>6.1}  {w:>6.1}{mark}");
            if t as u32 > CALIBRATION {
                err_sbg += ((s - act) / act).abs();
                err_bdw += ((w - act) / act).abs();
                k += 1.0;
            }
        }
        println!(
            "  projection error, years {}-{}: mean absolute {:.2}% (sBG), {:.2}% (BdW) of the actual survivors\n",
            CALIBRATION + 1,
            counts.len() - 1,
            100.0 * err_sbg / k,
            100.0 * err_bdw / k
        );
    }
    println!("DERL at d = 0.1 (Fader & Hardie 2010), for n = 1..5 (n - 1 renewals made):");
    let paper = [
        ((3.80, 15.20), [3.31, 3.45, 3.59, 3.72, 3.84]),
        ((0.067, 0.267), [7.68, 9.46, 9.86, 10.06, 10.19]),
    ];
    for ((a, b), want) in paper {
        let m = Sbg::new(a, b)?;
        let got: Vec<String> = (0..5)
            .map(|k| m.derl(Periods(k), 0.1).map(|v| format!("{v:.2}")))
            .collect::<clv::Result<_>>()?;
        println!(
            "  (alpha, beta) = ({a}, {b}): {}   (paper: {want:?})",
            got.join(", ")
        );
    }
    Ok(())
}
