//! Pathological inputs: each must end, without a panic, with a report or a named error. Every
//! case runs on a worker thread with a generous deadline, so a hang fails the test instead of
//! stalling CI; the deadlines are hang guards, not speed claims (the measured times are in
//! docs/RELIABILITY.md).

use std::sync::mpsc;
use std::time::Duration;
use unspin::{Analyzer, Document, Format, Limits};

/// Runs `f` on a thread with a large stack budget left to the code under test, failing if it
/// panics or takes longer than `secs`.
fn bounded<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("finished (no panic, no hang) within the deadline")
}

fn analyze_bytes(bytes: Vec<u8>, format: Format) -> Result<unspin::Report, unspin::Error> {
    let doc = Document::from_bytes(&bytes, format, Limits::default())?;
    Ok(Analyzer::new().analyze(&doc))
}

fn spans_inside(r: &unspin::Report) {
    let n = r.text.chars().count();
    assert!(r.techniques.iter().all(|t| t.start <= t.end && t.end <= n));
    assert!(r.sentences.iter().all(|s| s.start <= s.end && s.end <= n));
    assert!(
        r.reliability
            .p_unreliable
            .is_none_or(|p| (0.0..=1.0).contains(&p))
    );
}

/// Was quadratic (every token of a hedged sentence checked against every cue, and the learned
/// cues kept growing): over 10 minutes; 2.8 s in a release build since.
#[test]
fn ten_megabytes_without_sentence_punctuation() {
    let words = [
        "the", "council", "said", "many", "believe", "reports", "claim",
    ];
    let mut text = String::with_capacity(10 << 20);
    let mut i = 0;
    while text.len() < 10 << 20 {
        text.push_str(words[i % words.len()]);
        text.push(if i % 97 == 96 { '\n' } else { ' ' });
        i += 1;
    }
    let r = bounded(300, move || analyze_bytes(text.into_bytes(), Format::Text)).unwrap();
    spans_inside(&r);
    assert!(!r.sentences.is_empty());
}

#[test]
fn one_megabyte_word() {
    let r = bounded(120, || {
        analyze_bytes("a".repeat(1 << 20).into_bytes(), Format::Text)
    })
    .unwrap();
    spans_inside(&r);
    assert_eq!(r.text.len(), 1 << 20);
}

#[test]
fn a_hundred_thousand_nested_tags() {
    let mut html = String::from("<html><body>");
    html.push_str(&"<div>".repeat(100_000));
    html.push_str("Reports are coming in that the deepest paragraph is here.");
    html.push_str(&"</div>".repeat(100_000));
    html.push_str("</body></html>");
    // A report or a named error (no article), never a stack overflow.
    // Past `ingest::MAX_NESTING` the extractor is skipped and the tags are stripped: a report of
    // the text, never a stack overflow (this case overflowed a 2 MiB worker stack before).
    let r = bounded(120, move || analyze_bytes(html.into_bytes(), Format::Html)).unwrap();
    spans_inside(&r);
    assert_eq!(
        r.text,
        "Reports are coming in that the deepest paragraph is here."
    );
}

/// One element with 200,000 attributes took 25 s in the extractor (the tokenizer compares each
/// attribute with the element's others); past `ingest::MAX_ATTRIBUTES` the page's tags are
/// stripped instead. A quoted `<` must not hide the attributes after it from the guard, and
/// `<a<a<a…` (no `>`) must not make the guard itself quadratic (it was: 15 s for 400 KB).
#[test]
fn an_element_with_200k_attributes_and_unclosed_tags() {
    let prose = "<p>Reports are coming in that the council hid the damage.</p>";
    let names: Vec<String> = (0..200_000).map(|i| format!("a{i}")).collect();
    let many = format!(
        "<html><body>{prose}<div x=\"<\" {}>x</div></body></html>",
        names.join(" ")
    );
    let shape = unspin::ingest::tag_shape(&many);
    assert!(shape.attributes > 200_000, "{shape:?}");
    // A hang guard: 25 s before the fix, well under a second since.
    let r = bounded(20, move || analyze_bytes(many.into_bytes(), Format::Html)).unwrap();
    spans_inside(&r);
    assert!(r.text.contains("the council hid the damage"));

    let unclosed = format!("<html><body>{prose}{}</body></html>", "<a".repeat(500_000));
    assert_eq!(
        unspin::ingest::tag_shape(&unclosed).attributes,
        1,
        "one name, as the tokenizer reads it"
    );
    let r = bounded(20, move || {
        analyze_bytes(unclosed.into_bytes(), Format::Html)
    });
    if let Ok(r) = r {
        spans_inside(&r);
    }
    // Quoted values hold `>` and `<` without ending the tag; names are counted, not values.
    let tag = r#"<div class="a > b" data-x='<y z>' hidden id=q>text</div>"#;
    assert_eq!(
        unspin::ingest::tag_shape(tag),
        unspin::ingest::TagShape {
            nesting: 1,
            attributes: 4
        }
    );
}

#[test]
fn jsonl_of_200k_lines_with_every_third_broken() {
    let mut input = String::new();
    for i in 0..200_000 {
        if i % 3 == 2 {
            input.push_str("{\"id\": \"broken\", \"text\": \n");
        } else {
            input.push_str(&format!(
                "{{\"id\": \"r{i}\", \"text\": \"Record {i}.\"}}\n"
            ));
        }
    }
    let (records, failed, newlines) = bounded(600, move || {
        let analyzer = Analyzer::rules_only();
        let opts = unspin::corpus::Options {
            threads: 2,
            chunk: 1024,
            ..Default::default()
        };
        let mut source =
            unspin::corpus::input::JsonlSource::new(input.as_bytes(), Limits::default());
        let (mut failed, mut newlines) = (0u64, 0usize);
        let records = unspin::corpus::run(&analyzer, &mut source, &opts, |outs| {
            for o in outs {
                failed += u64::from(o.row.error.is_some());
                newlines += o.json.matches('\n').count();
            }
            Ok(())
        })
        .unwrap();
        (records, failed, newlines)
    });
    assert_eq!(records, 200_000);
    assert_eq!(failed, 66_666);
    assert_eq!(newlines, 0, "one line per record");
}

#[test]
fn empty_gzip_png_and_nul_inputs_are_named_errors() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "empty"),
        (
            vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3, 1, 2, 3],
            "binary",
        ),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), "binary"),
    ];
    for (bytes, kind) in cases {
        for format in [Format::Auto, Format::Text] {
            let e = analyze_bytes(bytes.clone(), format).unwrap_err();
            assert_eq!(e.kind(), kind, "{e}");
        }
    }
    // NUL bytes inside otherwise readable text: a report, or a named error — never a panic.
    match analyze_bytes(
        b"The mayor\0 said\0 it was fine. Critics claim\0 otherwise.".to_vec(),
        Format::Auto,
    ) {
        Ok(r) => spans_inside(&r),
        Err(e) => assert_eq!(e.kind(), "binary", "{e}"),
    }
}

#[test]
fn right_to_left_and_combining_text() {
    let text = "\u{202B}تقول التقارير إن العمدة كذب.\u{202C} Reports say the mayor lied. \
        Cafe\u{301}\u{301}\u{301} e\u{308}\u{330} \u{200F}מקורות אומרים\u{200E} Z\u{35f}a\u{489}l\u{334}g\u{337}o. \
        👩‍👩‍👧‍👦 🇺🇦 said the minister.";
    let r = analyze_bytes(text.as_bytes().to_vec(), Format::Text).unwrap();
    spans_inside(&r);
    assert_eq!(r.text, text);
    // Offsets are code points: every span's text is the text at its offsets.
    let chars: Vec<char> = r.text.chars().collect();
    for t in &r.techniques {
        let s: String = chars[t.start..t.end].iter().collect();
        assert_eq!(s, t.text);
    }
}

/// Hedge-heavy text in one giant sentence was quadratic in the hedging detector (every hedge
/// word checked against every conditional or distancing cue: 2 MB 3.2 s, 4 MB 13.5 s in a
/// release build, minutes here); the cues are now swept once in order.
#[test]
fn six_megabytes_of_hedges_without_punctuation() {
    let phrase = "perhaps the mayor may possibly have allegedly known and it appears that some \
                  experts suggest it might be likely that reportedly the bridge could fail ";
    let text = phrase.repeat((6 << 20) / phrase.len());
    let phrases = text.len() / phrase.len();
    let r = bounded(60, move || analyze_bytes(text.into_bytes(), Format::Text)).unwrap();
    spans_inside(&r);
    let cues: usize = r.sentences.iter().map(|s| s.hedge_cues.len()).sum();
    // "allegedly", "it appears" and "reportedly" are distancing; the hedge words around them
    // are lexical: many cues per phrase, none lost.
    assert!(cues >= 3 * phrases, "{cues} cues for {phrases} phrases");
}

/// The terminal and HTML renderers looked every mark up per piece and walked the text from its
/// start for every excerpt (10 MB: 162 s in a release build); one sweep and an index now.
#[test]
fn a_ten_megabyte_article_renders_as_text_and_html() {
    let base = include_str!("../../../../examples/harbor-bridge.txt");
    let text = base.repeat((10 << 20) / base.len());
    let (plain, coloured, html, spans) = bounded(120, move || {
        let r = analyze_bytes(text.into_bytes(), Format::Text).unwrap();
        let opts = unspin::render::TerminalOptions::default();
        let plain = unspin::render::terminal(&r, opts);
        let coloured = unspin::render::terminal(
            &r,
            unspin::render::TerminalOptions {
                color: true,
                ..opts
            },
        );
        let html = unspin::render::html(&r, unspin::render::HtmlOptions::default());
        (plain, coloured, html, r.techniques.len())
    });
    assert!(spans > 10_000);
    assert!(plain.contains("── spans") && coloured.len() > 10 << 20);
    assert_eq!(
        html.matches("<mark ").count(),
        html.matches("</mark>").count()
    );
    assert!(html.ends_with("</html>\n"));
    // One document: the fragment closes what it opens, the page the rest (it used to close
    // </main></body></html> twice).
    for tag in ["</html>", "</body>", "</main>"] {
        assert_eq!(html.matches(tag).count(), 1, "{tag}");
    }
    assert_eq!(html.matches("<div").count(), html.matches("</div>").count());
}
