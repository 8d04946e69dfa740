//! The conditional distribution of future purchases of the Pareto/NBD model.
//!
//! Given the history (x, t_x, T), a customer is alive at T with probability `P(alive)`; an
//! alive customer's purchase rate is then `Gamma(r+x, alpha+T)` and her dropout rate
//! `Gamma(s, beta+T)`, so her remaining lifetime `tau` has the Lomax survival
//! `S(tau) = (B/(B+tau))^s` (`B = beta+T`). She buys `n` times in `(T, T+t]` with
//!
//! `P(Y = n | alive) = S(t) NB(n; t) + int_0^t f(tau) NB(n; tau) dtau`,
//!
//! `NB(n; tau)` the negative-binomial count of a window `tau` (shape `r+x`, `q = tau/(A+tau)`,
//! `A = alpha+T`). The integral is taken over `v = F(tau) / F(t)` in `[0, 1]`
//! (`F = 1 - S`), which absorbs the density, by composite Gauss-Legendre; every node's counts
//! advance together by recurrence, so the whole distribution costs one pass.

use super::ParetoNbd;
use crate::data::Rfm;
use crate::error::Result;
use crate::models::pmf::{collect_pmf, start, NbTerms};
use crate::special::quadrature::{gauss_legendre, NODES};
use crate::time::Duration;

/// Gauss-Legendre panels over `v`.
const PANELS: usize = 2;
/// Quadrature nodes, plus the term of a customer still alive at the horizon.
const TERMS: usize = PANELS * NODES + 1;

impl ParetoNbd {
    /// See [`PurchaseModel::conditional_pmf`](crate::models::PurchaseModel::conditional_pmf).
    pub(super) fn conditional_pmf_of(
        &self,
        customer: &Rfm,
        horizon: Duration,
        tail: f64,
        out: &mut Vec<f64>,
    ) -> Result<()> {
        let Some((c, alive, t)) = start(self, customer, horizon, tail, out)? else {
            return Ok(());
        };
        let (weights, mut terms) = self.window_terms(c.frequency as f64, c.age, t);
        collect_pmf("Pareto/NBD", tail, out, |n| {
            if n > 0 {
                terms.iter_mut().for_each(NbTerms::advance);
            }
            let given_alive: f64 = weights
                .iter()
                .zip(&terms)
                .map(|(w, nb)| w * nb.value())
                .sum();
            let dead = if n == 0 { 1.0 - alive } else { 0.0 };
            dead + alive * given_alive
        })
    }

    /// The weights of the windows `tau` (the quadrature nodes in `(0, t)` and `t` itself) and
    /// their negative-binomial counts at `n = 0`.
    fn window_terms(&self, x: f64, age: f64, t: f64) -> ([f64; TERMS], [NbTerms; TERMS]) {
        let k = self.r + x;
        let (big_a, big_b) = (self.alpha + age, self.beta + age);
        // S(t) = (B/(B+t))^s and F(t) = 1 - S(t), without cancellation
        let ln_survive = -self.s * (t / big_b).ln_1p();
        let f_t = -ln_survive.exp_m1();
        let window = |tau: f64| NbTerms::new(k, tau / (big_a + tau), -(tau / big_a).ln_1p());
        let mut weights = [0.0; TERMS];
        let mut terms = [window(t); TERMS];
        weights[TERMS - 1] = ln_survive.exp();
        let (nodes, w) = gauss_legendre();
        for panel in 0..PANELS {
            for j in 0..NODES {
                let i = panel * NODES + j;
                let v = f_t * (panel as f64 + nodes[j]) / PANELS as f64;
                // tau = F^-1(v) = B ((1-v)^(-1/s) - 1)
                let tau = big_b * (-(-v).ln_1p() / self.s).exp_m1();
                weights[i] = f_t * w[j] / PANELS as f64;
                terms[i] = window(tau);
            }
        }
        (weights, terms)
    }
}
