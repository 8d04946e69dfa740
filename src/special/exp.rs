//! `exp` of a non-positive argument and the logistic function built on it, written without
//! branches or calls so that a loop over a slice vectorises: why hand-written, the method and
//! its accuracy are in [`exp_non_positive`]'s documentation.

/// `1.5 * 2^52`: added to a number of magnitude below 2^51, it leaves that number rounded to an
/// integer in the low bits of the sum (round to nearest).
const SHIFTER: f64 = 6_755_399_441_055_744.0;
/// `ln 2` split so that `k * LN2_HI` is exact for `|k| < 2^11` (fdlibm's constants,
/// 6.93147180369123816490e-01 and 1.90821492927058770002e-10, by their bits).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// Below this, `exp` rounds to 0 (the smallest subnormal is `exp(-744.44)`).
const UNDERFLOW: f64 = -745.2;
/// `2^-60`, the scale taken back after building `2^(k + 60)`, so that results down to the
/// smallest subnormal round once, as libm's do.
const TWO_POW_M60: f64 = 8.673_617_379_884_035e-19;

/// `1 / n!` for n = 0..=13.
const INV_FACT: [f64; 14] = [
    1.0,
    1.0,
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// `sum_n r^n / n!` for n = 0..=13 by Estrin's scheme (pairs, then pairs of pairs): four
/// dependent steps where Horner's rule has thirteen, so a vectorised loop is not bound by the
/// latency of one value's chain.
#[inline(always)]
fn taylor_13(r: f64) -> f64 {
    let c = &INV_FACT;
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let pair = |i: usize| c[i] + c[i + 1] * r;
    // the leading 1 is added last, so that the sum's rounding error is that of one addition
    // to a number near 1 (the other terms' errors are relative to terms below 0.42)
    let low = (r + pair(2) * r2) + (pair(4) + pair(6) * r2) * r4;
    let high = (pair(8) + pair(10) * r2) + pair(12) * r4;
    1.0 + (low + high * r8)
}

/// `exp(z)` for `z <= 0`: within one unit in the last place of libm's on the normal range
/// (the tests check a grid of 2.3 million arguments), 0 below about -745.2, NaN for NaN.
/// Positive arguments are outside its domain and give meaningless values: P(alive) passes
/// `-|z|`.
///
/// Hand-written because a measurement shows it wins: it has no branch and no call, so a loop
/// over a slice vectorises, where libm's `exp` is a call per value
/// (`cargo bench --bench special -- exp` compares the two over 186,049 arguments, in
/// [`one_over_one_plus_exp`]). The
/// method is Cody and Waite's reduction `z = k ln 2 + r`, `|r| <= ln 2 / 2`, a Taylor
/// polynomial of degree 13 for `exp(r)` (by Estrin's scheme) and `2^k` written into the
/// exponent bits.
///
/// ```
/// use clv::special::exp_non_positive;
/// assert_eq!(exp_non_positive(0.0), 1.0);
/// assert!((exp_non_positive(-1.5) - (-1.5f64).exp()).abs() <= f64::EPSILON * 0.3);
/// assert_eq!(exp_non_positive(-800.0), 0.0);
/// ```
#[inline(always)]
pub fn exp_non_positive(z: f64) -> f64 {
    let t = z * std::f64::consts::LOG2_E + SHIFTER;
    let k = t - SHIFTER;
    let r = (z - k * LN2_HI) - k * LN2_LO;
    let p = taylor_13(r);
    // the low bits of t hold 2^51 + k; adding the bias (plus 60) and shifting out everything
    // above leaves the exponent bits of 2^(k + 60), a normal number for k >= -1083
    let scale = f64::from_bits(t.to_bits().wrapping_add(1023 + 60) << 52);
    let e = p * scale * TWO_POW_M60;
    if z < UNDERFLOW {
        0.0
    } else {
        e
    }
}

/// `1 / (1 + exp(z))` without overflow: `e / (1 + e)` with `e = exp(-z)` for positive z. One
/// exp of `-|z|` and a select rather than a branch on the sign, which varies from row to row.
/// `z = -inf` gives 1.
#[inline(always)]
pub(crate) fn logistic_of_neg(z: f64) -> f64 {
    let e = exp_non_positive(-z.abs());
    let numerator = if z > 0.0 { e } else { 1.0 };
    numerator / (1.0 + e)
}

/// Replaces every value `z` by `1 / (1 + exp(z))` (without overflow: `e / (1 + e)` with
/// `e = exp(-z)` for positive z; -inf gives 1, +inf 0, NaN stays NaN): the last step of
/// P(alive) in BG/NBD and MBG/NBD, whose log odds are `z`. Four values an instruction where
/// the processor has AVX2 (checked at run time), two else; the same bits either way.
///
/// ```
/// let mut v = [0.0, -40.0, 3.0, f64::NEG_INFINITY];
/// clv::special::one_over_one_plus_exp(&mut v);
/// assert_eq!(v[0], 0.5);
/// assert!((v[1] - 1.0).abs() < 1e-17 && v[3] == 1.0);
/// assert!((v[2] - 1.0 / (1.0 + 3f64.exp())).abs() < 1e-16);
/// ```
pub fn one_over_one_plus_exp(values: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            unsafe { logistic_avx2(values) };
            return;
        }
    }
    logistic_loop(values);
}

#[inline(always)]
fn logistic_loop(values: &mut [f64]) {
    for v in values {
        *v = logistic_of_neg(*v);
    }
}

/// The loop compiled for AVX2 (without FMA, so that the bits are the scalar ones).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn logistic_avx2(values: &mut [f64]) {
    logistic_loop(values);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite non-negative doubles.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn exp_is_within_one_ulp_of_libm_from_zero_to_underflow() {
        // libm's exp is the reference (correctly rounded to within 1 ulp); arguments spread
        // over every binade down to the underflow, and a dense grid of small ones
        let mut worst = 0;
        let mut z = -1e-300_f64;
        while z > -745.0 {
            for s in [1.0, 1.37, 1.91] {
                let x = z * s;
                worst = worst.max(ulps(exp_non_positive(x), x.exp()));
            }
            z *= 1.001;
        }
        for i in 0..200_000 {
            let x = -(i as f64) * 3.7e-3;
            worst = worst.max(ulps(exp_non_positive(x), x.exp()));
        }
        assert!(worst <= 1, "worst {worst} ulps");
    }

    #[test]
    fn exp_edges_are_libm_s() {
        assert_eq!(exp_non_positive(0.0), 1.0);
        assert_eq!(exp_non_positive(-0.0), 1.0);
        assert_eq!(exp_non_positive(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp_non_positive(-746.0), 0.0);
        assert_eq!(exp_non_positive(-1e300), 0.0);
        assert!(exp_non_positive(f64::NAN).is_nan());
        // subnormal results: within 2 of libm's in units of the smallest subnormal
        for x in [-708.5, -720.0, -735.3, -744.0, -745.1] {
            assert!(ulps(exp_non_positive(x), x.exp()) <= 2, "{x}");
            assert!(exp_non_positive(x) > 0.0, "{x}");
        }
    }

    #[test]
    fn the_slice_version_gives_the_scalar_bits_and_the_sign_cases() {
        let mut values: Vec<f64> = (0..10_007)
            .map(|i| ((i * 7919) % 20_011) as f64 / 10.0 - 1000.0)
            .chain([
                0.0,
                -0.0,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NAN,
                800.0,
                -800.0,
            ])
            .collect();
        let scalar: Vec<u64> = values
            .iter()
            .map(|&z| logistic_of_neg(z).to_bits())
            .collect();
        one_over_one_plus_exp(&mut values);
        let vector: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
        assert_eq!(vector, scalar);
        let n = values.len();
        assert_eq!(values[n - 7..n - 3], [0.5, 0.5, 0.0, 1.0]);
        assert!(values[n - 3].is_nan());
        assert_eq!(values[n - 2], 0.0);
        assert_eq!(values[n - 1], 1.0);
        // 1 / (1 + e^z) against the plain formula where it neither overflows nor cancels
        for z in [-30.0, -3.5, -0.25, 0.1, 2.0, 17.0, 600.0] {
            let want = 1.0 / (1.0 + f64::exp(z));
            let got = logistic_of_neg(z);
            assert!(
                (got - want).abs() <= 4.0 * f64::EPSILON * want,
                "{z}: {got} vs {want}"
            );
        }
    }
}
