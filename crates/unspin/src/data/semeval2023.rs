//! SemEval-2023 Task 3 subtask 3 (persuasion techniques, six languages): the articles and the
//! line-level labels (`labels-subtask-3.txt`: `id<TAB>line<TAB>technique,technique,…`, lines
//! numbered from 1, an empty third field for a line with none).
//!
//! The English set is the PTC-2020 articles relabelled in 23 techniques; [`to_ptc`] maps them
//! back onto the 14 of PTC-2020, so the SemEval-2020 models can be scored on lines.

use crate::error::{Error, Result};
use crate::technique::Technique;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The labels of one line of one article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineLabels {
    pub article: String,
    /// 1-based line number in the article file.
    pub line: usize,
    pub techniques: BTreeSet<String>,
}

/// The 23-technique name as the PTC-2020 technique its spans carry in the relabelled English
/// articles. No official mapping is published with the data; this one is measured
/// (`scripts/derive_2023_mapping.py`): every 2023 span whose text equals a 2020 span's text in the
/// same article votes for the pair of labels, and each 2023 technique takes the 2020 label of the
/// large majority of its spans (83–99 %; the rest mostly have no 2020 counterpart). Techniques new
/// in 2023 with no 2020 counterpart (Obfuscation, whose 17 English spans match no 2020 span, and
/// four that the English set does not use) map to none.
pub fn to_ptc(name: &str) -> Option<Technique> {
    use Technique::*;
    Some(match name {
        "Appeal_to_Authority" => AppealToAuthority,
        "Appeal_to_Fear-Prejudice" => AppealToFearPrejudice,
        "Appeal_to_Hypocrisy" | "Red_Herring" | "Straw_Man" | "Whataboutism" => {
            WhataboutismStrawMenRedHerring
        }
        "Appeal_to_Popularity" | "Guilt_by_Association" => BandwagonReductioAdHitlerum,
        "Causal_Oversimplification" => CausalOversimplification,
        "Conversation_Killer" => ThoughtTerminatingCliches,
        "Doubt" => Doubt,
        "Exaggeration-Minimisation" => ExaggerationMinimisation,
        "False_Dilemma-No_Choice" => BlackAndWhiteFallacy,
        "Flag_Waving" => FlagWaving,
        "Loaded_Language" => LoadedLanguage,
        "Name_Calling-Labeling" => NameCallingLabeling,
        "Repetition" => Repetition,
        "Slogans" => Slogans,
        _ => return None,
    })
}

/// Reads a `labels-subtask-3.txt` file.
pub fn line_labels(path: &Path) -> Result<Vec<LineLabels>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| {
            Error::Data(format!(
                "{}:{}: {what} (expected id<TAB>line<TAB>techniques)",
                path.display(),
                i + 1
            ))
        };
        let mut f = raw.split('\t');
        let article = f
            .next()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("no id"))?;
        let line = f
            .next()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .filter(|&n| n >= 1)
            .ok_or_else(|| bad("bad line number"))?;
        let techniques = f
            .next()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        out.push(LineLabels {
            article: article.to_string(),
            line,
            techniques,
        });
    }
    Ok(out)
}

/// The folder of one language (`en`, `fr`, `ge`, `it`, `po`, `ru`), whether `data` is the
/// shared data root, the `semeval2023t3` folder or the language folder itself.
pub fn language_dir(data: &Path, language: &str) -> Result<PathBuf> {
    for c in [
        data.join("semeval2023t3").join(language),
        data.join(language),
        data.to_path_buf(),
    ] {
        if c.join("labels-subtask-3.txt").is_file() && c.join("articles").is_dir() {
            return Ok(c);
        }
    }
    Err(Error::Data(format!(
        "{}: cannot find semeval2023t3/{language}/labels-subtask-3.txt",
        data.display()
    )))
}

/// The text of an article of a language folder.
pub fn article(dir: &Path, id: &str) -> Result<String> {
    let p = dir.join("articles").join(format!("article{id}.txt"));
    std::fs::read_to_string(&p).map_err(|e| Error::Data(format!("{}: {e}", p.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_with_and_without_labels() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("labels-subtask-3.txt");
        std::fs::write(&p, "7\t1\t\n7\t3\tDoubt,Loaded_Language\n\n8\t2\tSlogans\n").unwrap();
        let l = line_labels(&p).unwrap();
        assert_eq!(l.len(), 3);
        assert!(l[0].techniques.is_empty());
        assert_eq!(l[1].line, 3);
        assert_eq!(
            l[1].techniques.iter().collect::<Vec<_>>(),
            ["Doubt", "Loaded_Language"]
        );
        std::fs::write(&p, "7\tx\tDoubt\n").unwrap();
        let e = line_labels(&p).unwrap_err().to_string();
        assert!(e.contains(":1:") && e.contains("line number"), "{e}");
    }

    #[test]
    fn every_english_technique_maps_and_new_ones_do_not() {
        assert_eq!(
            to_ptc("Appeal_to_Hypocrisy"),
            Some(Technique::WhataboutismStrawMenRedHerring)
        );
        assert_eq!(
            to_ptc("Guilt_by_Association"),
            Some(Technique::BandwagonReductioAdHitlerum)
        );
        assert_eq!(
            to_ptc("Conversation_Killer"),
            Some(Technique::ThoughtTerminatingCliches)
        );
        assert_eq!(
            to_ptc("False_Dilemma-No_Choice"),
            Some(Technique::BlackAndWhiteFallacy)
        );
        for none in [
            "Obfuscation-Vagueness-Confusion",
            "Appeal_to_Values",
            "Appeal_to_Time",
        ] {
            assert_eq!(to_ptc(none), None);
        }
        // Every one of the 14 is reached.
        let reached: BTreeSet<Technique> = [
            "Appeal_to_Authority",
            "Appeal_to_Fear-Prejudice",
            "Appeal_to_Popularity",
            "Causal_Oversimplification",
            "Conversation_Killer",
            "Doubt",
            "Exaggeration-Minimisation",
            "False_Dilemma-No_Choice",
            "Flag_Waving",
            "Loaded_Language",
            "Name_Calling-Labeling",
            "Repetition",
            "Slogans",
            "Whataboutism",
        ]
        .iter()
        .filter_map(|n| to_ptc(n))
        .collect();
        assert_eq!(reached.len(), 14);
    }
}
