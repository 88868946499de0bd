#!/usr/bin/env bash
# Times `chasqui import --format dump` of one dump file into a new SQLite file and a new
# PostgreSQL database, alternating two builds (say, main's and a change's) so that both
# see the same machine load. Prints each run and the medians.
#
#   bench/dump_load.sh DUMP BASE_BINARY NEW_BINARY [RUNS]
#
# PostgreSQL: CHASQUI_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test), a
# superuser; databases chasqui_dump_bench_* are created and dropped.
set -euo pipefail
dump=$1 base=$2 new=$3 runs=${4:-3}
export PGOPTIONS="-c client_min_messages=warning"
pg=${CHASQUI_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
server=${pg%/*}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -A times
for run in $(seq 1 "$runs"); do
  for name in base new; do
    binary=$base; [ "$name" = new ] && binary=$new
    rm -f "$work"/load.db*
    start=$(date +%s.%N)
    "$binary" import --format dump "$dump" --database-url "sqlite://$work/load.db?mode=rwc" >/dev/null
    sqlite=$(echo "$(date +%s.%N) - $start" | bc)
    db=chasqui_dump_bench_$name
    psql -q "$pg" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    start=$(date +%s.%N)
    "$binary" import --format dump "$dump" --database-url "$server/$db" >/dev/null
    postgres=$(echo "$(date +%s.%N) - $start" | bc)
    psql -q "$pg" -c "DROP DATABASE $db"
    printf 'run %d %-4s sqlite %7.1f s  postgres %7.1f s  (load %s)\n' "$run" "$name" "$sqlite" "$postgres" "$(cut -d' ' -f1 /proc/loadavg)"
    times[$name-sqlite]+="$sqlite "
    times[$name-postgres]+="$postgres "
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for engine in sqlite postgres; do
  b=$(echo "${times[base-$engine]}" | median)
  n=$(echo "${times[new-$engine]}" | median)
  printf '%-8s median base %7.1f s  new %7.1f s  ratio %.2fx\n' "$engine" "$b" "$n" "$(echo "$b / $n" | bc -l)"
done
