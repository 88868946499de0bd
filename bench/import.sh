#!/usr/bin/env bash
# Import speed: N synthetic news items (NDJSON), each linked to one or two of the demo's
# cases, into a fresh SQLite file and a fresh PostgreSQL database that hold the demo, with
# the release binary. Runs each engine ROUNDS times, alternating, and prints every run
# and the medians of items/s, peak RSS and CPU per item (chasqui's own threads, and the
# engine's: SQLite's worker thread or the PostgreSQL backends; see bench/import_run.py).
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
  local label=$1 url=$2
  "$bin" demo --database-url "$url" > /dev/null 2>&1
  python3 bench/import_run.py "$label" "$url" "$n" "$bin" "$work/items.ndjson" "$results"
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
    runs = [[float(v) for v in r[1:]] for r in rows if r[0] == engine]
    rate, rss, own, db, ceiling = (statistics.median(column) for column in zip(*runs))
    print(f"median {engine:<9} {rate:8,.0f} items/s, peak RSS {rss:4.0f} MB, CPU per item: chasqui {own:4.0f} µs, "
          f"engine {db:4.0f} µs, engine ceiling {ceiling:8,.0f} items/s ({len(runs)} runs)")
PY
