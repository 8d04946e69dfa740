//! Pseudonymous customer ids: a keyed hash (HMAC-SHA256) in place of every id, so that scores
//! and tables can go to a marketing tool without raw identifiers.
//!
//! The same id always maps to the same pseudonym under the same key (so files made on
//! different days still join), different keys give unrelated pseudonyms, and without the key
//! the ids cannot be recomputed from the pseudonyms by trying likely ids. A pseudonym is the
//! 64 lower-case hex digits of `HMAC-SHA256(key, id)`, the id taken as its UTF-8 bytes.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};

/// Maps customer ids to keyed-hash pseudonyms.
#[derive(Clone)]
pub struct Pseudonymizer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer { key: <hidden> }")
    }
}

impl Pseudonymizer {
    /// A pseudonymizer keyed with `key` (any length but empty).
    ///
    /// ```
    /// use clv::analysis::Pseudonymizer;
    /// // RFC 4231, test case 2.
    /// let p = Pseudonymizer::new(b"Jefe").unwrap();
    /// assert_eq!(
    ///     p.pseudonym("what do ya want for nothing?"),
    ///     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    /// );
    /// assert!(Pseudonymizer::new(b"").is_err());
    /// ```
    pub fn new(key: &[u8]) -> Result<Self> {
        if key.is_empty() {
            return Err(Error::invalid_option(
                "pseudonymize key",
                "",
                "the key must not be empty",
            ));
        }
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .map_err(|e| Error::invalid_option("pseudonymize key", "<hidden>", e.to_string()))?;
        Ok(Pseudonymizer { mac })
    }

    /// The pseudonym of `id`: 64 hex digits.
    pub fn pseudonym(&self, id: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(id.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut s = String::with_capacity(64);
        for b in digest.iter() {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }

    /// Replaces every id of `ids` by its pseudonym, in place.
    pub fn apply(&self, ids: &mut [String]) {
        for id in ids {
            *id = self.pseudonym(id);
        }
    }
}
