//! Lifetime value: discounting configuration, per-customer CLV, the customer value table, and
//! the naive historical value to compare it with.
//!
//! * [`ClvConfig`] says over which horizon, in which steps, with which discounting and margin
//!   values are summed, every span with its unit; [`ClvConfig::lifetimes`] reproduces lifetimes'
//!   `customer_lifetime_value` convention;
//! * [`lifetime_value`] combines a [`PurchaseModel`](crate::models::PurchaseModel) (how many
//!   purchases) with the [`GammaGamma`](crate::models::GammaGamma) spend model (how much each);
//! * [`value_table`] scores every customer in one call; [`ValueTable::write_csv`] /
//!   [`ValueTable::read_csv`] store the scores;
//! * [`HistoricalValue`] and [`naive_value`] are the model-free numbers businesses often use.

pub mod config;
pub mod historical;
pub mod interval;
pub mod lifetime;
pub mod purchase_scores;
pub mod score;
pub mod subscriber;
pub mod table;

pub use config::{ClvConfig, Discount};
pub use historical::{naive_value, HistoricalValue};
pub use lifetime::{discounted_purchases, lifetime_value};
pub use purchase_scores::{write_purchase_scores, PurchaseScoredFile, PURCHASE_SCORE_COLUMNS};
pub use score::{alive_and_expected, write_scores, DistinctHistories, ScoredFile};
pub use table::{value_table, ValueTable, VALUE_TABLE_COLUMNS};
