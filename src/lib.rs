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

/// A calendar date (chrono's), as the public API takes and returns dates: observation ends,
/// subscription starts, cohort labels. Re-exported so that callers need no `chrono`
/// dependency of their own (nor have to match its version).
///
/// ```
/// use clv::data::transactions::{Period, Summarizer, SummaryOptions};
/// use clv::{NaiveDate, TimeUnit};
///
/// let day = |d| NaiveDate::from_ymd_opt(2024, 1, d).unwrap();
/// let options = SummaryOptions::new().unit(TimeUnit::Days).observation_end(day(31));
/// let mut s = Summarizer::new(&options).unwrap();
/// s.push("ann", day(1).into(), None).unwrap();
/// s.push("ann", day(11).into(), None).unwrap();
/// let table = s.finish().unwrap().table;
/// assert_eq!(table.recency().to_vec(), [10.0]);
/// assert_eq!(table.age().to_vec(), [30.0]);
/// assert_eq!(Period::Day.index(day(1).into()), 19723);
/// ```
pub use chrono::NaiveDate;

/// A date and time of day (chrono's), as transaction times, calibration and observation ends
/// are given; any [`NaiveDate`] converts into one (at midnight) with `.into()`.
///
/// ```
/// use clv::{NaiveDate, NaiveDateTime};
/// let t: NaiveDateTime = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap().into();
/// assert_eq!(t.to_string(), "2024-03-01 00:00:00");
/// ```
pub use chrono::NaiveDateTime;

/// The README's Rust code blocks are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
