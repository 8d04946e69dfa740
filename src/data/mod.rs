//! Customer data: RFM summaries, the customer table, and its compression.

pub mod compress;
mod csv_fields;
pub mod discrete;
pub(crate) mod group;
pub(crate) mod hash;
pub mod identify;
#[cfg(feature = "parquet")]
pub mod parquet;
#[cfg(feature = "parquet")]
pub mod parquet_tables;
pub mod periods;
pub(crate) mod places;
pub mod retention;
pub mod rfm;
pub mod rfm_chunks;
pub(crate) mod rfm_distinct;
pub(crate) mod rfm_record;
pub mod subscriptions;
pub mod transactions;

pub use compress::CompressedRfm;
pub use identify::{check_identified, repeat_customers_without_spend};
pub use rfm::{Column, CustomerTable, Rfm, RfmCsvOptions};
pub use rfm_chunks::{RfmChunks, DEFAULT_CHUNK_BYTES};
