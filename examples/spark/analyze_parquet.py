"""Analyse a Parquet corpus with unspin on Apache Spark, writing Parquet.

    spark-submit examples/spark/analyze_parquet.py IN.parquet OUT_DIR \
        [--text-column text] [--title-column title] [--id-column id] [--url-column url]

Each executor's Python worker imports the `unspin` wheel (models embedded: nothing else to
ship), builds one analyzer on first use and keeps it for the life of the worker; `mapInPandas`
hands it Arrow batches, and `unspin.analyze_many(..., output="row")` analyses a batch with the
GIL released. The output has the columns of `unspin corpus IN.parquet -o OUT.parquet` —
`line` is the row's position within its Spark batch, so join on `id`, not `line`.
"""
import argparse
import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql import types as T

import unspin

STRING = {"id", "site", "language", "label", "error", "report"}


def schema():
    """The output's Spark schema, from the wheel's own column list (`unspin.ROW_COLUMNS`)."""
    fields = []
    for name in unspin.ROW_COLUMNS:
        if name in STRING:
            t = T.StringType()
        elif name == "p_unreliable":
            t = T.DoubleType()
        elif name == "top_reasons":
            t = T.ArrayType(T.StringType())
        else:  # line, the per-technique counts, unsupported_claims
            t = T.LongType()
        fields.append(T.StructField(name, t))
    return T.StructType(fields)


def analyse_batches(columns, threads):
    """The function mapInPandas runs on the executors: pandas batches in, pandas batches out."""

    def run(batches):
        import pandas as pd
        import unspin  # imported on the executor; the analyzer is built once per worker

        names = unspin.ROW_COLUMNS
        for pdf in batches:
            records = []
            for r in pdf.to_dict("records"):
                rec = {"text": r[columns["text"]]}
                for key in ("title", "id", "url"):
                    col = columns.get(key)
                    if col and r[col] is not None and not pd.isna(r[col]):
                        rec[key] = str(r[col])
                records.append(rec)
            rows = unspin.analyze_many(records, threads=threads, output="row")
            yield pd.DataFrame(rows, columns=names)

    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--text-column", default="text")
    ap.add_argument("--title-column")
    ap.add_argument("--id-column")
    ap.add_argument("--url-column")
    ap.add_argument("--partitions", type=int, default=0,
                    help="repartition to this many partitions first (default: when the input "
                         "has fewer partitions than the cluster has cores, one per core)")
    ap.add_argument("--batch-rows", type=int, default=256,
                    help="rows per Arrow batch handed to a Python worker (memory: ~20 KB each)")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads per Python worker (Spark already runs one worker per core)")
    a = ap.parse_args()
    spark = SparkSession.builder.appName("unspin").getOrCreate()
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(a.batch_rows))
    columns = {"text": a.text_column, "title": a.title_column, "id": a.id_column,
               "url": a.url_column}
    keep = [c for c in columns.values() if c]
    df = spark.read.parquet(a.input).select(*keep)
    # A corpus in a few large files reads as a few partitions: spread it over every core, or
    # most cores sit idle (analysis costs far more than the shuffle of the input text).
    cores = spark.sparkContext.defaultParallelism
    want = a.partitions or (cores if df.rdd.getNumPartitions() < cores else 0)
    if want:
        df = df.repartition(want)
    out = df.mapInPandas(analyse_batches(columns, a.threads), schema())
    t0 = time.perf_counter()
    out.write.mode("overwrite").parquet(a.output)
    print(f"unspin: analysed and wrote {a.output} in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main()
