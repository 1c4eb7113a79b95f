//! Several runs side by side (`conformance compare A.json B.json ...`): checks as rows, runs as
//! columns, the rows where the runs differ first, the way Autobahn|Testsuite shows many servers
//! in one table. The runs may be different brokers, versions or profiles, or the same broker
//! before and after a change. Rendered by [`super::html::matrix`] and [`super::markdown::matrix`].

use super::{Report, RunInfo, Section, Summary};
use crate::check::Version;
use crate::verdict::Verdict;
use std::collections::HashMap;

/// One run's column.
#[derive(Debug, Clone)]
pub struct Column {
    /// The column title (unique within the matrix).
    pub label: String,
    /// The run.
    pub run: RunInfo,
    /// Its verdict counts.
    pub summary: Summary,
}

/// One check's verdict in one run.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The verdict.
    pub verdict: Verdict,
    /// One line of evidence ("expected ..., got ..." or the skip reason); empty for a pass.
    pub headline: String,
}

/// One check's row.
#[derive(Debug, Clone)]
pub struct Row {
    /// Check id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its version.
    pub version: Version,
    /// Statements it verifies.
    pub cites: Vec<String>,
    /// One cell per column; `None` where that run did not have the check.
    pub cells: Vec<Option<Cell>>,
}

impl Row {
    /// Whether the runs disagree on this check (a run without it counts as disagreeing).
    pub fn differs(&self) -> bool {
        let first = self
            .cells
            .first()
            .and_then(|c| c.as_ref().map(|c| c.verdict));
        self.cells
            .iter()
            .any(|c| c.as_ref().map(|c| c.verdict) != first || c.is_none())
    }
}

/// The whole matrix.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// One column per run, in the order given.
    pub columns: Vec<Column>,
    /// Rows where the runs differ first, then the others; each part in spec order.
    pub rows: Vec<Row>,
}

impl Matrix {
    /// The matrix of `runs`, each with the name it was given (a file name, say), used as its
    /// column title when the run names no broker.
    pub fn new(runs: &[(String, Report)]) -> Matrix {
        let mut columns: Vec<Column> = Vec::new();
        for (name, report) in runs {
            let base = report.run.broker.clone().unwrap_or_else(|| name.clone());
            let mut label = base.clone();
            let mut n = 2;
            while columns.iter().any(|c| c.label == label) {
                label = format!("{base} ({n})");
                n += 1;
            }
            columns.push(Column {
                label,
                run: report.run.clone(),
                summary: report.summary,
            });
        }
        let mut rows: Vec<Row> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (i, (_, report)) in runs.iter().enumerate() {
            for r in &report.results {
                let at = match index.get(&r.id) {
                    Some(at) => *at,
                    None => {
                        index.insert(r.id.clone(), rows.len());
                        rows.push(Row {
                            id: r.id.clone(),
                            title: r.title.clone(),
                            version: r.version,
                            cites: r.cites.clone(),
                            cells: vec![None; runs.len()],
                        });
                        rows.len() - 1
                    }
                };
                rows[at].cells[i] = Some(Cell {
                    verdict: r.verdict,
                    headline: if r.verdict == Verdict::Pass {
                        String::new()
                    } else {
                        r.headline()
                    },
                });
            }
        }
        rows.sort_by(|a, b| {
            b.differs()
                .cmp(&a.differs())
                .then_with(|| {
                    Section::of_id(a.version, &a.id).cmp(&Section::of_id(b.version, &b.id))
                })
                .then_with(|| a.id.cmp(&b.id))
        });
        Matrix { columns, rows }
    }

    /// How many rows differ (they come first).
    pub fn differences(&self) -> usize {
        self.rows.iter().filter(|r| r.differs()).count()
    }
}
