//! The `hubscope` command line. This binary only wires the library crates together: it owns the
//! command line, the terminal (progress bars, tables) and exit codes; every analysis lives in a
//! library crate.
//!
//! Exit codes: 0 success, 1 policy failure (audit), 2 usage or input error.
#![forbid(unsafe_code)]

mod card_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Study and govern the reuse of pre-trained models from the Hugging Face Hub.
#[derive(Debug, Parser)]
#[command(name = "hubscope", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyse model cards (README.md): front matter, sections, signals, completeness score.
    Card(card_cmd::CardArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Card(args) => card_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if is_broken_pipe(&err) {
                // `hubscope card … | head` is not an error.
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
