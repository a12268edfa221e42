//! The Propaganda Techniques Corpus (SemEval-2020 Task 11) and the SemEval-2021 Task 6 meme texts.

use crate::error::{Error, Result};
use crate::score::ptc::{LabelSpan, read_labels};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One PTC article: its id (from `article<ID>.txt`) and text, exactly as in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PtcArticle {
    pub id: String,
    pub text: String,
}

/// A split: articles with their span-only (SI) and labelled (TC) annotations.
#[derive(Debug, Clone)]
pub struct PtcSplit {
    pub articles: Vec<PtcArticle>,
    pub si: Vec<LabelSpan>,
    pub tc: Vec<LabelSpan>,
}

/// Reads every `article<ID>.txt` of a folder, sorted by id.
pub fn articles(dir: &Path) -> Result<Vec<PtcArticle>> {
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::Data(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(id) = name
            .strip_prefix("article")
            .and_then(|n| n.strip_suffix(".txt"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
        out.push(PtcArticle {
            id: id.to_string(),
            text,
        });
    }
    if out.is_empty() {
        return Err(Error::Data(format!(
            "{}: no article*.txt files",
            dir.display()
        )));
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Loads `train` or `dev` from the PTC root (`<split>-articles/`, `<split>-task-si.labels`,
/// `<split>-task-flc-tc.labels`). Label offsets are checked against the article lengths.
pub fn split(root: &Path, split: &str) -> Result<PtcSplit> {
    let articles = articles(&root.join(format!("{split}-articles")))?;
    let si = read_labels(&root.join(format!("{split}-task-si.labels")))?;
    let tc = read_labels(&root.join(format!("{split}-task-flc-tc.labels")))?;
    let lens: BTreeMap<&str, usize> = articles
        .iter()
        .map(|a| (a.id.as_str(), a.text.chars().count()))
        .collect();
    for s in si.iter().chain(&tc) {
        match lens.get(s.article.as_str()) {
            None => {
                return Err(Error::Data(format!(
                    "{split}: label for unknown article {}",
                    s.article
                )));
            }
            Some(n) if s.end > *n => {
                return Err(Error::Data(format!(
                    "{split}: span {}-{} beyond the end of article {} ({n} chars)",
                    s.start, s.end, s.article
                )));
            }
            _ => {}
        }
    }
    Ok(PtcSplit { articles, si, tc })
}

/// The 14 technique names of a PTC technique list file.
pub fn technique_names(path: &Path) -> Result<Vec<String>> {
    Ok(super::read_text(path)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}

/// A SemEval-2021 Task 6 (subtask 2) example: a meme text with technique spans.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MemeText {
    pub id: String,
    pub text: String,
    pub labels: Vec<MemeSpan>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MemeSpan {
    pub start: usize,
    pub end: usize,
    pub technique: String,
    pub text_fragment: String,
}

/// Reads a SemEval-2021 Task 6 JSON file (an array of examples).
pub fn semeval2021(path: &Path) -> Result<Vec<MemeText>> {
    let text = super::read_text(path)?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Data(format!(
            "{}:{}:{}: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

/// Maps a SemEval-2021 technique name to its SemEval-2020 label, where the 2020 taxonomy has one.
pub fn map_2021_technique(name: &str) -> Option<&'static str> {
    Some(match name {
        "Appeal to authority" => "Appeal_to_Authority",
        "Appeal to fear/prejudice" => "Appeal_to_fear-prejudice",
        "Bandwagon" | "Reductio ad hitlerum" => "Bandwagon,Reductio_ad_hitlerum",
        "Black-and-white Fallacy/Dictatorship" => "Black-and-White_Fallacy",
        "Causal Oversimplification" => "Causal_Oversimplification",
        "Doubt" => "Doubt",
        "Exaggeration/Minimisation" => "Exaggeration,Minimisation",
        "Flag-waving" => "Flag-Waving",
        "Loaded Language" => "Loaded_Language",
        "Name calling/Labeling" => "Name_Calling,Labeling",
        "Repetition" => "Repetition",
        "Slogans" => "Slogans",
        "Thought-terminating cliché" => "Thought-terminating_Cliches",
        "Whataboutism" | "Straw Man" | "Red Herring" => "Whataboutism,Straw_Men,Red_Herring",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_fixture_loads_and_checks_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("dev-articles")).unwrap();
        std::fs::write(
            root.join("dev-articles/article42.txt"),
            "Évident lies.\n\nMore.",
        )
        .unwrap();
        std::fs::write(root.join("dev-task-si.labels"), "42\t0\t12\n").unwrap();
        std::fs::write(
            root.join("dev-task-flc-tc.labels"),
            "42\tLoaded_Language\t8\t12\n",
        )
        .unwrap();
        let s = split(root, "dev").unwrap();
        assert_eq!(s.articles[0].id, "42");
        assert_eq!(s.tc[0].technique.as_deref(), Some("Loaded_Language"));
        std::fs::write(root.join("dev-task-si.labels"), "42\t0\t99\n").unwrap();
        assert!(
            split(root, "dev")
                .unwrap_err()
                .to_string()
                .contains("beyond the end")
        );
    }

    #[test]
    fn semeval2021_fixture() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t6.json");
        std::fs::write(&p, r#"[{"id": "1", "text": "VOTE NOW\nor regret it", "labels": [{"start": 0, "end": 8, "technique": "Slogans", "text_fragment": "VOTE NOW"}]}]"#).unwrap();
        let m = semeval2021(&p).unwrap();
        assert_eq!(m[0].labels[0].technique, "Slogans");
        assert_eq!(
            map_2021_technique("Straw Man"),
            Some("Whataboutism,Straw_Men,Red_Herring")
        );
        assert_eq!(map_2021_technique("Smears"), None);
        std::fs::write(&p, "[{\"id\": 1}]").unwrap();
        assert!(
            semeval2021(&p)
                .unwrap_err()
                .to_string()
                .contains("t6.json:1:")
        );
    }
}
