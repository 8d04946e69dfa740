//! Generic special functions: Gauss' hypergeometric function, trigamma and gamma-function
//! helpers, quadrature. (The BG/NBD expectation kernel built on 2F1 is model-specific and lives
//! in [`crate::models::bgnbd`].)
//!
//! * [`trigamma`]: `psi_1(x)` (statrs has none);
//! * [`hyp2f1`]: `2F1(a, b; c; z)` for real parameters and every real `z < 1`;
//! * [`exp_non_positive`]: `exp(z)` for `z <= 0`, branch-free so that loops vectorise, and
//!   [`one_over_one_plus_exp`] on a slice (P(alive)'s last step) built on it;

mod exp;
mod gamma;
mod hyp2f1;
mod ln_sum;
pub(crate) mod quadrature;

pub(crate) use exp::logistic_of_neg;
pub use exp::{exp_non_positive, one_over_one_plus_exp};
pub(crate) use gamma::expm1_quot;
pub use gamma::trigamma;
pub use hyp2f1::hyp2f1;

pub(crate) use gamma::ln_gamma_ratio;
pub(crate) use ln_sum::LnSum;
