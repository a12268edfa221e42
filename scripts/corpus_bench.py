#!/usr/bin/env python3
"""Corpus-mode benchmark: unspin's full reports vs fastText's classify-only predict, same texts.

Builds a synthetic corpus by repeating the shared article pool (the deduplicated articles of
BuzzFeed-Webis, FakeNewsNet, FakeNewsCorpus and FA-KES that `unspin eval reliability
--export-pool` writes) to N records, then in one run:

* `unspin corpus` with 1 and 2 worker threads (full reports, JSONL out, CSV summary), wall time
  and peak RSS (`/usr/bin/time -f %M`);
* fastText supervised (trained on the pool's reliability labels, wordNgrams 2, dim 50), predict
  over the same N texts in one thread — the classify-only reference — with its peak RSS.

The corpus holds the data's texts: it stays under target/.

    pip install fasttext-wheel
    cargo build --release -p unspin-cli
    python3 scripts/corpus_bench.py --records 100000
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from pool import load_pool


def clean(d):
    return " ".join(d.lower().split())


def timed(cmd):
    """Runs cmd under /usr/bin/time; returns (seconds, peak RSS in MiB)."""
    t0 = time.perf_counter()
    r = subprocess.run(
        ["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True
    )
    secs = time.perf_counter() - t0
    if r.returncode not in (0, 3):
        sys.exit(f"{cmd} failed ({r.returncode}): {r.stderr[-2000:]}")
    peak_kib = int(r.stderr.strip().splitlines()[-1])
    return secs, peak_kib / 1024


def fasttext_child(corpus, train, out):
    """Trains and predicts in a fresh process, so its peak RSS is its own."""
    import fasttext

    t0 = time.perf_counter()
    model = fasttext.train_supervised(
        train, wordNgrams=2, dim=50, epoch=5, lr=0.5, thread=1, verbose=0
    )
    train_s = time.perf_counter() - t0
    texts = []
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            texts.append(clean((r.get("title") or "") + " " + r["text"]))
    t0 = time.perf_counter()
    n_unreliable = 0
    for t in texts:
        # The binding's raw call: fasttext-wheel's `predict` breaks under NumPy 2.
        pairs = model.f.predict(t, 1, 0.0, "strict")
        n_unreliable += pairs[0][1] == "__label__1"
    predict_s = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump(
        {
            "records": len(texts),
            "train_s": train_s,
            "predict_s": predict_s,
            "peak_mib": peak,
            "unreliable": n_unreliable,
        },
        open(out, "w"),
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unspin", default="target/release/unspin")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--dir", default="target/corpus-bench")
    ap.add_argument("--fasttext-child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.fasttext_child:
        fasttext_child(*args.fasttext_child)
        return

    os.makedirs(args.dir, exist_ok=True)
    pool = load_pool(args.unspin, args.data, args.dir)
    corpus = os.path.join(args.dir, f"corpus-{args.records}.jsonl")
    if not os.path.exists(corpus):
        with open(corpus, "w", encoding="utf-8") as f:
            for i in range(args.records):
                a = pool[i % len(pool)]
                f.write(
                    json.dumps({"id": f"r{i}", "title": a.get("title") or None, "text": a["text"]})
                    + "\n"
                )
    size_mb = os.path.getsize(corpus) / 1e6
    chars = sum(len(pool[i % len(pool)]["text"]) for i in range(args.records)) / args.records

    rows = []
    for threads in (1, 2):
        out = os.path.join(args.dir, f"out-{threads}.jsonl")
        secs, peak = timed(
            [
                args.unspin, "corpus", corpus, "--quiet", "--threads", str(threads),
                "-o", out, "--csv", os.path.join(args.dir, f"out-{threads}.csv"),
            ]
        )
        n = sum(1 for _ in open(out, encoding="utf-8"))
        assert n == args.records, (n, args.records)
        rows.append((f"unspin corpus, full reports, {threads} thread{'s' if threads > 1 else ''}", threads, n / secs, peak, secs))

    train = os.path.join(args.dir, "fasttext-train.txt")
    with open(train, "w", encoding="utf-8") as f:
        for a in pool:
            f.write(f"__label__{int(a['unreliable'])} {clean((a.get('title') or '') + ' ' + a['text'])}\n")
    res = os.path.join(args.dir, "fasttext.json")
    secs, peak = timed([sys.executable, __file__, "--fasttext-child", corpus, train, res])
    ft = json.load(open(res))
    rows.append(
        (
            "fastText predict, classify only (wordNgrams 2, dim 50), 1 thread",
            1,
            ft["records"] / ft["predict_s"],
            peak,
            ft["predict_s"],
        )
    )

    per_thread_unspin = rows[0][2]
    per_thread_ft = rows[2][2]
    lines = [
        f"Corpus: {args.records:,} records ({size_mb:,.0f} MB JSONL, mean {chars:,.0f} characters of text) repeating the "
        f"{len(pool):,} deduplicated pool articles; `python3 scripts/corpus_bench.py --records {args.records}`.",
        "",
        "| system | threads | records/s | records/s per thread | peak RSS (MiB) | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for name, threads, rate, peak, secs in rows:
        lines.append(
            f"| {name} | {threads} | {rate:,.0f} | {rate / threads:,.0f} | {peak:,.0f} | {secs:,.1f} |"
        )
    lines += [
        "",
        f"Per thread, unspin's full reports run at {per_thread_unspin / per_thread_ft:.3f}× fastText's "
        f"classify-only speed (1 thread each). fastText's time is prediction only (its texts read and "
        f"lower-cased beforehand; training {ft['train_s']:.1f} s not counted); its peak RSS includes the "
        "Python interpreter and all texts in memory. unspin's includes reading, parsing, analysis, JSON "
        "and CSV writing, and the checkpoint after each chunk.",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
