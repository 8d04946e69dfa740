//! Customer data: RFM summaries, the customer table, and its compression.

pub mod compress;
pub mod identify;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod rfm;
pub mod transactions;

pub use compress::CompressedRfm;
pub use identify::{check_identified, repeat_customers_without_spend};
pub use rfm::{Column, CustomerTable, Rfm, RfmCsvOptions};
