//! Progress on stderr for steps that can take more than a second; silent with `--quiet` or
//! when stderr is not a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A spinner for the current step, which can turn into a bar for counted work.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// Shown only when `!quiet` and stderr is a terminal.
    pub fn new(quiet: bool) -> Self {
        let bar = ProgressBar::new_spinner();
        if quiet || !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        } else {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Progress { bar }
    }

    /// Starts a step of unknown length.
    pub fn step(&self, message: impl Into<String>) {
        self.bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"),
        );
        self.bar.set_message(message.into());
    }

    /// Prints a line on stdout without garbling the progress line.
    pub fn println(&self, line: impl AsRef<str>) {
        self.bar.suspend(|| say!("{}", line.as_ref()));
    }

    /// Runs `f` (which prints) without garbling the progress line.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Removes the progress line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
