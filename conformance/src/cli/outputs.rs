//! Where a run's reports go: one report on stdout (or `--output`) in `--format`, and any of
//! `--junit`, `--json`, `--html`, `--markdown` written in the same run. Every path is checked
//! before the run starts, so a typo costs seconds, not a whole run.

use clap::{Args, ValueEnum};
use mqtt_conformance::report::{html, json, junit, markdown, text, Report};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people; coloured on a terminal (honours NO_COLOR, CLICOLOR_FORCE).
    Text,
    /// `mqtt-conformance-report/1` (schema/mqtt-conformance-report-1.schema.json).
    Json,
    /// JUnit XML for CI dashboards.
    Junit,
    /// One self-contained HTML page.
    Html,
    /// Markdown for a pull-request comment.
    Markdown,
}

/// The report options of a run.
#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Format of the report on stdout (or in --output); with --list or --coverage, json prints
    /// them as JSON.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write that report here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write the JSON report here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write the HTML report here.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Also write the Markdown report here.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Count non-strict verdicts (a SHOULD not met) as failures: in the exit status and in JUnit.
    #[arg(long)]
    pub strict: bool,
}

impl OutputArgs {
    /// The files this run writes, with the flag that names each.
    fn files(&self) -> Vec<(&'static str, &Path, Format)> {
        let mut out = Vec::new();
        if let Some(p) = &self.output {
            out.push(("--output", p.as_path(), self.format));
        }
        for (flag, path, format) in [
            ("--junit", &self.junit, Format::Junit),
            ("--json", &self.json, Format::Json),
            ("--html", &self.html, Format::Html),
            ("--markdown", &self.markdown, Format::Markdown),
        ] {
            if let Some(p) = path {
                out.push((flag, p.as_path(), format));
            }
        }
        out
    }

    /// Checks every output file can be written, before anything runs.
    ///
    /// # Errors
    /// The first file that cannot be, with the flag that names it.
    pub fn check_writable(&self) -> Result<(), String> {
        for (flag, path, _) in self.files() {
            writable(path).map_err(|e| format!("{flag} {}: {e}", path.display()))?;
        }
        Ok(())
    }

    /// Renders `report` in `format`.
    pub fn render(&self, report: &Report, format: Format, verbose: bool) -> String {
        match format {
            Format::Text => text::text(report, verbose),
            Format::Json => json::render(report),
            Format::Junit => junit::junit(report, self.strict),
            Format::Html => html::report(report),
            Format::Markdown => markdown::report(report),
        }
    }

    /// Writes every report: the `--format` one to stdout (styles stripped where they do not
    /// belong) or `--output`, and each extra file.
    ///
    /// # Errors
    /// A file that could not be written after all.
    pub fn write(&self, report: &Report, verbose: bool) -> Result<Vec<String>, String> {
        let mut written = Vec::new();
        if self.output.is_none() {
            let out = self.render(report, self.format, verbose);
            let mut stdout = anstream::stdout();
            // A closed pipe (`| head`) is the reader's choice, not an error of the run.
            let _ = stdout.write_all(out.as_bytes());
            let _ = stdout.flush();
        }
        for (flag, path, format) in self.files() {
            let out = self.render(report, format, verbose);
            let out = anstream::adapter::strip_str(&out).to_string();
            std::fs::write(path, out).map_err(|e| format!("{flag} {}: {e}", path.display()))?;
            written.push(path.display().to_string());
        }
        Ok(written)
    }
}

/// Whether `path` can be written: opened for writing without truncating it, and removed again if
/// this created it.
pub fn writable(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err("is a directory".into());
    }
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
                format!("directory {} does not exist", dir.display())
            }
            _ => e.to_string(),
        })?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}
