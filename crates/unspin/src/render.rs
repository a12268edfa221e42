//! Renderers: the report as a terminal page (coloured or plain) and as one self-contained HTML
//! file. Both draw from [`marks`], the flat list of highlighted spans, so they show the same thing.

use crate::doc::{HedgeKind, SourceKind};
use crate::report::Report;
use crate::span::CharIndex;
use crate::technique::Technique;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What a highlighted span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarkKind {
    Technique(Technique),
    Source(SourceKind),
    Hedge(HedgeKind),
}

impl MarkKind {
    /// CSS class, also the legend key.
    pub fn class(self) -> String {
        match self {
            MarkKind::Technique(t) => format!("t-{}", slug(t.as_str())),
            MarkKind::Source(k) => format!("src-{}", source_name(k)),
            MarkKind::Hedge(k) => format!("hedge-{}", hedge_name(k)),
        }
    }

    pub fn label(self) -> String {
        match self {
            MarkKind::Technique(t) => t.display_name().to_string(),
            MarkKind::Source(SourceKind::Vague) => "Vague source".into(),
            MarkKind::Source(_) => "Named source".into(),
            MarkKind::Hedge(HedgeKind::Conditional) => "Conditional framing".into(),
            MarkKind::Hedge(HedgeKind::Distancing) => "Distancing".into(),
            MarkKind::Hedge(HedgeKind::Lexical) => "Hedge".into(),
            MarkKind::Hedge(HedgeKind::Learned) => "Hedge (learned)".into(),
        }
    }

    fn ansi(self) -> &'static str {
        match self {
            MarkKind::Technique(_) => "1;31",
            MarkKind::Source(SourceKind::Vague) => "4;33",
            MarkKind::Source(_) => "32",
            MarkKind::Hedge(HedgeKind::Conditional) => "1;35",
            MarkKind::Hedge(HedgeKind::Distancing) => "36",
            MarkKind::Hedge(HedgeKind::Lexical | HedgeKind::Learned) => "2;3",
        }
    }
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn source_name(k: SourceKind) -> &'static str {
    match k {
        SourceKind::Named => "named",
        SourceKind::Vague => "vague",
        SourceKind::None => "none",
    }
}

fn hedge_name(k: HedgeKind) -> &'static str {
    match k {
        HedgeKind::Lexical => "lexical",
        HedgeKind::Conditional => "conditional",
        HedgeKind::Distancing => "distancing",
        HedgeKind::Learned => "learned",
    }
}

/// A highlighted span of the text, in code points, with its hover text.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub start: usize,
    pub end: usize,
    pub kind: MarkKind,
    pub note: String,
    /// A technique span's confidence (None for rule spans and the other kinds).
    pub confidence: Option<f64>,
}

/// Text of the article made safe for a terminal: control characters (escape sequences that
/// could retitle the window, write the clipboard or move the cursor to forge a line of the
/// report) and the bidirectional overrides that reorder what is shown are printed as visible
/// escapes (`\x1b`, `\u{202e}`), never emitted. Newlines and tabs stay; a carriage return
/// stays only before a newline.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char, next: Option<char>| {
        (c.is_control() && c != '\n' && c != '\t' && !(c == '\r' && next == Some('\n')))
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
    };
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if bad(c, chars.peek().copied()) {
            any = true;
            break;
        }
    }
    if !any {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if bad(c, chars.peek().copied()) {
            let n = c as u32;
            if n < 0x100 {
                let _ = write!(out, "\\x{n:02x}");
            } else {
                let _ = write!(out, "\\u{{{n:x}}}");
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The default display threshold of technique spans: on the PTC dev articles, 9 % of the spans
/// below 0.2 carry the technique they are labelled with (and 37 % overlap any propaganda
/// span), against 16 to 33 % above it. The JSON keeps every span with its confidence.
pub const MIN_CONFIDENCE: f64 = 0.2;

/// Whether a technique span is shown at a display threshold (a rule span, uncalibrated, is).
pub fn shown(t: &crate::report::TechniqueSpan, min_confidence: f64) -> bool {
    t.confidence.is_none_or(|c| c >= min_confidence)
}

/// Every highlight of a report, sorted by position; technique spans below `min_confidence` are
/// left out.
pub fn marks(r: &Report, min_confidence: f64) -> Vec<Mark> {
    let mut out = Vec::new();
    for t in r.techniques.iter().filter(|t| shown(t, min_confidence)) {
        let conf = t
            .confidence
            .map_or("rules, not calibrated".to_string(), |c| {
                format!("confidence {c:.2}")
            });
        let evidence = if t.evidence.is_empty() {
            String::new()
        } else {
            let words: Vec<String> = t.evidence.iter().map(|e| format!("“{e}”")).collect();
            format!(" Words that decided it: {}.", words.join(", "))
        };
        out.push(Mark {
            confidence: t.confidence,
            start: t.start,
            end: t.end,
            kind: MarkKind::Technique(t.technique),
            note: format!(
                "{} ({conf}) — {}.{evidence}",
                t.technique.display_name(),
                t.technique.definition().trim_end_matches('.'),
            ),
        });
    }
    for s in &r.sentences {
        let a = &s.attribution;
        if let (Some(start), Some(end)) = (a.start, a.end) {
            out.push(Mark {
                confidence: None,
                start,
                end,
                kind: MarkKind::Source(a.kind),
                note: format!(
                    "{} source: {}",
                    source_name(a.kind),
                    a.source.as_deref().unwrap_or("?")
                ),
            });
        }
        for c in &s.hedge_cues {
            out.push(Mark {
                confidence: None,
                start: c.start,
                end: c.end,
                kind: MarkKind::Hedge(c.kind),
                note: MarkKind::Hedge(c.kind).label(),
            });
        }
    }
    out.sort_by_key(|a| (a.start, a.end, a.kind));
    out
}

/// Cuts the text at every mark boundary; each piece comes with the marks covering it.
fn pieces<'r>(text: &'r str, marks: &'r [Mark]) -> Vec<(&'r str, Vec<&'r Mark>)> {
    pieces_at(text, marks, &[])
        .into_iter()
        .map(|(_, p, m)| (p, m))
        .collect()
}

/// [`pieces`] also cut at `extra` code-point offsets, each with its starting offset.
fn pieces_at<'r>(
    text: &'r str,
    marks: &'r [Mark],
    extra: &[usize],
) -> Vec<(usize, &'r str, Vec<&'r Mark>)> {
    let mut cuts: Vec<usize> = marks.iter().flat_map(|m| [m.start, m.end]).collect();
    cuts.extend_from_slice(extra);
    cuts.push(0);
    let nchars = text.chars().count();
    cuts.push(nchars);
    cuts.retain(|c| *c <= nchars);
    cuts.sort_unstable();
    cuts.dedup();
    // Byte offset of each cut, in one pass over the text.
    let mut bytes = Vec::with_capacity(cuts.len());
    let mut ci = 0;
    for (n, (b, _)) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
        .enumerate()
    {
        while ci < cuts.len() && cuts[ci] == n {
            bytes.push(b);
            ci += 1;
        }
    }
    // A sweep over the marks in order of start: each piece is covered by the marks that
    // started at or before it and end at or after it, so no piece looks at every mark.
    let mut order: Vec<usize> = (0..marks.len())
        .filter(|&k| marks[k].start < marks[k].end)
        .collect();
    order.sort_by_key(|&k| (marks[k].start, marks[k].end, k));
    let (mut next, mut active): (usize, Vec<usize>) = (0, Vec::new());
    let mut out = Vec::new();
    for w in 0..cuts.len().saturating_sub(1) {
        let (a, b) = (cuts[w], cuts[w + 1]);
        while next < order.len() && marks[order[next]].start <= a {
            active.push(order[next]);
            next += 1;
        }
        active.retain(|&k| marks[k].end > a);
        // In the order the marks were given.
        let mut covering: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&k| b <= marks[k].end)
            .collect();
        covering.sort_unstable();
        out.push((
            a,
            &text[bytes[w]..bytes[w + 1]],
            covering.into_iter().map(|k| &marks[k]).collect(),
        ));
    }
    out
}

/// Options for the terminal renderer.
#[derive(Debug, Clone, Copy)]
pub struct TerminalOptions {
    pub color: bool,
    /// Every reason, not the strongest [`TOP_REASONS`].
    pub all_reasons: bool,
    /// Technique spans below this confidence are not shown.
    pub min_confidence: f64,
}

impl Default for TerminalOptions {
    fn default() -> TerminalOptions {
        TerminalOptions {
            color: false,
            all_reasons: false,
            min_confidence: MIN_CONFIDENCE,
        }
    }
}

/// Options for the HTML renderer.
#[derive(Debug, Clone, Copy)]
pub struct HtmlOptions {
    /// Technique spans below this confidence are not shown.
    pub min_confidence: f64,
}

impl Default for HtmlOptions {
    fn default() -> HtmlOptions {
        HtmlOptions {
            min_confidence: MIN_CONFIDENCE,
        }
    }
}

/// How many reasons a reader sees first (the rest behind `--all-reasons` or a disclosure).
pub const TOP_REASONS: usize = 5;

/// "+0.42 toward unreliable", or nothing without a model.
fn weight_text(r: &crate::report::Reason) -> String {
    match (r.contribution, r.direction) {
        (Some(c), Some(d)) => format!("{c:+.2} {}", d.describe()),
        (Some(c), None) => format!("{c:+.2}"),
        _ => String::new(),
    }
}

/// "3 of 11 technique spans below confidence 0.20 not shown", when some are hidden.
fn hidden_note(r: &Report, min_confidence: f64) -> Option<String> {
    let hidden = r
        .techniques
        .iter()
        .filter(|t| !shown(t, min_confidence))
        .count();
    (hidden > 0).then(|| {
        format!(
            "{hidden} of {} technique spans below confidence {min_confidence:.2} not shown",
            r.techniques.len()
        )
    })
}

/// The text with a code-point index, so each excerpt costs its own length, not the text's.
struct Excerpts<'t> {
    text: &'t str,
    index: CharIndex<'t>,
}

impl<'t> Excerpts<'t> {
    fn new(text: &'t str) -> Excerpts<'t> {
        Excerpts {
            text,
            index: CharIndex::new(text),
        }
    }

    /// “The span's text”, whitespace runs collapsed, cut after `max` characters.
    fn quote(&self, start: usize, end: usize, max: usize) -> String {
        let (a, b) = (
            self.index.byte_at(start),
            self.index.byte_at(end.max(start)),
        );
        let mut out = String::from("“");
        let (mut n, mut space, mut cut) = (0usize, false, false);
        for c in self.text[a..b].chars() {
            if c.is_whitespace() {
                space = n > 0;
                continue;
            }
            if n == max {
                cut = true;
                break;
            }
            if space {
                out.push(' ');
                n += 1;
                space = false;
                if n == max {
                    cut = true;
                    break;
                }
            }
            out.push(c);
            n += 1;
        }
        out.push_str(if cut { "…”" } else { "”" });
        terminal_safe(&out).into_owned()
    }
}

/// "2.00 per 100 words, typical 0.58": the signal's rate beside an average training article's.
/// The sentences worth checking first: the check-worthy ones (the model's decision), those with
/// no source before vague ones before named ones, each group by probability, publisher
/// furniture left out; at most `n`. Indices into `report.sentences`.
pub fn top_claims(r: &Report, n: usize) -> Vec<usize> {
    let mut v: Vec<(usize, f64)> = r
        .sentences
        .iter()
        .enumerate()
        .filter(|(_, s)| s.check_worthy == Some(true) && !s.boilerplate)
        .filter_map(|(i, s)| s.checkworthiness.map(|p| (i, p)))
        .collect();
    let rank = |k: SourceKind| match k {
        SourceKind::None => 0,
        SourceKind::Vague => 1,
        SourceKind::Named => 2,
    };
    v.sort_by(|a, b| {
        rank(r.sentences[a.0].attribution.kind)
            .cmp(&rank(r.sentences[b.0].attribution.kind))
            .then(b.1.total_cmp(&a.1))
            .then(a.0.cmp(&b.0))
    });
    v.into_iter().take(n).map(|(i, _)| i).collect()
}

/// The text-alone probability and the listing, when a site list moved the probability.
fn prior_note(r: &Report) -> String {
    // The base rate the probability is for: the same text is more likely unreliable in a feed
    // where more articles are, so the number means little without it.
    let base = r.reliability.base_rate.map_or(String::new(), |b| {
        format!(
            "; for a base rate of {:.0} % unreliable ({})",
            100.0 * b.value,
            if b.stated {
                "stated"
            } else {
                "the training pool's; --base-rate to state yours"
            }
        )
    });
    base + &match &r.reliability.source_prior {
        Some(sp) => format!(
            "; text alone {}; {} listed by {} as {}, {:+.2} log-odds",
            sp.p_unreliable_text
                .map_or("–".to_string(), |p| format!("{p:.2}")),
            sp.domain,
            sp.list,
            sp.categories.join(", "),
            sp.shift
        ),
        None => String::new(),
    }
}

/// " · headline clickbait 0.97 (clickbait) · sensational: “BREAKING”, “!!!”", when the headline
/// was scored.
fn clickbait_note(r: &Report) -> String {
    let Some(h) = r.headline.as_ref() else {
        return String::new();
    };
    let mut o = String::new();
    if let Some(p) = h.clickbait {
        let d = match h.is_clickbait {
            Some(true) => " (clickbait)",
            Some(false) => " (not clickbait)",
            None => "",
        };
        o.push_str(&format!(" · headline clickbait {p:.2}{d}"));
    }
    if h.sensational == Some(true) {
        let words: Vec<String> = h
            .sensational_cues
            .iter()
            .map(|c| format!("“{}”", c.text))
            .collect();
        o.push_str(&format!(" · sensational headline: {}", words.join(", ")));
    }
    o
}

fn unscored_why(r: &Report) -> &'static str {
    if r.models.iter().any(|m| m.name == "reliability") {
        "too short: fewer than about 20 words of text; the signals below are unweighted"
    } else {
        "this build has no reliability model; the signals below are unweighted"
    }
}

fn rate_text(r: &crate::report::Reason) -> String {
    if r.unit == crate::report::RateUnit::Listing {
        return "a site list, not the text".to_string();
    }
    match r.typical {
        Some(t) => {
            let dir = if r.rate > t * 1.05 {
                "more than"
            } else if r.rate < t * 0.95 {
                "less than"
            } else {
                "about"
            };
            format!(
                "{:.2} {}, {dir} the typical {t:.2}",
                r.rate,
                r.unit.describe()
            )
        }
        None => format!("{:.2} {}", r.rate, r.unit.describe()),
    }
}

/// The terminal report: header, the article (highlighted when `color`), then the reasons, the
/// sources and the technique spans with their offsets.
pub fn terminal(r: &Report, opts: TerminalOptions) -> String {
    let ex = Excerpts::new(&r.text);
    let paint = |code: &str, s: &str| {
        if opts.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let rule = |name: &str| {
        paint(
            "2",
            &format!(
                "── {name} {}",
                "─".repeat(60usize.saturating_sub(name.len()))
            ),
        )
    };
    let mut o = String::new();
    let name = r
        .title
        .as_deref()
        .or(r.id.as_deref())
        .unwrap_or("(untitled)");
    let _ = writeln!(
        o,
        "{} {}",
        paint("1", "unspin"),
        paint("1", &terminal_safe(name))
    );
    let _ = writeln!(
        o,
        "language {} · {} sentences · {} technique spans{}",
        r.language.as_deref().unwrap_or("unknown"),
        r.sentences.len(),
        r.techniques.len(),
        clickbait_note(r)
    );
    match (r.reliability.p_unreliable, r.reliability.label) {
        (Some(p), Some(l)) => {
            let _ = writeln!(
                o,
                "reliability: {l:?} (p_unreliable {p:.2}{})",
                prior_note(r)
            );
        }
        _ => {
            let _ = writeln!(o, "reliability: not scored ({})", unscored_why(r));
        }
    }
    for w in &r.warnings {
        let _ = writeln!(o, "{} {}", paint("33", "warning:"), terminal_safe(w));
    }
    let marks = marks(r, opts.min_confidence);
    if opts.color {
        let _ = writeln!(o, "\n{}", rule("article"));
        for (piece, on) in pieces(&r.text, &marks) {
            let piece = terminal_safe(piece);
            if on.is_empty() {
                o.push_str(&piece);
            } else {
                let codes: Vec<&str> = on.iter().map(|m| m.kind.ansi()).collect();
                o.push_str(&paint(&codes.join(";"), &piece));
            }
        }
        if !r.text.ends_with('\n') {
            o.push('\n');
        }
        let mut seen: Vec<MarkKind> = marks.iter().map(|m| m.kind).collect();
        seen.sort();
        seen.dedup();
        let legend: Vec<String> = seen.iter().map(|k| paint(k.ansi(), &k.label())).collect();
        if !legend.is_empty() {
            let _ = writeln!(o, "legend: {}", legend.join(" · "));
        }
    }

    let _ = writeln!(o, "\n{}", rule("why"));
    let reasons = &r.reliability.reasons;
    if reasons.is_empty() {
        let _ = writeln!(o, "no signals found");
    }
    let show = if opts.all_reasons {
        reasons.len()
    } else {
        reasons.len().min(TOP_REASONS)
    };
    for (i, reason) in reasons.iter().take(show).enumerate() {
        let examples: Vec<String> = reason
            .spans
            .iter()
            .take(3)
            .map(|s| ex.quote(s[0], s[1], 60))
            .collect();
        let weight = weight_text(reason);
        let weight = match reason.direction {
            Some(crate::report::Direction::TowardUnreliable) => {
                format!(" {}", paint("31", &weight))
            }
            Some(crate::report::Direction::TowardReliable) => format!(" {}", paint("32", &weight)),
            None if weight.is_empty() => String::new(),
            None => format!(" {weight}"),
        };
        let examples = if examples.is_empty() {
            String::new()
        } else {
            format!(": {}", examples.join(", "))
        };
        let _ = writeln!(
            o,
            "{:>2}. {} ×{}{weight} — {} ({}){examples}",
            i + 1,
            paint("1", &reason.signal.replace('_', " ")),
            reason.count,
            reason.description.trim_end_matches('.'),
            rate_text(reason),
        );
    }
    if show < reasons.len() {
        let _ = writeln!(
            o,
            "    … {} more (--all-reasons shows every signal the article shows)",
            reasons.len() - show
        );
    }

    let _ = writeln!(o, "\n{}", rule("sources"));
    let mut any = false;
    for (i, s) in r.sentences.iter().enumerate() {
        let a = &s.attribution;
        if a.kind == SourceKind::None {
            continue;
        }
        any = true;
        let kind = source_name(a.kind);
        let kind = if a.kind == SourceKind::Vague {
            paint("33", kind)
        } else {
            paint("32", kind)
        };
        let _ = writeln!(
            o,
            "s{:<3} {kind:<5} {}  {}",
            i + 1,
            terminal_safe(a.source.as_deref().unwrap_or("?")),
            ex.quote(a.start.unwrap_or(0), a.end.unwrap_or(0), 70)
        );
    }
    let unsourced = r
        .sentences
        .iter()
        .filter(|s| s.attribution.kind == SourceKind::None)
        .count();
    if !any {
        let _ = writeln!(o, "no sentence names a source");
    }
    let _ = writeln!(
        o,
        "{unsourced} of {} sentences give no source",
        r.sentences.len()
    );

    let _ = writeln!(o, "\n{}", rule("claims to check"));
    let claims = top_claims(r, 8);
    if claims.is_empty() {
        let what = if r.sentences.iter().any(|s| s.checkworthiness.is_some()) {
            "no sentence is likely check-worthy"
        } else {
            "not scored (this build has no check-worthiness model)"
        };
        let _ = writeln!(o, "{what}");
    }
    for i in claims {
        let s = &r.sentences[i];
        let kind = match s.attribution.kind {
            SourceKind::None => paint("1;31", "no source"),
            SourceKind::Vague => paint("33", "vague"),
            SourceKind::Named => paint("32", "named"),
        };
        let _ = writeln!(
            o,
            "s{:<3} {:.2} {kind:<9} {}",
            i + 1,
            s.checkworthiness.unwrap_or(0.0),
            ex.quote(s.start, s.end, 90)
        );
    }

    let _ = writeln!(o, "\n{}", rule("spans"));
    for m in &marks {
        let conf = match (m.kind, m.confidence) {
            (MarkKind::Technique(_), Some(c)) => format!("{c:.2}"),
            (MarkKind::Technique(_), None) => "rules".to_string(),
            _ => String::new(),
        };
        let _ = writeln!(
            o,
            "[{}..{}] {:<28} {conf:>5} {}",
            m.start,
            m.end,
            m.kind.label(),
            ex.quote(m.start, m.end, 70)
        );
    }
    if let Some(n) = hidden_note(r, opts.min_confidence) {
        let _ = writeln!(o, "{n} (--min-confidence 0 shows them)");
    }
    o
}

/// "yes 0.41" / "no 0.12" / "—": a model's decision with its probability.
fn decision(d: Option<bool>, p: Option<f64>) -> String {
    match (d, p) {
        (Some(true), Some(p)) => format!("yes {p:.2}"),
        (Some(false), Some(p)) => format!("no {p:.2}"),
        _ => "—".to_string(),
    }
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// The report stylesheet, shared by `--format html` and the server's page.
pub const CSS: &str = include_str!("../assets/report.css");

/// One self-contained HTML page: no scripts or assets from anywhere else.
pub fn html(r: &Report, opts: HtmlOptions) -> String {
    let title = r
        .title
        .as_deref()
        .or(r.id.as_deref())
        .unwrap_or("unspin report");
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>unspin: {}</title><style>{CSS}</style></head><body><main>\n{}</main></body></html>\n",
        esc(title),
        html_fragment(r, opts)
    )
}

/// The report as an HTML fragment (header, legend, article, reasons, claims, sentences), for a
/// page that brings [`CSS`]: the server's page shows exactly this. Legend toggles and the
/// definitions shown on hover and keyboard focus are CSS only, so the fragment works without
/// script.
pub fn html_fragment(r: &Report, opts: HtmlOptions) -> String {
    let ex = Excerpts::new(&r.text);
    let marks = marks(r, opts.min_confidence);
    let mut o = String::from("<div class=\"report\">\n");
    let title = r
        .title
        .as_deref()
        .or(r.id.as_deref())
        .unwrap_or("unspin report");
    let _ = write!(o, "<header><h1>{}</h1><p class=\"meta\">", esc(title));
    let _ = write!(
        o,
        "language {} · {} sentences · {} technique spans{}",
        esc(r.language.as_deref().unwrap_or("unknown")),
        r.sentences.len(),
        r.techniques.len(),
        esc(&clickbait_note(r))
    );
    let _ = write!(o, "</p>");
    match (r.reliability.p_unreliable, r.reliability.label) {
        (Some(p), Some(l)) => {
            let _ = write!(
                o,
                "<p class=\"gauge\"><label for=\"gauge-meter\">Reliability: <strong>{l:?}</strong> (p_unreliable {p:.2}{})</label> \
<meter id=\"gauge-meter\" class=\"gauge-meter\" min=\"0\" max=\"1\" low=\"0.35\" high=\"0.65\" optimum=\"0\" value=\"{p:.3}\">{p:.2}</meter></p>",
                esc(&prior_note(r))
            );
        }
        _ => {
            let _ = write!(
                o,
                "<p class=\"gauge none\">Reliability: not scored — {}.</p>",
                esc(unscored_why(r))
            );
        }
    }
    for w in &r.warnings {
        let _ = write!(o, "<p class=\"warning\">{}</p>", esc(w));
    }
    o.push_str("</header>\n");

    // Legend with counts.
    let mut counts: BTreeMap<MarkKind, usize> = BTreeMap::new();
    for m in &marks {
        *counts.entry(m.kind).or_default() += 1;
    }
    // Unchecking a key hides its marks: one CSS rule per kind present, through `:has()`.
    o.push_str("<style>");
    for k in counts.keys() {
        let c = k.class();
        let _ = write!(
            o,
            ".report:has(input[data-k=\"{c}\"]:not(:checked)) mark.{c}{{background:none;text-decoration:none;box-shadow:none;font-style:inherit}}"
        );
    }
    o.push_str("</style>");
    o.push_str("<fieldset class=\"legend\"><legend>Show</legend>");
    for (k, n) in &counts {
        let _ = write!(
            o,
            "<label class=\"key {c}\"><input type=\"checkbox\" checked data-k=\"{c}\"> {} <b>{n}</b></label>",
            esc(&k.label()),
            c = k.class()
        );
    }
    o.push_str("</fieldset>\n");
    if let Some(n) = hidden_note(r, opts.min_confidence) {
        let _ = write!(o, "<p class=\"hidden-note\">{}.</p>", esc(&n));
    }
    o.push_str("<p class=\"hint\">Tap or focus a highlighted passage for its technique, confidence and the words that decided it.</p>\n<article class=\"text\">");
    let starts: Vec<usize> = r.sentences.iter().map(|s| s.start).collect();
    let mut next_sentence = 0;
    for (at, piece, on) in pieces_at(&r.text, &marks, &starts) {
        while next_sentence < starts.len() && starts[next_sentence] <= at {
            let _ = write!(
                o,
                "<span class=\"anchor\" id=\"s{}\"></span>",
                next_sentence + 1
            );
            next_sentence += 1;
        }
        if on.is_empty() {
            o.push_str(&esc(piece));
            continue;
        }
        let classes: Vec<String> = on.iter().map(|m| m.kind.class()).collect();
        let notes: Vec<&str> = on.iter().map(|m| m.note.as_str()).collect();
        let note = esc(&notes.join("\n"));
        let _ = write!(
            o,
            "<mark class=\"{}\" title=\"{note}\" data-note=\"{note}\" tabindex=\"0\">{}</mark>",
            classes.join(" "),
            esc(piece)
        );
    }
    o.push_str("</article>\n");

    o.push_str("<section><h2>Why</h2><ol class=\"reasons\">");
    let reasons = &r.reliability.reasons;
    for (i, reason) in reasons.iter().enumerate() {
        if i == TOP_REASONS {
            let _ = write!(
                o,
                "</ol><details><summary>{} more signals</summary><ol class=\"reasons\" start=\"{}\">",
                reasons.len() - TOP_REASONS,
                TOP_REASONS + 1
            );
        }
        let examples: Vec<String> = reason
            .spans
            .iter()
            .take(3)
            .map(|s| esc(&ex.quote(s[0], s[1], 80)))
            .collect();
        let class = match reason.direction {
            Some(crate::report::Direction::TowardUnreliable) => "up",
            Some(crate::report::Direction::TowardReliable) => "down",
            None => "flat",
        };
        let weight = weight_text(reason);
        let weight = if weight.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"weight {class}\">{}</span>", esc(&weight))
        };
        let _ = write!(
            o,
            "<li><b>{}</b> ×{}{weight} — {} ({}){}{}</li>",
            esc(&reason.signal.replace('_', " ")),
            reason.count,
            esc(reason.description.trim_end_matches('.')),
            esc(&rate_text(reason)),
            if examples.is_empty() { "" } else { ": " },
            examples.join(", ")
        );
    }
    if reasons.len() > TOP_REASONS {
        o.push_str("</ol></details></section>\n");
    } else {
        o.push_str("</ol></section>\n");
    }

    o.push_str("<section><h2>Claims to check</h2>");
    let claims = top_claims(r, 8);
    if claims.is_empty() {
        o.push_str("<p>No sentence is likely check-worthy.</p>");
    } else {
        o.push_str("<ol class=\"claims\">");
        for i in claims {
            let s = &r.sentences[i];
            let _ = write!(
                o,
                "<li><span class=\"src-{}\">{}</span> <b>{:.2}</b> <a href=\"#s{3}\">s{3}</a> — {4}</li>",
                source_name(s.attribution.kind),
                match s.attribution.kind {
                    SourceKind::None => "no source",
                    SourceKind::Vague => "vague source",
                    SourceKind::Named => "named source",
                },
                s.checkworthiness.unwrap_or(0.0),
                i + 1,
                esc(&ex.quote(s.start, s.end, 200))
            );
        }
        o.push_str("</ol>");
    }
    o.push_str("</section>\n");

    o.push_str(
        "<section><h2>Sentences</h2><div class=\"table\"><table><thead><tr><th>#</th><th>sentence</th><th>source</th>\
<th>hedge cues</th><th>hedged</th><th>check-worthy</th></tr></thead><tbody>",
    );
    for (i, s) in r.sentences.iter().enumerate() {
        let cues: Vec<String> = s.hedge_cues.iter().map(|c| esc(&c.text)).collect();
        let src = match s.attribution.kind {
            SourceKind::None => "none".to_string(),
            k => format!(
                "{}: {}",
                source_name(k),
                esc(s.attribution.source.as_deref().unwrap_or("?"))
            ),
        };
        let _ = write!(
            o,
            "<tr><td><a href=\"#s{0}\">{0}</a></td><td>{1}</td><td class=\"src-{2}\">{src}</td><td>{3}</td><td>{4}</td><td>{5}</td></tr>",
            i + 1,
            esc(&ex.quote(s.start, s.end, 160)),
            source_name(s.attribution.kind),
            cues.join(", "),
            decision(s.hedged, s.hedging),
            decision(s.check_worthy, s.checkworthiness)
        );
    }
    o.push_str("</tbody></table></div></section>\n");
    let models: Vec<String> = r
        .models
        .iter()
        .map(|m| format!("{} {} ({})", esc(&m.name), esc(&m.version), esc(&m.kind)))
        .collect();
    let _ = writeln!(
        o,
        "<footer>{} · models: {}</footer>\n</div>",
        esc(&r.schema),
        models.join(", ")
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_the_text_exactly_once() {
        let text = "añb “quoted” end";
        let m = |start, end| Mark {
            confidence: None,
            start,
            end,
            kind: MarkKind::Hedge(HedgeKind::Lexical),
            note: String::new(),
        };
        let marks = vec![m(1, 5), m(4, 12), m(20, 30)];
        let ps = pieces(text, &marks);
        let joined: String = ps.iter().map(|p| p.0).collect();
        assert_eq!(joined, text);
        let covered: Vec<(&str, usize)> = ps.iter().map(|p| (p.0, p.1.len())).collect();
        assert_eq!(covered[1], ("ñb ", 1));
        assert_eq!(covered[2], ("“", 2));
    }
}
