//! The binary's error: one message with its context and the chain of causes.

use std::fmt::{self, Display};

/// What went wrong, ready to print after `error: `.
#[derive(Debug)]
pub struct Failure {
    message: String,
}

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
        }
    }
}

/// Longest message printed, in characters.
const MESSAGE_CHARS: usize = 2000;

impl Display for Failure {
    /// One line: control characters (from file names, say) escaped, cut after
    /// [`MESSAGE_CHARS`] characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.message.chars().enumerate() {
            if i == MESSAGE_CHARS {
                return write!(f, "... ({} bytes in all)", self.message.len());
            }
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// Advice the library gives in terms of its API (and its argument names), and what the CLI
/// says instead.
const CLI_WORDS: [(&str, &str); 7] = [
    ("argument `calibration_end`", "option `--calibration-end`"),
    ("argument `observation_end`", "option `--observation-end`"),
    (
        "argument `first_purchase_between`",
        "options `--first-purchase-from` and `--first-purchase-to`",
    ),
    (
        "argument `first_purchase_from`",
        "option `--first-purchase-from`",
    ),
    (
        "argument `first_purchase_to`",
        "option `--first-purchase-to`",
    ),
    (
        clv::data::transactions::REFUND_REFUSED,
        "negative amount (a refund): choose `--refunds net` to net refunds against purchases, \
         or `--refunds drop` to leave them out",
    ),
    (
        "FitOptions::default().penalizer(0.001)",
        "--penalizer 0.001",
    ),
];

/// `message` with the library's advice in the CLI's words.
fn in_cli_words(mut message: String) -> String {
    for (library, cli) in CLI_WORDS {
        if message.contains(library) {
            message = message.replace(library, cli);
        }
    }
    message
}

/// `error`'s message followed by each cause it does not already spell out, in the CLI's words.
fn chain(error: &dyn std::error::Error) -> String {
    in_cli_words(chain_of(error))
}

fn chain_of(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    message
}

impl From<clv::Error> for Failure {
    fn from(e: clv::Error) -> Self {
        Failure::new(chain(&e))
    }
}

/// Adds what was being done to an error.
pub trait Context<T> {
    /// `"{what}: {error}"`.
    fn context(self, what: impl Display) -> Result<T, Failure>;
}

impl<T, E: std::error::Error> Context<T> for Result<T, E> {
    fn context(self, what: impl Display) -> Result<T, Failure> {
        self.map_err(|e| Failure::new(format!("{what}: {}", chain(&e))))
    }
}
