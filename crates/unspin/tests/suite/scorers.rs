//! Golden tests: the ported scorers reproduce the organisers' scorer on its own samples.

use std::path::PathBuf;
use unspin::score::ptc::{read_labels, score_si, score_tc};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scorer-samples")
        .join(name)
}

fn techniques() -> Vec<String> {
    std::fs::read_to_string(fixture("propaganda-techniques-names-semeval2020task11.txt"))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn si_scorer_sample_gives_official_f1() {
    let gold = read_labels(&fixture("article736757214.task-SI.labels")).unwrap();
    let pred = read_labels(&fixture("submission-task-SI.tsv")).unwrap();
    let s = score_si(&pred, &gold, true).unwrap();
    assert_eq!(format!("{:.6}", s.f1), "0.647181");
}

#[test]
fn tc_scorer_sample_gives_official_f1() {
    let gold = read_labels(&fixture("article736757214.labels-task-TC")).unwrap();
    let pred = read_labels(&fixture("submission-task-TC.tsv")).unwrap();
    let s = score_tc(&pred, &gold, &techniques()).unwrap();
    assert_eq!(format!("{:.6}", s.micro_f1), "0.600000");
    let nonzero: Vec<(&str, String)> = s
        .per_technique
        .iter()
        .filter(|(_, f)| **f > 0.0)
        .map(|(t, f)| (t.as_str(), format!("{f:.4}")))
        .collect();
    assert_eq!(
        nonzero,
        [
            ("Exaggeration,Minimisation", "1.0000".to_string()),
            ("Loaded_Language", "0.6667".to_string()),
            ("Name_Calling,Labeling", "0.6667".to_string()),
        ]
    );
}
