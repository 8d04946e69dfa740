//! BG/NBD
/// placeholder
pub struct BgNbd;
