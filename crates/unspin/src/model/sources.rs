//! The source prior: what a published list says about the site an article comes from.
//!
//! It is kept apart from the text model on purpose. A site list is not evidence in the article,
//! and on the training pool it is partly circular (FakeNewsCorpus labels *are* OpenSources
//! categories), so it is a separate, labelled reason that can be switched off, its weight is
//! fitted only on corpora whose labels were made article by article, and every evaluation runs
//! with it off.
//!
//! The list compiled in is OpenSources (opensources.co, CC BY 4.0; the copy distributed under
//! Apache-2.0 — see `assets/sources/opensources-websites.LICENSE` and NOTICE). Media
//! Bias/Fact Check ratings (Baly et al. 2018) are research-only and are not shipped.

use crate::data::articles::domain;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

const OPENSOURCES_CSV: &str = include_str!("../../assets/sources/opensources-websites.csv");

/// The list's name as reasons cite it.
pub const OPENSOURCES: &str = "OpenSources";

/// How the categories are pooled when a category has too few training articles of its own: the
/// same side of the mapping that labels FakeNewsCorpus (fake, conspiracy, unreliable, junksci,
/// hate, bias, clickbait → unreliable; reliable, political → reliable), with satire, rumor and
/// state media on the unreliable side.
pub fn category_group(category: &str) -> Option<&'static str> {
    match category {
        "fake" | "conspiracy" | "unreliable" | "junksci" | "hate" | "bias" | "clickbait"
        | "satire" | "rumor" | "state" => Some("unreliable_listed"),
        "reliable" | "political" => Some("reliable_listed"),
        _ => None,
    }
}

/// One listed site: its domain as listed and its categories, the primary one first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub domain: String,
    pub categories: Vec<String>,
}

impl Listing {
    /// The category the prior is keyed on: the primary one.
    pub fn primary(&self) -> &str {
        &self.categories[0]
    }
}

/// A domain → listing table.
#[derive(Debug, Default)]
pub struct SourceList {
    sites: HashMap<String, Listing>,
}

static OPENSOURCES_LIST: LazyLock<SourceList> =
    LazyLock::new(|| SourceList::from_opensources_csv(OPENSOURCES_CSV));

/// The compiled-in OpenSources list.
pub fn opensources() -> &'static SourceList {
    &OPENSOURCES_LIST
}

impl SourceList {
    /// Reads the OpenSources CSV (`,url,type,2nd_type,3rd_type,...`). Sites whose only category
    /// is `unknown` (or none) are left out: a listing that says nothing is not a prior.
    pub fn from_opensources_csv(csv_text: &str) -> SourceList {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(csv_text.as_bytes());
        let mut sites = HashMap::new();
        for row in rdr.records().flatten() {
            let Some(host) = row.get(1).and_then(domain) else {
                continue;
            };
            let mut categories: Vec<String> = Vec::new();
            for c in (2..5).filter_map(|i| row.get(i)) {
                let c = c.trim().to_lowercase();
                if category_group(&c).is_some() && !categories.contains(&c) {
                    categories.push(c);
                }
            }
            if !categories.is_empty() {
                sites.entry(host.clone()).or_insert(Listing {
                    domain: host,
                    categories,
                });
            }
        }
        SourceList { sites }
    }

    pub fn len(&self) -> usize {
        self.sites.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    /// The listing of a URL or host, trying the host and then each parent domain
    /// (`edition.example.com` → `example.com`), never a bare top-level domain.
    pub fn lookup(&self, url_or_host: &str) -> Option<&Listing> {
        let host = domain(url_or_host)?;
        let mut rest = host.as_str();
        loop {
            if let Some(l) = self.sites.get(rest) {
                return Some(l);
            }
            let (_, parent) = rest.split_once('.')?;
            if !parent.contains('.') {
                return None;
            }
            rest = parent;
        }
    }
}

/// The fitted prior: a log-odds shift per category, added to the text model's calibrated
/// log-odds. Shifts are fitted with the text model's out-of-fold log-odds as an offset, so they
/// measure what the listing adds beyond the text, not what the text already shows.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SourcePrior {
    pub list: String,
    /// Category → (log-odds shift, training articles from sites of that category).
    pub shifts: Vec<(String, f64, usize)>,
    /// Corpora the shifts were fitted on.
    pub fitted_on: Vec<String>,
}

impl SourcePrior {
    /// The shift for a category, and how many training articles it rests on.
    pub fn shift(&self, category: &str) -> Option<(f64, usize)> {
        self.shifts
            .iter()
            .find(|(c, _, _)| c == category)
            .map(|(_, s, n)| (*s, *n))
    }
}

/// Fits the shifts: for each group of categories, then for each category shrunk toward its
/// group (a Gaussian prior of variance 1 on each, i.e. L2 = 1), by Newton's method on
/// `p = sigmoid(offset + shift)`. Categories with no training articles take their group's shift.
pub fn fit_prior(examples: &[(String, f64, bool)], fitted_on: Vec<String>) -> SourcePrior {
    let fit = |rows: &[(f64, bool)], centre: f64| -> f64 {
        let mut b = centre;
        for _ in 0..50 {
            let (mut g, mut h) = (b - centre, 1.0);
            for (o, y) in rows {
                let p = crate::model::reliability::sigmoid(o + b);
                g += p - f64::from(u8::from(*y));
                h += p * (1.0 - p);
            }
            let step = g / h;
            b -= step;
            if step.abs() < 1e-9 {
                break;
            }
        }
        b
    };
    let mut categories: Vec<&str> = Vec::new();
    for c in opensources()
        .sites
        .values()
        .flat_map(|l| l.categories.first())
    {
        if !categories.contains(&c.as_str()) {
            categories.push(c);
        }
    }
    categories.sort_unstable();
    let mut group_shift: HashMap<&str, f64> = HashMap::new();
    for g in ["unreliable_listed", "reliable_listed"] {
        let rows: Vec<(f64, bool)> = examples
            .iter()
            .filter(|(c, _, _)| category_group(c) == Some(g))
            .map(|(_, o, y)| (*o, *y))
            .collect();
        group_shift.insert(
            g,
            if rows.is_empty() {
                0.0
            } else {
                fit(&rows, 0.0)
            },
        );
    }
    let shifts = categories
        .into_iter()
        .map(|c| {
            let rows: Vec<(f64, bool)> = examples
                .iter()
                .filter(|(k, _, _)| k == c)
                .map(|(_, o, y)| (*o, *y))
                .collect();
            let centre = category_group(c).map_or(0.0, |g| group_shift[g]);
            let s = if rows.is_empty() {
                centre
            } else {
                fit(&rows, centre)
            };
            (c.to_string(), s, rows.len())
        })
        .collect();
    SourcePrior {
        list: OPENSOURCES.to_string(),
        shifts,
        fitted_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_list_reads_and_looks_up_hosts_and_parents() {
        let l = opensources();
        assert!(l.len() > 700, "{} sites", l.len());
        let hit = l
            .lookup("http://www.21stcenturywire.com/2016/story.html")
            .unwrap();
        assert_eq!(hit.primary(), "conspiracy");
        assert_eq!(
            l.lookup("https://news.21stcenturywire.com/x")
                .unwrap()
                .domain,
            "21stcenturywire.com"
        );
        assert!(l.lookup("https://www.example.org/news").is_none());
        assert!(l.lookup("com").is_none());
        assert!(l.lookup("").is_none());
    }

    #[test]
    fn unknown_only_rows_are_not_listings() {
        let l = SourceList::from_opensources_csv(
            ",url,type,2nd_type,3rd_type\n0,a.com,unknown,,\n1,b.com,fake,bias,\n2,c.com,unknown,satire,\n",
        );
        assert!(l.lookup("a.com").is_none());
        assert_eq!(l.lookup("b.com").unwrap().categories, ["fake", "bias"]);
        assert_eq!(l.lookup("www.c.com").unwrap().primary(), "satire");
    }

    #[test]
    fn shifts_follow_the_labels_beyond_the_offset_and_shrink_without_data() {
        // "fake" sites: unreliable far more often than their offset says; "bias": as the offset.
        let mut ex = Vec::new();
        for i in 0..40 {
            ex.push(("fake".to_string(), -1.0, i % 5 != 0));
            ex.push(("bias".to_string(), 0.0, i % 2 == 0));
        }
        let p = fit_prior(&ex, vec!["test".into()]);
        let (fake, n) = p.shift("fake").unwrap();
        assert_eq!(n, 40);
        assert!(fake > 1.5, "fake shift {fake}");
        assert!(p.shift("bias").unwrap().0.abs() < 0.5);
        // No "hate" articles: it takes the unreliable group's shift; "reliable" has no data at all.
        let (hate, n) = p.shift("hate").unwrap();
        assert_eq!(n, 0);
        assert!(hate > 0.0);
        assert_eq!(p.shift("reliable").unwrap(), (0.0, 0));
    }
}
