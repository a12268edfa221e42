"""The shared article pool, for the benchmark scripts: every deduplicated article of the
reliability corpora, as `unspin eval reliability --export-pool` writes it (under target/, since
it holds the data's texts)."""

import json
import os
import subprocess


def load_pool(unspin, data, directory):
    """Exports the pool to DIRECTORY/pool.jsonl once and returns its records."""
    path = os.path.join(directory, "pool.jsonl")
    if not os.path.exists(path):
        subprocess.run(
            [unspin, "eval", "reliability", "--data", data, "--export-pool", path],
            check=True,
            capture_output=True,
        )
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]
