//! The attribution fixture: hand-written sentences with the source kind a reader would assign
//! (named, vague, none) and the source's words, scored per kind. The file is ours
//! (`fixtures/attribution.tsv`), so it ships with the repo and the test suite runs it.

use crate::analyze::Analyzer;
use crate::doc::SourceKind;
use crate::error::{Error, Result};
use crate::ingest::Document;
use crate::model::attribution::{AttributionTagger, covering};
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
    let mut confusion = [[0usize; 3]; 3];
    for (r, g) in rows.iter().zip(&got) {
        confusion[kind_index(r.kind)][kind_index(*g)] += 1;
    }
    let per_kind = kind_scores(&confusion);
    let right = rows.iter().zip(&got).filter(|(r, g)| r.kind == **g).count();
    AttributionEval {
        sentences: rows.len(),
        accuracy: right as f64 / rows.len().max(1) as f64,
        per_kind,
        source_match: src_ok as f64 / src_n.max(1) as f64,
        errors,
    }
}

/// Span F1 of one role: `exact` counts a predicted span equal to a gold one (edges trimmed of
/// spaces and punctuation), `overlap` one that shares a character with a gold one (precision
/// over predicted spans, recall over gold spans).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SpanScore {
    pub exact_f1: f64,
    pub overlap_f1: f64,
    pub overlap_precision: f64,
    pub overlap_recall: f64,
    pub predicted: usize,
    pub gold: usize,
}

/// Scores on PolNeAR (`data::polnear`): the source, cue and content spans, and the kind of
/// source each sentence gets (the kind of the attribution whose content covers most of it —
/// PolNeAR's unit — by the same rules on both sides; a sentence covered by no content is
/// `none`).
#[derive(Debug, Clone, Serialize)]
pub struct PolnearEval {
    pub articles: usize,
    pub sentences: usize,
    pub source: SpanScore,
    pub cue: SpanScore,
    pub content: SpanScore,
    pub kind_accuracy: f64,
    pub per_kind: BTreeMap<String, KindScore>,
    /// `confusion[gold][predicted]` over named, vague, none.
    pub confusion: [[usize; 3]; 3],
    /// The first sentences whose kind is wrong: `article#sentence: gold → predicted: text`.
    pub errors: Vec<String>,
}

fn trim(text: &str, r: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let s = &text[r.clone()];
    let keep = |c: char| c.is_alphanumeric();
    let start = s.find(keep).map_or(s.len(), |i| i);
    let end = s.rfind(keep).map_or(start, |i| {
        i + s[i..].chars().next().map_or(0, char::len_utf8)
    });
    r.start + start..r.start + end.max(start)
}

fn overlaps(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

#[derive(Default)]
struct SpanCounts {
    exact: usize,
    pred_hit: usize,
    gold_hit: usize,
    pred: usize,
    gold: usize,
}

impl SpanCounts {
    fn add(
        &mut self,
        text: &str,
        pred: &[std::ops::Range<usize>],
        gold: &[std::ops::Range<usize>],
    ) {
        let mut pt: Vec<_> = pred.iter().map(|r| trim(text, r)).collect();
        // A source shared by two cues ("…, saying") is one span.
        pt.sort_by_key(|r| (r.start, r.end));
        pt.dedup();
        let gt: Vec<_> = gold.iter().map(|r| trim(text, r)).collect();
        self.pred += pt.len();
        self.gold += gt.len();
        self.exact += pt.iter().filter(|p| gt.contains(p)).count();
        self.pred_hit += pt
            .iter()
            .filter(|p| gt.iter().any(|g| overlaps(p, g)))
            .count();
        self.gold_hit += gt
            .iter()
            .filter(|g| pt.iter().any(|p| overlaps(p, g)))
            .count();
    }

    fn score(&self) -> SpanScore {
        let f1 = |p: f64, r: f64| {
            if p + r == 0.0 {
                0.0
            } else {
                2.0 * p * r / (p + r)
            }
        };
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let (op, or) = (
            ratio(self.pred_hit, self.pred),
            ratio(self.gold_hit, self.gold),
        );
        SpanScore {
            exact_f1: f1(ratio(self.exact, self.pred), ratio(self.exact, self.gold)),
            overlap_f1: f1(op, or),
            overlap_precision: op,
            overlap_recall: or,
            predicted: self.pred,
            gold: self.gold,
        }
    }
}

/// The hull of a (possibly discontinuous) role.
fn hull(rs: &[std::ops::Range<usize>]) -> Option<std::ops::Range<usize>> {
    Some(rs.iter().map(|r| r.start).min()?..rs.iter().map(|r| r.end).max()?)
}

/// Precision, recall and F1 of each kind from `confusion[gold][predicted]`.
fn kind_scores(confusion: &[[usize; 3]; 3]) -> BTreeMap<String, KindScore> {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    [SourceKind::Named, SourceKind::Vague, SourceKind::None]
        .into_iter()
        .map(|k| {
            let i = kind_index(k);
            let tp = confusion[i][i];
            let support: usize = confusion[i].iter().sum();
            let p = ratio(tp, (0..3).map(|g| confusion[g][i]).sum());
            let r = ratio(tp, support);
            let f1 = if p + r == 0.0 {
                0.0
            } else {
                2.0 * p * r / (p + r)
            };
            let score = KindScore {
                precision: p,
                recall: r,
                f1,
                support,
            };
            (kind_name(k).to_string(), score)
        })
        .collect()
}

fn kind_index(k: SourceKind) -> usize {
    match k {
        SourceKind::Named => 0,
        SourceKind::Vague => 1,
        SourceKind::None => 2,
    }
}

/// Scores the attribution detector on PolNeAR articles: the spans of the tagger's attributions
/// that the report shows, when the detector has a tagger, else the rules' sources (located inside
/// the phrase they report; the rules find no cue or content spans); the sentence kinds are the
/// report's in both cases.
pub fn polnear(
    rules: &crate::detect::AttributionDetector,
    tagger: Option<&AttributionTagger>,
    articles: &[crate::data::polnear::Article],
) -> PolnearEval {
    let lex = rules.lexicons();
    use crate::detect::Detector;
    let (mut src, mut cue, mut content) = (
        SpanCounts::default(),
        SpanCounts::default(),
        SpanCounts::default(),
    );
    let mut confusion = [[0usize; 3]; 3];
    let mut errors = Vec::new();
    for a in articles {
        let mut doc = crate::doc::Doc::new(&a.text, lex);
        let gold_src: Vec<_> = a
            .attributions
            .iter()
            .filter_map(|g| hull(&g.source))
            .collect();
        let gold_cue: Vec<_> = a.attributions.iter().filter_map(|g| hull(&g.cue)).collect();
        let gold_content: Vec<_> = a
            .attributions
            .iter()
            .flat_map(|g| g.content.clone())
            .collect();
        let gold_kind: Vec<SourceKind> = a
            .attributions
            .iter()
            .map(|g| rules.source_kind(&doc.seg, hull(&g.source).as_ref()))
            .collect();
        let gold_cues: Vec<_> = a.attributions.iter().map(|g| hull(&g.cue)).collect();
        let gold_kinds: Vec<SourceKind> = doc
            .seg
            .sentences
            .iter()
            .map(|s| {
                let atts = a
                    .attributions
                    .iter()
                    .zip(&gold_cues)
                    .map(|(g, c)| (g.content.as_slice(), c.as_ref()));
                covering(&s.bytes, atts).map_or(SourceKind::None, |i| gold_kind[i])
            })
            .collect();
        let found = tagger.map(|t| t.reported(&doc));
        if let Some(found) = &found {
            src.add(
                &a.text,
                &found
                    .iter()
                    .filter_map(|f| f.source.clone())
                    .collect::<Vec<_>>(),
                &gold_src,
            );
            cue.add(
                &a.text,
                &found
                    .iter()
                    .filter_map(|f| f.cue.clone())
                    .collect::<Vec<_>>(),
                &gold_cue,
            );
            content.add(
                &a.text,
                &found
                    .iter()
                    .flat_map(|f| f.content.clone())
                    .collect::<Vec<_>>(),
                &gold_content,
            );
        }
        rules.detect(&mut doc);
        if let (Some(t), Some(found)) = (tagger, &found) {
            t.apply_found(&mut doc, found);
        }
        let pred_kinds: Vec<SourceKind> = doc.sentences.iter().map(|s| s.source()).collect();
        if tagger.is_none() {
            let mut ps = Vec::new();
            for at in doc.sentences.iter().filter_map(|s| s.attribution.as_ref()) {
                if let Some(name) = at.source.as_deref()
                    && let Some(i) = a.text[at.bytes.clone()].find(name)
                {
                    ps.push(at.bytes.start + i..at.bytes.start + i + name.len());
                }
            }
            src.add(&a.text, &ps, &gold_src);
        }
        for (si, (g, p)) in gold_kinds.iter().zip(&pred_kinds).enumerate() {
            confusion[kind_index(*g)][kind_index(*p)] += 1;
            if g != p && errors.len() < 200 {
                errors.push(format!(
                    "{}#{si}: {} → {}: {}",
                    a.name,
                    kind_name(*g),
                    kind_name(*p),
                    doc.seg.sentence_text(si).replace('\n', " ")
                ));
            }
        }
    }
    let n: usize = confusion.iter().flatten().sum();
    let right: usize = (0..3).map(|k| confusion[k][k]).sum();
    let per_kind = kind_scores(&confusion);
    PolnearEval {
        articles: articles.len(),
        sentences: n,
        source: src.score(),
        cue: cue.score(),
        content: content.score(),
        kind_accuracy: right as f64 / n.max(1) as f64,
        per_kind,
        confusion,
        errors,
    }
}
