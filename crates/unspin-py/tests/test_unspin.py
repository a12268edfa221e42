"""Tests of the `unspin` wheel, against the CLI built from the same tree.

Run from the repository root after `maturin build` and `pip install` of the wheel:
    UNSPIN_BIN=target/release/unspin python -m pytest crates/unspin-py/tests
"""
import json
import os
import pathlib
import subprocess
import threading

import pytest
import unspin

ROOT = pathlib.Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "harbor-bridge.txt"
BIN = os.environ.get("UNSPIN_BIN", str(ROOT / "target" / "release" / "unspin"))


def cli(*args, stdin=None):
    out = subprocess.run([BIN, *args], input=stdin, capture_output=True, check=False)
    return out


def test_analyze_equals_the_cli_json_for_the_example():
    text = EXAMPLE.read_text(encoding="utf-8")
    want = json.loads(cli("analyze", str(EXAMPLE), "--format", "json").stdout)
    got = unspin.analyze(text)
    assert got == want
    assert got["schema"] == unspin.SCHEMA
    assert got["techniques"], "the example article has technique spans"
    for span in got["techniques"]:
        assert got["text"][span["start"]:span["end"]] == span["text"]


def test_analyze_equals_the_cli_with_title_url_and_html(tmp_path):
    html = (
        "<html><head><title>Bridge</title></head><body><article><h1>Bridge</h1>"
        "<p>Reports are coming in that the bridge was closed by the mayor, who said it was unsafe.</p>"
        "<p>Critics claim the decision was a disaster for everyone in the city.</p>"
        "</article></body></html>"
    )
    url = "https://www.example.com/news/bridge"
    # HTML given as a string is already decoded, as in a JSONL record: equal to the CLI's
    # output for that record.
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(json.dumps({"html": html, "url": url}) + "\n", encoding="utf-8")
    want_record = json.loads(cli("corpus", str(jsonl), "--quiet").stdout)
    got_html = unspin.analyze(html=html, url=url)
    assert got_html == want_record
    # The same page as a file: the CLI decodes its bytes and records the charset it used;
    # nothing else differs.
    want_file = json.loads(
        cli("analyze", "-", "--html", "--format", "json", "--url", url, stdin=html.encode()).stdout
    )
    assert want_file["source"].pop("charset") == "UTF-8"
    assert got_html["source"].pop("charset") is None
    assert got_html == want_file
    text = EXAMPLE.read_text(encoding="utf-8")
    title = "You won't believe what happened at the harbor bridge"
    want = json.loads(
        cli("analyze", str(EXAMPLE), "--format", "json", "--title", title).stdout
    )
    got = unspin.analyze(text, title=title)
    assert got == want
    assert 0.0 <= got["headline"]["clickbait"] <= 1.0


def test_analyze_many_equals_the_corpus_command_line_for_line(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    records = [
        {"id": "a", "title": "Bridge", "text": text},
        {"id": 2, "text": "Officials said the road reopened on Monday."},
        {"id": "bad", "text": 5},
        {"text": "x", "html": "<p>x</p>"},
        {"id": "h", "html": "<p>Reports are coming in that the bridge was closed.</p>"},
    ]
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cli("corpus", str(jsonl), "-o", str(out), "--quiet")
    want = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    got = unspin.analyze_many(records, threads=2)
    assert len(got) == len(records)
    assert got == want
    assert got[2]["error"] == {
        "kind": "invalid_record",
        "message": 'invalid record: "text" must be a string, got a number',
        "line": 3,
    }
    assert got[3]["error"]["line"] == 4


def test_analyze_many_takes_strings_and_any_iterable_and_keeps_order():
    texts = [f"Officials said {i} roads reopened. Critics claim it was a disaster." for i in range(50)]
    got = unspin.analyze_many(t for t in texts)
    assert [r["text"] for r in got] == texts
    assert got == [unspin.analyze(t) for t in texts]
    assert unspin.analyze_many([]) == []


def test_bad_records_become_error_records_not_exceptions():
    got = unspin.analyze_many(["fine text.", 42, None, {"title": "no text"}])
    assert "error" not in got[0]
    assert got[1]["error"]["message"] == "invalid record: a record must be a str or a dict, got int"
    assert got[2]["error"]["line"] == 3
    assert got[3]["error"]["message"] == 'invalid record: missing "text" (or "html")'


def test_dataframe_records_with_nan_and_numpy_integers_keep_their_ids():
    """pandas gives missing cells as NaN and integer ids as numpy.int64; neither may turn a
    record into an error or lose its id (an object with __index__ stands in for numpy here)."""

    class Int64:
        def __init__(self, v):
            self.v = v

        def __index__(self):
            return self.v

    nan = float("nan")
    got = unspin.analyze_many(
        [
            {"id": Int64(7), "title": nan, "text": "The council met on Monday.", "score": nan},
            {"id": 8, "text": "The mayor spoke.", "url": nan, "extra": object()},
            {"id": Int64(9), "text": "The vote was held.", "title": ["not", "a", "title"]},
            {"id": "x", "text": float("inf")},
        ]
    )
    assert "error" not in got[0], got[0]
    assert got[0]["id"] == "7" and got[0]["title"] is None
    assert "error" not in got[1] and got[1]["id"] == "8"
    assert got[2]["id"] == "9"
    assert got[2]["error"]["message"] == 'invalid record: "title" must be a string or a number, got a list'
    assert got[3]["id"] == "x" and "finite" in got[3]["error"]["message"]


def test_errors_are_python_exceptions_with_the_cli_messages():
    with pytest.raises(unspin.UnspinError, match="not both"):
        unspin.analyze("a", html="<p>a</p>")
    with pytest.raises(unspin.UnspinError, match=r'missing "text" \(or "html"\)'):
        unspin.analyze()
    with pytest.raises(ValueError):  # UnspinError is a ValueError
        unspin.analyze(html="<html><body></body></html>")
    empty = cli("analyze", "-", "--html", stdin=b"<html><body></body></html>")
    try:
        unspin.analyze(html="<html><body></body></html>")
    except unspin.UnspinError as e:
        assert str(e) in empty.stderr.decode()
    with pytest.raises(TypeError):
        unspin.analyze(5)
    with pytest.raises(unspin.UnspinError, match="over the limit of 33554432 bytes"):
        unspin.analyze("x" * (32 * 1024 * 1024 + 1))


def test_models_describes_the_embedded_models():
    m = unspin.models()
    assert m["schema"] == unspin.SCHEMA
    assert m["version"] == unspin.__version__
    names = [x["name"] for x in m["models"]]
    # Exactly the models every report lists.
    assert names == [x["name"] for x in unspin.analyze("The dam held, officials said.")["models"]]
    assert {"techniques", "sentences", "reliability"} <= set(names)
    assert "reliability" in m["evaluation"]
    assert len(m["files"]["reliability"]["sha256"]) == 64


def test_an_analyzer_takes_the_settings_of_the_cli_flags(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    url = "https://21stcenturywire.com/x"
    small = unspin.Analyzer(max_bytes=100)
    with pytest.raises(unspin.UnspinError, match="over the limit of 100 bytes"):
        small.analyze(text)
    assert small.analyze_many([text])[0]["error"]["kind"] == "oversized"
    # The source prior, on and off, as --no-source-prior.
    with_prior = unspin.analyze(text, url=url)["reliability"]
    without = unspin.Analyzer(source_prior=False).analyze(text, url=url)["reliability"]
    assert "source_prior" in with_prior and "source_prior" not in without
    expected = json.loads(cli("analyze", str(EXAMPLE), "--format", "json", "--url", url, "--no-source-prior").stdout)
    assert unspin.Analyzer(source_prior=False).analyze(text, url=url) == expected
    # A stated base rate, as --base-rate; out of range is a ValueError.
    stated = unspin.Analyzer(base_rate=0.05).analyze(text)["reliability"]
    assert stated["base_rate"]["stated"] and stated["base_rate"]["value"] == 0.05
    assert stated == json.loads(cli("analyze", str(EXAMPLE), "--format", "json", "--base-rate", "0.05").stdout)["reliability"]
    with pytest.raises(ValueError, match="base rate"):
        unspin.Analyzer(base_rate=1.0)
    # Models switch off alone; a file of the wrong kind is refused by name.
    off = unspin.Analyzer(reliability_model="off").analyze(text)
    assert off["reliability"]["p_unreliable"] is None
    assert off["sentences"][0]["checkworthiness"] is not None
    no_paragraphs = unspin.Analyzer(paragraph_model="off").analyze(text)
    assert no_paragraphs["paragraph_techniques"] is None
    assert no_paragraphs == json.loads(cli("analyze", str(EXAMPLE), "--format", "json", "--paragraph-model", "off").stdout)
    bad = tmp_path / "m.bin"
    bad.write_bytes(b"UNSPINMD\x03\0\0\0\x0breliability\x05\0\0\0")
    with pytest.raises(unspin.UnspinError, match="not a technique model"):
        unspin.Analyzer(techniques_model=str(bad))
    assert unspin.Analyzer().fingerprint() != unspin.Analyzer(max_bytes=100).fingerprint()


def test_the_gil_is_released_during_analysis():
    text = EXAMPLE.read_text(encoding="utf-8") * 20
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(1)
            done.wait(0.001)

    t = threading.Thread(target=tick)
    t.start()
    unspin.analyze_many([text] * 8, threads=1)
    done.set()
    t.join()
    assert len(ticks) > 5, "a Python thread could not run while unspin analysed"


def test_output_shapes_json_and_row():
    text = EXAMPLE.read_text(encoding="utf-8")
    records = [{"id": "a", "title": "Bridge", "text": text}, {"id": "b", "text": 7}]
    as_json = unspin.analyze_many(records, output="json")
    assert [json.loads(j) for j in as_json] == unspin.analyze_many(records)
    rows = unspin.analyze_many(records, output="row")
    assert list(rows[0]) == unspin.ROW_COLUMNS
    assert rows[0]["report"] == as_json[0]
    report = json.loads(as_json[0])
    assert rows[0]["p_unreliable"] == report["reliability"]["p_unreliable"]
    assert rows[0]["top_reasons"] == [r["signal"] for r in report["reliability"]["reasons"][:3]]
    loaded = sum(1 for s in report["techniques"] if s["technique"] == "Loaded_Language")
    assert rows[0]["loaded_language"] == loaded
    assert rows[1]["error"] == "invalid_record" and rows[1]["p_unreliable"] is None
    assert len(unspin.TECHNIQUES) == 14
    with pytest.raises(ValueError, match="output must be"):
        unspin.analyze_many(records, output="xml")


def test_the_accurate_tier_equals_the_cli_and_keeps_the_span_contract():
    text = EXAMPLE.read_text(encoding="utf-8")
    accurate = unspin.Analyzer(tier="accurate")
    got = accurate.analyze(text)
    want = json.loads(cli("analyze", str(EXAMPLE), "--format", "json", "--tier", "accurate").stdout)
    assert got == want
    assert "techniques-accurate" in [m["name"] for m in got["models"]]
    for span in got["techniques"]:
        assert got["text"][span["start"]:span["end"]] == span["text"]
        assert 0.0 <= span["confidence"] <= 1.0
    with pytest.raises(ValueError, match="fast. or .accurate"):
        unspin.Analyzer(tier="slow")
