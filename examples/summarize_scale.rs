//! Summarising a large transaction log: throughput of `summarize_csv` on a synthetic file.
//!
//! ```text
//! cargo run --release --example summarize_scale -- generate target/bench-data/log.csv 10000000 1000000
//! cargo run --release --example summarize_scale -- summarize target/bench-data/log.csv target/bench-data/rust.csv
//! ```
//! `scripts/bench_summarize.sh` runs both, and lifetimes on the same file, under
//! `/usr/bin/time -v` for peak memory.

use std::io::Write;
use std::time::Instant;

use clv::data::transactions::{summarize_csv_detailed, TransactionLogOptions};

/// SplitMix64: a small, well-mixed deterministic generator (enough for synthetic data).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Writes `n` transactions of `customers` customers over two years, in date order (as an
/// order export usually is): `customer_id,date,amount`.
fn generate(path: &str, n: u64, customers: u64) -> std::io::Result<()> {
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, "customer_id,date,amount")?;
    let mut rng = SplitMix(20_240_101);
    let days = 730u64;
    let start = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    let mut day = u64::MAX;
    let mut date = String::new();
    for t in 0..n {
        let d = t * days / n;
        if d != day {
            day = d;
            date = (start + chrono::Days::new(d))
                .format("%Y-%m-%d")
                .to_string();
        }
        // Skewed customer choice: a few heavy buyers, many light ones.
        let u = rng.below(customers);
        let c = if rng.below(4) == 0 {
            u % (customers / 20).max(1)
        } else {
            u
        };
        let cents = 100 + rng.below(20_000);
        writeln!(w, "C{c:07},{date},{}.{:02}", cents / 100, cents % 100)?;
    }
    w.flush()
}

fn summarize(path: &str, out: Option<&str>) -> clv::Result<()> {
    let bytes = std::fs::metadata(path)
        .map_err(|e| clv::Error::io(path, e))?
        .len();
    let opts = TransactionLogOptions::new("customer_id", "date").amount("amount");
    let start = Instant::now();
    let summary = summarize_csv_detailed(path, &opts, None)?;
    let secs = start.elapsed().as_secs_f64();
    let n = summary.stats.transactions as f64;
    println!(
        "summarized {} transactions ({:.0} MB) into {} customers in {secs:.3} s: {:.2} M transactions/s, {:.0} MB/s",
        summary.stats.transactions,
        bytes as f64 / 1e6,
        summary.table.len(),
        n / secs / 1e6,
        bytes as f64 / secs / 1e6
    );
    println!("stats: {:?}", summary.stats);
    println!("RUST_SECONDS={secs:.4}");
    if let Some(out) = out {
        summary.table.write_csv(out)?;
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: summarize_scale generate PATH N_TRANSACTIONS N_CUSTOMERS | summarize PATH [OUT.csv]";
    let result = match args.first().map(String::as_str) {
        Some("generate") if args.len() == 4 => {
            let (n, c) = (args[2].parse().expect(usage), args[3].parse().expect(usage));
            let start = Instant::now();
            generate(&args[1], n, c)
                .map_err(|e| clv::Error::io(&args[1], e))
                .map(|()| {
                    println!(
                        "wrote {n} transactions to {} in {:.1} s",
                        args[1],
                        start.elapsed().as_secs_f64()
                    )
                })
        }
        Some("summarize") if args.len() >= 2 => {
            summarize(&args[1], args.get(2).map(String::as_str))
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
