//! Which language a text is in. Most input is English news, where function words make up a
//! third of the tokens: counting them is far cheaper than trigram profiles (`whatlang`), which
//! decide everything else.

use crate::assets;
use std::sync::LazyLock;

static FUNCTION_WORDS: LazyLock<assets::Words> =
    LazyLock::new(|| assets::EN.words("language/function_words.txt"));

/// ISO 639-3 code of the text's language (the title's when the text is blank), or `None` when
/// no detector is confident.
pub fn detect(text: &str, title: Option<&str>) -> Option<String> {
    let body = if text.trim().is_empty() {
        title.unwrap_or("")
    } else {
        text
    };
    let words: Vec<&str> = body.split_whitespace().take(120).collect();
    if words.len() >= 30 {
        let hits = words.iter().filter(|w| is_function_word(w)).count();
        if hits * 100 >= words.len() * 25 {
            return Some("eng".to_string());
        }
    }
    let sample: String = body.chars().take(400).collect();
    let info = whatlang::detect(&sample)?;
    (info.is_reliable() || info.confidence() > 0.5).then(|| info.lang().code().to_string())
}

/// Whether a whitespace-separated word (punctuation around it aside) is one of the English
/// function words. They are short ASCII words, so the word is lower-cased on the stack, not in
/// a `String`: this runs on every word a document and its paragraphs are sampled by.
fn is_function_word(w: &str) -> bool {
    let w = w.trim_matches(|c: char| !c.is_alphanumeric());
    let mut buf = [0u8; 8];
    w.len() <= buf.len() && w.is_ascii() && {
        buf[..w.len()].copy_from_slice(w.as_bytes());
        buf.make_ascii_lowercase();
        std::str::from_utf8(&buf[..w.len()]).is_ok_and(|l| FUNCTION_WORDS.contains(l))
    }
}

/// Shortest paragraph, in words, whose language is decided on its own: below it a trigram
/// profile is too often wrong (names, numbers, a short quotation).
const PARAGRAPH_WORDS: usize = 20;

/// ISO 639-3 code of a paragraph's language when it can be told on its own (20 words or more,
/// a reliable profile), or `None`. Most paragraphs share the document's language, and English
/// ones are passed on the cheap function-word count before any profile.
pub fn paragraph_language(paragraph: &str) -> Option<&'static str> {
    let words: Vec<&str> = paragraph.split_whitespace().take(120).collect();
    if words.len() < PARAGRAPH_WORDS {
        return None;
    }
    let english = words.iter().filter(|w| is_function_word(w)).count();
    // A paragraph's share varies more than a document's: English prose keeps well above one in
    // eight, while the few of these words other languages share ("a", "in", "on", "was") stay
    // far below it; only the rest pays for a trigram profile.
    if english * 100 >= words.len() * 12 {
        return Some("eng");
    }
    let sample: String = paragraph.chars().take(400).collect();
    let info = whatlang::detect(&sample).filter(|i| i.is_reliable())?;
    Some(info.lang().code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_by_function_words_and_others_by_profile() {
        let en = "The minister said that the plan is in place and that it was approved by the council on Monday, \
                  and the vote was not close, but the opposition has said it will appeal to the court.";
        assert_eq!(detect(en, None).as_deref(), Some("eng"));
        let de = "Die Regierung hat am Montag einen neuen Plan vorgestellt, der die Steuern für alle \
                  Familien senken soll, aber die Opposition hält ihn für unbezahlbar und will klagen.";
        assert_eq!(detect(de, None).as_deref(), Some("deu"));
        assert_eq!(detect("  ", Some(en)).as_deref(), Some("eng"));
    }

    #[test]
    fn a_long_enough_paragraph_has_its_own_language() {
        let en = "The dockers' union said on Tuesday that the strike would go on until the ministry \
                  agreed to reopen talks on pensions, and that it had the support of its members.";
        let fr = "Les opposants dénoncent depuis des années un système corrompu et une gestion \
                  catastrophique des finances publiques par ces bureaucrates incompétents.";
        let de = "Die Opposition kritisiert seit Jahren ein korruptes System und eine katastrophale \
                  Verwaltung der öffentlichen Finanzen durch diese unfähigen Bürokraten hier.";
        let ru = "Оппозиция уже много лет критикует коррумпированную систему и катастрофическое \
                  управление государственными финансами со стороны этих некомпетентных чиновников \
                  и их друзей в правительстве страны, которые ничего не делают для людей.";
        let es = "La oposición denuncia desde hace años un sistema corrupto y una gestión \
                  catastrófica de las finanzas públicas por parte de estos burócratas incompetentes.";
        assert_eq!(paragraph_language(en), Some("eng"));
        assert_eq!(paragraph_language(fr), Some("fra"));
        assert_eq!(paragraph_language(de), Some("deu"));
        assert_eq!(paragraph_language(ru), Some("rus"));
        assert_eq!(paragraph_language(es), Some("spa"));
        // Too short to tell alone: the document's language stands.
        assert_eq!(
            paragraph_language("Le maire a démissionné hier soir."),
            None
        );
    }
}
