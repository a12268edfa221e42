//! The `unspin` Python module: the same analysis as the `unspin` binary, as Python objects.
//!
//! Reports cross into Python as the `unspin.report/1` JSON decoded by Python's own `json`
//! module, so a dict from `analyze` is exactly what `unspin analyze --format json` prints, field
//! for field — no second, hand-kept mapping of the report to drift from the first. Analysis
//! runs with the GIL released (other Python threads keep going), and `analyze_many` spreads the
//! records over a rayon pool.
//!
//! The settings are the library's one `Config` (size limit, models, source prior), taken by
//! `unspin.Analyzer(...)`; the module-level functions use one analyzer with the defaults, built
//! on first use and shared by every thread of the process (a Spark executor's Python worker
//! builds it once). Records are parsed by the library's record parser (`corpus::record`), the
//! one `unspin corpus` and the server use.

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rayon::prelude::*;
use std::sync::{Arc, OnceLock};
use unspin_core::corpus::record::{Record, parse_record};
use unspin_core::corpus::summary::{row_columns, technique_column};
use unspin_core::corpus::{Options, Outcome, outcome};
use unspin_core::{Config, Error, Limits, ModelChoice, Technique};

create_exception!(
    unspin,
    UnspinError,
    PyValueError,
    "Input unspin cannot analyse; the message is the one the CLI prints."
);

fn to_py_err(e: Error) -> PyErr {
    UnspinError::new_err(e.to_string())
}

/// Decodes a JSON document with Python's `json.loads`.
fn loads<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.getattr("loads")?.call1((json,))
}

/// One record of `analyze_many`, taken apart under the GIL.
enum Input {
    Text(String),
    /// A dict, as JSON, to be read exactly as a JSONL corpus line is.
    Record(String),
    /// Not a record, and why; the id when one could be read.
    Bad(Option<String>, String),
}

/// The fields a record is read from; other keys of a dict (a DataFrame's other columns) are
/// ignored, as a JSONL line's are.
const FIELDS: [&str; 5] = ["id", "title", "text", "html", "url"];

/// A dict record as the JSON of its known fields. Values are taken as a DataFrame gives them:
/// `None` and NaN are missing (pandas writes a missing cell as NaN), an integer of any kind
/// (`int`, `numpy.int64`: anything with `__index__`) is a number, a float one too; what
/// cannot be a field is an error that keeps the record's id when the id itself was readable.
fn dict_record(d: &Bound<'_, PyDict>) -> Input {
    use pyo3::types::{PyBool, PyFloat};
    use serde_json::Value;
    let mut obj = serde_json::Map::new();
    let mut problem = None;
    for key in FIELDS {
        let Ok(Some(v)) = d.get_item(key) else {
            continue;
        };
        let value = if v.is_none() {
            None
        } else if let Ok(b) = v.cast::<PyBool>() {
            Some(Value::Bool(b.is_true()))
        } else if let Ok(s) = v.cast::<PyString>() {
            match s.extract::<String>() {
                Ok(s) => Some(Value::String(s)),
                Err(_) => {
                    problem.get_or_insert(format!("\"{key}\" is not valid Unicode"));
                    None
                }
            }
        } else if let Ok(f) = v.cast::<PyFloat>() {
            let x = f.value();
            if x.is_nan() {
                None
            } else {
                match serde_json::Number::from_f64(x) {
                    Some(n) => Some(Value::Number(n)),
                    None => {
                        problem.get_or_insert(format!("\"{key}\" is not a finite number"));
                        None
                    }
                }
            }
        } else if let Ok(i) = v
            .call_method0("__index__")
            .and_then(|i| i.extract::<i128>())
        {
            Some(match (i64::try_from(i), u64::try_from(i)) {
                (Ok(n), _) => Value::Number(n.into()),
                (_, Ok(n)) => Value::Number(n.into()),
                _ => Value::String(i.to_string()),
            })
        } else {
            let ty = v
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "?".into());
            problem.get_or_insert(format!(
                "\"{key}\" must be a string or a number, got a {ty}"
            ));
            None
        };
        if let Some(value) = value {
            obj.insert(key.to_string(), value);
        }
    }
    match problem {
        None => Input::Record(Value::Object(obj).to_string()),
        Some(why) => {
            let id = match obj.get("id") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            Input::Bad(id, why)
        }
    }
}

/// An analyzer with its settings: the size limit, each model (`"embedded"`, `"off"` or a model
/// file's path) and the source prior — the settings of the CLI's analysis flags
/// (`--max-bytes`, `--techniques-model`, `--sentence-models`, `--reliability-model`,
/// `--no-source-prior`, `--language`, `--tier`, `--accurate-model`). Build one and reuse it: it
/// loads the models once.
#[pyclass(frozen, module = "unspin")]
struct Analyzer {
    inner: Arc<unspin_core::Analyzer>,
}

#[pymethods]
impl Analyzer {
    #[new]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments, one per CLI flag
    #[pyo3(signature = (*, max_bytes=None, techniques_model="embedded", sentence_models="embedded", reliability_model="embedded", source_prior=true, base_rate=None, language="auto", tier="fast", accurate_model="embedded", attribution_model="off", paragraph_model="embedded"))]
    fn new(
        py: Python<'_>,
        max_bytes: Option<u64>,
        techniques_model: &str,
        sentence_models: &str,
        reliability_model: &str,
        source_prior: bool,
        base_rate: Option<f64>,
        language: &str,
        tier: &str,
        accurate_model: &str,
        attribution_model: &str,
        paragraph_model: &str,
    ) -> PyResult<Analyzer> {
        let choice = |s: &str| {
            let Ok(c) = s.parse::<ModelChoice>();
            c
        };
        let config = Config {
            limits: Limits {
                max_bytes: max_bytes.unwrap_or(Limits::default().max_bytes),
            },
            techniques: choice(techniques_model),
            sentences: choice(sentence_models),
            reliability: choice(reliability_model),
            source_prior,
            base_rate: base_rate
                .map(unspin_core::analyze::BaseRate::new)
                .transpose()
                .map_err(|e| PyValueError::new_err(e.to_string()))?,
            language: language.parse().map_err(PyValueError::new_err)?,
            tier: tier.parse().map_err(PyValueError::new_err)?,
            accurate: choice(accurate_model),
            attribution: choice(attribution_model),
            paragraphs: choice(paragraph_model),
        };
        let inner = py.detach(|| config.analyzer()).map_err(to_py_err)?;
        Ok(Analyzer {
            inner: Arc::new(inner),
        })
    }

    /// Analyses one article (see the module's `analyze`).
    #[pyo3(signature = (text=None, title=None, html=None, url=None, id=None))]
    fn analyze<'py>(
        &self,
        py: Python<'py>,
        text: Option<String>,
        title: Option<String>,
        html: Option<String>,
        url: Option<String>,
        id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let record = Record {
            id,
            title,
            url,
            text,
            html,
        };
        let a = &self.inner;
        let json = py
            .detach(|| {
                record
                    .into_document(a.limits())
                    .map(|d| a.analyze(&d).to_json())
            })
            .map_err(|(_, e)| to_py_err(e))?;
        loads(py, &json)
    }

    /// Analyses many articles in parallel (see the module's `analyze_many`).
    #[pyo3(signature = (records, threads=None, output="dict"))]
    fn analyze_many<'py>(
        &self,
        py: Python<'py>,
        records: &Bound<'py, PyAny>,
        threads: Option<usize>,
        output: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        many(&self.inner, py, records, threads, output)
    }

    /// The models in use: what the server's `GET /v1/models` answers.
    fn models<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = py.detach(|| self.inner.describe().to_string());
        loads(py, &json)
    }

    /// Every setting and the SHA-256 of every model file in use: equal fingerprints, equal
    /// reports.
    fn fingerprint(&self) -> String {
        self.inner.fingerprint()
    }
}

fn default_analyzer() -> &'static Arc<unspin_core::Analyzer> {
    static A: OnceLock<Arc<unspin_core::Analyzer>> = OnceLock::new();
    A.get_or_init(|| Arc::new(unspin_core::Analyzer::new()))
}

/// Analyses one article and returns its report: the `unspin.report/1` JSON as Python objects,
/// equal to what `unspin analyze --format json` prints for the same input.
///
/// Give the article as `text` (plain text, taken as is: offsets are code points into it) or as
/// `html` (the article text is extracted first; the report's `text` is that extraction).
/// `title` is the headline (scored for clickbait); `url` lets the source prior look the site up.
/// Raises `UnspinError` (a `ValueError`) for input the CLI would refuse.
#[pyfunction]
#[pyo3(signature = (text=None, title=None, html=None, url=None, id=None))]
fn analyze<'py>(
    py: Python<'py>,
    text: Option<String>,
    title: Option<String>,
    html: Option<String>,
    url: Option<String>,
    id: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    Analyzer {
        inner: default_analyzer().clone(),
    }
    .analyze(py, text, title, html, url, id)
}

/// Analyses many articles in parallel, with the GIL released, and returns one result per record,
/// in order. One bad record never costs the others: it gets an error record
/// `{"id", "error": {"kind", "message", "line"}}` (`line` is its 1-based position) instead.
///
/// A record is a `str` (plain text) or a dict with `text` or `html` and optional `id`, `title`,
/// `url` — the fields of a `unspin corpus` JSONL line, validated the same way. `threads`
/// defaults to all cores. `output` chooses the shape of each result: `"dict"` (the report as
/// Python objects), `"json"` (the exact line `unspin corpus` writes), or `"row"` (a flat dict
/// with the columns of `unspin corpus -o out.parquet`: summary columns and the report as a JSON
/// string — what a Spark job writes).
#[pyfunction]
#[pyo3(signature = (records, threads=None, output="dict"))]
fn analyze_many<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
    threads: Option<usize>,
    output: &str,
) -> PyResult<Bound<'py, PyList>> {
    many(default_analyzer(), py, records, threads, output)
}

fn many<'py>(
    analyzer: &unspin_core::Analyzer,
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
    threads: Option<usize>,
    output: &str,
) -> PyResult<Bound<'py, PyList>> {
    if !matches!(output, "dict" | "json" | "row") {
        return Err(PyValueError::new_err(format!(
            "output must be \"dict\", \"json\" or \"row\", not {output:?}"
        )));
    }
    let mut inputs = Vec::new();
    for item in records.try_iter()? {
        let item = item?;
        let input = if let Ok(s) = item.cast::<PyString>() {
            Input::Text(s.extract::<String>()?)
        } else if let Ok(d) = item.cast::<PyDict>() {
            dict_record(d)
        } else {
            Input::Bad(
                None,
                format!(
                    "a record must be a str or a dict, got {}",
                    item.get_type().name()?
                ),
            )
        };
        inputs.push(input);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| UnspinError::new_err(e.to_string()))?;
    let opts = Options {
        limits: analyzer.limits(),
        ..Options::default()
    };
    let outcomes: Vec<Outcome> = py.detach(|| {
        pool.install(|| {
            inputs
                .par_iter()
                .enumerate()
                .map(|(i, input)| {
                    let parsed = match input {
                        Input::Text(t) => Record {
                            text: Some(t.clone()),
                            ..Record::default()
                        }
                        .into_document(opts.limits),
                        Input::Record(j) => parse_record(j.as_bytes(), opts.limits),
                        Input::Bad(id, msg) => Err((id.clone(), Error::Record(msg.clone()))),
                    };
                    outcome(analyzer, parsed, i as u64 + 1, &opts)
                })
                .collect()
        })
    });
    let out = PyList::empty(py);
    let loads = py.import("json")?.getattr("loads")?;
    for o in outcomes {
        match output {
            "json" => out.append(o.json)?,
            "row" => out.append(row(py, o)?)?,
            _ => out.append(loads.call1((o.json,))?)?,
        }
    }
    Ok(out)
}

/// The Parquet output's columns for one outcome.
fn row(py: Python<'_>, o: Outcome) -> PyResult<Bound<'_, PyDict>> {
    let r = o.row;
    let d = PyDict::new(py);
    d.set_item("id", r.id)?;
    d.set_item("line", r.line)?;
    d.set_item("site", r.site)?;
    d.set_item("language", r.language)?;
    d.set_item("p_unreliable", r.p_unreliable)?;
    d.set_item("label", r.label)?;
    for (t, n) in Technique::ALL.iter().zip(r.techniques) {
        d.set_item(technique_column(*t), n)?;
    }
    d.set_item("top_reasons", r.top_reasons)?;
    d.set_item("unsupported_claims", r.unsupported_claims)?;
    d.set_item("error", r.error)?;
    d.set_item("report", o.json)?;
    Ok(d)
}

/// The embedded models: names, versions, and the evaluation stored with each (what `GET
/// /v1/models` answers).
#[pyfunction]
fn models<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
    let json = py.detach(|| default_analyzer().describe().to_string());
    loads(py, &json)
}

#[pymodule]
#[pyo3(name = "unspin")]
fn unspin_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Analyzer>()?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_function(wrap_pyfunction!(analyze_many, m)?)?;
    m.add_function(wrap_pyfunction!(models, m)?)?;
    m.add("UnspinError", m.py().get_type::<UnspinError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCHEMA", unspin_core::report::SCHEMA)?;
    m.add("ROW_COLUMNS", row_columns())?;
    m.add(
        "TECHNIQUES",
        Technique::ALL
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>(),
    )?;
    Ok(())
}
