//! Sentence- and headline-level sets: check-worthiness (ClaimBuster, CLEF CheckThat! 2019),
//! Wikipedia weasel/hedge sentences, clickbait headlines, LIAR statements.

use super::Rows;
use crate::error::{Error, Result};
use std::path::Path;

/// A sentence labelled check-worthy or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The debate (CLEF file name); ClaimBuster has none.
    pub debate: Option<String>,
    /// CLEF line number in its debate, ClaimBuster sentence id.
    pub line: u64,
    pub speaker: Option<String>,
    pub text: String,
    pub checkworthy: bool,
}

fn parse_01(rows: &Rows, line: u64, v: &str) -> Result<bool> {
    match v.trim() {
        "1" => Ok(true),
        "0" => Ok(false),
        other => Err(rows.bad(line, format!("label must be 0 or 1, got {other:?}"))),
    }
}

fn field<'a>(rows: &Rows, line: u64, fields: &'a [String], i: usize) -> Result<&'a str> {
    fields.get(i).map(String::as_str).ok_or_else(|| {
        rows.bad(
            line,
            format!("missing column {}", rows.headers.get(i).map_or("?", |h| h)),
        )
    })
}

/// ClaimBuster ground truth (`sentence_id,screening,label,text`).
pub fn claimbuster(path: &Path) -> Result<Vec<Claim>> {
    let mut rows = Rows::open(path, b',', true, true)?;
    let (id, label, text) = (
        rows.column("sentence_id")?,
        rows.column("label")?,
        rows.column("text")?,
    );
    let mut out = Vec::new();
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        out.push(Claim {
            debate: None,
            line: field(&rows, line, &f, id)?
                .trim()
                .parse()
                .map_err(|_| rows.bad(line, "sentence_id is not a number"))?,
            speaker: None,
            text: field(&rows, line, &f, text)?.to_string(),
            checkworthy: parse_01(&rows, line, field(&rows, line, &f, label)?)?,
        });
    }
    Ok(out)
}

/// CLEF CheckThat! 2019 task 1 training debates (`line_number,speaker,text,label,file_name`).
pub fn clef2019(path: &Path) -> Result<Vec<Claim>> {
    let mut rows = Rows::open(path, b',', true, true)?;
    let cols = ["line_number", "speaker", "text", "label", "file_name"].map(|c| rows.column(c));
    let [ln, sp, tx, lb, file] = cols;
    let (ln, sp, tx, lb, file) = (ln?, sp?, tx?, lb?, file?);
    let mut out = Vec::new();
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        out.push(Claim {
            debate: Some(field(&rows, line, &f, file)?.to_string()),
            line: field(&rows, line, &f, ln)?
                .trim()
                .parse()
                .map_err(|_| rows.bad(line, "line_number is not a number"))?,
            speaker: Some(field(&rows, line, &f, sp)?.to_string()),
            text: field(&rows, line, &f, tx)?.to_string(),
            checkworthy: parse_01(&rows, line, field(&rows, line, &f, lb)?)?,
        });
    }
    Ok(out)
}

/// CheckThat! 2024 task 1 English (`Sentence_id<TAB>Text<TAB>class_label`, `Yes`/`No`, quoted
/// fields with doubled quotes).
pub fn ct24(path: &Path) -> Result<Vec<Claim>> {
    let mut rows = Rows::open(path, b'\t', true, true)?;
    let cols = ["Sentence_id", "Text", "class_label"].map(|c| rows.column(c));
    let [id, tx, lb] = cols;
    let (id, tx, lb) = (id?, tx?, lb?);
    let mut out = Vec::new();
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        let checkworthy = match field(&rows, line, &f, lb)?.trim() {
            "Yes" => true,
            "No" => false,
            other => {
                return Err(rows.bad(
                    line,
                    format!("class_label must be Yes or No, got {other:?}"),
                ));
            }
        };
        out.push(Claim {
            debate: None,
            line: field(&rows, line, &f, id)?
                .trim()
                .parse()
                .map_err(|_| rows.bad(line, "Sentence_id is not a number"))?,
            speaker: None,
            text: field(&rows, line, &f, tx)?.to_string(),
            checkworthy,
        });
    }
    Ok(out)
}

/// CLEF CheckThat! 2020 task 5 debate files (`line_number<TAB>speaker<TAB>text<TAB>label`, no
/// header), one debate per file. The shared data leaves the 2020 set out on purpose (it holds
/// test debates of other tasks), but the format is the same family and the loader is kept for
/// users who have it.
pub fn clef2020_debate(path: &Path) -> Result<Vec<Claim>> {
    let mut rows = Rows::open(path, b'\t', false, false)?;
    let debate = path.file_name().map(|f| f.to_string_lossy().into_owned());
    let mut out = Vec::new();
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        if f.len() < 4 {
            return Err(rows.bad(line, "expected 4 tab-separated columns"));
        }
        out.push(Claim {
            debate: debate.clone(),
            line: f[0]
                .trim()
                .parse()
                .map_err(|_| rows.bad(line, "line_number is not a number"))?,
            speaker: Some(f[1].clone()),
            text: f[2].clone(),
            checkworthy: parse_01(&rows, line, &f[3])?,
        });
    }
    Ok(out)
}

/// A sentence with a binary label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    pub text: String,
    pub label: bool,
}

/// Wikipedia weasel sentences (`text,label`, 1 = uncertain). The texts keep a final newline and
/// PTB escapes (`-LRB-`); both are undone here, since analysed articles have neither.
pub fn weasel(path: &Path) -> Result<Vec<Labelled>> {
    let mut rows = Rows::open(path, b',', true, true)?;
    let (tx, lb) = (rows.column("text")?, rows.column("label")?);
    let mut out = Vec::new();
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        let text = field(&rows, line, &f, tx)?
            .trim_end()
            .replace("-LRB-", "(")
            .replace("-RRB-", ")")
            .replace("-LSB-", "[")
            .replace("-RSB-", "]")
            .replace("-LCB-", "{")
            .replace("-RCB-", "}");
        out.push(Labelled {
            text,
            label: parse_01(&rows, line, field(&rows, line, &f, lb)?)?,
        });
    }
    Ok(out)
}

/// Clickbait headlines: `clickbait.txt` and `non_clickbait.txt` in `dir`, one per line.
pub fn clickbait(dir: &Path) -> Result<Vec<Labelled>> {
    let mut out = Vec::new();
    for (name, label) in [("clickbait.txt", true), ("non_clickbait.txt", false)] {
        let path = dir.join(name);
        let text = super::read_text(&path)?;
        for line in text.lines() {
            let line = line.trim();
            if !line.is_empty() {
                out.push(Labelled {
                    text: line.to_string(),
                    label,
                });
            }
        }
    }
    if out.is_empty() {
        return Err(Error::Data(format!("{}: no headlines", dir.display())));
    }
    Ok(out)
}

/// A LIAR statement (Wang 2017).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiarStatement {
    pub id: String,
    /// One of pants-fire, false, barely-true, half-true, mostly-true, true.
    pub label: String,
    pub statement: String,
    pub subjects: String,
    pub speaker: String,
    pub party: String,
    pub context: String,
}

/// LIAR TSV (14 columns, no header). Statements contain unbalanced quotes, so the file is split
/// on tabs with quoting off.
pub fn liar(path: &Path) -> Result<Vec<LiarStatement>> {
    let mut rows = Rows::open(path, b'\t', false, false)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        if f.len() < 8 {
            return Err(rows.bad(
                line,
                format!("expected 14 tab-separated columns, got {}", f.len()),
            ));
        }
        let get = |i: usize| f.get(i).cloned().unwrap_or_default();
        out.push(LiarStatement {
            id: get(0),
            label: get(1),
            statement: get(2),
            subjects: get(3),
            speaker: get(4),
            party: get(7),
            context: get(13),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(content: &str) -> tempfile::TempPath {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(content.as_bytes()).unwrap();
        f.into_temp_path()
    }

    #[test]
    fn claimbuster_and_clef_fixtures() {
        let f = file(
            "sentence_id,screening,label,text\n7,-3,1,\"We added 40,000 jobs.\"\n8,-3,0,Thank you all.\n",
        );
        let c = claimbuster(&f).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].line, c[0].text.as_str(), c[0].checkworthy),
            (7, "We added 40,000 jobs.", true)
        );
        let f = file(
            "line_number,speaker,text,label,file_name\n1,HOST,Welcome.,0,d1.tsv\n2,SMITH,Taxes rose 5%.,1,d1.tsv\n",
        );
        let c = clef2019(&f).unwrap();
        assert_eq!(c[1].debate.as_deref(), Some("d1.tsv"));
        assert_eq!(c[1].speaker.as_deref(), Some("SMITH"));
        assert!(c[1].checkworthy);
        let bad = file("sentence_id,screening,label,text\n7,-3,2,x\n");
        let err = claimbuster(&bad).unwrap_err().to_string();
        assert!(err.contains(":2: label must be 0 or 1"), "{err}");
    }

    #[test]
    fn clef2020_fixture() {
        let f = file("1\tHOST\tGood evening.\t0\n2\tJONES\tCrime fell 10%.\t1\n");
        let c = clef2020_debate(&f).unwrap();
        assert_eq!(c.len(), 2);
        assert!(c[1].checkworthy && c[1].debate.is_some());
    }

    #[test]
    fn weasel_undoes_ptb_escapes() {
        let f =
            file("text,label\n\"Some say it -LRB- maybe -RRB- works.\n\",1\n\"It works.\n\",0\n");
        let w = weasel(&f).unwrap();
        assert_eq!(
            w[0],
            Labelled {
                text: "Some say it ( maybe ) works.".into(),
                label: true
            }
        );
        assert!(!w[1].label);
    }

    #[test]
    fn clickbait_dir() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("clickbait.txt"),
            "You Won't Believe This\n\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("non_clickbait.txt"),
            "Senate passes budget\n",
        )
        .unwrap();
        let c = clickbait(dir.path()).unwrap();
        assert_eq!(c.len(), 2);
        assert!(c[0].label && !c[1].label);
    }

    #[test]
    fn liar_splits_on_tabs_despite_quotes() {
        let f = file(
            "1.json\tfalse\tSays \"the tax doubled.\tTaxes\tjane-doe\tMayor\tOhio\tdemocrat\t0\t1\t0\t0\t0\ta speech\n",
        );
        let l = liar(&f).unwrap();
        assert_eq!(l[0].statement, "Says \"the tax doubled.");
        assert_eq!(
            (
                l[0].label.as_str(),
                l[0].party.as_str(),
                l[0].context.as_str()
            ),
            ("false", "democrat", "a speech")
        );
    }
}
