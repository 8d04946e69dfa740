//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong when data enters the crate or a model is fitted.
///
/// Every variant that comes from user data names where the problem is (row, column, value),
/// so that a message can be acted on without a debugger.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value in a table of customers or transactions is not acceptable.
    #[error("row {row}, column `{}`: {problem} (value: {})", bounded(.column), quote(.value))]
    InvalidValue {
        /// 1-based data row (the header is not counted), or the 1-based line for line-oriented files.
        row: usize,
        /// Name of the column.
        column: String,
        /// The offending value as it was read.
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A required column is not in the header.
    #[error("missing column `{}` (header has: {})", bounded(.column), bounded(.available))]
    MissingColumn {
        /// The name that was looked for.
        column: String,
        /// The columns that are there, comma separated.
        available: String,
    },
    /// The input has no data rows.
    #[error("{what} is empty: no data rows")]
    Empty {
        /// What was empty (a file name or a description).
        what: String,
    },
    /// The same customer id occurs twice in a customer table.
    #[error("duplicate customer id {} at rows {first} and {second}", quote(.id))]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// 1-based row of its first occurrence.
        first: usize,
        /// 1-based row of its second occurrence.
        second: usize,
    },
    /// Columns of a table have different lengths.
    #[error("column `{column}` has {actual} values, expected {expected}")]
    LengthMismatch {
        /// Column name.
        column: String,
        /// Expected length.
        expected: usize,
        /// Actual length.
        actual: usize,
    },
    /// An argument outside a model's or function's domain.
    #[error("invalid argument `{name}` = {}: {problem}", display_value(value))]
    InvalidArgument {
        /// Argument name.
        name: String,
        /// Its value, as displayed (a number, a length, a name...).
        value: String,
        /// Why it is not acceptable.
        problem: String,
    },
    /// A setting given as text (a tier specification, a missing input column for an
    /// indicator...) is not acceptable.
    #[error("invalid option `{name}` = {value:?}: {problem}")]
    InvalidOption {
        /// Option name.
        name: String,
        /// Its value as given.
        value: String,
        /// Why it is not acceptable.
        problem: String,
    },
    /// Maximum-likelihood estimation did not converge.
    #[error("{model} fit did not converge: {reason} after {iterations} iterations \
             (last parameters {params:?}, log-likelihood {log_likelihood}, gradient norm {gradient_norm:e}); \
             try other initial parameters, a small penalizer, or more iterations")]
    NotConverged {
        /// Model name.
        model: String,
        /// Why the optimiser stopped.
        reason: crate::optim::StopReason,
        /// Iterations done.
        iterations: u64,
        /// Parameters at the last iterate (natural scale).
        params: Vec<f64>,
        /// Log-likelihood at the last iterate.
        log_likelihood: f64,
        /// Norm of the gradient of the objective (log-parameter scale) at the last iterate.
        gradient_norm: f64,
    },
    /// The data cannot determine the model's parameters (for example a table where no customer
    /// made a repeat purchase): any fit would only return its starting point.
    #[error("the data cannot identify the model: {reason}")]
    Unidentified {
        /// Why, in terms of the data.
        reason: String,
    },
    /// A model's prediction for one customer is not usable (not finite, out of range, or a
    /// cumulative expectation that decreases).
    #[error("customer {customer:?} (row {row}): {problem}")]
    Prediction {
        /// The customer's id.
        customer: String,
        /// 1-based row of the customer in its table.
        row: usize,
        /// What is wrong with the prediction.
        problem: String,
    },
    /// A model is not usable as it stands (for example an infinite mean spend).
    #[error("{model}: {problem}")]
    Unusable {
        /// The model's name.
        model: String,
        /// Why it cannot be used, and what to do.
        problem: String,
    },
    /// A quantity is undefined for the data at hand (for example a mean over no customers).
    #[error("{what} is undefined: {reason}")]
    Undefined {
        /// The quantity.
        what: String,
        /// Why.
        reason: String,
    },
    /// A numerical routine could not reach its accuracy (a series that did not converge).
    #[error("{routine}: {problem}")]
    Numerical {
        /// The routine, with its arguments.
        routine: String,
        /// What went wrong.
        problem: String,
    },
    /// Drawing a plot failed.
    #[error("drawing a plot failed: {0}")]
    Plot(String),
    /// The optimiser itself failed.
    #[error("optimiser error: {0}")]
    Optimizer(#[from] argmin::core::Error),
    /// CSV parsing error (malformed quoting, unequal row lengths...).
    #[error("CSV error: {0}")]
    Csv(#[from] csv::Error),
    /// JSON (de)serialisation error.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// I/O error with the path involved.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Longest piece of input text a message quotes, in characters.
pub const QUOTED_CHARS: usize = 120;

/// `text` as messages quote it: in double quotes, control characters and quotes escaped as in
/// Rust string literals, and cut after [`QUOTED_CHARS`] characters with the full length
/// stated, so that a message stays one readable line whatever the input holds.
///
/// ```
/// assert_eq!(clv::error::quote("a\u{1b}[2Jb"), r#""a\u{1b}[2Jb""#);
/// let long = "x".repeat(1_000_000);
/// assert!(clv::error::quote(&long).len() < 200);
/// ```
pub fn quote(text: &str) -> String {
    let (head, cut) = cut(text);
    let mut out = format!("{head:?}");
    if cut {
        out.push_str(&format!("... ({} bytes in all)", text.len()));
    }
    out
}

/// `text` unquoted but with control characters escaped and cut as [`quote`] cuts it (for
/// names and lists that are already delimited in a message).
pub fn bounded(text: &str) -> String {
    let (head, cut) = cut(text);
    let mut out = String::with_capacity(head.len());
    for c in head.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if cut {
        out.push_str(&format!("... ({} bytes in all)", text.len()));
    }
    out
}

/// The first [`QUOTED_CHARS`] characters of `text`, and whether anything was left out.
fn cut(text: &str) -> (&str, bool) {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((end, _)) => (&text[..end], true),
        None => (text, false),
    }
}

/// `x` as messages print it: the shortest digits that read back to the same number, in plain
/// notation for ordinary magnitudes and in scientific notation for very large or very small
/// ones (never a 300-digit decimal): [`crate::io::format_number`].
///
/// ```
/// assert_eq!(clv::error::number(22.35), "22.35");
/// assert_eq!(clv::error::number(1e300), "1e300");
/// assert_eq!(clv::error::number(-2.5e-9), "-2.5e-9");
/// ```
pub fn number(x: f64) -> String {
    crate::io::format_number(x)
}

/// A value as displayed in a message: a number through [`number`], anything else [`bounded`].
fn display_value(value: &str) -> String {
    match value.parse::<f64>() {
        Ok(x) if value.len() > 24 => number(x),
        _ => bounded(value),
    }
}

/// Shorthand for `Result<T, clv::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Builds an [`Error::InvalidValue`].
    pub fn invalid_value(
        row: usize,
        column: impl Into<String>,
        value: impl ToString,
        problem: impl Into<String>,
    ) -> Self {
        Error::InvalidValue {
            row,
            column: column.into(),
            value: value.to_string(),
            problem: problem.into(),
        }
    }

    /// Builds an [`Error::InvalidArgument`].
    pub fn invalid_argument(
        name: impl Into<String>,
        value: impl std::fmt::Display,
        problem: impl Into<String>,
    ) -> Self {
        Error::InvalidArgument {
            name: name.into(),
            value: value.to_string(),
            problem: problem.into(),
        }
    }

    /// Builds an [`Error::Prediction`] for row `row` (0-based) of a table with ids `ids`.
    pub fn prediction(ids: &[String], row: usize, problem: impl Into<String>) -> Self {
        Error::Prediction {
            customer: ids.get(row).cloned().unwrap_or_default(),
            row: row + 1,
            problem: problem.into(),
        }
    }

    /// Builds an [`Error::Undefined`].
    pub fn undefined(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Undefined {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// Builds an [`Error::Numerical`].
    pub fn numerical(routine: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::Numerical {
            routine: routine.into(),
            problem: problem.into(),
        }
    }

    /// Builds an [`Error::InvalidOption`].
    pub fn invalid_option(
        name: impl Into<String>,
        value: impl ToString,
        problem: impl Into<String>,
    ) -> Self {
        Error::InvalidOption {
            name: name.into(),
            value: value.to_string(),
            problem: problem.into(),
        }
    }

    /// Builds an [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
