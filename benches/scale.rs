//! Throughput at scale: BG/NBD log-likelihood + gradient at 1k, 100k and 1M customers; BG/NBD
//! and Gamma-Gamma fits at 1M; P(alive), expected purchases, 12-month CLV and the whole value
//! table for 1M customers.
//! Populations are drawn with `clv::simulate` (seeded): "continuous" times make every customer
//! distinct (no compression possible, the worst case); "whole days" are what real logs give.
//!
//! `cargo bench --bench scale` (criterion reports customers per second as "elem/s").

use std::hint::black_box;

use clv::fit::{Fit, FitOptions};
use clv::models::bgnbd::BgNbdLikelihood;
use clv::models::{BgNbd, GammaGamma, PurchaseModel};
use clv::simulate::{Ages, Population, Recording};
use clv::value::{lifetime_value, value_table, ClvConfig};
use clv::{CustomerTable, Duration, TimeUnit};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn truth() -> BgNbd {
    BgNbd::new(0.25, 4.0, 0.8, 2.5, TimeUnit::Weeks).unwrap()
}

fn population(n: usize, recording: Recording) -> CustomerTable {
    let ages = Ages::Uniform {
        min: Duration::days(1.0),
        max: Duration::days(366.0),
    };
    Population::new(n, truth(), ages)
        .unwrap()
        .seed(1)
        .spend(GammaGamma::new(6.0, 4.0, 15.0).unwrap())
        .recording(recording)
        .rfm_table()
        .unwrap()
}

fn log_likelihood(c: &mut Criterion) {
    let mut group = c.benchmark_group("bgnbd_loglik_and_gradient");
    // a point away from the optimum, as during a fit
    let at = BgNbd::new(0.3, 3.0, 1.0, 2.0, TimeUnit::Weeks).unwrap();
    for (name, recording) in [
        ("continuous", Recording::Continuous),
        ("whole_days", Recording::WholeDays),
    ] {
        for n in [1_000, 100_000, 1_000_000] {
            let ll = BgNbdLikelihood::new(&population(n, recording));
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::new(name, n), &ll, |b, ll| {
                b.iter(|| black_box(ll.value_and_gradient(black_box(&at))))
            });
        }
    }
    group.finish();
}

fn fits(c: &mut Criterion) {
    let n = 1_000_000;
    let table = population(n, Recording::WholeDays);
    let mut group = c.benchmark_group("fit_1M_whole_days");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("bgnbd", |b| {
        b.iter(|| BgNbd::fit(black_box(&table), &FitOptions::default()).unwrap())
    });
    group.bench_function("gamma_gamma", |b| {
        b.iter(|| GammaGamma::fit(black_box(&table), &FitOptions::default()).unwrap())
    });
    group.finish();
}

fn predictions(c: &mut Criterion) {
    let n = 1_000_000;
    let table = population(n, Recording::WholeDays);
    let purchases = BgNbd::fit(&table, &FitOptions::default()).unwrap().model;
    let spend = GammaGamma::fit(&table, &FitOptions::default())
        .unwrap()
        .model;
    let config = ClvConfig::lifetimes(TimeUnit::Days, 12, 0.01).unwrap();
    let mut group = c.benchmark_group("predict_1M_whole_days");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("p_alive", |b| {
        b.iter(|| purchases.p_alive_all(black_box(&table)))
    });
    group.bench_function("expected_purchases_30_days", |b| {
        b.iter(|| purchases.expected_purchases_all(black_box(&table), Duration::days(30.0)))
    });
    group.bench_function("clv_12_months", |b| {
        b.iter(|| lifetime_value(&purchases, &spend, black_box(&table), &config).unwrap())
    });
    group.bench_function("value_table_12_months", |b| {
        b.iter(|| value_table(&purchases, &spend, black_box(&table), &config).unwrap())
    });
    group.finish();
}

criterion_group!(benches, log_likelihood, fits, predictions);
criterion_main!(benches);
