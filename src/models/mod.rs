//! The models: one module each, owning its likelihood, gradient and predictions.
//!
//! Purchase-and-dropout models implement the traits of [`purchase`]: [`PurchaseModel`] (the
//! predictions every consumer uses), [`FitPurchaseModel`] (what the one generic fit path needs)
//! and [`SimulatePurchases`]. They are registered once, in [`registry`], which is what the CLI's
//! `--model`, its model file and the model comparison go through. Spend models implement
//! [`SpendModel`].
//!
//! Adding a purchase model: a module implementing the three traits, and one line in the
//! `purchase_models!` invocation of [`registry`].

pub mod bdw;
pub mod bgbb;
pub mod bgnbd;
pub mod discrete;
pub mod gamma_gamma;
pub mod mbgnbd;
pub mod pareto_nbd;
pub mod pmf;
pub mod purchase;
pub mod registry;
pub mod retention;
pub mod sbg;
pub mod spend;

pub use bgnbd::BgNbd;
pub use gamma_gamma::{frequency_spend_correlation, GammaGamma, SpendCorrelation};
pub use mbgnbd::MbgNbd;
pub use pareto_nbd::ParetoNbd;
pub(crate) use purchase::{
    check_steps, decreasing_error, discounted_sum, plain_horizon, pmf_horizon,
};
pub use purchase::{
    Dropout, FitPurchaseModel, Latent, PurchaseModel, SimulatePurchases, WithParams,
};
pub use registry::{AnyPurchaseModel, KindVisitor, PurchaseModelKind};
pub use spend::{SpendModel, SpendMoments};
