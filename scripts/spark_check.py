#!/usr/bin/env python3
"""The Spark recipe, checked: one Parquet corpus through the CLI, the wheel and PySpark.

Builds a Parquet corpus from the shared article pool (every deduplicated article that `unspin
eval reliability --export-pool` writes: a few thousand records from the shared data; it stays
under target/), then analyses it

* with `unspin corpus IN.parquet -o cli.parquet` (2 threads),
* with the wheel: `unspin.analyze_many(records, threads=2, output="row")`,
* with Spark in local mode (`spark-submit --master local[2] examples/spark/analyze_parquet.py`),

checks that the wheel's rows and Spark's output equal the CLI's output column for column (the
`report` JSON strings byte for byte; `line` is per Spark batch and left out), and prints the
throughput of the three side by side. Exits non-zero on any difference.

    pip install target/wheels/unspin-*.whl pyspark pandas pyarrow
    python3 scripts/spark_check.py [--records N] [--unspin target/release/unspin]
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq
from pool import load_pool

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_corpus(args, path):
    pool = load_pool(args.unspin, args.data, args.dir)
    n = args.records or len(pool)
    rows = [pool[i % len(pool)] for i in range(n)]
    table = pa.table(
        {
            "id": [f"r{i}" for i in range(n)],
            "title": [r.get("title") or None for r in rows],
            "text": [r["text"] for r in rows],
        }
    )
    pq.write_table(table, path, row_group_size=512)
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=0, help="default: the whole pool")
    ap.add_argument("--unspin", default=os.path.join(ROOT, "target/release/unspin"))
    ap.add_argument("--data", default=os.path.join(ROOT, "../shared/data"))
    ap.add_argument("--dir", default=os.path.join(ROOT, "target/spark"))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    corpus = os.path.join(args.dir, "corpus.parquet")
    n = build_corpus(args, corpus)
    cols = ["--id-column", "id", "--title-column", "title"]

    # 1. The CLI.
    cli_out = os.path.join(args.dir, "cli.parquet")
    t0 = time.perf_counter()
    r = subprocess.run(
        [args.unspin, "corpus", corpus, *cols, "-o", cli_out, "--quiet",
         "--threads", str(args.threads)],
        capture_output=True, text=True,
    )
    cli_s = time.perf_counter() - t0
    if r.returncode not in (0, 3):
        sys.exit(f"unspin corpus failed ({r.returncode}): {r.stderr[-2000:]}")
    want = pq.read_table(cli_out).to_pylist()
    assert len(want) == n, (len(want), n)

    # 2. The wheel, in this process.
    import unspin

    table = pq.read_table(corpus).to_pylist()
    records = [{k: v for k, v in rec.items() if v is not None} for rec in table]
    t0 = time.perf_counter()
    rows = unspin.analyze_many(records, threads=args.threads, output="row")
    wheel_s = time.perf_counter() - t0
    bad = [i for i, (g, w) in enumerate(zip(rows, want)) if g != w]
    if len(rows) != n or bad:
        i = bad[0] if bad else 0
        diff = {k: (rows[i].get(k), want[i].get(k)) for k in want[i] if rows[i].get(k) != want[i][k]}
        sys.exit(f"the wheel differs from the CLI on {len(bad)} rows; first, row {i}: {str(diff)[:1500]}")

    # 3. Spark, local mode, through the example recipe.
    spark_out = os.path.join(args.dir, "spark-out")
    shutil.rmtree(spark_out, ignore_errors=True)
    submit = shutil.which("spark-submit") or os.path.join(os.path.dirname(sys.executable), "spark-submit")
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    t0 = time.perf_counter()
    r = subprocess.run(
        [submit, "--master", f"local[{args.threads}]", "--conf", "spark.ui.enabled=false",
         "--conf", "spark.sql.execution.arrow.maxRecordsPerBatch=256",
         os.path.join(ROOT, "examples/spark/analyze_parquet.py"), corpus, spark_out, *cols],
        capture_output=True, text=True, env=env,
    )
    spark_s = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"spark-submit failed ({r.returncode}): {r.stderr[-4000:]}")
    m = re.search(r"unspin: analysed and wrote .* in ([0-9.]+) s", r.stdout + r.stderr)
    job_s = float(m.group(1)) if m else float("nan")
    got = pa.concat_tables(
        [pq.read_table(f) for f in sorted(glob.glob(os.path.join(spark_out, "*.parquet")))]
    ).to_pylist()
    by_id = {g["id"]: g for g in got}
    if len(got) != n or len(by_id) != n:
        sys.exit(f"Spark wrote {len(got)} rows ({len(by_id)} ids) for {n} records")
    differ = 0
    for w in want:
        g = by_id[w["id"]]
        for k, v in w.items():
            if k != "line" and g.get(k) != v:
                differ += 1
                if differ == 1:
                    print(f"first difference: {w['id']} {k}: spark {str(g.get(k))[:300]} "
                          f"cli {str(v)[:300]}", file=sys.stderr)
                break
    if differ:
        sys.exit(f"Spark's output differs from the CLI's on {differ} of {n} records")

    print(f"{n} records ({os.path.getsize(corpus) / 1e6:.1f} MB Parquet): the wheel and Spark "
          f"equal the CLI on every record and column")
    print()
    print("| path | records/s | wall s |")
    print("|---|---|---|")
    print(f"| `unspin corpus` (CLI, {args.threads} threads, Parquet in and out) | {n / cli_s:,.0f} | {cli_s:.1f} |")
    print(f"| wheel `analyze_many(threads={args.threads}, output=\"row\")` (Parquet read excluded) | {n / wheel_s:,.0f} | {wheel_s:.1f} |")
    print(f"| Spark local[{args.threads}] + wheel, the job (read, analyse, write) | {n / job_s:,.0f} | {job_s:.1f} |")
    print(f"| Spark local[{args.threads}] + wheel, whole `spark-submit` (JVM and session start-up included) | {n / spark_s:,.0f} | {spark_s:.1f} |")


if __name__ == "__main__":
    main()
