//! The MBG/NBD model (Batislam, Denizel & Filiztekin 2007, "Empirical validation and
//! comparison of models for customer base analysis"): BG/NBD in which a customer can also drop
//! out right after the first purchase, so that customers without repeat purchases are not all
//! alive (under BG/NBD they are, by construction).
//!
//! It is the BG/NBD family's [`BetaGeo`] with the [`Modified`] variant: with the shift `d = 1`
//! the likelihood is `B(a, b+x+1)/B(a, b) Gamma(r+x) alpha^r / Gamma(r) [(alpha+T)^-(r+x) +
//! a/(b+x) (alpha+t_x)^-(r+x)]`, `P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))`,
//! and the expectations use the BG/NBD kernel with `b + x + 1` in place of `b + x` (the forms
//! of lifetimes' `ModifiedBetaGeoFitter` and BTYDplus' `mbgcnbd` with k = 1).
//!
//! ```
//! use clv::models::{MbgNbd, PurchaseModel};
//! use clv::{Rfm, TimeUnit};
//! let m = MbgNbd::new(0.525, 6.183, 0.891, 1.614, TimeUnit::Weeks).unwrap();
//! // a customer without repeat purchases may have dropped out at the first purchase
//! let p = m.p_alive(&Rfm::new(0, 0.0, 38.0, TimeUnit::Weeks).unwrap());
//! assert!(p < 1.0 && p > 0.0);
//! ```

use crate::models::bgnbd::{BetaGeo, Variant};

/// MBG/NBD: dropout also possible right after the first purchase.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Modified;

impl Variant for Modified {
    const NAME: &'static str = "MBG/NBD";
    const DESCRIPTION: &'static str = "MBG/NBD (Batislam, Denizel & Filiztekin 2007): as BG/NBD, \
        but the dropout chance ~ Beta(a, b) also applies at the first purchase.";
    const DROPOUT_AT_START: bool = true;
    /// BTYDplus' fit on the CDNOW sample (REFERENCE.md: r 0.525, alpha 6.183, a 0.891, b 1.614).
    const REFERENCE: [f64; 4] = [0.525, 6.183, 0.891, 1.614];
}

/// The MBG/NBD model.
pub type MbgNbd = BetaGeo<Modified>;
