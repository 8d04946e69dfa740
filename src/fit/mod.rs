//! Fitting models to data: the one fit path of every purchase model ([`Fit`],
//! [`fit_purchase_model`], [`fit_kind`]) and the comparison of models on evidence ([`compare`]).
//!
//! The optimisation engine underneath ([`maximize`], [`LogLikelihood`], [`FitOptions`],
//! [`FitReport`], [`Fitted`]) lives in [`crate::optim`] and is re-exported here.

pub mod compare;
mod purchase;
mod stream;

pub use crate::optim::{
    maximize, numerical_gradient, FitOptions, FitReport, Fitted, LogLikelihood, StopReason,
    Termination,
};
pub use purchase::{fit_kind, fit_purchase_model, Fit};
pub use stream::FitData;
