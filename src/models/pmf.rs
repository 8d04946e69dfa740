//! Building blocks of the conditional purchase distributions
//! ([`PurchaseModel::conditional_pmf`](crate::models::PurchaseModel::conditional_pmf)): the
//! negative-binomial counts of a Gamma-mixed Poisson process, term by term without underflow,
//! and the collection of a probability mass function until its tail is negligible.

use crate::error::{Error, Result};

/// Most entries a conditional distribution may have: beyond this the work is refused, so that no
/// parameter set can make a prediction run without bound.
pub const MAX_PMF_LEN: usize = 1 << 20;

/// `NB(n; k, q) = Gamma(k+n) / (Gamma(k) n!) (1-q)^k q^n`, the number of events in a window of
/// a Poisson process whose rate is Gamma(k, A)-distributed, with `q = t / (A + t)` for a window
/// of length `t`; advanced one `n` at a time by the ratio `(k+n-1)/n q`, in linear space once
/// the term is representable and in log space before (a start below the smallest double).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NbTerms {
    k: f64,
    q: f64,
    ln_q: f64,
    n: f64,
    ln_value: f64,
    value: f64,
}

impl NbTerms {
    /// The term `n = 0`, `(1-q)^k`, from `ln(1-q)` (which the caller computes stably).
    pub(crate) fn new(k: f64, q: f64, ln_one_minus_q: f64) -> Self {
        let ln_value = k * ln_one_minus_q;
        NbTerms {
            k,
            q,
            ln_q: q.ln(),
            n: 0.0,
            ln_value,
            value: linear(ln_value),
        }
    }

    /// The current term `NB(n)`.
    #[inline]
    pub(crate) fn value(&self) -> f64 {
        self.value
    }

    /// Moves to `n + 1`.
    #[inline]
    pub(crate) fn advance(&mut self) {
        self.n += 1.0;
        let ratio = (self.k + self.n - 1.0) / self.n;
        if self.value > TINY {
            self.value *= ratio * self.q;
            if self.value <= TINY {
                self.ln_value = self.value.ln();
            }
        } else {
            self.ln_value += ratio.ln() + self.ln_q;
            self.value = linear(self.ln_value);
        }
    }
}

/// Below this a term is carried in log space.
const TINY: f64 = 1e-290;

fn linear(ln: f64) -> f64 {
    if ln < -700.0 {
        0.0
    } else {
        ln.exp()
    }
}

/// Collects `P(Y = 0), P(Y = 1), ...` from `next` (called with n = 0, 1, ...) into `out` until
/// the mass collected is within `tail` of 1. Errors when that takes more than [`MAX_PMF_LEN`]
/// terms or a term is not a probability.
pub(crate) fn collect_pmf(
    model: &str,
    tail: f64,
    out: &mut Vec<f64>,
    mut next: impl FnMut(usize) -> f64,
) -> Result<()> {
    out.clear();
    let mut total = 0.0;
    let mut n = 0;
    while 1.0 - total > tail {
        if n == MAX_PMF_LEN {
            return Err(Error::undefined(
                format!("the {model} distribution of purchases"),
                format!(
                    "its first {MAX_PMF_LEN} counts hold only {total:.6} of the probability; \
                     the horizon is too long for these parameters"
                ),
            ));
        }
        let p = next(n);
        if !(0.0..=1.0 + 1e-9).contains(&p) {
            return Err(Error::numerical(
                format!("{model} P(Y = {n} | history)"),
                format!("{p} is not a probability"),
            ));
        }
        let p = p.min(1.0);
        out.push(p);
        total += p;
        n += 1;
    }
    Ok(())
}

/// The common start of a model's conditional distribution: the horizon in the model's unit
/// (checked), the customer in the model's unit and her P(alive); `None` (with `out = [1]`)
/// for a horizon of 0, which leaves no time to buy.
pub(crate) fn start<M: crate::models::PurchaseModel + ?Sized>(
    model: &M,
    customer: &crate::data::Rfm,
    horizon: crate::time::Duration,
    tail: f64,
    out: &mut Vec<f64>,
) -> Result<Option<(crate::data::Rfm, f64, f64)>> {
    let t = crate::models::pmf_horizon(horizon, model.time_unit(), tail)?;
    if t == 0.0 {
        out.clear();
        out.push(1.0);
        return Ok(None);
    }
    let c = customer.in_unit(model.time_unit());
    Ok(Some((c, model.p_alive(&c), t)))
}

/// Checks the tail tolerance of a conditional distribution.
pub(crate) fn check_tail(tail: f64) -> Result<()> {
    if !(tail > 0.0 && tail < 1.0) {
        return Err(Error::invalid_argument(
            "tail",
            tail,
            "the probability left out must be in (0, 1)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::function::gamma::ln_gamma;

    fn nb(n: f64, k: f64, q: f64) -> f64 {
        (ln_gamma(k + n) - ln_gamma(k) - ln_gamma(n + 1.0) + k * (1.0 - q).ln() + n * q.ln()).exp()
    }

    #[test]
    fn terms_match_the_closed_form_including_an_underflowing_start() {
        for &(k, q) in &[(0.5, 0.3), (27.0, 0.9), (2000.0, 0.7), (3.0, 1e-6)] {
            let mut t = NbTerms::new(k, q, (-q).ln_1p());
            for n in 0..4000 {
                let want = nb(n as f64, k, q);
                let got = t.value();
                if want > 1e-280 {
                    assert!(
                        ((got - want) / want).abs() < 1e-9,
                        "k {k} q {q} n {n}: {got} vs {want}"
                    );
                }
                t.advance();
            }
        }
    }

    #[test]
    fn collection_stops_at_the_tail_and_is_bounded() {
        let mut out = Vec::new();
        collect_pmf("geometric", 1e-12, &mut out, |n| 0.5f64.powi(n as i32 + 1)).unwrap();
        assert_eq!(out.len(), 40);
        let err = collect_pmf("flat", 1e-12, &mut out, |_| 1e-9).unwrap_err();
        assert!(err.to_string().contains("horizon is too long"), "{err}");
        assert!(collect_pmf("bad", 1e-12, &mut out, |_| f64::NAN).is_err());
        assert!(check_tail(0.0).is_err() && check_tail(1e-10).is_ok());
    }
}
