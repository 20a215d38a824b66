//! The `loyalty` command line: inspect programs, scenarios and stores without writing a
//! program.
//!
//! | command | what it does | exit code when it finds a problem |
//! |---|---|---|
//! | `loyalty check PROGRAM` | validates a `.json` or `.toml` program, prints it in words | 1 |
//! | `loyalty play SCENARIO...` | plays SPEC section 7 scenario files, `N passed, M failed` | 1 |
//! | `loyalty store DIR` | reads a store: program, counts, totals, verify, digest | 1 |
//! | `loyalty statement DIR MEMBER` | a member's view and statement | 1 |
//! | `loyalty replay DIR` | replays the journal from the start, compares state digests | 1 |
//! | `loyalty export DIR --format jsonl\|csv` | the journal, for auditors | 1 |
//!
//! Exit codes: 0 success; 1 the input is wrong (an invalid program, a failed scenario, a
//! damaged or inconsistent store, an unknown member); 2 a usage error (clap's); 3 an input that
//! cannot be read (a missing file or directory). Every error names the file and what is wrong.
//! The store commands only read: nothing is created, locked, truncated or removed.
#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

mod describe;
mod play;
mod program_file;
mod stores;
mod time;

/// Exit code: the input is wrong.
pub const EXIT_INVALID: u8 = 1;
/// Exit code: a usage error (unknown command, missing argument).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: an input cannot be read.
pub const EXIT_UNREADABLE: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "loyalty",
    version,
    about = "Inspect loyalty programs, scenarios and stores",
    after_help = "Exit codes: 0 ok, 1 invalid input or a failed check, 2 usage, 3 unreadable input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a program (.json or .toml) and print it in words.
    Check {
        /// The program file.
        program: PathBuf,
    },
    /// Play scenario files (SPEC section 7) and print `N passed, M failed`.
    Play {
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Read a store (read-only): program, counts, totals, verification, state digest.
    Store {
        /// The store's directory.
        dir: PathBuf,
    },
    /// A member's view and statement, from a store (read-only).
    Statement {
        /// The store's directory.
        dir: PathBuf,
        /// The member's id.
        member: u64,
    },
    /// Replay a store's journal from its program and compare the state digests (read-only).
    Replay {
        /// The store's directory.
        dir: PathBuf,
    },
    /// Write a store's journal to standard output, for auditors (read-only).
    Export {
        /// The store's directory.
        dir: PathBuf,
        /// `jsonl`: one record per line, as stored; `csv`: one row per posting.
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
    },
}

/// An export format.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Jsonl,
    Csv,
}

/// Why a command failed: an exit code and a message naming the input.
#[derive(Debug)]
pub(crate) struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    pub(crate) fn invalid(message: impl Into<String>) -> Failure {
        Failure {
            code: EXIT_INVALID,
            message: message.into(),
        }
    }

    pub(crate) fn unreadable(message: impl Into<String>) -> Failure {
        Failure {
            code: EXIT_UNREADABLE,
            message: message.into(),
        }
    }

    /// A failure to write the output: a closed pipe ends the command quietly.
    pub(crate) fn output(e: &io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure {
                code: 0,
                message: String::new(),
            }
        } else {
            Failure::unreadable(format!("cannot write the output: {e}"))
        }
    }
}

pub(crate) type Outcome = Result<(), Failure>;

/// Runs the command line `args` (the program name first), writing to standard output and
/// error; returns the exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { 0 };
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result =
        execute(cli.command, &mut out).and_then(|()| out.flush().map_err(|e| Failure::output(&e)));
    match result {
        Ok(()) => 0,
        Err(failure) => {
            let _ = out.flush();
            if !failure.message.is_empty() {
                eprintln!("loyalty: {}", failure.message);
            }
            failure.code
        }
    }
}

fn execute(command: Command, out: &mut dyn Write) -> Outcome {
    match command {
        Command::Check { program } => {
            let loaded = program_file::load(&program)?;
            describe::program(&loaded, out).map_err(|e| Failure::output(&e))
        }
        Command::Play { scenarios } => play::play(&scenarios, out),
        Command::Store { dir } => stores::summary(&dir, out),
        Command::Statement { dir, member } => stores::statement(&dir, member, out),
        Command::Replay { dir } => stores::replay(&dir, out),
        Command::Export { dir, format } => match format {
            Format::Jsonl => stores::export_jsonl(&dir, out),
            Format::Csv => stores::export_csv(&dir, out),
        },
    }
}
