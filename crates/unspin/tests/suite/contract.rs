//! The report contract: real output validates against `docs/report.schema.json`, and every offset
//! slices the canonical text back to what the report says is there.

use proptest::prelude::*;
use serde_json::Value;
use unspin::span::{Span, slice_chars};
use unspin::{Analyzer, Document, Format, Limits, Report};

const SCHEMA: &str = include_str!("../../../../docs/report.schema.json");
const EXAMPLE: &str = include_str!("../../../../examples/harbor-bridge.txt");

fn analyzer() -> &'static Analyzer {
    static A: std::sync::OnceLock<Analyzer> = std::sync::OnceLock::new();
    A.get_or_init(Analyzer::new)
}

fn assert_valid(report: &Report) {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let instance: Value = serde_json::from_str(&report.to_json()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

/// Every offset lies within the text, and every span with a `text` slices back to it.
fn assert_offsets(r: &Report) {
    let n = r.text.chars().count();
    let slice = |s: usize, e: usize| {
        assert!(s <= e && e <= n, "span {s}..{e} outside text of {n} chars");
        slice_chars(&r.text, Span::new(s, e)).expect("span slices")
    };
    for t in &r.techniques {
        assert_eq!(slice(t.start, t.end), t.text);
    }
    for s in &r.sentences {
        let sentence = slice(s.start, s.end);
        assert!(!sentence.trim().is_empty());
        assert_eq!(sentence, sentence.trim(), "sentences are trimmed");
        for c in &s.hedge_cues {
            assert_eq!(slice(c.start, c.end), c.text);
            assert!(
                s.start <= c.start && c.end <= s.end,
                "cue inside its sentence"
            );
        }
        if let Some(a) = s.attribution.span() {
            slice(a.start, a.end);
            assert!(
                s.start <= a.start && a.end <= s.end,
                "attribution inside its sentence"
            );
        }
    }
    for reason in &r.reliability.reasons {
        assert_eq!(reason.count, reason.spans.len());
        for [s, e] in &reason.spans {
            slice(*s, *e);
        }
    }
    if let (Some(h), Some(title)) = (&r.headline, &r.title) {
        assert_eq!((h.start, h.end), (0, title.chars().count()));
    }
}

#[test]
fn example_article_report_validates_and_slices_back() {
    let r = analyzer().analyze(&Document::from_text(EXAMPLE).with_title(Some("A headline".into())));
    assert_valid(&r);
    assert_offsets(&r);
    assert_eq!(r.schema, "unspin.report/1");
    assert_eq!(r.language.as_deref(), Some("eng"));
    let p = r
        .reliability
        .p_unreliable
        .expect("the reliability model scores it");
    assert!((0.0..=1.0).contains(&p));
    assert!(r.reliability.label.is_some());
    let unit = |p: Option<f64>| p.is_some_and(|p| (0.0..=1.0).contains(&p));
    assert!(unit(r.headline.as_ref().and_then(|h| h.clickbait)));
    for s in &r.sentences {
        assert!(unit(s.checkworthiness) && unit(s.hedging));
    }
    // With a listed site the report carries the source prior, and still validates.
    let listed =
        Document::from_text(EXAMPLE).with_url(Some("https://21stcenturywire.com/x".into()));
    let r = analyzer().analyze(&listed);
    assert!(r.reliability.source_prior.is_some());
    assert_valid(&r);
    let names: Vec<&str> = r.models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "boilerplate-rules",
            "hedging-rules",
            "attribution-rules",
            "headline-rules",
            "techniques",
            "sentences",
            "paragraph-techniques",
            "reliability"
        ]
    );
    assert_eq!(r.models[4].kind, "trained");
}

#[test]
fn non_ascii_and_html_reports_validate() {
    let texts = [
        "Ça «semble» vrai… Selon des sources anonymes, le ministre aurait menti. 😀 Emoji et accents: é, ü, ñ.",
        "مرحبا بالعالم. هذا نص تجريبي.",
        "Combining: e\u{301}e\u{301} said the reports. Zero\u{200b}width.",
        "",
        "\u{feff}BOM first. Then more.",
    ];
    for t in texts {
        let r = analyzer().analyze(&Document::from_text(t));
        assert_valid(&r);
        assert_offsets(&r);
    }
    let page = "<html><head><title>Bridge</title><meta property=\"og:site_name\" content=\"Tribune\"></head><body><article><p>Reports are coming in that the bridge is unsafe, and many believe the mayor knew about it for years before anyone said a word.</p><p>According to the city engineer, the structure passed two inspections last year and remains open to traffic at all hours.</p></article></body></html>";
    let doc = Document::from_bytes(page.as_bytes(), Format::Auto, Limits::default()).unwrap();
    let r = analyzer().analyze(&doc);
    assert_valid(&r);
    assert_offsets(&r);
    assert_eq!(r.source.format, "html");
    assert_eq!(r.title.as_deref(), Some("Bridge"));
    assert!(r.text.contains("Reports are coming in"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_text_gives_valid_offsets(text in "\\PC{0,300}") {
        let r = analyzer().analyze(&Document::from_text(text.clone()));
        assert_offsets(&r);
        prop_assert_eq!(&r.text, &text);
        let again = analyzer().analyze(&Document::from_text(text));
        prop_assert_eq!(r, again);
    }

    #[test]
    fn news_like_text_gives_valid_offsets(words in proptest::collection::vec(
        prop_oneof![
            Just("Reports"), Just("are"), Just("coming"), Just("in"), Just("said"), Just("U.S."),
            Just("Dr."), Just("If"), Just("true,"), Just("allegedly"), Just("horror"), Just("and"),
            Just("“quoted”"), Just("…"), Just("\n"), Just("\n\n"), Just("According"), Just("to"),
            Just("évident"), Just("3.5"), Just("!"), Just("?"), Just("\""), Just("Smith"), Just("evil,"),
        ], 0..60)) {
        let text = words.join(" ");
        let r = analyzer().analyze(&Document::from_text(text));
        assert_offsets(&r);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(doc) = Document::from_bytes(&bytes, Format::Auto, Limits::default()) {
            let r = analyzer().analyze(&doc);
            assert_offsets(&r);
            // Same bytes again, through a fresh decode: the same JSON, byte for byte.
            let again = Document::from_bytes(&bytes, Format::Auto, Limits::default()).unwrap();
            prop_assert_eq!(r.to_json(), analyzer().analyze(&again).to_json());
        }
    }

    /// One output line per input line, in order, through the corpus driver one record at a time
    /// and in parallel chunks — whatever mix of good records, broken JSON, blank lines and junk
    /// bytes the input holds — and both give the same lines.
    #[test]
    fn batch_output_count_equals_input_count(
        lines in proptest::collection::vec(prop_oneof![
            "\\PC{0,40}".prop_map(|t| serde_json::json!({"id": "x", "text": t}).to_string()),
            "\\PC{0,40}".prop_map(|t| serde_json::json!({"title": t, "html": format!("<p>{t}</p>")}).to_string()),
            Just(String::new()),
            Just("{\"text\": 5}".to_string()),
            Just("{\"text\": \"unterminated".to_string()),
            "[^\n\r]{0,30}",
        ], 0..40),
        chunk in 1usize..8,
    ) {
        let input = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let run = |threads: usize, chunk: usize| {
            let opts = unspin::corpus::Options { threads, chunk, ..Default::default() };
            let mut source =
                unspin::corpus::input::JsonlSource::new(input.as_bytes(), Limits::default());
            let mut out = Vec::new();
            let n = unspin::corpus::run(analyzer(), &mut source, &opts, |outs| {
                out.extend(outs.into_iter().map(|o| o.json));
                Ok(())
            })
            .unwrap();
            (n, out)
        };
        let (n, one_by_one) = run(1, 1);
        prop_assert_eq!(n as usize, lines.len());
        prop_assert_eq!(one_by_one.len(), lines.len());
        prop_assert!(one_by_one.iter().all(|l| !l.contains('\n')));
        let (n, parallel) = run(2, chunk);
        prop_assert_eq!(n as usize, lines.len());
        prop_assert_eq!(parallel, one_by_one);
    }
}
