#!/usr/bin/env bash
# Fuzzes every target for SECONDS each (default 900 = 15 min), two at a time, from the seeds in
# fuzz/seeds (and, for model_load, the shipped model files). Needs a nightly toolchain and
# cargo-fuzz, which this script installs; CI does not run it (its regression inputs are tests).
#
#   scripts/fuzz.sh            # 15 min per target
#   scripts/fuzz.sh 60         # a quick pass
#   JOBS=1 scripts/fuzz.sh     # one target at a time
#   TARGETS="csv_corpus render_report" scripts/fuzz.sh 900   # some targets only
#
# Each input runs under libFuzzer's -timeout (default 10 s; TIMEOUT=2 for the slow-input hunt)
# with inputs up to 1 MB (model_load: 4 MB), so a super-linear path shows up as a timeout.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
PER=${1:-900}
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
cargo +nightly fuzz build -O
mkdir -p corpus logs artifacts
seed_dir() {
  case $1 in
    html_ingest) echo seeds/html ;;
    analyze_text) echo seeds/analyze ;;
    jsonl_record) echo seeds/jsonl ;;
    csv_corpus) echo seeds/csv ;;
    model_load) echo seeds/model ;;
    compressed_corpus) echo seeds/compressed ;;
    folder_corpus) echo seeds/folder ;;
    parquet_corpus) echo seeds/parquet ;;
    server_request) echo seeds/server ;;
    render_report) echo seeds/render ;;
  esac
}
run() {
  local t=$1 max_len=1048576
  mkdir -p "corpus/$t"
  cp -n "$(seed_dir "$t")"/* "corpus/$t/" 2>/dev/null || true
  if [ "$t" = model_load ]; then
    cp -n ../crates/unspin/models/*.bin "corpus/$t/" 2>/dev/null || true
    max_len=4000000
  fi
  echo "== $t for $PER s"
  cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
    -max_total_time="$PER" -max_len="$max_len" -rss_limit_mb=2048 -timeout="${TIMEOUT:-10}" \
    -print_final_stats=1 > "logs/$t.log" 2>&1 \
    && echo "   $t: no crash ($(grep -o 'stat::number_of_executed_units: [0-9]*' "logs/$t.log"))" \
    || echo "   $t: FAILED, see fuzz/logs/$t.log and fuzz/artifacts/$t/"
}
# JOBS=1 leaves a core free for other work (then the pass takes five times PER).
JOBS=${JOBS:-2}
ALL="html_ingest analyze_text jsonl_record csv_corpus model_load compressed_corpus folder_corpus parquet_corpus server_request render_report"
for t in ${TARGETS:-$ALL}; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
  run "$t" &
done
wait
