//! # clv: customer lifetime value with "buy till you die" models
//!
//! Answers three questions about a base of repeat customers:
//! how many more purchases will each customer make, is the customer still "alive", and what is
//! each customer worth over a horizon.
//!
//! Layout (data flows downwards):
//! * [`data`]: customer RFM summaries ([`CustomerTable`]) and their compression;
//! * [`simulate`]: synthetic populations drawn from the models, seeded and parallel;
//! * [`special`]: special functions (Gauss' hypergeometric 2F1);
//! * [`optim`]: the optimisation engine (argmin's `Executor` with damped Newton or L-BFGS),
//!   a leaf that models and fits build on;
//! * [`models`]: one module per model, each owning its likelihood, gradient and predictions,
//!   behind the traits every consumer uses, registered once in [`models::registry`];
//! * [`fit`]: the one fit path of every purchase model, and the comparison of models;
//! * [`time`]: units of time carried by every duration;
//! * [`value`]: discounted lifetime value and the customer value table;
//! * [`analysis`]: from scores to decisions (value x risk segments, RFM scores, cohorts, CLV
//!   against acquisition cost);
//! * `report` (feature `report`, part of the default `cli`): the HTML model report with its SVG
//!   plots.
#![deny(missing_docs)]

pub mod analysis;
pub mod data;
pub mod error;
pub mod fit;
pub mod io;
pub mod models;
pub mod optim;
#[cfg(feature = "report")]
pub mod report;
pub mod simulate;
pub mod special;
pub mod time;
pub mod value;

pub use data::{CustomerTable, Rfm, RfmCsvOptions};
pub use error::{Error, Result};
pub use time::{Duration, TimeUnit};

/// The README's Rust code blocks are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
