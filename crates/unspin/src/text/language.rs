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
        let function = &*FUNCTION_WORDS;
        let hits = words
            .iter()
            .filter(|w| {
                // The list is lower case; most words are, so only fold the others.
                if w.bytes().any(|b| b.is_ascii_uppercase()) {
                    function.contains(&w.to_ascii_lowercase())
                } else {
                    function.contains(w)
                }
            })
            .count();
        if hits * 100 >= words.len() * 25 {
            return Some("eng".to_string());
        }
    }
    let sample: String = body.chars().take(400).collect();
    let info = whatlang::detect(&sample)?;
    (info.is_reliable() || info.confidence() > 0.5).then(|| info.lang().code().to_string())
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
}
