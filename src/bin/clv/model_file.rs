//! The model file written by `clv fit` and read by `clv predict`: the fitted purchase model,
//! the optional fitted spend model, and what they were fitted on, as JSON.

use std::io::Write;
use std::path::Path;

use clv::fit::Fitted;
use clv::models::{AnyPurchaseModel, GammaGamma};
use serde::{Deserialize, Serialize};

use crate::failure::{Context, Failure};

/// Identifies the file format.
/// (2: the purchase model of any registered kind, tagged `"type": KEY` inside `model`.)
pub const FORMAT: &str = "clv-model/2";

/// Everything `clv predict` needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The purchase and dropout model, of any registered kind.
    pub purchase: Fitted<AnyPurchaseModel>,
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
