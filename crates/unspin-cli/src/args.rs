//! The flags every command that analyses shares, in one struct flattened into each (`analyze`,
//! `corpus`, `serve`, `bench`, `eval`): they become the library's one [`Config`] here and
//! nowhere else, so the commands cannot drift apart.

use anyhow::Result;
use clap::Args;
use unspin::analyze::BaseRate;
use unspin::{Analyzer, Config, LanguagePolicy, Limits, ModelChoice, Tier};

#[derive(Args, Clone, Debug)]
pub struct AnalysisArgs {
    /// Largest input analysed (a file, JSONL line, CSV row, Parquet value or request body), in
    /// bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_bytes, help_heading = "Analysis", global = true)]
    pub max_bytes: u64,
    /// The technique model: `embedded`, `off` (the lexicon loaded-language rules stand in), or
    /// a model file (one `unspin train techniques` wrote).
    #[arg(
        long,
        value_name = "embedded|off|FILE",
        default_value = "embedded",
        help_heading = "Analysis",
        global = true
    )]
    pub techniques_model: ModelChoice,
    /// The sentence models (check-worthiness, hedging, clickbait): `embedded`, `off` (their
    /// numbers stay null), or a model file.
    #[arg(
        long,
        value_name = "embedded|off|FILE",
        default_value = "embedded",
        help_heading = "Analysis",
        global = true
    )]
    pub sentence_models: ModelChoice,
    /// The reliability model: `embedded`, `off` (no probability, reasons by count), or a model
    /// file. It reads the technique and sentence models' output, so it needs both.
    #[arg(
        long,
        value_name = "embedded|off|FILE",
        default_value = "embedded",
        help_heading = "Analysis",
        global = true
    )]
    pub reliability_model: ModelChoice,
    /// Score the text alone: a listed site adds no reason and does not move the probability.
    #[arg(long, help_heading = "Analysis", global = true)]
    pub no_source_prior: bool,
    /// The share of unreliable articles you expect among what you analyse (e.g. 0.05 for a
    /// mainstream feed): the reliability probability is read against it instead of the
    /// training pool's share (about a third), and the report says which. The same text is
    /// more likely unreliable where more articles are.
    #[arg(long, value_name = "SHARE", help_heading = "Analysis", global = true)]
    pub base_rate: Option<BaseRate>,
    /// `auto`: each text in its detected language (English, French, German, Italian, Polish,
    /// Russian; another language gets no technique span, sentence score or reliability figure,
    /// and a warning); `en`, `fr`, `de`, `it`, `pl`, `ru`: every text as that language. With
    /// `eval techniques`: score the SemEval-2023 data of that language.
    #[arg(
        long,
        value_name = "auto|en|fr|de|it|pl|ru",
        default_value = "auto",
        help_heading = "Analysis",
        global = true
    )]
    pub language: LanguagePolicy,
    /// Which technique model's spans the report shows: `fast` (a linear tagger, about a
    /// millisecond an article: for corpora) or `accurate` (a fine-tuned transformer, about half
    /// a second of one core an article; in builds with the `accurate` feature).
    #[arg(
        long,
        value_name = "fast|accurate",
        default_value = "fast",
        help_heading = "Analysis",
        global = true
    )]
    pub tier: Tier,
    /// The accurate tier's model: `embedded` or a file `scripts/train_accurate.sh` wrote.
    #[arg(
        long,
        value_name = "embedded|FILE",
        default_value = "embedded",
        help_heading = "Analysis",
        global = true
    )]
    pub accurate_model: ModelChoice,
    /// The attribution tagger (each attribution's source, cue and content, learned from
    /// PolNeAR): `off` (the attribution rules alone; the default, since the tagger triples the
    /// time of an article), `embedded`, or a model file.
    #[arg(
        long,
        value_name = "off|embedded|FILE",
        default_value = "off",
        help_heading = "Analysis",
        global = true
    )]
    pub attribution_model: ModelChoice,
    /// The paragraph technique model (SemEval-2023's 23 techniques per paragraph, in English,
    /// French, German, Italian, Polish and Russian): `embedded`, `off` (no
    /// `paragraph_techniques` section), or a file `unspin train paragraphs` wrote.
    #[arg(
        long,
        value_name = "embedded|off|FILE",
        default_value = "embedded",
        help_heading = "Analysis",
        global = true
    )]
    pub paragraph_model: ModelChoice,
}

impl AnalysisArgs {
    pub fn config(&self) -> Config {
        Config {
            limits: Limits {
                max_bytes: self.max_bytes,
            },
            techniques: self.techniques_model.clone(),
            sentences: self.sentence_models.clone(),
            reliability: self.reliability_model.clone(),
            source_prior: !self.no_source_prior,
            base_rate: self.base_rate,
            language: self.language,
            tier: self.tier,
            accurate: self.accurate_model.clone(),
            attribution: self.attribution_model.clone(),
            paragraphs: self.paragraph_model.clone(),
        }
    }

    /// The analyzer these flags describe; a model file that cannot be read, is of another
    /// kind, or does not fit the others is an error naming it.
    pub fn analyzer(&self) -> Result<Analyzer> {
        Ok(self.config().analyzer()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        analysis: AnalysisArgs,
    }

    #[test]
    fn flags_become_the_config() {
        let c = Cmd::parse_from(["x"]).analysis.config();
        assert_eq!(c, Config::default());
        let c = Cmd::parse_from([
            "x",
            "--max-bytes",
            "10",
            "--techniques-model",
            "m.bin",
            "--reliability-model",
            "off",
            "--no-source-prior",
        ])
        .analysis
        .config();
        assert_eq!(c.limits.max_bytes, 10);
        assert_eq!(c.techniques, ModelChoice::File("m.bin".into()));
        assert_eq!(c.reliability, ModelChoice::Off);
        assert_eq!(c.sentences, ModelChoice::Embedded);
        assert!(!c.source_prior);
    }
}
