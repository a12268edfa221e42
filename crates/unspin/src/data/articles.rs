//! The article pool for document reliability: BuzzFeed-Webis 2016, FakeNewsNet v1, the
//! FakeNewsCorpus sample and FA-KES, with the label mapping of the reliability issue, the
//! publisher/site of each article (the group for grouped cross-validation) and deduplication.

use super::Rows;
use crate::error::{Error, Result};
use crate::ingest::domain;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Corpus {
    #[serde(rename = "buzzfeed-webis")]
    BuzzFeedWebis,
    #[serde(rename = "fakenewsnet")]
    FakeNewsNet,
    #[serde(rename = "fakenewscorpus")]
    FakeNewsCorpus,
    #[serde(rename = "fa-kes")]
    FaKes,
    #[serde(rename = "hyperpartisan")]
    Hyperpartisan,
}

impl Corpus {
    pub const ALL: [Corpus; 5] = [
        Corpus::BuzzFeedWebis,
        Corpus::FakeNewsNet,
        Corpus::FakeNewsCorpus,
        Corpus::FaKes,
        Corpus::Hyperpartisan,
    ];

    /// The three corpora of the first reliability issue: the pool the technique teacher labels
    /// (a fixed set, so that its retrain reproduces the shipped file).
    pub const FIRST: [Corpus; 3] = [
        Corpus::BuzzFeedWebis,
        Corpus::FakeNewsNet,
        Corpus::FakeNewsCorpus,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Corpus::BuzzFeedWebis => "buzzfeed-webis",
            Corpus::FakeNewsNet => "fakenewsnet",
            Corpus::FakeNewsCorpus => "fakenewscorpus",
            Corpus::FaKes => "fa-kes",
            Corpus::Hyperpartisan => "hyperpartisan",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolArticle {
    pub corpus: Corpus,
    pub id: String,
    /// Publisher or site, lower case: the group of grouped cross-validation.
    pub site: String,
    pub url: Option<String>,
    pub title: String,
    pub text: String,
    /// The corpus's own label, before mapping.
    pub raw_label: String,
    /// The mapped label (1 = unreliable); `None` when the mapping drops the article.
    pub unreliable: Option<bool>,
}

/// BuzzFeed-Webis 2016: `articles/*.xml`. Veracity "mostly false" and "mixture of true and
/// false" → unreliable, "mostly true" → reliable, "no factual content" dropped.
pub fn buzzfeed_webis(dir: &Path) -> Result<Vec<PoolArticle>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir.join("articles"))
        .map_err(|e| Error::Data(format!("{}: {e}", dir.join("articles").display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let xml = super::read_text(&path)?;
        let doc = roxmltree::Document::parse(&xml)
            .map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
        let child = |name: &str| -> String {
            doc.root_element()
                .children()
                .find(|n| n.has_tag_name(name))
                .and_then(|n| n.text())
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let veracity = child("veracity");
        let unreliable = match veracity.as_str() {
            "mostly false" | "mixture of true and false" => Some(true),
            "mostly true" => Some(false),
            _ => None,
        };
        let url = child("uri");
        out.push(PoolArticle {
            corpus: Corpus::BuzzFeedWebis,
            id: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            site: child("portal").to_lowercase(),
            url: (!url.is_empty()).then_some(url),
            title: child("title"),
            text: child("mainText"),
            raw_label: veracity,
            unreliable,
        });
    }
    Ok(out)
}

/// FakeNewsNet v1: `{BuzzFeed,PolitiFact}/{Fake,Real}NewsContent/*.json`. Fake → unreliable.
pub fn fakenewsnet(dir: &Path) -> Result<Vec<PoolArticle>> {
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(default)]
        title: Option<String>,
        #[serde(default)]
        text: Option<String>,
        #[serde(default)]
        source: Option<String>,
        #[serde(default)]
        url: Option<String>,
    }
    let mut out = Vec::new();
    for part in ["BuzzFeed", "PolitiFact"] {
        for (kind, fake) in [("FakeNewsContent", true), ("RealNewsContent", false)] {
            let sub = dir.join(part).join(format!("{part}_{kind}"));
            let sub = if sub.is_dir() {
                sub
            } else {
                dir.join(part).join(kind)
            };
            let mut paths: Vec<_> = std::fs::read_dir(&sub)
                .map_err(|e| Error::Data(format!("{}: {e}", sub.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            paths.sort();
            for path in paths {
                let text = super::read_text(&path)?;
                let raw: Raw = serde_json::from_str(&text)
                    .map_err(|e| Error::Data(format!("{}:{}: {e}", path.display(), e.line())))?;
                let url = raw.url.filter(|u| !u.is_empty());
                let site = raw
                    .source
                    .as_deref()
                    .and_then(domain)
                    .or_else(|| url.as_deref().and_then(domain))
                    .unwrap_or_else(|| "unknown".to_string());
                out.push(PoolArticle {
                    corpus: Corpus::FakeNewsNet,
                    id: format!(
                        "{part}/{}",
                        path.file_stem()
                            .map(|s| s.to_string_lossy())
                            .unwrap_or_default()
                    ),
                    site,
                    url,
                    title: raw.title.unwrap_or_default(),
                    text: raw.text.unwrap_or_default(),
                    raw_label: if fake { "fake" } else { "real" }.to_string(),
                    unreliable: Some(fake),
                });
            }
        }
    }
    Ok(out)
}

/// FakeNewsCorpus sample CSV. Types fake, conspiracy, unreliable, junksci, hate, bias, clickbait →
/// unreliable; reliable, political → reliable; other types dropped.
pub fn fakenewscorpus(path: &Path) -> Result<Vec<PoolArticle>> {
    let mut rows = Rows::open(path, b',', true, true)?;
    let cols = ["id", "domain", "type", "url", "content", "title"].map(|c| rows.column(c));
    let [id, dom, ty, url, content, title] = cols;
    let (id, dom, ty, url, content, title) = (id?, dom?, ty?, url?, content?, title?);
    let mut out = Vec::new();
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        let get = |i: usize| f.get(i).cloned().unwrap_or_default();
        if f.len() <= content {
            return Err(rows.bad(line, "row is missing its content column"));
        }
        let t = get(ty);
        let unreliable = match t.as_str() {
            "fake" | "conspiracy" | "unreliable" | "junksci" | "hate" | "bias" | "clickbait" => {
                Some(true)
            }
            "reliable" | "political" => Some(false),
            _ => None,
        };
        let u = get(url);
        out.push(PoolArticle {
            corpus: Corpus::FakeNewsCorpus,
            id: get(id),
            site: domain(&get(dom)).unwrap_or_else(|| get(dom).to_lowercase()),
            url: (!u.is_empty()).then_some(u),
            title: get(title),
            text: get(content),
            raw_label: t,
            unreliable,
        });
    }
    Ok(out)
}

/// FA-KES CSV: `labels` 1 = credible, 0 = fake (→ unreliable).
pub fn fakes(path: &Path) -> Result<Vec<PoolArticle>> {
    let mut rows = Rows::open(path, b',', true, true)?;
    let cols = [
        "unit_id",
        "article_title",
        "article_content",
        "source",
        "labels",
    ]
    .map(|c| rows.column(c));
    let [id, title, content, source, labels] = cols;
    let (id, title, content, source, labels) = (id?, title?, content?, source?, labels?);
    let mut out = Vec::new();
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        let get = |i: usize| f.get(i).cloned().unwrap_or_default();
        let label = get(labels);
        let unreliable = match label.trim() {
            "0" => Some(true),
            "1" => Some(false),
            other => return Err(rows.bad(line, format!("labels must be 0 or 1, got {other:?}"))),
        };
        out.push(PoolArticle {
            corpus: Corpus::FaKes,
            id: get(id),
            site: get(source).trim().to_lowercase(),
            url: None,
            title: get(title),
            text: get(content),
            raw_label: label,
            unreliable,
        });
    }
    Ok(out)
}

/// SemEval-2019 Task 4 hyperpartisan, by-article training set: `articles-training-byarticle-*.xml`
/// (the text as HTML paragraphs inside each `<article>`) and `ground-truth-training-byarticle-*.xml`
/// (`hyperpartisan="true|false"`, `url`). Hyperpartisan → unreliable: one-sided partisan writing is
/// not the same as false, but it is the spin unspin reports, and the label is kept as it is.
pub fn hyperpartisan(dir: &Path) -> Result<Vec<PoolArticle>> {
    let find = |prefix: &str| -> Result<std::path::PathBuf> {
        let mut found: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Error::Data(format!("{}: {e}", dir.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".xml"))
            })
            .collect();
        found.sort();
        found
            .pop()
            .ok_or_else(|| Error::Data(format!("{}: no {prefix}*.xml", dir.display())))
    };
    let (articles, truth) = (
        find("articles-training-byarticle")?,
        find("ground-truth-training-byarticle")?,
    );
    let truth_xml = super::read_text(&truth)?;
    let truth_doc = roxmltree::Document::parse(&truth_xml)
        .map_err(|e| Error::Data(format!("{}: {e}", truth.display())))?;
    let mut labels: HashMap<String, (String, String)> = HashMap::new();
    for n in truth_doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("article"))
    {
        let id = n.attribute("id").unwrap_or("").to_string();
        let label = n.attribute("hyperpartisan").unwrap_or("").to_string();
        let url = n.attribute("url").unwrap_or("").to_string();
        labels.insert(id, (label, url));
    }
    let xml = super::read_text(&articles)?;
    let doc = roxmltree::Document::parse(&xml)
        .map_err(|e| Error::Data(format!("{}: {e}", articles.display())))?;
    let mut out = Vec::new();
    for n in doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("article"))
    {
        let id = n.attribute("id").unwrap_or("").to_string();
        let Some((label, url)) = labels.get(&id) else {
            return Err(Error::Data(format!(
                "{}: article {id:?} has no label in {}",
                articles.display(),
                truth.display()
            )));
        };
        let unreliable = match label.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        out.push(PoolArticle {
            corpus: Corpus::Hyperpartisan,
            site: domain(url).unwrap_or_else(|| "unknown".to_string()),
            url: (!url.is_empty()).then(|| url.clone()),
            title: n.attribute("title").unwrap_or("").trim().to_string(),
            text: paragraphs(n),
            raw_label: label.clone(),
            unreliable,
            id,
        });
    }
    Ok(out)
}

/// The text of an XML element holding HTML: block elements become paragraphs (a blank line
/// between), whitespace inside a paragraph collapses to one space.
fn paragraphs(node: roxmltree::Node) -> String {
    fn walk(node: roxmltree::Node, cur: &mut String, paras: &mut Vec<String>) {
        const BLOCKS: [&str; 12] = [
            "p",
            "div",
            "br",
            "li",
            "ul",
            "ol",
            "blockquote",
            "h1",
            "h2",
            "h3",
            "h4",
            "tr",
        ];
        for n in node.children() {
            if n.is_text() {
                cur.push(' ');
                cur.push_str(n.text().unwrap_or(""));
            } else if n.is_element() {
                let block = BLOCKS.contains(&n.tag_name().name());
                if block {
                    flush(cur, paras);
                }
                walk(n, cur, paras);
                if block {
                    flush(cur, paras);
                }
            }
        }
    }
    fn flush(cur: &mut String, paras: &mut Vec<String>) {
        let p = cur.split_whitespace().collect::<Vec<_>>().join(" ");
        if !p.is_empty() {
            paras.push(p);
        }
        cur.clear();
    }
    let (mut cur, mut paras) = (String::new(), Vec::new());
    walk(node, &mut cur, &mut paras);
    flush(&mut cur, &mut paras);
    paras.join("\n\n")
}

/// A URL without its scheme, `www.`, query and trailing slash, for matching the same article
/// across corpora.
fn url_key(url: &str) -> String {
    let u = url.trim().to_lowercase();
    let u = u.split_once("://").map_or(u.as_str(), |(_, r)| r);
    let u = u.strip_prefix("www.").unwrap_or(u);
    let u = u.split(['?', '#']).next().unwrap_or(u);
    u.trim_end_matches('/').to_string()
}

/// What deduplication removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DedupStats {
    pub loaded: usize,
    /// Hyperpartisan articles dropped because BuzzFeed-Webis holds the same URL.
    pub same_url_removed: usize,
    pub unlabelled: usize,
    pub stubs: usize,
    pub duplicate_groups: usize,
    pub duplicates_removed: usize,
    pub conflicting_groups: usize,
    pub conflicting_removed: usize,
    pub kept: usize,
}

/// The labelled pool: the `corpora` under `articles_root`, label-mapped, without empty texts and
/// "Moved Permanently" stubs, with exact duplicates (same whitespace-normalised text) reduced to
/// one and groups with conflicting labels dropped whole. A hyperpartisan article whose URL is a
/// BuzzFeed-Webis article's (the same lab collected both) is dropped before that.
pub fn pool(articles_root: &Path, corpora: &[Corpus]) -> Result<(Vec<PoolArticle>, DedupStats)> {
    let mut all = Vec::new();
    for c in Corpus::ALL.iter().filter(|c| corpora.contains(c)) {
        all.extend(match c {
            Corpus::BuzzFeedWebis => buzzfeed_webis(&articles_root.join("buzzfeed-webis-2016"))?,
            Corpus::FakeNewsNet => fakenewsnet(&articles_root.join("fakenewsnet-v1"))?,
            Corpus::FakeNewsCorpus => {
                fakenewscorpus(&articles_root.join("fakenewscorpus-sample/news_sample.csv"))?
            }
            Corpus::FaKes => fakes(&articles_root.join("fa-kes/FA-KES-Dataset.csv"))?,
            Corpus::Hyperpartisan => hyperpartisan(&articles_root.join("hyperpartisan-2019"))?,
        });
    }
    let buzzfeed_urls: std::collections::HashSet<String> = all
        .iter()
        .filter(|a| a.corpus == Corpus::BuzzFeedWebis)
        .filter_map(|a| a.url.as_deref().map(url_key))
        .collect();
    let loaded = all.len();
    all.retain(|a| {
        a.corpus != Corpus::Hyperpartisan
            || !a
                .url
                .as_deref()
                .is_some_and(|u| buzzfeed_urls.contains(&url_key(u)))
    });
    let same_url = loaded - all.len();
    let (kept, mut stats) = dedup(all);
    stats.loaded = loaded;
    stats.same_url_removed = same_url;
    Ok((kept, stats))
}

pub fn dedup(all: Vec<PoolArticle>) -> (Vec<PoolArticle>, DedupStats) {
    let mut stats = DedupStats {
        loaded: all.len(),
        ..DedupStats::default()
    };
    let mut groups: HashMap<String, Vec<PoolArticle>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for a in all {
        if a.unreliable.is_none() {
            stats.unlabelled += 1;
            continue;
        }
        let key = a
            .text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if key.is_empty() || key.contains("moved permanently") && key.len() < 400 {
            stats.stubs += 1;
            continue;
        }
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(a);
    }
    let mut out = Vec::new();
    for key in order {
        let mut g = groups.remove(&key).expect("key recorded");
        if g.len() > 1 {
            stats.duplicate_groups += 1;
            if g.iter().any(|a| a.unreliable != g[0].unreliable) {
                stats.conflicting_groups += 1;
                stats.conflicting_removed += g.len();
                continue;
            }
            stats.duplicates_removed += g.len() - 1;
        }
        out.push(g.swap_remove(0));
    }
    stats.kept = out.len();
    (out, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(
            domain("http://www.addictinginfo.org/2016/09/x").as_deref(),
            Some("addictinginfo.org")
        );
        assert_eq!(domain("awm.com").as_deref(), Some("awm.com"));
        assert_eq!(
            domain("https://User@News.Example.com:8080/a?b").as_deref(),
            Some("news.example.com")
        );
        assert_eq!(domain(""), None);
    }

    #[test]
    fn buzzfeed_fixture() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("articles")).unwrap();
        let xml = |v: &str| {
            format!(
                "<?xml version=\"1.0\"?><article><author>A</author><mainText>Body text here.</mainText><orientation>right</orientation><portal>Right Wing News</portal><title>Headline</title><uri>http://rwn.example/x</uri><veracity>{v}</veracity></article>"
            )
        };
        std::fs::write(dir.path().join("articles/0001.xml"), xml("mostly false")).unwrap();
        std::fs::write(
            dir.path().join("articles/0002.xml"),
            xml("no factual content"),
        )
        .unwrap();
        let a = buzzfeed_webis(dir.path()).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(
            (a[0].site.as_str(), a[0].unreliable, a[0].text.as_str()),
            ("right wing news", Some(true), "Body text here.")
        );
        assert_eq!(a[1].unreliable, None);
    }

    #[test]
    fn fakenewsnet_fixture() {
        let dir = tempfile::tempdir().unwrap();
        for part in ["BuzzFeed", "PolitiFact"] {
            for kind in ["FakeNewsContent", "RealNewsContent"] {
                std::fs::create_dir_all(dir.path().join(part).join(kind)).unwrap();
            }
        }
        std::fs::write(
            dir.path().join("PolitiFact/FakeNewsContent/PolitiFact_Fake_1-Webpage.json"),
            r#"{"title": "T", "text": "Body.", "source": "http://www.fake.example", "url": "http://www.fake.example/a"}"#,
        )
        .unwrap();
        let a = fakenewsnet(dir.path()).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].site.as_str(), a[0].unreliable),
            ("fake.example", Some(true))
        );
    }

    #[test]
    fn csv_corpora_fixtures() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("news.csv");
        std::fs::write(&p, ",id,domain,type,url,content,scraped_at,inserted_at,updated_at,title\n0,1,a.com,conspiracy,http://a.com/x,\"Text, with comma.\",,,,T1\n1,2,b.com,unknown,,Other.,,,,T2\n2,3,c.com,political,,Third.,,,,T3\n").unwrap();
        let a = fakenewscorpus(&p).unwrap();
        assert_eq!(
            a.iter().map(|x| x.unreliable).collect::<Vec<_>>(),
            [Some(true), None, Some(false)]
        );
        assert_eq!(a[0].text, "Text, with comma.");
        let p = dir.path().join("fakes.csv");
        // A windows-1252 byte in the content must not stop the load.
        let mut bytes = b"unit_id,article_title,article_content,source,date,location,labels\n1,T,\"Caf\xe9 news.\",SANA,d,l,0\n".to_vec();
        bytes.extend_from_slice(b"2,T,Fine.,SANA,d,l,1\n");
        std::fs::write(&p, bytes).unwrap();
        let a = fakes(&p).unwrap();
        assert_eq!(a[0].text, "Café news.");
        assert_eq!(
            (a[0].unreliable, a[1].unreliable, a[0].site.as_str()),
            (Some(true), Some(false), "sana")
        );
        std::fs::write(
            &p,
            "unit_id,article_title,article_content,source,date,location,labels\n1,T,x,s,d,l,7\n",
        )
        .unwrap();
        assert!(
            fakes(&p)
                .unwrap_err()
                .to_string()
                .contains(":2: labels must be 0 or 1")
        );
    }

    #[test]
    fn hyperpartisan_fixture_and_same_url_dedup() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("hyperpartisan-2019");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(
            dir.join("articles-training-byarticle-20181122.xml"),
            "<?xml version=\"1.0\"?><articles><article id=\"0000001\" title=\" Walls \">Intro {MID-1} <p>The walls are <a href=\"x\">closing</a> in.</p><p>Second\n  paragraph.</p></article><article id=\"0000002\" title=\"T\"><p>Plain news.</p></article></articles>",
        )
        .unwrap();
        std::fs::write(
            dir.join("ground-truth-training-byarticle-20181122.xml"),
            "<?xml version=\"1.0\"?><articles><article hyperpartisan=\"true\" id=\"0000001\" labeled-by=\"article\" url=\"https://www.opednews.com/a/\"/><article hyperpartisan=\"false\" id=\"0000002\" labeled-by=\"article\" url=\"http://rwn.example/x?utm=1\"/></articles>",
        )
        .unwrap();
        let a = hyperpartisan(&dir).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].title, "Walls");
        assert_eq!(
            a[0].text,
            "Intro {MID-1}\n\nThe walls are closing in.\n\nSecond paragraph."
        );
        assert_eq!(
            (a[0].site.as_str(), a[0].unreliable, a[1].unreliable),
            ("opednews.com", Some(true), Some(false))
        );
        // The second one's URL is a BuzzFeed-Webis article's: the pool keeps one copy only.
        let bf = root.path().join("buzzfeed-webis-2016/articles");
        std::fs::create_dir_all(&bf).unwrap();
        std::fs::write(
            bf.join("0001.xml"),
            "<?xml version=\"1.0\"?><article><mainText>Other text.</mainText><portal>RWN</portal><title>T</title><uri>https://rwn.example/x</uri><veracity>mostly true</veracity></article>",
        )
        .unwrap();
        let (kept, st) =
            pool(root.path(), &[Corpus::BuzzFeedWebis, Corpus::Hyperpartisan]).unwrap();
        assert_eq!(st.same_url_removed, 1);
        assert_eq!(
            kept.iter().map(|a| a.corpus).collect::<Vec<_>>(),
            [Corpus::BuzzFeedWebis, Corpus::Hyperpartisan]
        );
        // An article without a label is an error naming it.
        std::fs::write(
            dir.join("ground-truth-training-byarticle-20181122.xml"),
            "<?xml version=\"1.0\"?><articles/>",
        )
        .unwrap();
        assert!(
            hyperpartisan(&dir)
                .unwrap_err()
                .to_string()
                .contains("\"0000001\" has no label")
        );
    }

    #[test]
    fn dedup_keeps_one_and_drops_conflicts() {
        let art = |id: &str, text: &str, u: Option<bool>| PoolArticle {
            corpus: Corpus::FaKes,
            id: id.into(),
            site: "s".into(),
            url: None,
            title: String::new(),
            text: text.into(),
            raw_label: String::new(),
            unreliable: u,
        };
        let (kept, st) = dedup(vec![
            art("1", "Same  text.", Some(true)),
            art("2", "same text.", Some(true)),
            art("3", "Clash.", Some(true)),
            art("4", "Clash.", Some(false)),
            art("5", "Unlabelled.", None),
            art("6", "301 Moved Permanently", Some(false)),
            art("7", "Unique.", Some(false)),
        ]);
        assert_eq!(
            kept.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
            ["1", "7"]
        );
        assert_eq!(
            (
                st.duplicate_groups,
                st.conflicting_groups,
                st.stubs,
                st.unlabelled
            ),
            (2, 1, 1, 1)
        );
    }
}
