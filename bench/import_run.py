#!/usr/bin/env python3
"""One timed `chasqui import` run for bench/import.sh, with where the CPU went.

Starts the import, and every 50 ms reads the CPU time (user + system) of each of its
threads and, for PostgreSQL, of the server backends serving the benchmark database
(their process title names it), from /proc. Prints items/s, peak RSS and CPU per item
split into: chasqui's own threads (the async runtime and the file reader), the SQLite
worker thread (the sqlx thread that runs SQLite, i.e. the engine's own work), and the
PostgreSQL backends. `engine ceiling` is 1 s divided by the engine's CPU per item: the
rate the database itself could not exceed for this work even if chasqui cost nothing.

Usage: import_run.py LABEL DATABASE_URL ITEMS BINARY FILE RESULTS
"""
import os, subprocess, sys, time

label, url, n, binary, path, results = sys.argv[1:7]
n = int(n)
tick = os.sysconf("SC_CLK_TCK")
database = url.rsplit("/", 1)[-1].split("?")[0] if url.startswith("postgres") else None


def cpu(stat_path):
    try:
        with open(stat_path) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick
    except (OSError, IndexError, ValueError):
        return None


def backends():
    """PostgreSQL backends of the benchmark database: pid → process title."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                title = f.read().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            found[pid] = title
    return found


last_threads = {}  # tid → (name, cpu seconds)
last_backends = {}  # pid → cpu seconds
start = time.time()
# The report goes to a file: a pipe read only at the end would fill up and stall the run.
report = open(f"{results}.report", "w+")
process = subprocess.Popen(
    ["/usr/bin/time", "-f", "%M", "-o", f"{results}.rss", binary, "import", "--format", "ndjson",
     path, "--database-url", url],
    stdout=report, stderr=subprocess.STDOUT)
child = None
while process.poll() is None:
    if child is None:
        try:
            with open(f"/proc/{process.pid}/task/{process.pid}/children") as f:
                kids = f.read().split()
            child = kids[0] if kids else None
        except OSError:
            pass
    if child is not None:
        try:
            for tid in os.listdir(f"/proc/{child}/task"):
                seconds = cpu(f"/proc/{child}/task/{tid}/stat")
                if seconds is not None:
                    with open(f"/proc/{child}/task/{tid}/comm") as f:
                        last_threads[tid] = (f.read().strip(), seconds)
        except OSError:
            pass
    if database:
        for pid in backends():
            seconds = cpu(f"/proc/{pid}/stat")
            if seconds is not None:
                last_backends[pid] = seconds
    time.sleep(0.05)
elapsed = time.time() - start
report.seek(0)
output = report.read()
if process.returncode != 0:
    sys.exit(f"{label}: import failed ({process.returncode}):\n{output}")
rss = int(open(f"{results}.rss").read().split()[-1]) / 1024
engine = sum(s for name, s in last_threads.values() if name.startswith("sqlx-sqlite"))
own = sum(s for name, s in last_threads.values() if not name.startswith("sqlx-sqlite"))
engine += sum(last_backends.values())
per_item = lambda s: s / n * 1e6
ceiling = n / engine if engine else float("inf")
rate = n / elapsed
print(f"{label:<9} {n} items in {elapsed:6.1f} s: {rate:8,.0f} items/s, peak RSS {rss:4.0f} MB; "
      f"CPU per item: chasqui {per_item(own):5.0f} µs, engine {per_item(engine):5.0f} µs "
      f"(engine ceiling {ceiling:8,.0f} items/s)")
print("          " + output.strip().splitlines()[-1][:200])
with open(results, "a") as f:
    f.write(f"{label} {rate} {rss} {per_item(own)} {per_item(engine)} {ceiling}\n")
