//! Special functions. (Temporary plain-series kernel; the robust version is being written.)

/// Expected purchases in (T, T+t] of a BG/NBD customer alive at T, K(k, a, b+x, tau).
pub fn bgnbd_expected_alive(k: f64, a: f64, bx: f64, tau: f64) -> f64 {
    let c = a + bx - 1.0;
    let z = tau / (1.0 + tau);
    // lifetimes form: c/(a-1) [1 - (1-z)^k 2F1(k, bx; c; z)]
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 0..200000 {
        let n = n as f64;
        term *= (k + n) * (bx + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        if term.abs() < 1e-17 * sum.abs() {
            break;
        }
    }
    c / (a - 1.0) * (1.0 - (1.0 - z).powf(k) * sum)
}
