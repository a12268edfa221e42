//! PolNeAR (Newell, Margolin and Ruths 2018): political news with every attribution annotated as
//! brat standoff. A split folder holds `text/<name>.txt` and `attributions/<name>_<annotator>.ann`;
//! an `.ann` file has text-bound lines `T<n><TAB><Role> <start> <end>[;<start> <end>…]<TAB><words>`
//! (roles `Source`, `Cue`, `Content`, and an `Attribution` trigger) and event lines
//! `E<n><TAB>Attribution:T<a> Source:T<s> Cue:T<c> Content:T<n>` (`Attribution-no-source` when the
//! writer gives none). Offsets are code points into the text file (checked against the words of
//! every line of both splits). A text annotated by several annotators is read once, from its
//! first file in name order, so no article counts twice.

use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;

/// One annotated attribution, in byte ranges of the article's text. `source` is empty when the
/// writer names none ("It is said that…"); a role can be discontinuous.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoldAttribution {
    pub source: Vec<Range<usize>>,
    pub cue: Vec<Range<usize>>,
    pub content: Vec<Range<usize>>,
}

#[derive(Debug, Clone)]
pub struct Article {
    /// The text file's stem (`<publisher>_<date>_<slug>`).
    pub name: String,
    pub text: String,
    pub attributions: Vec<GoldAttribution>,
}

/// Reads a split folder (`polnear/train` or `polnear/dev`), articles in name order.
pub fn load(split: &Path) -> Result<Vec<Article>> {
    let dir = split.join("attributions");
    let entries =
        std::fs::read_dir(&dir).map_err(|e| Error::Data(format!("{}: {e}", dir.display())))?;
    let mut first: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    for e in entries {
        let p = e?.path();
        let Some(stem) = p.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if p.extension().is_none_or(|x| x != "ann") {
            continue;
        }
        let name = stem.rsplit_once('_').map_or(stem, |(n, _)| n).to_string();
        let slot = first.entry(name).or_insert_with(|| p.clone());
        if p < *slot {
            *slot = p;
        }
    }
    if first.is_empty() {
        return Err(Error::Data(format!("{}: no .ann files", dir.display())));
    }
    let mut out = Vec::with_capacity(first.len());
    for (name, ann) in first {
        let tpath = split.join("text").join(format!("{name}.txt"));
        let text = std::fs::read_to_string(&tpath)
            .map_err(|e| Error::Data(format!("{}: {e}", tpath.display())))?;
        let raw = std::fs::read_to_string(&ann)
            .map_err(|e| Error::Data(format!("{}: {e}", ann.display())))?;
        let attributions = parse_ann(&raw, &text)
            .map_err(|why| Error::Data(format!("{}: {why}", ann.display())))?;
        out.push(Article {
            name,
            text,
            attributions,
        });
    }
    Ok(out)
}

/// Parses one `.ann` file against its text. Lines that are neither `T` nor `E` lines (notes,
/// and the continuation of a `T` line whose words hold a line break) are skipped.
pub fn parse_ann(raw: &str, text: &str) -> std::result::Result<Vec<GoldAttribution>, String> {
    // Code point -> byte offset (one past the end included).
    let bytes: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect();
    let mut spans: HashMap<&str, Vec<Range<usize>>> = HashMap::new();
    let mut events = Vec::new();
    for (n, line) in raw.lines().enumerate() {
        let mut f = line.split('\t');
        let (Some(id), Some(body)) = (f.next(), f.next()) else {
            continue;
        };
        let numbered = |p: char| id.starts_with(p) && id[1..].bytes().all(|b| b.is_ascii_digit());
        if numbered('T') {
            let (_, ranges) = body
                .split_once(' ')
                .ok_or_else(|| format!("line {}: no offsets", n + 1))?;
            let mut rs = Vec::new();
            for r in ranges.split(';') {
                let mut it = r.split_whitespace().map(str::parse::<usize>);
                let (Some(Ok(a)), Some(Ok(b))) = (it.next(), it.next()) else {
                    return Err(format!("line {}: bad offsets {r:?}", n + 1));
                };
                let (Some(&a), Some(&b)) = (bytes.get(a), bytes.get(b)) else {
                    return Err(format!("line {}: offsets {r:?} beyond the text", n + 1));
                };
                if a > b {
                    return Err(format!("line {}: offsets {r:?} run backwards", n + 1));
                }
                rs.push(a..b);
            }
            spans.insert(id, rs);
        } else if numbered('E') {
            events.push((n + 1, body));
        }
    }
    let mut out = Vec::with_capacity(events.len());
    for (line, body) in events {
        let mut a = GoldAttribution::default();
        for arg in body.split(' ') {
            let Some((role, t)) = arg.split_once(':') else {
                continue;
            };
            let get = || {
                spans
                    .get(t)
                    .cloned()
                    .ok_or_else(|| format!("line {line}: {t} is not defined"))
            };
            match role.trim_end_matches(|c: char| c.is_ascii_digit()) {
                "Source" => a.source.extend(get()?),
                "Cue" => a.cue.extend(get()?),
                "Content" => a.content.extend(get()?),
                _ => {}
            }
        }
        out.push(a);
    }
    out.sort_by_key(|a| a.cue.first().map_or(0, |r| r.start));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_read_in_bytes_from_code_point_offsets() {
        // "’" is three bytes: the offsets after it are code points, not bytes.
        let text = "It’s done, Smith said of the plan.";
        let ann = "T1\tSource 11 16\tSmith\nT2\tCue 17 21\tsaid\nT3\tContent 0 9\tIt’s done\n\
                   T4\tAttribution 17 21\tsaid\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n\
                   #1\tAnnotatorNotes T1\ta note\n\
                   T5\tCue 22 24;25 28\tof the\nT6\tContent 29 33\tplan\n\
                   E2\tAttribution-no-source:T5 Content:T6 Cue:T5\n";
        let got = parse_ann(ann, text).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(&text[got[0].source[0].clone()], "Smith");
        assert_eq!(&text[got[0].content[0].clone()], "It’s done");
        assert!(got[1].source.is_empty());
        assert_eq!(got[1].cue.len(), 2);
        assert_eq!(&text[got[1].cue[1].clone()], "the");
    }

    #[test]
    fn bad_offsets_are_an_error_naming_the_line() {
        let e = parse_ann("T1\tSource 3 99\tx\n", "short").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let e = parse_ann("T1\tSource a b\tx\n", "short").unwrap_err();
        assert!(e.contains("bad offsets"), "{e}");
        let e = parse_ann("E1\tAttribution:T1 Source:T9\n", "short").unwrap_err();
        assert!(e.contains("T9"), "{e}");
    }
}
