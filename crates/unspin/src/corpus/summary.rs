//! What a corpus run found: one summary row per record (the CSV summary) and an aggregate over
//! all of them. The aggregate is built from rows only, so it can be checkpointed with the output
//! and a resumed run ends with the same totals as an uninterrupted one.

use crate::report::Report;
use crate::technique::Technique;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// One record's line in the CSV summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    pub id: Option<String>,
    pub line: u64,
    /// The host of the record's URL (without `www.`), when it has one.
    pub site: Option<String>,
    /// ISO 639-3 code of the record's language, when detected.
    pub language: Option<String>,
    /// Whether the detectors and models ran (not for a text in another language than theirs).
    #[serde(default)]
    pub analysed: bool,
    pub p_unreliable: Option<f64>,
    pub label: Option<String>,
    /// Spans per technique, in [`Technique::ALL`] order.
    pub techniques: [u32; 14],
    pub top_reason: Option<String>,
    /// The first three reasons' signals (the Parquet output's list; the CSV keeps the first).
    pub top_reasons: Vec<String>,
    /// Unsupported claims: check-worthy article sentences with no source.
    pub unsupported_claims: u32,
    /// The error kind, for a record that could not be analysed.
    pub error: Option<String>,
}

impl SummaryRow {
    pub fn of_report(r: &Report, line: u64) -> SummaryRow {
        let mut techniques = [0u32; 14];
        for s in &r.techniques {
            if let Some(i) = Technique::ALL.iter().position(|t| *t == s.technique) {
                techniques[i] += 1;
            }
        }
        // The report marks them (`doc::SentenceFacts::unsupported_claim`, the definition the
        // reliability signal counts too).
        let unsupported = r.sentences.iter().filter(|s| s.unsupported_claim).count();
        SummaryRow {
            id: r.id.clone(),
            line,
            site: r.source.url.as_deref().and_then(site_of),
            language: r.language.clone(),
            analysed: !r.models.is_empty(),
            p_unreliable: r.reliability.p_unreliable,
            label: r.reliability.label.map(|l| {
                serde_json::to_value(l)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            }),
            techniques,
            top_reason: r.reliability.reasons.first().map(|x| x.signal.clone()),
            top_reasons: r
                .reliability
                .reasons
                .iter()
                .take(3)
                .map(|x| x.signal.clone())
                .collect(),
            unsupported_claims: u32::try_from(unsupported).unwrap_or(u32::MAX),
            error: None,
        }
    }

    pub fn of_error(id: Option<String>, line: u64, kind: &str) -> SummaryRow {
        SummaryRow {
            id,
            line,
            site: None,
            language: None,
            analysed: false,
            p_unreliable: None,
            label: None,
            techniques: [0; 14],
            top_reason: None,
            top_reasons: Vec::new(),
            unsupported_claims: 0,
            error: Some(kind.to_string()),
        }
    }
}

/// The site of a URL: its host, lower-case, without a leading `www.`.
pub fn site_of(url: &str) -> Option<String> {
    let d = crate::ingest::domain(url)?;
    Some(d.strip_prefix("www.").unwrap_or(&d).to_string())
}

/// A technique's column in tables meant for SQL (Parquet, Spark): its label lower-cased with
/// every run of other characters as one `_` (`Name_Calling,Labeling` → `name_calling_labeling`).
pub fn technique_column(t: Technique) -> String {
    let mut out = String::new();
    for c in t.as_str().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}

/// The columns of a corpus run's table output (Parquet, and Python's `output="row"`), in order.
pub fn row_columns() -> Vec<String> {
    let mut h: Vec<String> = ["id", "line", "site", "language", "p_unreliable", "label"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    h.extend(Technique::ALL.iter().map(|t| technique_column(*t)));
    h.extend(
        ["top_reasons", "unsupported_claims", "error", "report"]
            .iter()
            .map(|s| s.to_string()),
    );
    h
}

/// The CSV summary's header.
pub fn csv_header() -> Vec<String> {
    let mut h: Vec<String> = ["id", "line", "site", "language", "p_unreliable", "label"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    h.extend(Technique::ALL.iter().map(|t| t.as_str().to_string()));
    h.extend(
        ["top_reason", "unsupported_claims", "error"]
            .iter()
            .map(|s| s.to_string()),
    );
    h
}

/// A text cell made inert for spreadsheets: a value that a spreadsheet would run as a formula
/// (`=HYPERLINK(…)`, `@SUM(…)`, `+cmd|…`, a leading tab or carriage return) gets a leading `'`,
/// the OWASP-recommended guard; a plain number such as `-5` is left as it is. Ids and error
/// messages come from the input, which may be hostile.
pub fn defuse(s: &str) -> String {
    let risky = match s.as_bytes().first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => s.parse::<f64>().is_err(),
        _ => false,
    };
    if risky {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Writes the CSV summary, one physical line per row (line breaks in ids become spaces), so a
/// resumed run can count rows by lines.
pub struct CsvSummary<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> CsvSummary<W> {
    pub fn new(out: W, header: bool) -> io::Result<CsvSummary<W>> {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        if header {
            w.write_record(csv_header()).map_err(io::Error::other)?;
        }
        Ok(CsvSummary { w })
    }

    pub fn write(&mut self, r: &SummaryRow) -> io::Result<()> {
        let cell = |s: Option<&str>| s.map(|s| defuse(&s.replace(['\n', '\r'], " ")));
        let mut rec: Vec<String> = vec![
            cell(r.id.as_deref()).unwrap_or_default(),
            r.line.to_string(),
            cell(r.site.as_deref()).unwrap_or_default(),
            cell(r.language.as_deref()).unwrap_or_default(),
            r.p_unreliable
                .map(|p| format!("{p:.4}"))
                .unwrap_or_default(),
            cell(r.label.as_deref()).unwrap_or_default(),
        ];
        rec.extend(r.techniques.iter().map(u32::to_string));
        rec.push(cell(r.top_reason.as_deref()).unwrap_or_default());
        rec.push(r.unsupported_claims.to_string());
        rec.push(cell(r.error.as_deref()).unwrap_or_default());
        self.w.write_record(&rec).map_err(io::Error::other)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    pub fn get_ref(&self) -> &W {
        self.w.get_ref()
    }
}

/// Totals for one site.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteStats {
    pub articles: u64,
    pub scored: u64,
    pub p_sum: f64,
    pub unreliable: u64,
}

/// At most this many sites are kept by name; the rest are summed under `other_sites`, so the
/// aggregate stays small on any crawl.
pub const MAX_SITES: usize = 50_000;

/// The aggregate summary of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    pub records: u64,
    pub reports: u64,
    pub errors: u64,
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Spans per technique over all reports.
    pub technique_spans: BTreeMap<String, u64>,
    /// Reports with at least one span of the technique.
    pub technique_articles: BTreeMap<String, u64>,
    pub labels: BTreeMap<String, u64>,
    /// Reports by p_unreliable in tenths: [0, 0.1), …, [0.9, 1].
    pub p_histogram: [u64; 10],
    pub p_sum: f64,
    pub scored: u64,
    pub unsupported_claims: u64,
    pub top_reasons: BTreeMap<String, u64>,
    pub sites: BTreeMap<String, SiteStats>,
    pub other_sites: SiteStats,
    /// Reports by detected language (`und` when it could not be told).
    pub languages: BTreeMap<String, u64>,
    /// Reports in a language the models were not trained on: no technique, sentence or
    /// reliability figure.
    pub not_analysed: u64,
}

impl Aggregate {
    pub fn add(&mut self, r: &SummaryRow) {
        self.records += 1;
        if let Some(k) = &r.error {
            self.errors += 1;
            *self.errors_by_kind.entry(k.clone()).or_default() += 1;
            return;
        }
        self.reports += 1;
        let lang = r.language.clone().unwrap_or_else(|| "und".into());
        self.not_analysed += u64::from(lang != "eng" && lang != "und" && !r.analysed);
        *self.languages.entry(lang).or_default() += 1;
        for (t, n) in Technique::ALL.iter().zip(r.techniques) {
            if n > 0 {
                *self
                    .technique_spans
                    .entry(t.as_str().to_string())
                    .or_default() += u64::from(n);
                *self
                    .technique_articles
                    .entry(t.as_str().to_string())
                    .or_default() += 1;
            }
        }
        if let Some(l) = &r.label {
            *self.labels.entry(l.clone()).or_default() += 1;
        }
        if let Some(p) = r.p_unreliable {
            self.scored += 1;
            self.p_sum += p;
            self.p_histogram[((p * 10.0) as usize).min(9)] += 1;
        }
        self.unsupported_claims += u64::from(r.unsupported_claims);
        if let Some(t) = &r.top_reason {
            *self.top_reasons.entry(t.clone()).or_default() += 1;
        }
        if let Some(site) = &r.site {
            let known = self.sites.contains_key(site);
            let s = if known || self.sites.len() < MAX_SITES {
                self.sites.entry(site.clone()).or_default()
            } else {
                &mut self.other_sites
            };
            s.articles += 1;
            if let Some(p) = r.p_unreliable {
                s.scored += 1;
                s.p_sum += p;
                s.unreliable += u64::from(p >= 0.5);
            }
        }
    }

    /// The summary a person reads at the end of a run.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "records {}: {} reports, {} errors",
            self.records, self.reports, self.errors
        );
        for (k, n) in &self.errors_by_kind {
            let _ = writeln!(o, "  error {k}: {n}");
        }
        if self.languages.keys().any(|l| l != "eng" && l != "und") {
            let _ = writeln!(
                o,
                "languages: {}; {} reports in another language got no technique, sentence or reliability figure",
                self.languages
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                self.not_analysed
            );
        }
        if self.scored > 0 {
            let _ = writeln!(
                o,
                "reliability: mean p_unreliable {:.3} over {} scored; labels {}",
                self.p_sum / self.scored as f64,
                self.scored,
                self.labels
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let bars: Vec<String> = self
                .p_histogram
                .iter()
                .enumerate()
                .map(|(i, n)| format!("{:.1}–{:.1}: {n}", i as f64 / 10.0, (i + 1) as f64 / 10.0))
                .collect();
            let _ = writeln!(o, "  p_unreliable distribution: {}", bars.join(" · "));
        }
        let _ = writeln!(
            o,
            "check-worthy claims with no source: {}",
            self.unsupported_claims
        );
        if !self.technique_spans.is_empty() {
            let _ = writeln!(o, "techniques (spans, articles):");
            let mut t: Vec<_> = self.technique_spans.iter().collect();
            t.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (k, n) in t {
                let _ = writeln!(
                    o,
                    "  {k:<40} {n:>8} {:>8}",
                    self.technique_articles.get(k).copied().unwrap_or(0)
                );
            }
        }
        if !self.top_reasons.is_empty() {
            let mut t: Vec<_> = self.top_reasons.iter().collect();
            t.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let _ = writeln!(
                o,
                "top reasons: {}",
                t.iter()
                    .take(8)
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if !self.sites.is_empty() {
            let mut s: Vec<_> = self.sites.iter().collect();
            s.sort_by(|a, b| b.1.articles.cmp(&a.1.articles).then(a.0.cmp(b.0)));
            let _ = writeln!(
                o,
                "sites ({} known{}; top 20 by articles): articles, mean p_unreliable, share unreliable",
                self.sites.len(),
                if self.other_sites.articles > 0 {
                    format!(
                        ", {} articles from further sites summed apart",
                        self.other_sites.articles
                    )
                } else {
                    String::new()
                }
            );
            for (site, st) in s.into_iter().take(20) {
                let (mean, share) = if st.scored > 0 {
                    (
                        format!("{:.3}", st.p_sum / st.scored as f64),
                        format!("{:.0} %", 100.0 * st.unreliable as f64 / st.scored as f64),
                    )
                } else {
                    ("–".into(), "–".into())
                };
                let _ = writeln!(o, "  {site:<40} {:>8} {mean:>6} {share:>6}", st.articles);
            }
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_numbers_are_not() {
        for (input, want) in [
            (
                "=HYPERLINK(\"http://x\",\"click\")",
                "'=HYPERLINK(\"http://x\",\"click\")",
            ),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("\tx", "'\tx"),
            ("-5", "-5"),
            ("+1.5", "+1.5"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(defuse(input), want, "{input:?}");
        }
        let mut w = CsvSummary::new(Vec::new(), false).unwrap();
        let row = SummaryRow {
            id: Some("=1+1".into()),
            error: Some("@bad".into()),
            ..SummaryRow::default()
        };
        w.write(&row).unwrap();
        w.flush().unwrap();
        let line = String::from_utf8(w.get_ref().clone()).unwrap();
        assert!(line.starts_with("'=1+1,"), "{line}");
        assert!(line.trim_end().ends_with(",'@bad"), "{line}");
    }
}
