#!/usr/bin/env python3
"""chasqui against PostGraphile 4.14.1 on the same data, side by side.

    bench/perf/run                      # the full run: 5 rounds of 10 s after 3 s warm-up
    bench/perf/run --quick              # 1 round of 2 s: to try the harness
    bench/perf/run --news 1000000       # the memory-scale data set

Steps: generate the seeded data set (generate.py) → load it into a SQLite file and a
PostgreSQL database with `chasqui import --format dump` → add the peer's indexes and
functions (peer/peer.sql) → start chasqui (release build) on PostgreSQL and on SQLite,
and PostGraphile on the same PostgreSQL database → check that both answer the same data
for 50 seeded case ids (and every region), with no `errors` → capture the SQL of one
request of each (log_statement) and run chasqui's in pgbench for the database's own
ceiling → drive each server with wrk, alternating servers, for each query → print the
table (medians over rounds). Raw figures go to bench/perf/work/results-*.json.
"""

import argparse
import base64
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WORK = HERE / "work"
PEER = HERE / "peer"
QUERIES = HERE / "queries"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PG_ADMIN = os.environ.get("CHASQUI_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
PG_BASE = PG_ADMIN.rsplit("/", 1)[0]


def served_url(db):
    """The URL the measured clients use. PostGraphile's driver (node-postgres) connects
    without TLS unless told to; libpq and sqlx prefer TLS when the server offers it (a
    Debian server does), which costs both ends CPU on every statement. Every side of the
    comparison connects without TLS: loopback, as PostGraphile does."""
    return f"{PG_BASE}/{db}?sslmode=disable"
QUERY_NAMES = ["case-detail", "timeline", "region-map"]
REGIONS = [f"{r:02d}" for r in range(1, 26)]


def say(*parts):
    print(*parts, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, **kw)


def psql(db, sql, admin=False):
    url = PG_ADMIN if admin else f"{PG_BASE}/{db}"
    out = run(["psql", url, "-qtAX", "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True)
    return out.stdout.strip()


# ---------------------------------------------------------------- data


def prepare_data(args):
    """The dump file, the SQLite file and the PostgreSQL database; reused when present."""
    WORK.mkdir(exist_ok=True)
    tag = f"s{args.seed}-n{args.news}"
    dump = WORK / f"data-{tag}.ndjson"
    if not dump.exists():
        say(f"generating {dump.name}")
        with open(f"{dump}.part", "w") as out:
            run([sys.executable, str(HERE / "generate.py"), "--seed", str(args.seed),
                 "--news", str(args.news)], stdout=out)
        os.replace(f"{dump}.part", dump)
    sqlite = WORK / f"chasqui-{tag}.db"
    if not sqlite.exists():
        say(f"loading {dump.name} into SQLite")
        started = time.monotonic()
        part = WORK / f"loading-{tag}.db"
        for leftover in WORK.glob(f"loading-{tag}.db*"):
            leftover.unlink()
        run([str(args.binary), "import", "--format", "dump", str(dump),
             "--database-url", f"sqlite://{part}?mode=rwc"], stdout=subprocess.DEVNULL)
        for suffix in ["", "-wal", "-shm"]:
            if Path(f"{part}{suffix}").exists():
                os.replace(f"{part}{suffix}", f"{sqlite}{suffix}")
        say(f"  SQLite loaded in {time.monotonic() - started:.0f} s")
    # The import leaves its pages in the write-ahead log; copy them into the database file,
    # as a server that has run for a while would have, so that reads do not look them up in
    # a log of the whole import.
    conn = sqlite3.connect(sqlite)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    db = f"chasqui_perf_{tag.replace('-', '_')}"
    loaded = psql(None, f"SELECT 1 FROM pg_database WHERE datname = '{db}'", admin=True)
    if loaded and psql(db, "SELECT to_regproc('cases_in_region') IS NOT NULL") == "t":
        return dump, sqlite, db
    say(f"loading {dump.name} into PostgreSQL database {db}")
    started = time.monotonic()
    psql(None, f"DROP DATABASE IF EXISTS {db}", admin=True)
    psql(None, f"CREATE DATABASE {db}", admin=True)
    run([str(args.binary), "import", "--format", "dump", str(dump),
         "--database-url", f"{PG_BASE}/{db}"], stdout=subprocess.DEVNULL)
    run(["psql", f"{PG_BASE}/{db}", "-qX", "-v", "ON_ERROR_STOP=1", "-f", str(PEER / "peer.sql")],
        stdout=subprocess.DEVNULL)
    run(["psql", f"{PG_BASE}/{db}", "-qX", "-c", "VACUUM ANALYZE"], stdout=subprocess.DEVNULL)
    say(f"  PostgreSQL loaded in {time.monotonic() - started:.0f} s")
    return dump, sqlite, db


# ---------------------------------------------------------------- servers


class Server:
    def __init__(self, name, cmd, port, env=None, cwd=None):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}/graphql"
        log = open(WORK / f"{name}.log", "w")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
                                     env={**os.environ, **(env or {})}, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                post(self.url, {"query": "{ __typename }"})
                break
            except (OSError, urllib.error.URLError):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{name} did not start: see {WORK / (name + '.log')}")
                time.sleep(0.2)

    def pids(self):
        """The server process and its descendants."""
        children = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def rss_mb(self):
        """RSS now, its peak, and PSS now, in MB. A page of a file mapped more than once
        (SQLite maps the database once per connection) counts once per mapping in RSS and
        once in all in PSS, which is what the process costs the machine."""
        total = {"VmRSS": 0, "VmHWM": 0, "Pss": 0}
        for pid in self.pids():
            for name in ["status", "smaps_rollup"]:
                try:
                    for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                        key = line.split(":")[0]
                        if key in total:
                            total[key] += int(line.split()[1])
                except OSError:
                    pass
        return total["VmRSS"] / 1024, total["VmHWM"] / 1024, total["Pss"] / 1024

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def chasqui_server(args, name, url, port, binary=None):
    return Server(name, [str(binary or args.binary), "serve", "--database-url", url,
                         "--listen", f"127.0.0.1:{port}", "--rate-limit-per-minute", "0"]
                  + args.chasqui_flag, port, env={"RUST_LOG": "warn"})


def peer_server(db, port):
    return Server("postgraphile", [str(PEER / "node_modules/.bin/postgraphile"),
                                   "-c", f"{PG_BASE}/{db}", "-s", "public",
                                   "--host", "127.0.0.1", "--port", str(port),
                                   "--disable-query-log",
                                   "--append-plugins", "@graphile-contrib/pg-simplify-inflector"],
                  port, env={"NODE_ENV": "production"}, cwd=PEER)


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json",
                                              "accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def cpu_sample(pids):
    """utime+stime in ms of each process, keyed by (pid, start time) so that a process
    that ends during a run, and a new one that reuses its pid, are not subtracted."""
    sample = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            sample[(pid, fields[19])] = (int(fields[11]) + int(fields[12])) * 1000 / CLK_TCK
        except OSError:
            pass
    return sample


def cpu_ms(before, pids):
    """CPU used since `before` by the processes that lived through the whole run."""
    after = cpu_sample(pids)
    return sum(after[key] - before[key] for key in after if key in before)


def backend_pids(db):
    out = psql(None, f"SELECT pid FROM pg_stat_activity WHERE datname = '{db}'", admin=True)
    return [int(p) for p in out.split()]


# ---------------------------------------------------------------- queries


def document(side, name):
    return (QUERIES / f"{side}-{name}.graphql").read_text()


def global_id(kind, row_id):
    return base64.urlsafe_b64encode(f"{kind}:{row_id}".encode()).decode().rstrip("=")


def row_id(global_id_text):
    padded = global_id_text + "=" * (-len(global_id_text) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().split(":", 1)[1])


def bodies(side, name, keys):
    """The POST bodies for one query, one per key (case id or region code)."""
    query = document(side, name)
    out = []
    for key in keys:
        if name == "region-map":
            variables = {"region": key}
        elif side == "chasqui":
            variables = {"id": global_id("Case", key)}
        else:
            variables = {"id": str(key)}
        out.append({"query": query, "variables": variables})
    return out


def normalise(side, name, data):
    """Either server's answer in one shape, so the two can be compared."""
    if name == "region-map":
        if side == "chasqui":
            return [(row_id(c["id"]), c["slug"], c["title"], c["status"],
                     [(row_id(p["location"]["id"]), p["location"]["name"],
                       p["location"]["latitude"], p["location"]["longitude"])
                      for p in c["locations"]]) for c in data["cases"]["nodes"]]
        return [(int(c["id"]), c["slug"], c["title"], c["status"],
                 [(int(p["location"]["id"]), p["location"]["name"], p["location"]["latitude"],
                   p["location"]["longitude"]) for p in c["caseLocations"]["nodes"]])
                for c in data["casesInRegion"]["nodes"]]
    case = data["case"]
    if case is None:
        return None
    if name == "timeline":
        if side == "chasqui":
            kinds = {"Event": "EVENT", "NewsLink": "NEWS", "StatusChange": "STATUS"}
            return [(kinds[n["__typename"]], row_id(n["id"]), n["date"]["value"],
                     n.get("title") or n.get("status") or n["newsItem"]["title"])
                    for n in case["timeline"]["nodes"]]
        return [(n["kind"], int(n["id"]), n["date"], n["title"])
                for n in case["timeline"]["nodes"]]
    if side == "chasqui":
        return {
            "case": (row_id(case["id"]), case["slug"], case["kind"], case["title"],
                     case["summary"], case["status"], (case["startedOn"] or {}).get("value")),
            "locations": [(p["precision"], row_id(p["location"]["id"]), p["location"]["code"],
                           p["location"]["name"], p["location"]["latitude"],
                           p["location"]["longitude"]) for p in case["locations"]],
            "events": [(row_id(e["id"]), e["kind"], e["title"], e["date"]["value"])
                       for e in case["events"]["nodes"]],
            "actors": [(r["role"], row_id(r["actor"]["id"]), r["actor"]["name"],
                        r["actor"]["kind"]) for r in case["actors"]][:20],
            "news": [(row_id(l["id"]), l["updateKind"], row_id(l["newsItem"]["id"]),
                      l["newsItem"]["title"], l["newsItem"]["url"], l["newsItem"]["publisher"],
                      l["newsItem"]["date"]["value"]) for l in case["newsItems"]["nodes"]],
        }
    return {
        "case": (int(case["id"]), case["slug"], case["kind"], case["title"], case["summary"],
                 case["status"], case["startedOn"]),
        "locations": [(p["precision"], int(p["location"]["id"]), p["location"]["code"],
                       p["location"]["name"], p["location"]["latitude"],
                       p["location"]["longitude"]) for p in case["caseLocations"]["nodes"]],
        "events": [(int(e["id"]), e["kind"], e["title"], e["occurredOn"])
                   for e in case["events"]["nodes"]],
        "actors": [(r["role"], int(r["actor"]["id"]), r["actor"]["name"], r["actor"]["kind"])
                   for r in case["caseActors"]["nodes"]],
        "news": [(int(l["id"]), l["updateKind"], int(l["newsItem"]["id"]),
                  l["newsItem"]["title"], l["newsItem"]["url"], l["newsItem"]["publisher"],
                  l["newsItem"]["publishedOn"]) for l in case["newsLinks"]["nodes"]],
    }


def check_same_answers(servers, peer, case_ids):
    """Every chasqui server and the peer answer the same data, without `errors`."""
    checked = 0
    for name in QUERY_NAMES:
        keys = REGIONS if name == "region-map" else case_ids
        expected = [normalise("peer", name, answer(peer, body))
                    for body in bodies("peer", name, keys)]
        if name != "region-map" and any(e is None for e in expected):
            raise SystemExit(f"the peer found no case for some of {keys}")
        for server in servers:
            for key, body, want in zip(keys, bodies("chasqui", name, keys), expected):
                got = normalise("chasqui", name, answer(server, body))
                if got != want:
                    raise SystemExit(f"{server.name} and PostGraphile differ on {name} for "
                                     f"{key}:\n chasqui: {got}\n peer:    {want}")
                checked += 1
    non_empty = [normalise("peer", "case-detail", answer(peer, b))
                 for b in bodies("peer", "case-detail", case_ids[:5])]
    if not all(n["events"] and n["news"] and n["actors"] for n in non_empty):
        raise SystemExit("the checked cases have no events, news or actors: check the data")
    return checked


def answer(server, body):
    response = post(server.url, body)
    if response.get("errors"):
        raise SystemExit(f"{server.name} answered errors for {body['variables']}: "
                         f"{response['errors']}")
    return response["data"]


# ---------------------------------------------------------------- statements and ceiling


def pg_log_file():
    if os.environ.get("PERF_PG_LOG"):
        return Path(os.environ["PERF_PG_LOG"])
    logs = sorted(Path("/var/log/postgresql").glob("*.log"), key=lambda p: p.stat().st_mtime)
    if not logs:
        raise SystemExit("no PostgreSQL log found: set PERF_PG_LOG to the server's log file")
    return logs[-1]


def capture_statements(db, start, body, log):
    """The SQL one request runs, from PostgreSQL's `log_statement`, with its parameters
    written in. Sets log_statement for new sessions of the database, starts the server,
    sends one request to warm up and one to capture."""
    psql(None, f"ALTER DATABASE {db} SET log_statement = 'all'", admin=True)
    try:
        server = start()
        try:
            post(server.url, body)
            time.sleep(0.5)
            offset = log.stat().st_size
            post(server.url, body)
            time.sleep(1.0)
            with open(log, errors="replace") as f:
                f.seek(offset)
                text = f.read()
        finally:
            server.stop()
    finally:
        psql(None, f"ALTER DATABASE {db} RESET log_statement", admin=True)
    # Entries start with the log_line_prefix; a statement may span lines.
    entries, current = [], None
    for line in text.splitlines():
        head = re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.\d]* \w+ \[\d+\] (\S*)@(\S*) (\w+):  (.*)$",
                        line)
        if head:
            current = [head.group(2), head.group(3), head.group(4)]
            entries.append(current)
        elif current is not None:
            current[2] += "\n" + line
    statements = []
    for database, level, message in entries:
        if database != db:
            continue
        found = re.match(r"(?:statement|execute [^:]*): (.*)", message, re.S)
        if level == "LOG" and found:
            statements.append([found.group(1), {}])
        elif level == "DETAIL" and message.startswith("parameters:") and statements:
            for number, value in re.findall(r"\$(\d+) = ('(?:[^']|'')*'|NULL)", message):
                statements[-1][1][int(number)] = value
    sql = []
    for text, params in statements:
        for number in sorted(params, reverse=True):
            text = text.replace(f"${number}", params[number])
        sql.append(text.strip().rstrip(";"))
    return sql


def pgbench_ceiling(db, sql, name, args):
    """Transactions per second of these statements run back to back by 16 clients."""
    script = WORK / f"{name}.pgbench.sql"
    script.write_text("".join(f"{s};\n" for s in sql))
    out = run(["pgbench", "-n", "-M", "prepared", "-c", str(args.connections), "-j", "2",
               "-T", str(args.duration), "-f", str(script), served_url(db)],
              capture_output=True).stdout
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    return {"tps": float(tps.group(1)) if tps else None,
            "latency_ms": float(latency.group(1)) if latency else None}


# ---------------------------------------------------------------- load


def wrk(server, bodies_file, seconds, connections, db=None):
    threads = min(2, connections)
    server_pids = server.pids()
    backends = backend_pids(db) if db else []
    cpu_server, cpu_pg = cpu_sample(server_pids), cpu_sample(backends)
    out = run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
               "-s", str(HERE / "post.lua"), server.url.rsplit("/", 1)[0]],
              capture_output=True, env={**os.environ, "PERF_BODIES": str(bodies_file)}).stdout
    cpu_server = cpu_ms(cpu_server, server_pids)
    cpu_pg = cpu_ms(cpu_pg, backends)
    found = re.search(r"^PERF (.*)$", out, re.M)
    if not found:
        raise SystemExit(f"wrk printed no result:\n{out}")
    result = json.loads(found.group(1))
    requests = max(result["requests"], 1)
    return {
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "server_cpu_ms": cpu_server / requests,
        "pg_cpu_ms": cpu_pg / requests if db else None,
        "non_2xx": result["non_2xx"],
        "socket_errors": result["socket_errors"],
    }


def median(rounds, key):
    values = [r[key] for r in rounds if r.get(key) is not None]
    return statistics.median(values) if values else None


# ---------------------------------------------------------------- table


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def print_table(results, args):
    print()
    print(f"chasqui vs PostGraphile 4.14.1: {args.news:,} news items, {args.rounds} round(s) of "
          f"{args.duration} s after {args.warmup} s warm-up, {args.connections} connections, "
          f"medians over rounds")
    header = (f"{'query':<12} {'server':<16} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'srv CPU ms/req':>14} {'PG CPU ms/req':>13} {'SQL/req':>7} {'vs peer':>8} "
              f"{'vs ceiling':>10}")
    print(header)
    print("-" * len(header))
    for name, rows in results["load"].items():
        peer_rps = median(rows["postgraphile"], "rps")
        for server, rounds in rows.items():
            rps = median(rounds, "rps")
            statements = results["statements"].get(server, {}).get(name)
            ceiling = results["ceiling"].get(name, {}).get("tps") if server == "chasqui-pg" else None
            if server == "postgraphile" and name in results["peer_ceiling"]:
                ceiling = results["peer_ceiling"][name].get("tps")
            print(f"{name:<12} {server:<16} {fmt(rps, ',.0f'):>8} "
                  f"{fmt(median(rounds, 'p50_ms'), '.2f'):>7} {fmt(median(rounds, 'p99_ms'), '.2f'):>7} "
                  f"{fmt(median(rounds, 'server_cpu_ms'), '.3f'):>14} "
                  f"{fmt(median(rounds, 'pg_cpu_ms'), '.3f'):>13} "
                  f"{fmt(statements, 'd'):>7} "
                  f"{fmt(rps / peer_rps if server != 'postgraphile' and peer_rps else None, '.2f'):>8} "
                  f"{fmt(rps / ceiling if ceiling else None, '.2f'):>10}")
        if name in results["ceiling"]:
            c = results["ceiling"][name]
            print(f"{name:<12} {'pgbench ceiling':<16} {fmt(c['tps'], ',.0f'):>8}   "
                  f"(chasqui's {results['statements']['chasqui-pg'][name]} statements, -M prepared, "
                  f"{args.connections} clients; average latency {fmt(c['latency_ms'], '.2f')} ms)")
        if name in results["peer_ceiling"]:
            c = results["peer_ceiling"][name]
            print(f"{name:<12} {'pgbench (peer)':<16} {fmt(c['tps'], ',.0f'):>8}   "
                  f"(PostGraphile's {results['statements']['postgraphile'][name]} statement(s))")
        print()
    print("one client (case detail, 1 connection):")
    for server, rounds in results["one_client"].items():
        print(f"  {server:<16} p50 {fmt(median(rounds, 'p50_ms'), '.3f')} ms, "
              f"p99 {fmt(median(rounds, 'p99_ms'), '.3f')} ms, {fmt(median(rounds, 'rps'), ',.0f')} req/s")
    print("server memory after the run (RSS now / peak; PSS now):")
    for server, (rss, peak, *pss) in results["rss_mb"].items():
        pss = f"; {pss[0]:.0f} MB" if pss else ""
        print(f"  {server:<16} {rss:.0f} MB / {peak:.0f} MB{pss}")
    bad = [(q, s) for q, rows in results["load"].items() for s, rounds in rows.items()
           if any(r["non_2xx"] or r["socket_errors"] for r in rounds)]
    if bad:
        print(f"WARNING: non-2xx responses or socket errors in {bad}")


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s after 1 s warm-up")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--news", type=int, default=50_000, help="news items (1000000: memory scale)")
    parser.add_argument("--queries", default=",".join(QUERY_NAMES))
    parser.add_argument("--no-build", action="store_true", help="use target/release/chasqui as it is")
    parser.add_argument("--binary", type=Path,
                        help="the chasqui binary to measure (default: the release build)")
    parser.add_argument("--baseline", type=Path,
                        help="another chasqui binary (say, main's release build) to measure in "
                             "the same rounds, as base-pg and base-sqlite")
    parser.add_argument("--chasqui-flag", action="append", default=[],
                        help="extra flag for `chasqui serve` (a lever), repeatable")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration, args.warmup = 1, 2, 1
    queries = [q for q in args.queries.split(",") if q]
    for tool in ["wrk", "pgbench", "psql"]:
        if not shutil.which(tool):
            raise SystemExit(f"`{tool}` is missing: apt-get install -y wrk postgresql-client")
    if not (PEER / "node_modules/.bin/postgraphile").exists():
        say("installing PostGraphile (npm ci)")
        run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER, stdout=subprocess.DEVNULL)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    if args.binary is None:
        args.binary = target / "release" / "chasqui"
    elif not args.no_build:
        args.no_build = True
    if not args.no_build:
        say("cargo build --release")
        run(["cargo", "build", "--release", "-q"], cwd=ROOT)

    dump, sqlite, db = prepare_data(args)
    cases = int(psql(db, "SELECT count(*) FROM cases"))
    rng = random.Random(args.seed)
    checked_ids = rng.sample(range(1, cases + 1), 50)
    load_ids = [rng.randrange(1, cases + 1) for _ in range(1000)]
    load_regions = [rng.choice(REGIONS) for _ in range(1000)]
    results = {"args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
               "statements": {"chasqui-pg": {}, "postgraphile": {}}, "ceiling": {},
               "peer_ceiling": {}, "load": {}, "one_client": {}, "rss_mb": {}}
    ports = {"chasqui-pg": 18181, "chasqui-sqlite": 18182, "postgraphile": 18183}
    start = {
        "chasqui-pg": lambda: chasqui_server(args, "chasqui-pg", served_url(db), ports["chasqui-pg"]),
        "chasqui-sqlite": lambda: chasqui_server(args, "chasqui-sqlite", f"sqlite://{sqlite}?mode=rw",
                                                 ports["chasqui-sqlite"]),
        "postgraphile": lambda: peer_server(db, ports["postgraphile"]),
    }
    chasqui_names = ["chasqui-pg", "chasqui-sqlite"]
    if args.baseline:
        ports.update({"base-pg": 18184, "base-sqlite": 18185})
        start["base-pg"] = lambda: chasqui_server(args, "base-pg", served_url(db),
                                                  ports["base-pg"], args.baseline)
        start["base-sqlite"] = lambda: chasqui_server(args, "base-sqlite",
                                                      f"sqlite://{sqlite}?mode=rw",
                                                      ports["base-sqlite"], args.baseline)
        chasqui_names += ["base-pg", "base-sqlite"]

    log = pg_log_file()
    for name in queries:
        key = load_regions[0] if name == "region-map" else load_ids[0]
        for server, side in [("chasqui-pg", "chasqui"), ("postgraphile", "peer")]:
            sql = capture_statements(db, start[server], bodies(side, name, [key])[0], log)
            results["statements"][server][name] = len(sql)
            (WORK / f"{server}-{name}.sql").write_text("".join(f"{s};\n" for s in sql))
        say(f"{name}: chasqui runs {results['statements']['chasqui-pg'][name]} statements, "
            f"PostGraphile {results['statements']['postgraphile'][name]}")

    servers = {name: start[name]() for name in chasqui_names + ["postgraphile"]}
    try:
        checked = check_same_answers([servers[name] for name in chasqui_names],
                                     servers["postgraphile"], checked_ids)
        say(f"same answers: {checked} responses compared, no errors")
        for name in queries:
            for server, side in [("chasqui-pg", "chasqui"), ("postgraphile", "peer")]:
                sql = (WORK / f"{server}-{name}.sql").read_text().rstrip("\n").split(";\n")
                say(f"pgbench: {server} SQL of {name}")
                outcome = pgbench_ceiling(db, sql, f"{server}-{name}", args)
                results["ceiling" if server == "chasqui-pg" else "peer_ceiling"][name] = outcome
        order = list(servers)
        for name in queries:
            keys = load_regions if name == "region-map" else load_ids
            files = {}
            for side in ["chasqui", "peer"]:
                files[side] = WORK / f"bodies-{side}-{name}.ndjson"
                files[side].write_text("".join(json.dumps(b) + "\n" for b in bodies(side, name, keys)))
            results["load"][name] = {s: [] for s in order}
            for round_number in range(args.rounds):
                # Alternate: each round starts with a different server.
                turn = order[round_number % len(order):] + order[:round_number % len(order)]
                for server in turn:
                    side = "peer" if server == "postgraphile" else "chasqui"
                    pg = None if server.endswith("-sqlite") else db
                    wrk(servers[server], files[side], args.warmup, args.connections)
                    outcome = wrk(servers[server], files[side], args.duration, args.connections, pg)
                    results["load"][name][server].append(outcome)
                    say(f"{name} round {round_number + 1} {server}: {outcome['rps']:,.0f} req/s, "
                        f"p50 {outcome['p50_ms']:.2f} ms, p99 {outcome['p99_ms']:.2f} ms")
        if "case-detail" in queries:
            for server in order:
                side = "peer" if server == "postgraphile" else "chasqui"
                results["one_client"][server] = [
                    wrk(servers[server], WORK / f"bodies-{side}-case-detail.ndjson",
                        max(2, args.duration // 2), 1)
                    for _ in range(args.rounds)]
        for server in order:
            results["rss_mb"][server] = servers[server].rss_mb()
    finally:
        for server in servers.values():
            server.stop()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    (WORK / f"results-{stamp}.json").write_text(json.dumps(results, indent=1))
    print_table(results, args)


if __name__ == "__main__":
    main()
