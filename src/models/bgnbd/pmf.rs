//! The conditional distribution of future purchases of the BG/NBD family.
//!
//! Given the history (x, t_x, T), a customer is alive at T with probability `P(alive)`; an
//! alive customer's rate and dropout probability are then independent, `lambda ~ Gamma(r+x,
//! alpha+T)` and `p ~ Beta(a, b+x+d)` (the likelihood of staying alive through `x + d` dropout
//! chances). In `(T, T+t]` she buys `n` times either by making `n` purchases and surviving all
//! of them, or by dropping out at the `n`-th:
//!
//! `P(Y = n | alive) = E[(1-p)^n] NB(n) + 1{n>0} E[p (1-p)^(n-1)] P(N >= n)`,
//!
//! with `N ~ NB(r+x, t/(alpha+T+t))` the purchases of a customer who never drops out,
//! `E[(1-p)^n] = B(a, b'+n)/B(a, b')` and `E[p(1-p)^(n-1)] = B(a+1, b'+n-1)/B(a, b')`
//! (`b' = b+x+d`), both by recurrence. `P(Y = 0)` adds the `1 - P(alive)` of a dead customer.

use super::{shift, BetaGeo, Variant};
use crate::data::Rfm;
use crate::error::Result;
use crate::models::pmf::{collect_pmf, start, NbTerms};
use crate::time::Duration;

impl<V: Variant> BetaGeo<V> {
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
        let x = c.frequency as f64;
        let (a, bx) = (self.a, self.b + x + shift::<V>());
        let big_a = self.alpha + c.age;
        let q = t / (big_a + t);
        // ln(1 - q) = -ln(1 + t/A)
        let mut nb = NbTerms::new(self.r + x, q, -(t / big_a).ln_1p());
        // E[(1-p)^n] and P(N >= n), both at n = 0
        let mut survive = 1.0;
        let mut at_least = 1.0;
        collect_pmf(V::NAME, tail, out, |n| {
            if n == 0 {
                let p0 = nb.value();
                at_least -= p0;
                return 1.0 - alive + alive * p0;
            }
            let nf = n as f64;
            // E[p (1-p)^(n-1)] from E[(1-p)^(n-1)], then E[(1-p)^n]
            let drop_at_n = survive * a / (a + bx + nf - 1.0);
            survive *= (bx + nf - 1.0) / (a + bx + nf - 1.0);
            nb.advance();
            let p = alive * (survive * nb.value() + drop_at_n * at_least.max(0.0));
            at_least -= nb.value();
            p
        })
    }
}
