"""unspin: shows, with evidence, how a news article tries to persuade and how far it can be trusted.

The same analysis as the ``unspin`` command-line tool, with the models embedded in the module.
Reports are the ``unspin.report/1`` JSON as Python objects (see docs/report-format.md); offsets
are Unicode code points into ``report["text"]``, end exclusive, so ``text[start:end]`` is the
evidence.
"""

from typing import Any, Dict, Iterable, List, Literal, Mapping, Optional, Union, overload

__version__: str
SCHEMA: str

class UnspinError(ValueError):
    """Input unspin cannot analyse; the message is the one the CLI prints."""

ROW_COLUMNS: List[str]
"""The keys of `analyze_many(..., output="row")` and the columns of `unspin corpus -o X.parquet`."""
TECHNIQUES: List[str]
"""The 14 SemEval-2020 Task 11 technique labels, in report order."""

Report = Dict[str, Any]
Record = Union[str, Mapping[str, Any]]

def analyze(
    text: Optional[str] = None,
    title: Optional[str] = None,
    html: Optional[str] = None,
    url: Optional[str] = None,
    id: Optional[str] = None,
) -> Report:
    """Analyse one article; equal to ``unspin analyze --format json`` for the same input.

    Give ``text`` (plain text, kept as is) or ``html`` (the article text is extracted first), not
    both. ``title`` is the headline, scored for clickbait; ``url`` lets the source prior look the
    site up. The GIL is released while the article is analysed.

    Raises UnspinError for input the CLI would refuse (both or neither of text/html, over 32 MiB,
    HTML with no article text).
    """

@overload
def analyze_many(
    records: Iterable[Record], threads: Optional[int] = None, output: Literal["dict"] = "dict"
) -> List[Dict[str, Any]]: ...
@overload
def analyze_many(
    records: Iterable[Record], threads: Optional[int], output: Literal["json"]
) -> List[str]: ...
@overload
def analyze_many(
    records: Iterable[Record], threads: Optional[int] = None, *, output: Literal["json"]
) -> List[str]: ...
@overload
def analyze_many(
    records: Iterable[Record], threads: Optional[int] = None, *, output: Literal["row"]
) -> List[Dict[str, Any]]: ...
def analyze_many(
    records: Iterable[Record], threads: Optional[int] = None, output: str = "dict"
) -> Union[List[Dict[str, Any]], List[str]]:
    """Analyse many articles in parallel with the GIL released; one result per record, in order.

    A record is a ``str`` (plain text) or a mapping with ``text`` or ``html`` and optional ``id``,
    ``title``, ``url`` (a ``unspin corpus`` JSONL record, validated the same way). A record that
    cannot be analysed gives an error record ``{"id": ..., "error": {"kind", "message", "line"}}``
    (``line`` is its 1-based position) instead of raising, so one bad record never costs the
    others. ``threads`` defaults to all cores.

    ``output`` is the shape of each result: ``"dict"`` (the report as Python objects), ``"json"``
    (the exact line ``unspin corpus`` writes for the record), or ``"row"`` (a flat dict with the
    columns of ``unspin corpus -o out.parquet``: id, line, site, p_unreliable, label, one count
    per technique, top_reasons, unsupported_claims, error, and the report as a JSON string).
    """

def models() -> Dict[str, Any]:
    """The embedded models: schema, version, the models every report lists (names, versions,
    kinds), their files (origin and SHA-256), the settings, and the evaluation stored with each
    model (what the server's ``GET /v1/models`` answers)."""

class Analyzer:
    """An analyzer with its settings — those of the CLI's analysis flags (``--max-bytes``,
    ``--techniques-model``, ``--sentence-models``, ``--reliability-model``,
    ``--no-source-prior``, ``--language``). Each model is ``"embedded"``, ``"off"`` or a model file's path; the
    reliability model reads the technique and sentence models' output, so it needs both. Build
    one and reuse it: it loads the models once. The module-level functions use one with the
    defaults.

    Raises UnspinError when a model file cannot be read, is of another kind, or does not fit the
    others.
    """

    def __init__(
        self,
        *,
        max_bytes: Optional[int] = None,
        techniques_model: str = "embedded",
        sentence_models: str = "embedded",
        reliability_model: str = "embedded",
        source_prior: bool = True,
        base_rate: Optional[float] = None,
        language: Literal["auto", "en", "fr", "de", "it", "pl", "ru"] = "auto",
        tier: Literal["fast", "accurate"] = "fast",
        accurate_model: str = "embedded",
        attribution_model: str = "off",
        paragraph_model: str = "embedded",
    ) -> None: ...
    def analyze(
        self,
        text: Optional[str] = None,
        title: Optional[str] = None,
        html: Optional[str] = None,
        url: Optional[str] = None,
        id: Optional[str] = None,
    ) -> Report:
        """As the module's ``analyze``, with this analyzer's settings."""
    def analyze_many(
        self, records: Iterable[Record], threads: Optional[int] = None, output: str = "dict"
    ) -> Union[List[Dict[str, Any]], List[str]]:
        """As the module's ``analyze_many``, with this analyzer's settings."""
    def models(self) -> Dict[str, Any]:
        """As the module's ``models``, for this analyzer."""
    def fingerprint(self) -> str:
        """Every setting and the SHA-256 of every model file in use: equal fingerprints give
        equal reports."""
