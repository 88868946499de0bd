#!/usr/bin/env bash
# Record import speed, with the release binary, into a fresh SQLite file and a fresh
# PostgreSQL database per run: the 81-row case table (first import, then the idempotent
# second one) and N synthetic NDJSON records (N/4 actors, N/4 cases, N/2 events).
# Prints the median of R runs. Usage: bench/records.sh [N] [R]   (defaults 4000, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-4000}
runs=${2:-5}
table=../shared/data/conflicts/mining-conflicts-2024-03.csv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$n" > "$work/records.ndjson" <<'PY'
import json, sys
n = int(sys.argv[1]) // 4
for i in range(n):
    print(json.dumps({"type": "actor", "slug": f"company-{i}", "name": f"Company {i}", "kind": "COMPANY"}))
for i in range(n):
    print(json.dumps({"type": "case", "slug": f"case-{i}", "kind": "MINE", "title": f"Case {i}",
                      "status": "ACTIVE", "phase": "DIALOGUE", "statusSince": "2020-01",
                      "actors": [{"actor": f"company-{i}", "role": "OPERATOR"}], "topics": ["mining"]}))
for i in range(2 * n):
    print(json.dumps({"type": "event", "case": f"case-{i % n}", "kind": "PROTEST",
                      "title": f"Protest {i}", "date": f"20{10 + i % 14:02d}-{1 + i % 12:02d}"}))
PY
cargo build --release -q
bin=target/release/chasqui
pg_admin=${CHASQUI_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
seconds() { # url file → wall seconds of one import
  local start end
  start=$(date +%s.%N)
  "$bin" import "$2" --database-url "$1" > /dev/null
  end=$(date +%s.%N)
  python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$end"
}
median() { python3 -c "import sys, statistics; print(f'{statistics.median(float(x) for x in sys.argv[1:]):.3f}')" "$@"; }
for engine in sqlite postgres; do
  first=() second=() synthetic=()
  for run in $(seq "$runs"); do
    for what in table synthetic; do
      if [ "$engine" = sqlite ]; then
        url="sqlite://$work/bench-$run-$what.db?mode=rwc"
      else
        db="chasqui_records_bench_$$_${run}_$what"
        psql "$pg_admin" -qc "CREATE DATABASE $db"
        url="${pg_admin%/*}/$db"
      fi
      "$bin" migrate --database-url "$url" > /dev/null 2>&1
      if [ "$what" = table ]; then
        first+=("$(seconds "$url" "$table")")
        second+=("$(seconds "$url" "$table")")
      else
        synthetic+=("$(seconds "$url" "$work/records.ndjson")")
      fi
      if [ "$engine" = postgres ]; then psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db"; fi
    done
  done
  t1=$(median "${first[@]}"); t2=$(median "${second[@]}"); ts=$(median "${synthetic[@]}")
  python3 -c "import sys; e, t1, t2, ts, n = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]); print(f'{e:<9} case table (81 rows): first import {t1:.2f} s, second (unchanged) {t2:.2f} s; {n} NDJSON records: {ts:.2f} s, {n / ts:,.0f} records/s')" "$engine" "$t1" "$t2" "$ts" "$n"
done
