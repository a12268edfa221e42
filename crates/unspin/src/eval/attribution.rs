//! The attribution fixture: hand-written sentences with the source kind a reader would assign
//! (named, vague, none) and the source's words, scored per kind. The file is ours
//! (`fixtures/attribution.tsv`), so it ships with the repo and the test suite runs it.

use crate::analyze::Analyzer;
use crate::doc::SourceKind;
use crate::error::{Error, Result};
use crate::ingest::Document;
use serde::Serialize;
use std::collections::BTreeMap;

/// One fixture row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub kind: SourceKind,
    /// The expected source words, when the row checks them.
    pub source: Option<String>,
    pub text: String,
}

/// Parses the TSV (`kind<TAB>source<TAB>sentence`, `#` comments).
pub fn parse(tsv: &str) -> Result<Vec<Row>> {
    let mut out = Vec::new();
    for (i, l) in tsv.lines().enumerate() {
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        let mut f = l.splitn(3, '\t');
        let (Some(kind), Some(source), Some(text)) = (f.next(), f.next(), f.next()) else {
            return Err(Error::Data(format!(
                "attribution fixture line {}: expected 3 tab-separated fields",
                i + 1
            )));
        };
        let kind = match kind {
            "named" => SourceKind::Named,
            "vague" => SourceKind::Vague,
            "none" => SourceKind::None,
            k => {
                return Err(Error::Data(format!(
                    "attribution fixture line {}: unknown kind {k:?}",
                    i + 1
                )));
            }
        };
        out.push(Row {
            line: i + 1,
            kind,
            source: (source != "-").then(|| source.to_string()),
            text: text.to_string(),
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct KindScore {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttributionEval {
    pub sentences: usize,
    /// Share of sentences whose kind is right.
    pub accuracy: f64,
    pub per_kind: BTreeMap<String, KindScore>,
    /// Of the rows with the right non-`none` kind and an expected source: how many name it
    /// (case-insensitive containment either way).
    pub source_match: f64,
    /// `line: expected → got (source)` for every wrong kind.
    pub errors: Vec<String>,
}

fn kind_name(k: SourceKind) -> &'static str {
    match k {
        SourceKind::Named => "named",
        SourceKind::Vague => "vague",
        SourceKind::None => "none",
    }
}

/// Analyses each row as a one-sentence article and compares the first sentence's attribution.
pub fn evaluate(analyzer: &Analyzer, rows: &[Row]) -> AttributionEval {
    let mut got = Vec::with_capacity(rows.len());
    let (mut src_ok, mut src_n) = (0usize, 0usize);
    let mut errors = Vec::new();
    for r in rows {
        let rep = analyzer.analyze(&Document::from_text(r.text.clone()));
        let at = rep.sentences.first().map(|s| s.attribution.clone());
        let (kind, source) = at.map_or((SourceKind::None, None), |a| (a.kind, a.source));
        if kind != r.kind {
            errors.push(format!(
                "{}: {} → {} ({}) {}",
                r.line,
                kind_name(r.kind),
                kind_name(kind),
                source.as_deref().unwrap_or("-"),
                r.text
            ));
        } else if let (Some(want), true) = (&r.source, kind != SourceKind::None) {
            src_n += 1;
            let g = source.unwrap_or_default().to_lowercase();
            let w = want.to_lowercase();
            if !g.is_empty() && (g.contains(&w) || w.contains(&g)) {
                src_ok += 1;
            }
        }
        got.push(kind);
    }
    let mut per_kind = BTreeMap::new();
    for k in [SourceKind::Named, SourceKind::Vague, SourceKind::None] {
        let tp = rows
            .iter()
            .zip(&got)
            .filter(|(r, g)| r.kind == k && **g == k)
            .count();
        let pred = got.iter().filter(|g| **g == k).count();
        let support = rows.iter().filter(|r| r.kind == k).count();
        let p = if pred == 0 {
            0.0
        } else {
            tp as f64 / pred as f64
        };
        let rc = if support == 0 {
            0.0
        } else {
            tp as f64 / support as f64
        };
        let f1 = if p + rc == 0.0 {
            0.0
        } else {
            2.0 * p * rc / (p + rc)
        };
        per_kind.insert(
            kind_name(k).to_string(),
            KindScore {
                precision: p,
                recall: rc,
                f1,
                support,
            },
        );
    }
    let right = rows.iter().zip(&got).filter(|(r, g)| r.kind == **g).count();
    AttributionEval {
        sentences: rows.len(),
        accuracy: right as f64 / rows.len().max(1) as f64,
        per_kind,
        source_match: src_ok as f64 / src_n.max(1) as f64,
        errors,
    }
}
