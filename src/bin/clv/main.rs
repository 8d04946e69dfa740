//! `clv`: from an order export to a scored customer list and a model report, without writing
//! Rust. Run `clv --help` and `clv SUBCOMMAND --help`.

/// `println!` that ignores a closed stdout (`clv ... | head`) instead of panicking; the
/// command's files are still written.
/// When a command writes its data to standard output (`-o -`), its messages go to standard
/// error instead.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if crate::paths::messages_to_stderr() {
            let _ = writeln!(std::io::stderr(), $($arg)*);
        } else {
            let _ = writeln!(std::io::stdout(), $($arg)*);
        }
    }};
}

mod args;
mod commands;
mod failure;
mod indicators;
mod intervals;
mod model_file;
mod notes;
mod paths;
mod progress;
mod purchase_scores;
mod report_cmd;
mod report_dir;
mod retention_cmd;
mod segment_cmd;
mod unit_file;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::failure::Failure;
use crate::progress::Progress;

/// Customer lifetime value with "buy till you die" models (BG/NBD purchases and dropout,
/// Gamma-Gamma spend).
///
/// The usual path: `clv summarize` an order log into an RFM table, `clv fit` the models,
/// `clv predict` each customer's P(alive), expected purchases and CLV. `clv report` does all of
/// it and writes an HTML report with the model checks; without input it runs on the CDNOW
/// sample built into the binary. `clv segment` turns a scores file into value x risk segments,
/// RFM scores, cohorts and CLV against acquisition cost.
#[derive(Debug, Parser)]
#[command(name = "clv", version, about, long_about)]
struct Cli {
    /// No progress display (it is also hidden when stderr is not a terminal).
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Summarise a transaction log into an RFM table (frequency, recency, T, monetary value),
    /// optionally split into calibration and holdout periods.
    Summarize(commands::SummarizeArgs),
    /// Fit BG/NBD (and Gamma-Gamma when there are monetary values) to an RFM table; print the
    /// parameters, standard errors, log-likelihood and convergence; save the models as JSON.
    Fit(commands::FitArgs),
    /// Score customers with a fitted model: P(alive), churn probability, expected purchases
    /// and spend, and discounted CLV over a horizon.
    Predict(commands::PredictArgs),
    /// Draw a synthetic population from BG/NBD and Gamma-Gamma, as an RFM table or a
    /// transaction log.
    Simulate(commands::SimulateArgs),
    /// The whole pipeline in one command: summarise, fit, check the model (against the holdout
    /// when --calibration-end is given), score, and write an HTML report with plots.
    Report(report_cmd::ReportArgs),
    /// From a scores CSV to decisions: value x risk segments, RFM scores, acquisition cohorts
    /// or attribute groups with repeat rates, and CLV against acquisition cost; prints the
    /// tables and writes them as CSV.
    Segment(segment_cmd::SegmentArgs),
    /// Subscriptions: fit sBG and BdW per cohort of a subscription log (customer, start, end or
    /// empty, price); print retention curves, churn, DERL and subscriber value. Units: periods.
    Retention(retention_cmd::RetentionArgs),
}

fn run(cli: &Cli) -> Result<(), Failure> {
    let progress = Progress::new(cli.quiet);
    match &cli.command {
        Command::Summarize(a) => commands::summarize(a, &progress),
        Command::Fit(a) => commands::fit(a, &progress),
        Command::Predict(a) => commands::predict(a, &progress),
        Command::Simulate(a) => commands::simulate(a, &progress),
        Command::Report(a) => report_cmd::report(a, &progress),
        Command::Segment(a) => segment_cmd::segment(a, &progress),
        Command::Retention(a) => retention_cmd::retention(a),
    }
}

/// On SIGINT or SIGTERM, removes the temporary files of the writes in progress and ends with
/// the shell's code for the signal (128 + its number).
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                clv::io::remove_temporary_files();
                std::process::exit(128 + signal);
            }
        });
    }
}

/// Parses the command line; a usage error is one line (clap's message and its tips) and exit
/// code 1, like every other error; `--help` and `--version` print as usual.
fn parse() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|e| {
        if !e.use_stderr() {
            e.exit();
        }
        let text = e.render().to_string();
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let mut message = lines.next().unwrap_or("error: bad arguments").to_string();
        for tip in lines.filter(|l| l.starts_with("tip:")) {
            message.push_str("; ");
            message.push_str(tip);
        }
        eprintln!("{message} (see `clv --help`)");
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    clean_up_on_signals();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
