//! Throughput of summarising a transaction log (criterion). The 10-million-row comparison with
//! lifetimes is `scripts/bench_summarize.sh` (examples/summarize_scale.rs).

use std::hint::black_box;
use std::io::Write;

use clv::data::transactions::{summarize_csv, TransactionLogOptions};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// Writes `n` date-ordered transactions of `customers` customers (a fixed pseudo-random mix).
fn write_log(path: &std::path::Path, n: u64, customers: u64) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "customer_id,date,amount").unwrap();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let start = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    for t in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let day = start + chrono::Days::new(t * 365 / n);
        let cents = 100 + (x >> 40) % 20_000;
        writeln!(
            w,
            "C{:07},{},{}.{:02}",
            x % customers,
            day.format("%Y-%m-%d"),
            cents / 100,
            cents % 100
        )
        .unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.csv");
    let n = 200_000;
    write_log(&path, n, 20_000);
    let opts = TransactionLogOptions::new("customer_id", "date").amount("amount");
    let mut g = c.benchmark_group("summarize_csv");
    g.throughput(Throughput::Elements(n));
    g.sample_size(20);
    g.bench_function("200k transactions, 20k customers", |b| {
        b.iter(|| black_box(summarize_csv(&path, &opts).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
