//! Customer data: RFM summaries, the customer table, and its compression.

pub mod compress;
pub(crate) mod group;
pub(crate) mod hash;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod rfm;
pub mod transactions;

pub use compress::CompressedRfm;
pub use rfm::{Column, CustomerTable, Rfm, RfmCsvOptions};
