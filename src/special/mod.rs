//! Special functions: Gauss' hypergeometric function and the BG/NBD conditional-expectation
//! kernel built on it.
//!
//! * [`trigamma`]: `psi_1(x)` (statrs has none);
//! * [`hyp2f1`]: `2F1(a, b; c; z)` for real parameters and every real `z < 1`;
//! * [`bgnbd_expected_alive`]: expected purchases in `(T, T + t]` of a BG/NBD customer known to
//!   be alive at `T`, the hot part of the BG/NBD conditional expectation.

mod gamma;
mod hyp2f1;
mod kernel;
pub(crate) mod quadrature;

pub(crate) use gamma::expm1_quot;
pub use gamma::trigamma;
pub use hyp2f1::hyp2f1;
pub use kernel::bgnbd_expected_alive;

pub(crate) use gamma::ln_gamma_ratio;
