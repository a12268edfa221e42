//! The renderers: arbitrary bytes as an article (escape sequences, bidi controls, markup,
//! invalid UTF-8 through the lossy path), analysed, then rendered as the terminal report (plain
//! and coloured) and the HTML page and fragment. No byte of the article's control characters
//! may reach the terminal output; the HTML must stay balanced and must not open a tag the
//! renderer did not write.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use unspin::render::{self, HtmlOptions, TerminalOptions};
use unspin::{Analyzer, Document};

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(Analyzer::new)
}

fn balanced(html: &str, tag: &str) {
    let open = html.matches(&format!("<{tag}")).count()
        - html.matches(&format!("<{tag}-")).count();
    let close = html.matches(&format!("</{tag}>")).count();
    assert_eq!(open, close, "<{tag}> opened {open} times, closed {close}");
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    if text.trim().is_empty() {
        return;
    }
    let report = analyzer().analyze(&Document::from_text(text));
    for color in [false, true] {
        let out = render::terminal(
            &report,
            TerminalOptions {
                color,
                all_reasons: true,
                min_confidence: 0.0,
            },
        );
        for (i, c) in out.char_indices() {
            // A carriage return right before a newline cannot overwrite anything.
            let crlf = c == '\r' && out[i + 1..].starts_with('\n');
            let control = c.is_control() && c != '\n' && c != '\t' && !crlf;
            let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if color && c == '\x1b' {
                // Only the renderer's own SGR colour codes: ESC [ digits/; m.
                let rest = &out[i + 1..];
                let sgr = rest.starts_with('[')
                    && rest[1..]
                        .find('m')
                        .is_some_and(|m| rest[1..1 + m].bytes().all(|b| b.is_ascii_digit() || b == b';'));
                assert!(sgr, "an escape that is not a colour code at {i}");
                continue;
            }
            assert!(!control && !bidi, "{c:?} reached the terminal at {i}");
        }
    }
    for page in [
        render::html(&report, HtmlOptions::default()),
        render::html_fragment(&report, HtmlOptions { min_confidence: 0.0 }),
    ] {
        for tag in ["mark", "p", "section", "table", "details", "script", "style"] {
            balanced(&page, tag);
        }
        assert!(!page.contains("<script"), "a script in the report");
        assert!(!page.to_ascii_lowercase().contains("<iframe"));
        assert!(!page.contains("javascript:"));
    }
});
