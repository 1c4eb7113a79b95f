//! `conformance compare A.json B.json ...`: several JSON reports as one matrix, checks as rows
//! and runs as columns, the checks whose verdicts differ first.

use super::outputs::writable;
use clap::Args;
use mqtt_conformance::report::{html, json, markdown, matrix::Matrix, Report};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// JSON reports (`--json FILE` of earlier runs); each becomes a column, titled with its
    /// `--broker-name` or else the file name.
    #[arg(required = true, num_args = 1.., value_name = "REPORT.json")]
    reports: Vec<PathBuf>,
    /// Write the matrix as a self-contained HTML page here.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write the matrix as Markdown here (without --html or --markdown, it goes to stdout).
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
}

/// Runs `compare`: 0 when written, 2 on unreadable reports or unwritable outputs.
pub fn run(args: CompareArgs) -> ExitCode {
    let fail = |msg: String| {
        eprintln!("error: {msg}");
        ExitCode::from(2)
    };
    for (flag, path) in [("--html", &args.html), ("--markdown", &args.markdown)] {
        if let Some(p) = path {
            if let Err(e) = writable(p) {
                return fail(format!("{flag} {}: {e}", p.display()));
            }
        }
    }
    let mut runs: Vec<(String, Report)> = Vec::new();
    for path in &args.reports {
        match json::load(path) {
            Ok(r) => {
                let name = path.file_stem().map_or_else(
                    || path.display().to_string(),
                    |s| s.to_string_lossy().into_owned(),
                );
                runs.push((name, r));
            }
            Err(e) => return fail(e),
        }
    }
    let m = Matrix::new(&runs);
    for (flag, path, text) in [
        (
            "--html",
            &args.html,
            args.html.as_ref().map(|_| html::matrix(&m)),
        ),
        (
            "--markdown",
            &args.markdown,
            args.markdown.as_ref().map(|_| markdown::matrix(&m)),
        ),
    ] {
        if let (Some(p), Some(text)) = (path, text) {
            if let Err(e) = std::fs::write(p, text) {
                return fail(format!("{flag} {}: {e}", p.display()));
            }
        }
    }
    if args.html.is_none() && args.markdown.is_none() {
        let _ = std::io::stdout().write_all(markdown::matrix(&m).as_bytes());
    }
    eprintln!(
        "{} runs, {} checks, {} with different verdicts",
        m.columns.len(),
        m.rows.len(),
        m.differences()
    );
    ExitCode::SUCCESS
}
