//! Customer data: RFM summaries, the customer table, and its compression.

pub mod compress;
pub mod rfm;
pub mod transactions;

pub use compress::CompressedRfm;
pub use rfm::{Column, CustomerTable, Rfm, RfmCsvOptions};
