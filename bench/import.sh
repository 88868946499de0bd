#!/usr/bin/env bash
# Import speed: N synthetic news items (NDJSON), each linked to one or two of the demo's
# cases, into a fresh SQLite file and a fresh PostgreSQL database that hold the demo, with
# the release binary. Runs each engine ROUNDS times, alternating, and prints every run
# and the medians of items/s and peak RSS.
#
# Usage: bench/import.sh [N] [ROUNDS]   (defaults: 200000 items, 3 rounds; the issue's
#        full scale is bench/import.sh 1000000 1)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$n" > "$work/items.ndjson" <<'PY'
import itertools, json, random, sys
n = int(sys.argv[1])
rng = random.Random(7)
cases = ["las-bambas", "toromocho", "gasoducto-sur-peruano", "interoceanic-highway",
         "chinchero-airport", "legislative-decrees-2016", "santa-ana-mine", "odebrecht",
         "leche-gloria", "forced-sterilisations", "las-malvinas-fire", "gender-curriculum"]
# A vocabulary of 20,000 words (real ones first, then made-up Spanish-looking ones),
# drawn with Zipf-like frequencies as in real text: the index and the stemmer see a
# long tail of rare words, not the same twenty.
real = ("comunidad bloqueo minera paro dialogo mesa fiscal protesta carretera agua "
        "community strike road water talks prosecutor copper contract ruling").split()
syllables = ["ca", "ma", "pa", "ta", "ri", "lo", "sa", "que", "cha", "hua", "mi", "ran",
             "tos", "les", "cion", "mente", "do", "ba", "ni", "ya"]
words = real + ["".join(rng.choice(syllables) for _ in range(2 + k % 3)) + rng.choice(["", "s", "es", "ando", "ados", "ing", "ed"])
                for k in range(20000 - len(real))]
cumulative = list(itertools.accumulate(1 / (k + 1) for k in range(len(words))))
def text(k):
    return " ".join(rng.choices(words, cum_weights=cumulative, k=k))
for i in range(n):
    title = f"Item {i}: " + text(6)
    links = rng.sample(cases, 1 + (i % 3 == 0))
    print(json.dumps({"title": title, "date": f"20{10 + i % 14:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                      "summary": text(24),
                      "url": f"https://example.org/items/{i}", "cases": links}))
PY
# CHASQUI_BIN names a binary already built (to measure without rebuilding).
bin=${CHASQUI_BIN:-target/release/chasqui}
[[ -n ${CHASQUI_BIN:-} ]] || cargo build --release -q
pg_admin=${CHASQUI_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
results="$work/results"
run() {
  local label=$1 url=$2 start end
  "$bin" demo --database-url "$url" > /dev/null 2>&1
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" import --format ndjson "$work/items.ndjson" \
    --database-url "$url" > "$work/report"
  end=$(date +%s.%N)
  python3 - "$n" "$start" "$end" "$work/rss" "$label" "$results" <<'PY'
import sys
n, s, e = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
rss = int(open(sys.argv[4]).read().split()[-1]) / 1024
rate = n / (e - s)
print(f"{sys.argv[5]:<10} {n} items in {e - s:6.1f} s: {rate:9,.0f} items/s, peak RSS {rss:4.0f} MB")
open(sys.argv[6], "a").write(f"{sys.argv[5]} {rate} {rss}\n")
PY
  head -c 300 "$work/report" | head -n 1
}
for ((r = 1; r <= rounds; r++)); do
  run sqlite "sqlite://$work/bench-$r.db?mode=rwc"
  rm -f "$work/bench-$r.db"*
  db="chasqui_bench_$$_$r"
  psql "$pg_admin" -qc "CREATE DATABASE $db"
  run postgres "${pg_admin%/*}/$db"
  psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db"
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for engine in ("sqlite", "postgres"):
    rates = [float(r[1]) for r in rows if r[0] == engine]
    rss = [float(r[2]) for r in rows if r[0] == engine]
    print(f"median {engine:<9} {statistics.median(rates):9,.0f} items/s, peak RSS {statistics.median(rss):4.0f} MB ({len(rates)} runs)")
PY
