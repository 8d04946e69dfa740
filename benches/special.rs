//! Cost of the BG/NBD kernel and of 2F1 per call, in the regions the models hit, and of the
//! crate's branch-free `exp` against libm's over a P(alive)-sized slice.
//!
//! Run with `cargo bench --bench special`.

use std::hint::black_box;

use clv::models::bgnbd::bgnbd_expected_alive;
use clv::special::{hyp2f1, one_over_one_plus_exp};
use criterion::{criterion_group, criterion_main, Criterion};

/// A grid of typical BG/NBD arguments: k = r + x, a, bx = b + x, tau = t / (alpha + T).
fn typical_kernel_args() -> Vec<(f64, f64, f64, f64)> {
    let mut args = Vec::new();
    for x in [0.0, 1.0, 2.0, 5.0, 10.0, 29.0] {
        for a in [0.5, 0.79, 1.3, 3.0] {
            for tau in [0.05, 0.5, 1.0, 2.0, 5.0, 20.0] {
                args.push((0.24 + x, a, 1.0 + x, tau));
            }
        }
    }
    args
}

fn bench_kernel(c: &mut Criterion) {
    let args = typical_kernel_args();
    let n = args.len();
    c.bench_function(
        &format!("bgnbd_expected_alive typical grid ({n} calls)"),
        |b| {
            b.iter(|| {
                let mut s = 0.0;
                for &(k, a, bx, tau) in &args {
                    s += bgnbd_expected_alive(black_box(k), a, bx, tau).unwrap();
                }
                s
            })
        },
    );
    for (name, (k, a, bx, tau)) in [
        (
            "cdnow x=2 t=39",
            (2.2425982, 0.7929899, 4.4261667, 39.0 / 43.27),
        ),
        ("small tau", (0.74, 0.79, 3.4, 0.05)),
        ("large k tau", (30.24, 0.79, 31.4, 20.0)),
        ("a = 1, tau = 1e4", (0.74, 1.0, 3.4, 1e4)),
    ] {
        c.bench_function(&format!("bgnbd_expected_alive {name}"), |b| {
            b.iter(|| bgnbd_expected_alive(black_box(k), a, bx, tau).unwrap())
        });
    }
}

fn bench_hyp2f1(c: &mut Criterion) {
    for (name, (a, b, cc, z)) in [
        ("series z=0.3", (2.24, 4.43, 5.2, 0.3)),
        ("near one z=0.95", (2.24, 4.43, 6.2, 0.95)),
        ("integer c-a-b z=0.99", (2.24, 4.43, 6.67, 0.99)),
        ("negative z=-20", (2.24, 0.79, 6.2, -20.0)),
    ] {
        c.bench_function(&format!("hyp2f1 {name}"), |bch| {
            bch.iter(|| hyp2f1(black_box(a), b, cc, z).unwrap())
        });
    }
}

/// P(alive)'s last step, `1 / (1 + exp(z))` of 186,049 log odds (the distinct histories of a
/// million simulated customers): with libm's `exp`, then the crate's vectorised loop.
fn bench_exp(c: &mut Criterion) {
    let args: Vec<f64> = (0..186_049)
        .map(|i| ((i * 7919) % 40_000) as f64 / 1000.0 - 20.0)
        .collect();
    let mut out = args.clone();
    c.bench_function("exp: 1/(1+exp(z)) with libm exp (186,049 values)", |b| {
        b.iter(|| {
            for (o, &z) in out.iter_mut().zip(black_box(&args)) {
                let e = (-z.abs()).exp();
                *o = if z > 0.0 { e } else { 1.0 } / (1.0 + e);
            }
            out[7]
        })
    });
    c.bench_function("exp: one_over_one_plus_exp (186,049 values)", |b| {
        b.iter(|| {
            out.copy_from_slice(black_box(&args));
            one_over_one_plus_exp(&mut out);
            out[7]
        })
    });
}

criterion_group!(benches, bench_kernel, bench_hyp2f1, bench_exp);
criterion_main!(benches);
