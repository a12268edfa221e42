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

use crate::ingest::domain;
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

    /// The primary categories of the listed sites, sorted and unique.
    pub fn primary_categories(&self) -> Vec<&str> {
        let mut c: Vec<&str> = self.sites.values().map(|l| l.primary()).collect();
        c.sort_unstable();
        c.dedup();
        c
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
}
