//! `unspin eval …`: runs the library's evaluation protocols, prints tables or JSON, writes
//! `docs/EVALUATION.md` and checks the quality floors.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use unspin::Analyzer;
use unspin::data::{DatasetVersion, dataset_version, locate};
use unspin::eval::protocols::{self, PredictionTask};
use unspin::model::sentence::Task as Task2;
use unspin::score::metrics::Binary;
use unspin::train::reliability::{self as reliability_train, ReliabilityData, ReliabilityEval};

#[derive(Parser)]
pub struct EvalArgs {
    /// The models evaluated (every evaluation scores the text alone: the source prior is off).
    #[command(flatten)]
    analysis: crate::args::AnalysisArgs,
    #[command(subcommand)]
    task: EvalTask,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Out {
    Table,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Task {
    Si,
    Tc,
    Full,
}

#[derive(Subcommand)]
enum EvalTask {
    /// Persuasion techniques on PTC (SemEval-2020 Task 11): SI, TC on gold spans, full task;
    /// with `--language`, the SemEval-2023 subtask-3 data of that language instead (23
    /// techniques, cross-validated by article).
    Techniques {
        /// The PTC folder (or the shared data root); with `--language`, the `semeval2023t3`
        /// folder (or the shared data root).
        #[arg(long, default_value = "../shared/data/ptc2020")]
        data: PathBuf,
        /// With --language: how the languages share the model (default: the shipped choice).
        #[arg(long, value_enum)]
        sharing: Option<SharingArg>,
        /// With --language: folds by article.
        #[arg(long, default_value_t = 5)]
        folds: usize,
        #[arg(long, default_value = "dev")]
        split: String,
        /// Score this prediction file (official format) instead of unspin's own output.
        #[arg(long)]
        predictions: Option<PathBuf>,
        /// How to score --predictions: si (3 columns), tc or full (4 columns).
        #[arg(long, value_enum, default_value_t = Task::Full, requires = "predictions")]
        task: Task,
        #[arg(long, value_enum, default_value_t = Out::Table)]
        format: Out,
    },
    /// Document reliability on the article pool: grouped-by-site folds and leave-one-corpus-out.
    Reliability {
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Also write the deduplicated pool with labels, groups and fold numbers as JSONL, so a
        /// peer system (scripts/reliability_peers.py) runs the same protocol. It holds the
        /// articles' texts: write it under target/, never into the repository.
        #[arg(long)]
        export_pool: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Out::Table)]
        format: Out,
    },
    /// Hedging on the Wikipedia weasel sentences (F1 of the uncertain class).
    Hedging {
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        #[arg(long, value_enum, default_value_t = Out::Table)]
        format: Out,
    },
    /// Check-worthiness (CLEF 2019 MAP by debate, ClaimBuster F1).
    Checkworthy {
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        #[arg(long, value_enum, default_value_t = Out::Table)]
        format: Out,
    },
    /// Clickbait headlines (accuracy).
    Clickbait {
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        #[arg(long, value_enum, default_value_t = Out::Table)]
        format: Out,
    },
    /// The sentence models (clickbait, hedging, check-worthiness), cross-validated.
    Sentences {
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        #[arg(long, value_enum, default_value_t = Out::Table)]
        format: Out,
        /// Also write every protocol's texts, labels and outer folds as JSONL, so a peer system
        /// (scripts/sentence_peers.py) runs the same protocols. It holds the data's texts:
        /// write it under target/, never into the repository
        #[arg(long)]
        export_folds: Option<PathBuf>,
    },
    /// Attribution on PolNeAR's dev articles: source, cue and content span F1 and the kind of
    /// source of each sentence (`--attribution-model off` scores the rules alone).
    Attribution {
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        #[arg(long, value_enum, default_value_t = Out::Table)]
        format: Out,
    },
    /// Every task; writes docs/EVALUATION.md and checks the floors.
    All {
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        /// Where to write the report.
        #[arg(long, default_value = "docs/EVALUATION.md")]
        output: PathBuf,
        /// Quality floors: fail (exit 5) when a score is below its floor.
        #[arg(long)]
        floors: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Out::Table)]
        format: Out,
    },
}

/// The hand-written attribution fixture, compiled in so `eval all` needs no path for it.
const ATTRIBUTION_FIXTURE: &str = include_str!("../../../fixtures/attribution.tsv");
/// Sentences written after the rules last changed and never used to shape them.
const ATTRIBUTION_UNSEEN: &str = include_str!("../../../fixtures/attribution-unseen.tsv");

/// Exit code when a score falls below its floor.
pub const BELOW_FLOOR: u8 = 5;

pub fn run(args: EvalArgs) -> Result<u8> {
    // Every evaluation scores the text alone (the issue-5 rule): no site-list prior.
    let analyzer = unspin::Config {
        source_prior: false,
        ..args.analysis.config()
    }
    .analyzer()?;
    match args.task {
        EvalTask::Techniques {
            data,
            sharing,
            folds,
            format,
            ..
        } if args.analysis.language != unspin::LanguagePolicy::Auto => {
            let e = paragraphs_eval(&data, &args.analysis.language.to_string(), sharing, folds)?;
            match format {
                Out::Json => say!("{}", serde_json::to_string_pretty(&e)?),
                Out::Table => say_raw!("{}", paragraphs_md(&e)),
            }
        }
        EvalTask::Techniques {
            data,
            split,
            predictions,
            task,
            format,
            ..
        } => {
            let root = locate(&data, "ptc2020", &format!("{split}-task-flc-tc.labels"))?;
            if let Some(file) = predictions {
                let task = match task {
                    Task::Si => PredictionTask::Si,
                    Task::Tc => PredictionTask::Tc,
                    Task::Full => PredictionTask::Full,
                };
                let score = protocols::score_predictions(&root, &split, &file, task)?;
                say!("{}", serde_json::to_string_pretty(&score)?);
                return Ok(0);
            }
            let e = protocols::techniques(&analyzer, &root, &split)?;
            match format {
                Out::Json => say!("{}", serde_json::to_string_pretty(&e)?),
                Out::Table => say_raw!("{}", techniques_md(&e)),
            }
        }
        EvalTask::Reliability {
            data,
            folds,
            export_pool,
            format,
        } => {
            let d = reliability_train::reliability_data(&analyzer, &data)?;
            let evals = reliability_sets(&d, folds)?;
            let shipped = shipped_set(&analyzer, &evals);
            if let Some(path) = &export_pool {
                export(&d, folds, &evals[shipped].trained_on, path)?;
            }
            let free = unconstrained(&d, folds, &evals[shipped])?;
            let words = word_profile_variants(&d, folds, &evals[shipped])?;
            let faith = protocols::deletion_test(&analyzer, &d);
            match format {
                Out::Json => say!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "training_sets": evals, "shipped": shipped,
                        "unconstrained": free, "word_profile_variants": words,
                        "deletion_test": faith,
                    }))?
                ),
                Out::Table => say_raw!(
                    "{}",
                    reliability_section_md(
                        &evals,
                        shipped,
                        &free,
                        &words,
                        faith.as_ref(),
                        analyzer
                            .reliability_model()
                            .and_then(|m| m.source_prior.as_ref())
                    )
                ),
            }
        }
        EvalTask::Attribution { data, format } => {
            let e = polnear(&analyzer, &data)?;
            match format {
                Out::Json => say!("{}", serde_json::to_string_pretty(&e)?),
                Out::Table => say_raw!("{}", polnear_md(&[("this analyzer", &e)])),
            }
        }
        EvalTask::Hedging { data, format } => {
            let e = protocols::hedging(&analyzer, &data)?;
            match format {
                Out::Json => say!("{}", serde_json::to_string_pretty(&e)?),
                Out::Table => say_raw!("{}", hedging_md(&e)),
            }
        }
        EvalTask::Checkworthy { data, format } => {
            sentences_cmd(&data, format, Some(Task2::Checkworthy))?
        }
        EvalTask::Clickbait { data, format } => {
            sentences_cmd(&data, format, Some(Task2::Clickbait))?
        }
        EvalTask::Sentences {
            data,
            format,
            export_folds,
        } => {
            if let Some(path) = &export_folds {
                let rows = unspin::eval::sentences::export_folds(&data)?;
                let mut out = String::new();
                for r in &rows {
                    out.push_str(&serde_json::to_string(r)?);
                    out.push('\n');
                }
                std::fs::write(path, out)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("wrote {} rows to {}", rows.len(), path.display());
            }
            sentences_cmd(&data, format, None)?
        }
        EvalTask::All {
            data,
            output,
            floors,
            format,
        } => {
            return all(
                &analyzer,
                &args.analysis.config(),
                &data,
                &output,
                floors.as_deref(),
                format,
            );
        }
    }
    Ok(0)
}

/// `eval sentences` (every sentence model) or one task of it.
fn sentences_cmd(data: &Path, format: Out, only: Option<Task2>) -> Result<()> {
    let d = unspin::train::sentences::sentence_data(data)?;
    let t0 = Instant::now();
    let mut e = unspin::eval::sentences::evaluate(&d);
    if only.is_none_or(|t| t == Task2::Checkworthy) {
        e.extend(unspin::eval::sentences::transfer(&d, data)?);
    }
    e.retain(|x| only.is_none_or(|t| t == x.task));
    match format {
        Out::Json => say!("{}", serde_json::to_string_pretty(&e)?),
        Out::Table => {
            say_raw!("{}", sentences_md(&e));
            eprintln!("cross-validation took {:.1}s", t0.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// The sentence models' cross-validated numbers, one table row per protocol.
fn sentences_md(e: &[unspin::eval::sentences::SentenceEval]) -> String {
    let mut o = String::from(
        "| task | protocol | n | positive | accuracy | P (pos) | R (pos) | F1 (pos) | ROC-AUC | ECE | MAP | R-prec | P@5 |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for s in e {
        let m = &s.metrics;
        let pos = &m.per_class[1];
        let opt = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{v:.3}"));
        let (map, rp, p5) = match &s.ranking {
            Some(r) => (
                format!("{:.3}", r.map),
                format!("{:.3}", r.r_precision),
                format!("{:.3}", r.precision_at.get(&5).copied().unwrap_or(0.0)),
            ),
            None => ("–".into(), "–".into(), "–".into()),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {:.4} | {:.3} | {:.3} | {:.3} | {} | {} | {map} | {rp} | {p5} |",
            s.task.name(),
            s.protocol,
            s.examples,
            s.positives,
            m.accuracy,
            pos.precision,
            pos.recall,
            pos.f1,
            opt(m.roc_auc),
            opt(m.ece),
        );
    }
    o.push_str(
        "\nThe extremes, held out: how the predictions at p ≥ 0.99 and p ≤ 0.01 fared (the decisions `is_clickbait`, `hedged` and `check_worthy` are taken at each model's own threshold, stored in its `models[].thresholds`).\n\n| task | protocol | p ≥ 0.99 | of them positive | p ≤ 0.01 | of them negative |\n|---|---|---|---|---|---|\n",
    );
    for s in e {
        let x = &s.extremes;
        let short: String = s.protocol.chars().take(40).collect();
        let _ = writeln!(
            o,
            "| {} | {short}… | {} | {} | {} | {} |",
            s.task.name(),
            x.high,
            if x.high > 0 {
                format!("{:.3}", x.high_positive)
            } else {
                "–".into()
            },
            x.low,
            if x.low > 0 {
                format!("{:.3}", x.low_negative)
            } else {
                "–".into()
            },
        );
    }
    o
}

fn f(x: f64) -> String {
    format!("{x:.3}")
}

fn fo(x: Option<f64>) -> String {
    x.map_or("—".to_string(), f)
}

fn techniques_md(e: &protocols::TechniquesEval) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "PTC {} split: {} articles, {} gold technique spans, {} predicted spans",
        e.split, e.articles, e.gold_spans, e.predicted_spans
    );
    let _ = writeln!(o, "tier: {}; system: {}\n", e.tier, e.system);
    let _ = writeln!(o, "| task | precision | recall | F1 |\n|---|---|---|---|");
    let _ = writeln!(
        o,
        "| SI (span identification, merged) | {} | {} | {} |",
        f(e.si.precision),
        f(e.si.recall),
        f(e.si.f1)
    );
    let _ = writeln!(
        o,
        "| Full task (span + technique) | {} | {} | {} |",
        f(e.full.overall.precision),
        f(e.full.overall.recall),
        f(e.full.overall.f1)
    );
    let _ = writeln!(
        o,
        "\nTC on gold spans ({}): micro-F1 {}, macro-F1 {}\n",
        e.tc_system,
        f(e.tc.micro_f1),
        f(e.tc.macro_f1)
    );
    let _ = writeln!(
        o,
        "| technique | TC F1 | full-task P | full-task R | full-task F1 |\n|---|---|---|---|---|"
    );
    for (t, tc) in &e.tc.per_technique {
        let fl = e.full.per_technique.get(t).copied().unwrap_or_default();
        let _ = writeln!(
            o,
            "| {t} | {} | {} | {} | {} |",
            f(*tc),
            f(fl.precision),
            f(fl.recall),
            f(fl.f1)
        );
    }
    match &e.lines {
        Some(l) => {
            let _ = writeln!(
                o,
                "\nSemEval-2023 line level ({} articles' 2023 texts, {} lines, 23 techniques mapped to the 14): micro-F1 {} (P {}, R {}), macro-F1 {}; Loaded_Language on every line: micro-F1 {}",
                l.articles,
                l.score.lines,
                f(l.score.micro_f1),
                f(l.score.micro_precision),
                f(l.score.micro_recall),
                f(l.score.macro_f1),
                f(l.every_line_loaded_language)
            );
        }
        None => {
            let _ = writeln!(
                o,
                "\nSemEval-2023 line level: not scored (no semeval2023t3/en beside the PTC folder)"
            );
        }
    }
    o
}

fn binary_md(m: &Binary) -> String {
    format!(
        "| n | accuracy | P (pos) | R (pos) | F1 (pos) | macro-F1 | ROC-AUC | PR-AUC | Brier | ECE |\n|---|---|---|---|---|---|---|---|---|---|\n| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        m.n,
        f(m.accuracy),
        f(m.per_class[1].precision),
        f(m.per_class[1].recall),
        f(m.per_class[1].f1),
        f(m.macro_f1),
        fo(m.roc_auc),
        fo(m.pr_auc),
        fo(m.brier),
        fo(m.ece)
    )
}

fn reliability_md(e: &ReliabilityEval) -> String {
    let mut o = String::new();
    let d = &e.dedup;
    let _ = writeln!(o, "system: {}", e.system);
    let _ = writeln!(
        o,
        "pool: {} loaded, {} hyperpartisan articles with a BuzzFeed-Webis URL dropped, {} dropped by the label mapping, {} empty or stub, {} duplicate groups ({} copies removed), {} groups with conflicting labels ({} articles dropped), {} kept; training on {} sites of {}\n",
        d.loaded,
        d.same_url_removed,
        d.unlabelled,
        d.stubs,
        d.duplicate_groups,
        d.duplicates_removed,
        d.conflicting_groups,
        d.conflicting_removed,
        d.kept,
        e.sites,
        e.trained_on.join(", ")
    );
    let _ = writeln!(
        o,
        "Leave one corpus out (trained on the others):\n\n| held-out corpus | articles | unreliable | ROC-AUC | PR-AUC | macro-F1 | Brier | ECE | training base rate | estimated base rate | ECE at the estimate | ECE at the stated base rate |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for c in &e.leave_one_corpus_out {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {:.3} | {} | {} | {:.3} | {:.3} | {} | {} |",
            c.corpus,
            c.articles,
            c.unreliable,
            fo(c.roc_auc),
            fo(c.pr_auc),
            c.macro_f1,
            fo(c.brier),
            fo(c.ece),
            c.train_prior,
            c.estimated_prior,
            fo(c.ece_estimated_prior),
            fo(c.ece_stated_prior)
        );
    }
    let _ = writeln!(
        o,
        "| mean of the three first corpora | | | {} | | | | | | | | |\n| mean of every corpus but FA-KES | | | {} | | | {} | {} | | | {} | {} |",
        fo(e.loco_mean_auc_without_fakes),
        fo(e.loco_all_mean_auc),
        fo(e.loco_all_mean_brier),
        fo(e.loco_all_mean_ece),
        fo(e.loco_all_mean_ece_estimated_prior),
        fo(e.loco_all_mean_ece_stated_prior)
    );
    let folds: Vec<String> = e.grouped_cv_auc.iter().map(|x| fo(*x)).collect();
    let _ = writeln!(
        o,
        "\n{}-fold CV grouped by site: ROC-AUC per fold {} (mean {})\n",
        e.folds,
        folds.join(", "),
        fo(e.grouped_cv_auc_mean)
    );
    let _ = writeln!(
        o,
        "pooled out-of-fold predictions of the grouped folds (calibrated probabilities; labels at p ≥ 0.5):\n"
    );
    o.push_str(&binary_md(&e.pooled));
    o
}

/// The pool as JSONL for peers: one line per article with the folds of both configurations.
fn export(d: &ReliabilityData, folds: usize, trained_on: &[String], path: &Path) -> Result<()> {
    use std::io::Write as _;
    let used: Vec<usize> = (0..d.pool.len())
        .filter(|i| trained_on.iter().any(|n| n == d.pool[*i].corpus.name()))
        .collect();
    let groups: Vec<String> = used.iter().map(|i| d.examples[*i].group.clone()).collect();
    let mut fold = vec![None; d.pool.len()];
    for (i, f) in used
        .iter()
        .zip(unspin::score::folds::group_kfold(&groups, folds))
    {
        fold[*i] = Some(f);
    }
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    for (i, a) in d.pool.iter().enumerate() {
        let line = json!({
            "corpus": a.corpus.name(), "group": d.examples[i].group, "unreliable": d.examples[i].y,
            "train": fold[i].is_some(), "fold": fold[i],
            "title": a.title, "text": a.text,
        });
        writeln!(w, "{line}")?;
    }
    w.flush()?;
    eprintln!("wrote {} ({} articles)", path.display(), d.pool.len());
    Ok(())
}

/// Every training set `train reliability` compares, evaluated the same way.
fn reliability_sets(d: &ReliabilityData, folds: usize) -> Result<Vec<ReliabilityEval>> {
    reliability_train::training_sets()
        .iter()
        .map(|set| Ok(reliability_train::reliability(d, folds, set, true)?))
        .collect()
}

/// The index in `evals` of the training set the loaded model was trained on (by its recorded
/// corpora), or the one `train reliability` would choose when no model records them.
fn shipped_set(analyzer: &Analyzer, evals: &[ReliabilityEval]) -> usize {
    analyzer
        .reliability_model()
        .and_then(|m| evals.iter().position(|e| e.trained_on == m.train.corpora))
        .unwrap_or_else(|| reliability_train::best_training_set(evals))
}

/// The shipped training set with the word profile uncapped and left out: whether topic words
/// carry the model (the transfer issue's second look at the word profile).
fn word_profile_variants(
    d: &ReliabilityData,
    folds: usize,
    shipped: &ReliabilityEval,
) -> Result<Vec<ReliabilityEval>> {
    use unspin::train::reliability::WordProfile;
    let set = shipped.training_set();
    [WordProfile::Off, WordProfile::Uncapped]
        .into_iter()
        .map(|w| {
            Ok(reliability_train::reliability_with(
                d, folds, &set, true, w,
            )?)
        })
        .collect()
}

/// The word profile left out, capped (shipped) and uncapped, side by side.
fn word_profile_md(shipped: &ReliabilityEval, variants: &[ReliabilityEval]) -> String {
    let mut o = String::from(
        "\n### Does what the text is about carry the model? (the word profile)\n\nThe word profile is the one input that reads which words an article uses — its topics and outlets as much as its style; the 32 document signals read how it is written (techniques, sources, hedges, quotes, punctuation). The shipped training set, each weight on its declared side, with the profile left out, capped as shipped, and uncapped:\n\n",
    );
    let rows: Vec<(&str, &ReliabilityEval)> = [
        ("document signals alone (no word profile)", variants.first()),
        ("signals + word profile capped (shipped)", Some(shipped)),
        ("signals + word profile uncapped", variants.get(1)),
    ]
    .into_iter()
    .filter_map(|(n, e)| e.map(|e| (n, e)))
    .collect();
    let names: Vec<&str> = shipped
        .leave_one_corpus_out
        .iter()
        .map(|c| c.corpus.as_str())
        .collect();
    let _ = writeln!(
        o,
        "| model | {} | LOCO mean of all but FA-KES | ECE, mean | grouped-CV AUC |\n|---|{}---|---|---|",
        names.join(" | "),
        "---|".repeat(names.len())
    );
    for (n, e) in rows {
        let cells: Vec<String> = e
            .leave_one_corpus_out
            .iter()
            .map(|c| fo(c.roc_auc))
            .collect();
        let _ = writeln!(
            o,
            "| {n} | {} | {} | {} | {} |",
            cells.join(" | "),
            fo(e.loco_all_mean_auc),
            fo(e.loco_all_mean_ece),
            fo(e.grouped_cv_auc_mean)
        );
    }
    o
}

/// The shipped configuration trained without the declared directions, to show what they cost
/// or gain.
fn unconstrained(
    d: &ReliabilityData,
    folds: usize,
    shipped: &ReliabilityEval,
) -> Result<ReliabilityEval> {
    Ok(reliability_train::reliability(
        d,
        folds,
        &shipped.training_set(),
        false,
    )?)
}

/// One row per training set: leave-one-corpus-out AUC of each held-out corpus and the means.
fn training_sets_md(evals: &[ReliabilityEval], shipped: usize) -> String {
    let mut o = String::new();
    let Some(first) = evals.first() else {
        return o;
    };
    let names: Vec<&str> = first
        .leave_one_corpus_out
        .iter()
        .map(|c| c.corpus.as_str())
        .collect();
    let _ = writeln!(
        o,
        "Training sets compared (leave-one-corpus-out ROC-AUC of each held-out corpus; a corpus is scored by a model that never saw it, whether or not it is in the training set):\n\n| trained on | {} | mean of the three first | mean of all but FA-KES | ECE, mean of all but FA-KES | grouped-CV AUC |\n|---|{}---|---|---|---|",
        names.join(" | "),
        "---|".repeat(names.len())
    );
    for (i, e) in evals.iter().enumerate() {
        let cells: Vec<String> = e
            .leave_one_corpus_out
            .iter()
            .map(|c| fo(c.roc_auc))
            .collect();
        let _ = writeln!(
            o,
            "| {}{} | {} | {} | {} | {} | {} |",
            e.trained_on.join(", "),
            if i == shipped { " (**shipped**)" } else { "" },
            cells.join(" | "),
            fo(e.loco_mean_auc_without_fakes),
            fo(e.loco_all_mean_auc),
            fo(e.loco_all_mean_ece),
            fo(e.grouped_cv_auc_mean)
        );
    }
    o
}

/// Every training set, the directions' cost, and the deletion test.
fn reliability_section_md(
    evals: &[ReliabilityEval],
    shipped_idx: usize,
    free: &ReliabilityEval,
    words: &[ReliabilityEval],
    faith: Option<&protocols::Faithfulness>,
    prior: Option<&unspin::model::sources::SourcePrior>,
) -> String {
    let mut o = String::new();
    o.push_str(&training_sets_md(evals, shipped_idx));
    for (i, e) in evals.iter().enumerate() {
        let _ = writeln!(
            o,
            "\n### Trained on {}{}\n",
            e.trained_on.join(", "),
            if i == shipped_idx { " (shipped)" } else { "" }
        );
        o.push_str(&reliability_md(e));
    }
    let shipped = &evals[shipped_idx];
    let _ = writeln!(
        o,
        "\n### What the declared directions cost or gain\n\nEvery signal declares the direction a reader expects (`expected` in each reason): persuasion techniques, conditional framing, distancing, vague sources, charged and subjective words, unsupported claims and the word profile push toward unreliable; named sources and direct quotes toward reliable; hedge words, first-person words and long sentences are free. The shipped model is fitted with each weight kept on its declared side, at least {floor} from zero in standardised units so that a declared signal always counts a little (active-set Newton), and the word profile's weight capped at {cap}: unbounded, the profile learns the topics and outlets of the training corpora, was the top reason of 96 % of the pool's unreliable labels and transferred worst. Leave-one-corpus-out mean AUC by floor (no cap): 0 0.827, 0.02 0.828, 0.05 0.826, 0.1 0.813; by cap (floor 0.02; grouped-CV AUC after the slash): none 0.828 / 0.829, 1.2 0.845 / 0.825, 0.8 0.859 / 0.812, 0.5 0.864 / 0.786, 0.3 0.847 / 0.753 — 0.8 takes nearly all of the transfer gain at a third of the in-pool cost. The same configuration (trained on {}) fitted without any bound, on the same folds:\n\n| protocol | declared directions | unconstrained |\n|---|---|---|",
        free.trained_on.join(", "),
        floor = unspin::train::reliability::DIRECTION_FLOOR,
        cap = unspin::train::reliability::WORD_PROFILE_CAP,
    );
    let auc = |v: Option<f64>| v.map_or("—".to_string(), |a| format!("{a:.3}"));
    let _ = writeln!(
        o,
        "| leave-one-corpus-out mean AUC (the three first corpora) | {} | {} |\n| leave-one-corpus-out mean AUC (every corpus but FA-KES) | **{}** | {} |",
        auc(shipped.loco_mean_auc_without_fakes),
        auc(free.loco_mean_auc_without_fakes),
        auc(shipped.loco_all_mean_auc),
        auc(free.loco_all_mean_auc)
    );
    for (a, b) in shipped
        .leave_one_corpus_out
        .iter()
        .zip(&free.leave_one_corpus_out)
    {
        let _ = writeln!(
            o,
            "| held-out {} AUC | {} | {} |",
            a.corpus,
            auc(a.roc_auc),
            auc(b.roc_auc)
        );
    }
    let _ = writeln!(
        o,
        "| grouped-by-site CV fold-mean AUC | {} | {} |\n| grouped-by-site CV ECE | {} | {} |",
        auc(shipped.grouped_cv_auc_mean),
        auc(free.grouped_cv_auc_mean),
        auc(shipped.pooled.ece),
        auc(free.pooled.ece)
    );
    o.push_str(&word_profile_md(shipped, words));
    o.push_str("\n### Faithful reasons (deletion test of the shipped model)\n\n");
    match faith {
        Some(f) => {
            let _ = writeln!(
                o,
                "For each pool article the shipped model calls unreliable (p ≥ 0.5), the spans of its three strongest reasons whose spans are evidence (signals with a positive weight and a positive contribution) were deleted from the text and the article scored again: the probability fell for {} of {} articles ({:.1} %), mean drop {:.3}. {} more articles had fewer than 21 words left after the deletion — their evidence spans (whole long or unsourced sentences) covered nearly all the text — so the model gives them no probability and they are counted apart, neither as fallen nor as not.",
                f.fell,
                f.articles,
                100.0 * f.share,
                f.mean_drop,
                f.unscorable
            );
            if !f.unfaithful_signals.is_empty() {
                let mut v: Vec<_> = f.unfaithful_signals.iter().collect();
                v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                let list: Vec<String> = v.iter().map(|(k, n)| format!("`{k}` {n}")).collect();
                let _ = writeln!(
                    o,
                    "\nAmong the articles that did not fall, the deleted reasons were: {}.",
                    list.join(", ")
                );
            }
        }
        None => o.push_str("No reliability model is loaded.\n"),
    }
    if let Some(p) = prior {
        let _ = writeln!(
            o,
            "\n### Source prior (off in every number above)\n\nWhen a record's site is on the compiled-in {} list, the shipped model adds a log-odds shift for the site's primary category (shown as the `source_prior` reason; `--no-source-prior` turns it off). Shifts are fitted on {} with the text model's calibrated out-of-fold log-odds as the offset, so they are what the listing adds beyond the text; FakeNewsCorpus is left out because its labels are these categories. Categories without training articles take their group's shift.\n\n| category | shift (log-odds) | training articles |\n|---|---|---|",
            p.list,
            p.fitted_on.join(" and ")
        );
        for (c, s, n) in &p.shifts {
            let _ = writeln!(o, "| {c} | {s:+.3} | {n} |");
        }
    }
    o
}

fn hedging_md(e: &protocols::HedgingEval) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "system: {}; {} sentences, {} uncertain\n",
        e.system, e.sentences, e.uncertain
    );
    o.push_str(&binary_md(&e.metrics));
    o
}

/// Runs every protocol, writes the Markdown report, and checks the floors.
fn all(
    analyzer: &Analyzer,
    config: &unspin::Config,
    data: &Path,
    output: &Path,
    floors: Option<&Path>,
    format: Out,
) -> Result<u8> {
    let t0 = Instant::now();
    let ptc_root = locate(data, "ptc2020", "dev-task-flc-tc.labels")?;
    let tech = protocols::techniques(analyzer, &ptc_root, "dev")?;
    // The accurate tier, in a build that has it (CI's gate build does).
    #[cfg(feature = "accurate")]
    let tech_accurate = {
        let a = unspin::Config {
            tier: unspin::Tier::Accurate,
            source_prior: false,
            ..config.clone()
        }
        .analyzer()?;
        Some(protocols::techniques(&a, &ptc_root, "dev")?)
    };
    #[cfg(not(feature = "accurate"))]
    let tech_accurate: Option<protocols::TechniquesEval> = {
        let _ = config;
        None
    };
    let rd = reliability_train::reliability_data(analyzer, data)?;
    let rel_sets = reliability_sets(&rd, 5)?;
    let rel_shipped = shipped_set(analyzer, &rel_sets);
    let rel_free = unconstrained(&rd, 5, &rel_sets[rel_shipped])?;
    let rel_words = word_profile_variants(&rd, 5, &rel_sets[rel_shipped])?;
    let faith = protocols::deletion_test(analyzer, &rd);
    let hedge = protocols::hedging(analyzer, data)?;
    let sent = {
        let d = unspin::train::sentences::sentence_data(data)?;
        let mut e = unspin::eval::sentences::evaluate(&d);
        e.extend(unspin::eval::sentences::transfer(&d, data)?);
        e
    };
    let consistency = protocols::summary_consistency(analyzer, &rd);
    let evidence = protocols::evidence_check(analyzer, &ptc_root, "dev")?;
    let elapsed = t0.elapsed().as_secs_f64();

    let mut paragraph_evals = Vec::new();
    for (code, _, _) in unspin::model::paragraphs::LANGUAGES {
        paragraph_evals.push(paragraphs_eval(data, code, None, 5)?);
    }
    let mut scores: BTreeMap<String, f64> = BTreeMap::new();
    for e in &paragraph_evals {
        scores.insert(
            format!("paragraphs.{}.lines.micro_f1", e.language),
            e.lines.micro_f1,
        );
    }
    scores.insert("techniques.si.f1".into(), tech.si.f1);
    scores.insert("techniques.full.f1".into(), tech.full.overall.f1);
    scores.insert("techniques.tc.micro_f1".into(), tech.tc.micro_f1);
    if let Some(l) = &tech.lines {
        scores.insert("techniques.lines.micro_f1".into(), l.score.micro_f1);
    }
    if let Some(t) = &tech_accurate {
        scores.insert("techniques_accurate.si.f1".into(), t.si.f1);
        scores.insert("techniques_accurate.full.f1".into(), t.full.overall.f1);
        scores.insert("techniques_accurate.tc.micro_f1".into(), t.tc.micro_f1);
        if let Some(l) = &t.lines {
            scores.insert(
                "techniques_accurate.lines.micro_f1".into(),
                l.score.micro_f1,
            );
        }
    }
    // The gate follows the configuration the shipped model was trained with.
    let shipped = &rel_sets[rel_shipped];
    if let Some(m) = shipped.loco_mean_auc_without_fakes {
        scores.insert("reliability.loco_mean_auc_without_fakes".into(), m);
    }
    if let Some(m) = shipped.loco_all_mean_auc {
        scores.insert("reliability.loco_all_mean_auc".into(), m);
    }
    if let Some(f) = &faith {
        scores.insert("reliability.deletion_share".into(), f.share);
    }
    scores.insert("hedging.f1_uncertain".into(), hedge.metrics.per_class[1].f1);
    scores.insert("consistency.unsupported_claims".into(), consistency.share);
    scores.insert(
        "consistency.technique_evidence_in_text".into(),
        evidence.share,
    );
    for e in &sent {
        let (name, v) = e.headline();
        scores.insert(format!("sentences.{name}"), v);
    }
    let attribution = unspin::eval::attribution::evaluate(
        analyzer,
        &unspin::eval::attribution::parse(ATTRIBUTION_FIXTURE)?,
    );
    scores.insert("attribution.fixture_accuracy".into(), attribution.accuracy);
    let attribution_unseen = unspin::eval::attribution::evaluate(
        analyzer,
        &unspin::eval::attribution::parse(ATTRIBUTION_UNSEEN)?,
    );
    scores.insert(
        "attribution.unseen_accuracy".into(),
        attribution_unseen.accuracy,
    );

    // The tagger is off by default (its cost); the gate scores the embedded one.
    let tagged = Analyzer::builder()
        .attribution(unspin::ModelChoice::Embedded)
        .techniques(unspin::ModelChoice::Off)
        .sentences(unspin::ModelChoice::Off)
        .reliability(unspin::ModelChoice::Off)
        .build()?;
    let polnear_model = polnear(&tagged, data)?;
    let polnear_rules = unspin::eval::attribution::polnear(
        &rules_detector(),
        None,
        &unspin::data::polnear::load(&polnear_root(data)?.join("dev"))?,
    );
    for (k, v) in [
        ("source_overlap_f1", polnear_model.source.overlap_f1),
        ("source_exact_f1", polnear_model.source.exact_f1),
        ("kind_accuracy", polnear_model.kind_accuracy),
    ] {
        scores.insert(format!("attribution.polnear.{k}"), v);
    }

    let versions: Vec<DatasetVersion> = [
        ("ptc2020", "dev-task-flc-tc.labels"),
        ("ptc2020", "dev-task-si.labels"),
        ("ptc2020", "dev-articles"),
        ("articles", "buzzfeed-webis-2016/articles"),
        ("articles", "fakenewsnet-v1"),
        ("articles", "fakenewscorpus-sample/news_sample.csv"),
        ("articles", "fa-kes/FA-KES-Dataset.csv"),
        ("hedging", "wiki_weasel_train.csv"),
        ("checkworthy", "clef2019_train.csv"),
        ("checkworthy", "claimbuster_kfold_25ncs.csv"),
        ("clickbait", "clickbait.txt"),
        ("clickbait", "non_clickbait.txt"),
        ("attribution", "polnear/dev"),
    ]
    .iter()
    .map(|(sub, rel)| {
        dataset_version(&data.join(sub), rel).map(|mut v| {
            v.path = format!("{sub}/{}", v.path);
            v
        })
    })
    .collect::<unspin::Result<_>>()?;

    let mut md = evaluation_md(
        &tech,
        tech_accurate.as_ref(),
        analyzer.technique_tagger().map(|t| t.model()),
        &rel_sets,
        rel_shipped,
        &rel_free,
        &rel_words,
        faith.as_ref(),
        analyzer
            .reliability_model()
            .and_then(|m| m.source_prior.as_ref()),
        &hedge,
        &sent,
        &attribution,
        &attribution_unseen,
        &[
            (
                "tagger + rules (`--attribution-model embedded`)",
                &polnear_model,
            ),
            ("rules alone", &polnear_rules),
        ],
        &versions,
        &consistency,
        &evidence,
        &scores,
        elapsed,
    );
    md.push_str(&paragraphs_section(&paragraph_evals));
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(output, &md).with_context(|| format!("cannot write {}", output.display()))?;
    match format {
        Out::Json => say!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "techniques": tech, "reliability_training_sets": rel_sets,
                "reliability_shipped": rel_shipped, "reliability_unconstrained": rel_free,
                "reliability_deletion_test": faith,
                "hedging": hedge, "sentences": sent, "gated_scores": scores,
            }))?
        ),
        Out::Table => {
            say!("wrote {} in {elapsed:.1}s", output.display());
            for (k, v) in &scores {
                say!("{k:<45} {v:.4}");
            }
        }
    }
    match floors {
        None => Ok(0),
        Some(path) => check_floors(path, &scores),
    }
}

fn check_floors(path: &Path, scores: &BTreeMap<String, f64>) -> Result<u8> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read floors file {}", path.display()))?;
    let floors: BTreeMap<String, f64> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON object of numbers", path.display()))?;
    if floors.is_empty() {
        bail!("{} sets no floor", path.display());
    }
    let mut failed = 0;
    for (key, floor) in &floors {
        match scores.get(key) {
            None => {
                eprintln!(
                    "floor {key}: no such score (known: {})",
                    scores.keys().cloned().collect::<Vec<_>>().join(", ")
                );
                failed += 1;
            }
            Some(v) if v < floor => {
                eprintln!("floor {key}: {v:.4} is below the floor {floor:.4}");
                failed += 1;
            }
            Some(v) => say!("floor {key}: {v:.4} ≥ {floor:.4} ok"),
        }
    }
    Ok(if failed > 0 { BELOW_FLOOR } else { 0 })
}

#[allow(clippy::too_many_arguments)]
fn evaluation_md(
    tech: &protocols::TechniquesEval,
    tech_accurate: Option<&protocols::TechniquesEval>,
    tech_model: Option<&unspin::model::techniques::TechniqueModel>,
    rel_sets: &[ReliabilityEval],
    rel_shipped: usize,
    rel_free: &ReliabilityEval,
    rel_words: &[ReliabilityEval],
    faith: Option<&protocols::Faithfulness>,
    prior: Option<&unspin::model::sources::SourcePrior>,
    hedge: &protocols::HedgingEval,
    sent: &[unspin::eval::sentences::SentenceEval],
    attribution: &unspin::eval::attribution::AttributionEval,
    attribution_unseen: &unspin::eval::attribution::AttributionEval,
    polnear: &[(&str, &unspin::eval::attribution::PolnearEval)],
    versions: &[DatasetVersion],
    consistency: &protocols::SummaryConsistency,
    evidence: &protocols::EvidenceCheck,
    scores: &BTreeMap<String, f64>,
    elapsed: f64,
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Evaluation\n\nEvery number here comes from one command, run from the repository root with the shared data beside it:\n\n```sh\ncargo run --release -p unspin-cli -- eval all --data ../shared/data\n```\n\nIt took {elapsed:.0} s on this machine (2 cores). Each section can be rerun alone (`unspin eval techniques|reliability|hedging|checkworthy|clickbait`, `--format json` for machine-readable results). The held-out test sets of these tasks are not available to the project; every number below is on training or development data, with the protocol stated, and none of the shipped rules or models was tuned on what it is scored on unless said so.\n"
    );
    let _ = writeln!(
        o,
        "## Status of the models\n\nShipped: the persuasion-technique model (a linear token tagger for spans and a linear span classifier over hashed features, trained by `unspin train techniques --data ../shared/data/ptc2020` on the PTC training split), the document reliability model (a calibrated logistic regression over named document signals, trained by `unspin train reliability --data ../shared/data` on the article pool), the sentence models (check-worthiness, hedging, clickbait: calibrated hashed logistic regressions trained by `unspin train sentences --data ../shared/data`), and rule/lexicon detectors for hedging cues, attribution and — without a technique model — loaded language.\n"
    );

    let _ = writeln!(
        o,
        "## Persuasion techniques (PTC, SemEval-2020 Task 11)\n\nProtocol: `unspin eval techniques --data ../shared/data/ptc2020 --split dev`. The analyzer runs on each dev article; its technique spans are scored with the ported official scorers (SI with merged predictions as the scorer's `-m`; the 2019 FLC scorer for the full task; TC micro-F1 on the gold spans). Golden tests reproduce the organisers' F1=0.647181 (SI) and F1=0.600000 (TC) on their scorer samples.\n"
    );
    o.push_str(&techniques_md(tech));
    if let Some(m) = tech_model {
        let g = |k: &str| {
            m.metrics
                .get(k)
                .map_or("—".to_string(), |v| format!("{v:.3}"))
        };
        let _ = writeln!(
            o,
            "\nThe model was trained with `unspin train techniques --data ../shared/data/ptc2020` (seed {}, {}-fold cross-validation over training articles to choose the span decoding — seed {:.2}, extend {:.2}, gap {} — and to calibrate: span Platt scaling, TC temperature {:.2}); the span tagger's targets are the gold labels averaged with the accurate tier's token probabilities, plus those probabilities alone on 702 pool articles (distillation: `crates/unspin/models/techniques-teacher.bin`, written by `unspin train teacher`; the teacher was trained on all training articles, so the cross-validated SI below is somewhat optimistic — dev is the clean figure). Cross-validated on the training split: SI F1 {}, TC micro-F1 {}. Training data SHA-256 (articles:SI labels:TC labels) `{}`.",
            m.train.si_config.seed,
            m.train.folds,
            m.decode.seed,
            m.decode.extend,
            m.decode.gap,
            m.tc_temperature,
            g("cv.si.f1"),
            g("cv.tc.micro_f1"),
            m.train.data_sha256
        );
    }
    let _ = writeln!(
        o,
        "\nAnchors (SemEval-2020 **test** set, not dev): SI F1 0.517 best, 0.377 best logistic regression; TC micro-F1 0.637 best, 0.574 best feature-based, 0.252 length-only baseline. Targets of the techniques issue on dev: TC ≥ 0.55 and SI ≥ 0.38 (must), TC ≥ 0.62 and SI ≥ 0.45 (aim).\n"
    );
    match tech_accurate {
        Some(t) => {
            let _ = writeln!(
                o,
                "### The accurate tier (`--tier accurate`)\n\nProtocol: `unspin eval techniques --data ../shared/data/ptc2020 --split dev --tier accurate` (a build with `--features accurate`). The fine-tuned MiniLM-L6 encoder of `crates/unspin/models/techniques-accurate.safetensors` (trained by `scripts/train_accurate.sh`; how, and on what, in `crates/unspin/models/techniques-accurate.md`), scored by the same scorers on the same articles.\n"
            );
            o.push_str(&techniques_md(t));
            o.push('\n');
        }
        None => {
            let _ = writeln!(
                o,
                "### The accurate tier\n\nNot scored: this `unspin` was built without the `accurate` feature.\n"
            );
        }
    }

    let _ = writeln!(
        o,
        "## Document reliability (article pool)\n\nProtocol: `unspin eval reliability --data ../shared/data`. Label mapping as in the reliability issue (FakeNewsNet Fake=1; BuzzFeed-Webis mostly false / mixture = 1, mostly true = 0, no factual content dropped; FakeNewsCorpus fake, conspiracy, unreliable, junksci, hate, bias, clickbait = 1, reliable, political = 0; FA-KES fake = 1; SemEval-2019 hyperpartisan: hyperpartisan = 1, not = 0 — one-sided partisan writing is not the same as false, but it is the spin unspin reports, so its label is kept as it is and it is a corpus of its own). Hyperpartisan articles whose URL is a BuzzFeed-Webis article's are dropped (the same lab collected both). Exact duplicates (whitespace-normalised text) reduced to one, groups with conflicting labels dropped, \"Moved Permanently\" stubs dropped. Folds are grouped by site, so no publisher is in two folds. Each configuration is trained in every fold from scratch (Platt scaling from out-of-fold logits inside the training part), so no probability comes from a model that saw the article's site or corpus. Every corpus is scored when held out, whether or not the configuration trains on it. The shipped model (`unspin train reliability`) uses the training set with the highest leave-one-corpus-out mean AUC over every corpus but FA-KES (whose labels do not follow from the text).\n\nCalibration under a base-rate change: a probability is calibrated for the base rate of the data it was fitted on (the training pool's share of unreliable articles, about a third), and the held-out corpora have others (19 % to 89 %), so the ECE of leave-one-corpus-out is large whatever the model. The report says which base rate its probability is for (`reliability.base_rate`), and `--base-rate SHARE` reads it against the user's own (Bayes' rule: the text's likelihood ratio kept, the prior odds replaced). Each corpus row below gives the ECE as predicted, with the base rate estimated from the corpus's unlabelled probabilities (EM, Saerens et al. 2002) and with its true base rate stated.\n"
    );
    o.push_str(&reliability_section_md(
        rel_sets,
        rel_shipped,
        rel_free,
        rel_words,
        faith,
        prior,
    ));
    let _ = writeln!(
        o,
        "\nReference (TF-IDF 1–2-grams + logistic regression on this pool, from the reliability issue): in-domain 5-fold AUC 0.85; leave-one-corpus-out AUC 0.82 (BuzzFeed-Webis), 0.74 (FakeNewsCorpus), 0.97 (FakeNewsNet), 0.51 (FA-KES).\n"
    );
    // The peers need Python packages, so their table is produced by a script and kept in the
    // repository; this page includes the last run.
    o.push_str("### Peers\n\n");
    match std::fs::read_to_string("docs/reliability-peers.md") {
        Ok(t) => o.push_str(&t),
        Err(_) => o.push_str(
            "Not run in this checkout: `python3 scripts/reliability_peers.py` writes docs/reliability-peers.md.\n",
        ),
    }
    o.push('\n');

    let _ = writeln!(
        o,
        "## Hedging (CoNLL-2010 Wikipedia weasel sentences)\n\nProtocol: `unspin eval hedging --data ../shared/data`; a sentence is predicted uncertain when the hedging detector marks any cue in it; positive class = uncertain. The rules were written from the Hyland list and our own patterns, not fitted to this file.\n"
    );
    o.push_str(&hedging_md(hedge));
    let _ = writeln!(
        o,
        "\nAnchor: CoNLL-2010 Wikipedia best F1 ≈ 0.60; TF-IDF + logistic regression on this file F1 0.61 (from the sentence-signals issue).\n"
    );

    let _ = writeln!(
        o,
        "## Sentence models: clickbait, hedging, check-worthiness\n\nProtocol: `unspin eval sentences --data ../shared/data` (the numbers the shipped models store, from `unspin train sentences`). One learner for all three: hashed logistic regression over words, word pairs, punctuation, lexicon hits (Hyland hedges, report verbs, subjectivity, VADER), the rule detectors' cues (hedges, conditional framing, distancing, vague/named source, quotes) and shape, each feature worth 1/√n, AdaGrad; the learning rate (from {:?}) by inner 3-fold ROC-AUC, Platt scaling and the decision threshold (accuracy for clickbait, F1 of the positive class otherwise) on inner out-of-fold predictions — all inside each outer training fold. Clickbait and hedging: 5 folds by position after a fixed shuffle. Check-worthiness: CLEF CheckThat! 2019 task 1 with 5 folds grouped by debate (ClaimBuster always added to training; MAP, R-precision and P@5 over the held-out debates, the CLEF 2019 scorer's ranking), and ClaimBuster with 5 folds (CLEF always in training; F1 of the check-worthy class). Transfer protocols (the transfer issue; the shipped model is not retrained by them): CLEF 2019 leave one debate out (19 folds) with ClaimBuster — or CheckThat! 2024 train instead — in training less the held-out debate's sentences (893 CLEF lines are ClaimBuster sentences, so the 5-fold protocol above trains on some of its test lines); trained on the debates (CLEF 2019 + ClaimBuster, less CT24 dev's sentences: 707 of its 1,032 are ClaimBuster's) and tested on CheckThat! 2024 English dev; and trained on CT24 train (less CLEF 2019's sentences) and tested on the CLEF 2019 debates.\n",
        unspin::train::sentences::LEARNING_RATES
    );
    o.push_str(&sentences_md(sent));
    let _ = writeln!(
        o,
        "\nAnchors and peers (from the sentence-signals issue): clickbait — Chakraborty et al. 2016 SVM accuracy 0.93, TF-IDF 1–2-grams + logistic regression 0.976, target ≥ 0.982; hedging — CoNLL-2010 Wikipedia best F1 ≈ 0.60, TF-IDF + LR 0.61, target ≥ 0.65; check-worthiness — CLEF 2019 best primary MAP ≈ 0.166 (test set), TF-IDF + LR with ClaimBuster added 0.24 (this protocol), target ≥ 0.27. The peer rerun on exactly these folds (`python3 scripts/sentence_peers.py`, docs/sentence-peers.md, threshold chosen in fold like ours): clickbait accuracy 0.961, hedging F1 0.609, CLEF 2019 MAP 0.237, ClaimBuster F1 0.707 — unspin is above it on three of the four and 0.012 below it on hedging.\n"
    );
    match std::fs::read_to_string("docs/checkworthy-transfer-peers.md") {
        Ok(t) => {
            o.push_str("### Check-worthiness transfer, beside its peer\n\n");
            o.push_str(&t);
            o.push('\n');
        }
        Err(_) => o.push_str(
            "The transfer protocols' peer was not run in this checkout: `python3 scripts/checkworthy_transfer_peers.py` writes docs/checkworthy-transfer-peers.md.\n\n",
        ),
    }

    let _ = writeln!(
        o,
        "## Attribution (hand-written fixtures)\n\nProtocol: each sentence is analysed as a one-sentence article and the kind of its attribution (named, vague, none) is compared with the one written beside it. Two files, both written for unspin: `fixtures/attribution.tsv` ({} sentences: \"according to\", passive \"it was reported\", nested quotes, pronoun sources, vague groups, and look-alikes that must not fire) is the development fixture — the rules (word lists of group nouns, document nouns, finding verbs, sentence openers) were extended while reading its misses, so its accuracy is optimistic; `fixtures/attribution-unseen.tsv` ({} sentences) was written after the rules last changed and has never been used to change them, so it is the honest estimate.\n\n| fixture | accuracy | source words match (right non-`none` rows) |\n|---|---|---|\n| development | **{:.3}** | {:.1} % |\n| unseen | **{:.3}** | {:.1} % |\n\nThe issue's target is 0.90.\n",
        attribution.sentences,
        attribution_unseen.sentences,
        attribution.accuracy,
        100.0 * attribution.source_match,
        attribution_unseen.accuracy,
        100.0 * attribution_unseen.source_match,
    );
    for (name, e) in [("development", attribution), ("unseen", attribution_unseen)] {
        let _ = writeln!(
            o,
            "{name}:\n\n| kind | precision | recall | F1 | support |\n|---|---|---|---|---|"
        );
        for (k, s) in &e.per_kind {
            let _ = writeln!(
                o,
                "| {k} | {:.3} | {:.3} | {:.3} | {} |",
                s.precision, s.recall, s.f1, s.support
            );
        }
        let _ = writeln!(
            o,
            "\nMisses (line: expected → got (source)):\n\n```text\n{}\n```\n",
            e.errors.join("\n")
        );
    }

    o.push_str(&polnear_md(polnear));

    let _ = writeln!(
        o,
        "## Technique evidence is the article's words\n\nThe evidence of a technique span is the words of the article that drove the decision (the span's or its context's words behind the features that weighed most), never a feature's name. On the {} PTC dev articles: {} technique spans, {} with evidence; {} of {} evidence strings ({:.1} %) are text of their article.{}\n",
        evidence.articles,
        evidence.spans,
        evidence.with_evidence,
        evidence.in_text,
        evidence.strings,
        100.0 * evidence.share,
        if evidence.not_in_text.is_empty() {
            String::new()
        } else {
            format!(" Not in the text: {:?}.", evidence.not_in_text)
        }
    );
    let _ = writeln!(
        o,
        "## Summaries agree with the reasons\n\nAn unsupported claim (a check-worthy sentence of the article, check-worthiness ≥ 0.25, not publisher furniture, with no source) has one definition (`doc::SentenceFacts::unsupported_claim`); the report marks each such sentence, the `unsupported_claims` reason counts them, and the corpus CSV/Parquet column and summaries count the marks. On the {} pool articles, the corpus summary's count equals the reason's on {} ({:.1} %).{}\n",
        consistency.articles,
        consistency.equal,
        100.0 * consistency.share,
        if consistency.differ.is_empty() {
            String::new()
        } else {
            format!(
                " They differ on (pool index, summary, reason): {:?}.",
                consistency.differ
            )
        }
    );
    let _ = writeln!(
        o,
        "## Quality gate\n\n`.ci/run` runs this command with `--floors floors.json` and fails when a score falls below its floor. Gated scores of this run:\n\n| score | value |\n|---|---|"
    );
    for (k, v) in scores {
        let _ = writeln!(o, "| `{k}` | {v:.4} |");
    }
    let _ = writeln!(
        o,
        "\n## Dataset versions (SHA-256)\n\n| file or folder under `../shared/data` | sha256 |\n|---|---|"
    );
    for v in versions {
        let _ = writeln!(o, "| {} | `{}` |", v.path, v.sha256);
    }
    let _ = writeln!(
        o,
        "\n## Data and citations\n\nPTC: Da San Martino et al. 2019 (EMNLP), 2020 (SemEval Task 11). BuzzFeed-Webis Fake News Corpus 2016: Potthast et al. 2018. FakeNewsNet: Shu et al. 2018. FakeNewsCorpus (OpenSources labels). FA-KES: Salem et al. 2019. CoNLL-2010 shared task (Farkas et al. 2010). CLEF CheckThat! 2019 (Atanasova et al. 2019); ClaimBuster (Arslan et al. 2020). Clickbait: Chakraborty et al. 2016."
    );
    o
}

fn polnear_root(data: &Path) -> Result<PathBuf> {
    Ok(unspin::data::locate(
        data,
        "attribution/polnear",
        "metadata.tsv",
    )?)
}

/// The analyzer's attribution detector on PolNeAR's dev articles.
fn polnear(
    analyzer: &unspin::Analyzer,
    data: &Path,
) -> Result<unspin::eval::attribution::PolnearEval> {
    let dev = unspin::data::polnear::load(&polnear_root(data)?.join("dev"))?;
    Ok(unspin::eval::attribution::polnear(
        &rules_detector(),
        analyzer.attribution_tagger(),
        &dev,
    ))
}

fn rules_detector() -> unspin::detect::AttributionDetector {
    unspin::detect::AttributionDetector::new(std::sync::Arc::new(unspin::lexicon::Lexicons::load()))
}

fn polnear_md(rows: &[(&str, &unspin::eval::attribution::PolnearEval)]) -> String {
    let mut o = String::new();
    let Some((_, first)) = rows.first() else {
        return o;
    };
    let _ = writeln!(
        o,
        "## Attribution on PolNeAR (dev)\n\nProtocol: the {} dev articles of PolNeAR (`attribution/polnear/dev`, one annotator's file per article), {} sentences. Spans: a predicted source (cue, content) is right *exactly* when its edges (trimmed of spaces and punctuation) equal a gold one's, by *overlap* when they share a character (precision over predicted, recall over gold spans); the tagger's are the attributions the report shows (a source and a cue), the rules' are the source words inside the phrase they report. Kind: every sentence gets the kind of the attribution whose content covers most of it (else one whose cue lies in it; none when there is none) — gold from the annotated source, predicted from the report — by the same rules on both sides (a proper name or a definite description: named; a pronoun: named, it stands for someone the article names; a stand-in like \"sources\" or \"many\", or no source at all: vague). The tagger was trained on `train/` and its settings chosen on this dev set (the issue's protocol), so these figures are optimistic for other news.\n\n| detector | source F1 (overlap) | source F1 (exact) | source P / R (overlap) | cue F1 (overlap) | content F1 (overlap) | sentence kind accuracy |\n|---|---|---|---|---|---|---|",
        first.articles, first.sentences
    );
    for (name, e) in rows {
        let _ = writeln!(
            o,
            "| {name} | **{:.3}** | {:.3} | {:.3} / {:.3} | {:.3} | {:.3} | **{:.3}** |",
            e.source.overlap_f1,
            e.source.exact_f1,
            e.source.overlap_precision,
            e.source.overlap_recall,
            e.cue.overlap_f1,
            e.content.overlap_f1,
            e.kind_accuracy
        );
    }
    let _ = writeln!(
        o,
        "\nThe issue's targets: source F1 (overlap) ≥ 0.75, sentence kind accuracy ≥ 0.85.\n"
    );
    for (name, e) in rows {
        let c = &e.confusion;
        let _ = writeln!(
            o,
            "{name}, gold (rows) by predicted (columns):\n\n| | named | vague | none |\n|---|---|---|---|\n| named | {} | {} | {} |\n| vague | {} | {} | {} |\n| none | {} | {} | {} |\n",
            c[0][0], c[0][1], c[0][2], c[1][0], c[1][1], c[1][2], c[2][0], c[2][1], c[2][2]
        );
    }
    o
}

/// How the languages share the paragraph technique model (`--sharing`).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SharingArg {
    PerLanguage,
    Pooled,
}

impl From<SharingArg> for unspin::model::paragraphs::Sharing {
    fn from(s: SharingArg) -> Self {
        match s {
            SharingArg::PerLanguage => unspin::model::paragraphs::Sharing::PerLanguage,
            SharingArg::Pooled => unspin::model::paragraphs::Sharing::Pooled,
        }
    }
}

/// Cross-validates the paragraph technique recipe on one SemEval-2023 language.
fn paragraphs_eval(
    data: &Path,
    language: &str,
    sharing: Option<SharingArg>,
    folds: usize,
) -> Result<unspin::train::paragraphs::LanguageEval> {
    use unspin::model::paragraphs::{LANGUAGES, Sharing, language_code};
    use unspin::train::paragraphs as p;
    let code = language_code(language).with_context(|| {
        format!(
            "no SemEval-2023 language {language:?}: one of {}",
            LANGUAGES.map(|l| l.0).join(", ")
        )
    })?;
    anyhow::ensure!(folds >= 2, "--folds must be at least 2");
    let mut o = p::Options::default();
    if let Some(s) = sharing {
        o.sharing = s.into();
    }
    // The default --data is the PTC folder: its parent holds `semeval2023t3`.
    let data = if data.ends_with("ptc2020") {
        data.parent().unwrap_or(data)
    } else {
        data
    };
    let own = p::load(data, code)?;
    let mut others = Vec::new();
    if o.sharing == Sharing::Pooled {
        for (c, _, _) in LANGUAGES.iter().filter(|l| l.0 != code) {
            others.extend(p::load(data, c)?);
        }
    }
    Ok(p::cross_validate(&own, &others, folds, &o)?)
}

fn paragraphs_md(e: &unspin::train::paragraphs::LanguageEval) -> String {
    format!(
        "SemEval-2023 subtask 3, {} ({} articles, {} lines, {}-fold cross-validation by article, {:?}):\n\
         line micro-F1 {:.4} (P {:.4}, R {:.4}), macro-F1 {:.4}; span F1 (paragraphs as spans, technique-aware partial overlap) {:.4} (P {:.4}, R {:.4}); {} on every line: micro-F1 {:.4}\n",
        e.language,
        e.articles,
        e.lines.lines,
        e.folds,
        e.sharing,
        e.lines.micro_f1,
        e.lines.micro_precision,
        e.lines.micro_recall,
        e.lines.macro_f1,
        e.spans.overall.f1,
        e.spans.overall.precision,
        e.spans.overall.recall,
        e.majority_technique,
        e.majority,
    )
}

/// The six-language section of EVALUATION.md, beside the official baselines.
fn paragraphs_section(evals: &[unspin::train::paragraphs::LanguageEval]) -> String {
    // The organisers' baseline (an n-gram SVM, the task bundle's `baselines/st3.py`) on their
    // dev sets, as the task README of the data bundle states it: English 0.16125, Italian
    // 0.38918, Russian 0.25316; it gives none for French, German or Polish.
    let baseline = |code: &str| match code {
        "en" => "0.161",
        "it" => "0.389",
        "ru" => "0.253",
        _ => "not published",
    };
    // The same kind of baseline (word 1–2-gram counts, a linear SVM per technique) run on these
    // folds' protocol by `scripts/paragraph_baseline_peers.py` (docs/paragraph-baseline-peers.md);
    // English was not run (a kernel SVM on 9,498 lines takes hours here).
    let svm_here = |code: &str| match code {
        "fr" => "0.260",
        "de" => "0.309",
        "it" => "0.357",
        "pl" => "0.103",
        "ru" => "0.206",
        _ => "not run",
    };
    let mut o = String::from(
        "\n## Persuasion techniques in six languages (SemEval-2023 Task 3, subtask 3)\n\nProtocol: `unspin eval techniques --data ../shared/data/semeval2023t3 --language xx` for xx in en fr de it pl ru: the paragraph model's recipe (`unspin train paragraphs`: one-vs-rest logistic regression over hashed words, 5-letter stems, word pairs and punctuation of each paragraph; three seeds averaged; Platt scaling and a threshold per technique fitted on out-of-fold scores of the training articles) cross-validated in 5 folds by article on the shared part of each language. Line micro-F1 is the official subtask-3 measure; the span F1 takes each labelled paragraph as a span of its techniques and scores it against the gold spans with the technique-aware partial-overlap scorer of SemEval-2020 (paragraph-level labels make long spans, so its precision is low). One model per language was chosen over one pooled model (each feature also tagged with its language) on this protocol: pooled French 0.315 vs 0.319 apart, German 0.348 vs 0.374 (with the first recipe).\n\n| language | articles | lines | line micro-F1 | P | R | macro-F1 | span F1 | most frequent technique on every line | organisers' baseline (their dev set) | n-gram SVM, same protocol |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for e in evals {
        o.push_str(&format!(
            "| {} | {} | {} | **{:.3}** | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} ({}) | {} | {} |\n",
            e.language,
            e.articles,
            e.lines.lines,
            e.lines.micro_f1,
            e.lines.micro_precision,
            e.lines.micro_recall,
            e.lines.macro_f1,
            e.spans.overall.f1,
            e.majority,
            e.majority_technique,
            baseline(&e.language),
            svm_here(&e.language),
        ));
    }
    o.push_str("\nThe organisers' baselines are on their dev sets, not on these folds (the task bundle's README publishes English, Italian and Russian only); the most-frequent-technique column is on the same folds, and so is the last column: the organisers' kind of baseline (word 1–2-gram counts, one linear SVM per technique) run by `scripts/paragraph_baseline_peers.py` with 5 folds by article of its own (docs/paragraph-baseline-peers.md), which gives French, German and Polish a baseline at all (Italian 0.357 here against the published 0.389 on the organisers' dev set). Target of the six-languages issue: each language ≥ 0.25 and above its baseline (aim ≥ 0.35).\n");
    o
}
