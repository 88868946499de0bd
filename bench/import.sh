#!/usr/bin/env bash
# Import speed: N synthetic news items (NDJSON, one batch) into a fresh SQLite file and a
# fresh PostgreSQL database, with the release binary; prints items/s and peak memory.
# Usage: bench/import.sh [N]   (default 20000; the issue's full scale is 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$n" > "$work/items.ndjson" <<'PY'
import json, sys
n = int(sys.argv[1])
for i in range(n):
    print(json.dumps({"title": f"Synthetic item {i}", "date": f"20{10 + i % 14:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                      "summary": "A short summary of what happened, in one sentence of ordinary length.",
                      "url": f"https://example.org/items/{i}"}))
PY
cargo build --release -q
bin=target/release/chasqui
pg_admin=${CHASQUI_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
run() {
  local label=$1 url=$2
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" import --format ndjson "$work/items.ndjson" --database-url "$url" > /dev/null
  end=$(date +%s.%N)
  python3 -c "import sys; n, s, e, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(open(sys.argv[4]).read().split()[-1]); print(f'{sys.argv[5]:<10} {n} items in {e - s:.1f} s: {n / (e - s):,.0f} items/s, peak RSS {rss / 1024:.0f} MB')" "$n" "$start" "$end" "$work/rss" "$label"
}
run sqlite "sqlite://$work/bench.db?mode=rwc"
db="chasqui_bench_$$"
psql "$pg_admin" -qc "CREATE DATABASE $db"
run postgres "${pg_admin%/*}/$db"
psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db"
