//! Language plumbing: the detected language (or `--language`) decides which word lists and
//! models run, and the report says which.

use unspin::report::{Report, SourceKind};
use unspin::{Analyzer, Document, LanguagePolicy};

const FRENCH: &str = "Scandale à la mairie : le maire aurait détourné des millions\n\n\
Selon des sources proches du dossier, le maire aurait détourné plusieurs millions d'euros \
destinés à la rénovation des écoles de la ville.\n\n\
Si ces accusations sont vraies, c'est une trahison honteuse de tous les habitants. \
Le préfet a déclaré qu'une enquête serait ouverte dans les prochains jours.\n\n\
Les opposants dénoncent depuis des années un système corrompu et une gestion catastrophique \
des finances publiques.";

fn analyze(a: &Analyzer, text: &str) -> Report {
    a.analyze(&Document::from_text(text))
}

#[test]
fn a_french_article_is_read_with_french_lists_and_models_and_gets_no_reliability() {
    let r = analyze(&Analyzer::new(), FRENCH);
    assert_eq!(r.language.as_deref(), Some("fra"));
    assert_eq!(r.analysed_as.as_deref(), Some("fr"));
    // The reliability model is English-only: null, and the warning says why.
    assert_eq!(r.reliability.p_unreliable, None);
    assert!(
        r.warnings.iter().any(|w| w.contains("English-only")),
        "{:?}",
        r.warnings
    );
    assert!(
        r.techniques.is_empty(),
        "no English technique spans on French text"
    );
    // Cues from the French lists, at the words that carry them.
    let cue_texts: Vec<&str> = r
        .sentences
        .iter()
        .flat_map(|s| s.hedge_cues.iter().map(|c| c.text.as_str()))
        .collect();
    assert!(cue_texts.contains(&"aurait"), "{cue_texts:?}");
    assert!(cue_texts.contains(&"Si"), "{cue_texts:?}");
    let kinds: Vec<SourceKind> = r.sentences.iter().map(|s| s.attribution.kind).collect();
    assert!(kinds.contains(&SourceKind::Vague) && kinds.contains(&SourceKind::Named));
    // Techniques per paragraph by the French head, offsets inside the text.
    let p = r
        .paragraph_techniques
        .as_ref()
        .expect("the French paragraph model ran");
    assert_eq!(p.language, "fr");
    assert!(p.taxonomy.contains("23"));
    assert!(!p.paragraphs.is_empty());
    let n = FRENCH.chars().count();
    for para in &p.paragraphs {
        assert!(para.start < para.end && para.end <= n);
        for t in &para.techniques {
            assert!(t.confidence >= t.threshold && t.confidence <= 1.0);
        }
    }
    assert!(r.models.iter().any(|m| m.name == "cues-fr"));
}

#[test]
fn english_keeps_its_models_and_adds_the_23_technique_view() {
    let text = "Reports are pouring in that the mayor lied. According to the Tribune, the \
                bridge passed two inspections last year, and the council says it is safe. \
                This is a disgraceful betrayal of every honest citizen of this great city.";
    let r = analyze(&Analyzer::new(), text);
    assert_eq!(r.analysed_as.as_deref(), Some("en"));
    assert!(r.reliability.p_unreliable.is_some());
    assert_eq!(
        r.paragraph_techniques.as_ref().map(|p| p.language.as_str()),
        Some("en")
    );
}

#[test]
fn the_language_override_decides_and_an_unmodelled_language_gets_nothing() {
    let fixed = Analyzer::builder()
        .language(LanguagePolicy::Fixed("fr"))
        .build()
        .unwrap();
    let text = "The minister said on Monday that the plan is in place and that it was approved \
                by the council, and the opposition has said it will appeal to the court.";
    let r = analyze(&fixed, text);
    assert_eq!(r.analysed_as.as_deref(), Some("fr"));
    assert_eq!(r.reliability.p_unreliable, None);
    let spanish = "El gobierno presentó el lunes un nuevo plan que reducirá los impuestos para \
                   todas las familias, pero la oposición lo considera imposible de financiar.";
    let r = analyze(&Analyzer::new(), spanish);
    assert_eq!(r.analysed_as, None);
    assert!(r.paragraph_techniques.is_none());
    assert!(r.sentences.iter().all(|s| s.hedge_cues.is_empty()));
    assert_eq!(
        "pl".parse::<LanguagePolicy>(),
        Ok(LanguagePolicy::Fixed("pl"))
    );
    assert_eq!(
        "po".parse::<LanguagePolicy>(),
        Ok(LanguagePolicy::Fixed("pl"))
    );
    assert!("es".parse::<LanguagePolicy>().is_err());
}

/// An English report on a strike, with one paragraph quoted in French and left untranslated.
const ENGLISH_WITH_FRENCH: &str = "Strike closes the port for a third day\n\n\
The dockers' union said on Tuesday that the strike would go on until the ministry agreed to \
reopen talks on pensions, and that it had the support of most of its members in the port.\n\n\
Les opposants dénoncent depuis des années un système corrompu, une trahison honteuse et une \
gestion catastrophique des finances publiques par ces bureaucrates incompétents et arrogants.\n\n\
The ministry did not answer a request for comment on the statement or on the talks.";

#[test]
fn a_paragraph_in_another_of_the_six_languages_is_labelled_by_its_own_model() {
    let french = ENGLISH_WITH_FRENCH.find("Les opposants").unwrap();
    let french_start = ENGLISH_WITH_FRENCH[..french].chars().count();
    let r = analyze(&Analyzer::new(), ENGLISH_WITH_FRENCH);
    assert_eq!(r.analysed_as.as_deref(), Some("en"));
    let p = r.paragraph_techniques.as_ref().expect("the model ran");
    assert_eq!(p.language, "en");
    let french_para = p
        .paragraphs
        .iter()
        .find(|q| q.start == french_start)
        .expect("the French paragraph carries techniques");
    assert_eq!(french_para.language.as_deref(), Some("fr"));
    // Only that paragraph switched: the English ones are the document's.
    assert!(
        p.paragraphs
            .iter()
            .all(|q| q.start == french_start || q.language.is_none())
    );
    // A fixed language is the user's word: no paragraph switches.
    let fixed = Analyzer::builder()
        .language(LanguagePolicy::ENGLISH)
        .build()
        .unwrap();
    let r = analyze(&fixed, ENGLISH_WITH_FRENCH);
    let p = r.paragraph_techniques.as_ref().unwrap();
    assert!(p.paragraphs.iter().all(|q| q.language.is_none()));
}
