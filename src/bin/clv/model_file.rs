//! The model file written by `clv fit` and read by `clv predict`: the fitted purchase model,
//! the optional fitted spend model, and what they were fitted on, as JSON.

use std::io::Write;
use std::path::Path;

use clv::fit::Fitted;
use clv::models::{BgNbd, GammaGamma};
use serde::{Deserialize, Serialize};

use crate::failure::{Context, Failure};

/// Identifies the file format.
pub const FORMAT: &str = "clv-model/1";

/// A fitted purchase model, tagged with its name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum PurchaseFit {
    /// BG/NBD.
    Bgnbd(Fitted<BgNbd>),
}

impl PurchaseFit {
    /// The BG/NBD fit (the only purchase model so far).
    pub fn bgnbd(&self) -> &Fitted<BgNbd> {
        match self {
            PurchaseFit::Bgnbd(f) => f,
        }
    }
}

/// Everything `clv predict` needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The purchase and dropout model.
    pub purchase: PurchaseFit,
    /// The spend model, absent when the data had no monetary values or `--spend-model none`.
    pub spend: Option<Fitted<GammaGamma>>,
    /// The file the models were fitted on.
    pub fitted_on: String,
}

impl ModelFile {
    /// Writes the JSON atomically.
    pub fn write(&self, path: &Path) -> Result<(), Failure> {
        clv::io::write_atomically(path, |w| {
            serde_json::to_writer_pretty(&mut *w, self)?;
            writeln!(w).map_err(|e| clv::Error::io(path, e))
        })
        .context(format!("writing {}", path.display()))
    }

    /// Reads and checks a model file.
    pub fn read(path: &Path) -> Result<Self, Failure> {
        let text = std::fs::read_to_string(path).context(format!("reading {}", path.display()))?;
        let m: ModelFile = serde_json::from_str(&text).context(format!(
            "{} is not a clv model file (written by `clv fit`)",
            path.display()
        ))?;
        if m.format != FORMAT {
            return Err(Failure::new(format!(
                "{}: model format {:?}, this clv reads {FORMAT:?}",
                path.display(),
                m.format
            )));
        }
        Ok(m)
    }
}
