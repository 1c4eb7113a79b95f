//! The JSON report, `mqtt-conformance-report/1`: the [`Report`] as JSON. Its schema is published
//! in `conformance/schema/mqtt-conformance-report-1.schema.json` (embedded as [`SCHEMA_JSON`]) and
//! documented field by field in the README; `conformance compare` reads these files back.

use super::{Report, RunInfo, SCHEMA};
use crate::verdict::CheckResult;

/// The JSON Schema (draft 2020-12) of the report.
pub const SCHEMA_JSON: &str = include_str!("../../schema/mqtt-conformance-report-1.schema.json");

/// The JSON report of `results`.
pub fn json_report(results: &[CheckResult], info: &RunInfo) -> String {
    render(&Report::new(info.clone(), results.to_vec()))
}

/// `report` as pretty JSON.
pub fn render(report: &Report) -> String {
    // Serializing plain data with string keys cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}

/// Reads a JSON report back.
///
/// # Errors
/// The file cannot be read, is not JSON of this shape, or names another schema.
pub fn load(path: &std::path::Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(SCHEMA) => {}
        Some(other) => {
            return Err(format!(
                "{}: schema {other:?}, this version reads {SCHEMA:?}",
                path.display()
            ))
        }
        None => {
            return Err(format!(
                "{}: not a conformance report (no \"schema\")",
                path.display()
            ))
        }
    }
    serde_json::from_value(value).map_err(|e| format!("{}: {e}", path.display()))
}
