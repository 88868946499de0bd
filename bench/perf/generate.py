#!/usr/bin/env python3
"""Writes a deterministic synthetic register as a chasqui dump (NDJSON, one
`{"table": …, "row": {…}}` per line, the format of `chasqui export`), to standard output.

    bench/perf/generate.py [--seed 6] [--news 50000] > data.ndjson

The default scale is the one of the performance issue: 1,000 locations (Peru, 25
regions, 200 provinces, 774 districts), 5,000 actors, 10,000 cases (one placement and
one status change each), 30,000 actor roles, 50,000 news items, 100,000 confirmed
news→case links and 50,000 events. `--news 1000000` is the memory-scale run.

Every row is PUBLIC and not archived, so what chasqui shows an anonymous reader is the
whole table, as it is for PostGraphile reading the same tables. Ids grow with dates
(news items by publication day, events by day, links by their item's day), so "newest
first" is `ORDER BY date DESC, id DESC` on either side, with the same tie-break.
"""

import argparse
import datetime as dt
import json
import random
import sys

CASE_KINDS = ["MINE", "OIL_AND_GAS", "INFRASTRUCTURE", "DECREE", "COURT_CASE", "CAMPAIGN",
              "INVESTIGATION", "OTHER"]
STATUSES = ["ACTIVE", "LATENT", "RESOLVED", "WITHDRAWN"]
PHASES = ["EARLY", "ESCALATION", "CRISIS", "DE_ESCALATION", "DIALOGUE"]
CONFLICT_TYPES = ["SOCIO_ENVIRONMENTAL", "LOCAL_GOVERNMENT", "REGIONAL_GOVERNMENT", "LABOUR",
                  "COMMUNAL"]
ACTOR_KINDS = ["PERSON", "COMPANY", "STATE_BODY", "COMMUNITY", "NGO", "UNION"]
ACTOR_ROLES = ["OPERATOR", "AFFECTED_COMMUNITY", "AUTHORITY", "MEDIATOR", "ORGANISER",
               "SUPPORTER", "OPPONENT"]
EVENT_KINDS = ["PROTEST", "STRIKE", "BLOCKADE", "VIOLENCE", "DIALOGUE", "AGREEMENT", "ANNOUNCEMENT"]
UPDATE_KINDS = ["DEVELOPMENT", "BACKGROUND"]
WORDS = ("water mine road strike community copper river dialogue protest permit company "
         "district council blockade valley farmers court decree project talks police").split()

STAMP = "2026-01-01T00:00:00.000000Z"
FIRST_DAY = dt.date(2010, 1, 1)
DAYS = (dt.date(2025, 12, 31) - FIRST_DAY).days


def day(n):
    return (FIRST_DAY + dt.timedelta(days=n)).isoformat()


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def emit(table, row):
    sys.stdout.write(json.dumps({"table": table, "row": row}, separators=(",", ":")))
    sys.stdout.write("\n")


def record(row):
    """The columns every versioned record has."""
    row.update({"visibility": "PUBLIC", "version": 1, "archived_at": None,
                "created_at": STAMP, "updated_at": STAMP})
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--actors", type=int, default=5_000)
    parser.add_argument("--roles", type=int, default=30_000)
    parser.add_argument("--news", type=int, default=50_000)
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    # Locations: Peru, 25 regions (codes "01".."25"), 200 provinces, 774 districts.
    districts = []
    emit("locations", record({"id": 1, "code": "PE", "name": "Peru", "level": "COUNTRY",
                              "parent_id": None, "path": "/1/", "latitude": -9.19,
                              "longitude": -75.02, "geometry": None}))
    next_id = 2
    regions = []
    for r in range(25):
        regions.append((next_id, f"{r + 1:02d}"))
        emit("locations", record({"id": next_id, "code": f"{r + 1:02d}", "name": f"Region {r + 1}",
                                  "level": "REGION", "parent_id": 1, "path": f"/1/{next_id}/",
                                  "latitude": round(-3.5 - r * 0.6, 4),
                                  "longitude": round(-81.0 + r * 0.4, 4), "geometry": None}))
        next_id += 1
    provinces = []
    for p in range(200):
        region_id, region_code = regions[p % 25]
        code = f"{region_code}{p // 25 + 1:02d}"
        provinces.append((next_id, code, f"/1/{region_id}/{next_id}/"))
        emit("locations", record({"id": next_id, "code": code, "name": f"Province {code}",
                                  "level": "PROVINCE", "parent_id": region_id,
                                  "path": f"/1/{region_id}/{next_id}/",
                                  "latitude": round(rng.uniform(-18, -0.5), 4),
                                  "longitude": round(rng.uniform(-81, -69), 4), "geometry": None}))
        next_id += 1
    for d in range(774):
        province_id, province_code, province_path = provinces[d % 200]
        code = f"{province_code}{d // 200 + 1:02d}"
        districts.append(next_id)
        emit("locations", record({"id": next_id, "code": code, "name": f"District {code}",
                                  "level": "DISTRICT", "parent_id": province_id,
                                  "path": f"{province_path}{next_id}/",
                                  "latitude": round(rng.uniform(-18, -0.5), 4),
                                  "longitude": round(rng.uniform(-81, -69), 4), "geometry": None}))
        next_id += 1

    for a in range(1, args.actors + 1):
        emit("actors", record({"id": a, "slug": f"actor-{a}", "name": f"Actor {a} {words(rng, 2)}",
                               "kind": rng.choice(ACTOR_KINDS),
                               "description": words(rng, 12)}))

    # Cases first in memory: their last activity is derived from what is dated in them.
    cases = []
    for c in range(1, args.cases + 1):
        started = rng.randrange(DAYS // 2)
        cases.append({"id": c, "slug": f"case-{c}", "kind": rng.choice(CASE_KINDS),
                      "title": f"Case {c}: {words(rng, 4)}", "summary": words(rng, 30),
                      "status": rng.choice(STATUSES), "phase": rng.choice(PHASES),
                      "conflict_type": rng.choice(CONFLICT_TYPES), "started_on": day(started),
                      "started_precision": "DAY", "last_activity_on": started, "details": "{}"})
    placements = [(c["id"], rng.choice(districts)) for c in cases]
    status_days = [rng.randrange(c["last_activity_on"], DAYS) for c in cases]

    news_days = sorted(rng.randrange(DAYS) for _ in range(args.news))
    events = sorted((rng.randrange(DAYS), rng.randrange(args.cases) + 1) for _ in range(args.events))
    links = set()
    while len(links) < args.links:
        links.add((rng.randrange(args.news) + 1, rng.randrange(args.cases) + 1))
    links = sorted(links)

    for news_id, case_id in links:
        c = cases[case_id - 1]
        c["last_activity_on"] = max(c["last_activity_on"], news_days[news_id - 1])
    for occurred, case_id in events:
        c = cases[case_id - 1]
        c["last_activity_on"] = max(c["last_activity_on"], occurred)
    for c, status_day in zip(cases, status_days):
        c["last_activity_on"] = day(max(c["last_activity_on"], status_day))
        emit("cases", record(c))

    for case_id, location_id in placements:
        emit("case_locations", {"id": case_id, "case_id": case_id, "location_id": location_id,
                                "precision": "DISTRICT"})
    role_id = 0
    per_case = args.roles // args.cases
    for c in cases:
        for actor_id in rng.sample(range(1, args.actors + 1), per_case):
            role_id += 1
            emit("case_actors", {"id": role_id, "case_id": c["id"], "actor_id": actor_id,
                                 "role": rng.choice(ACTOR_ROLES), "started_on": c["started_on"],
                                 "started_precision": "DAY", "ended_on": None,
                                 "ended_precision": None, "note": None, "visibility": "PUBLIC"})
    for n, published in enumerate(news_days, start=1):
        emit("news_items", record({"id": n, "title": f"News {n}: {words(rng, 6)}",
                                   "published_on": day(published), "published_precision": "DAY",
                                   "summary": words(rng, 25), "body": None,
                                   "url": f"https://news.example.org/{n}",
                                   "publisher": f"Publisher {n % 40}", "language": "es"}))
    for e, (occurred, case_id) in enumerate(events, start=1):
        emit("events", record({"id": e, "case_id": case_id, "kind": rng.choice(EVENT_KINDS),
                               "title": f"Event {e}: {words(rng, 4)}",
                               "description": words(rng, 15), "occurred_on": day(occurred),
                               "occurred_precision": "DAY", "ended_on": None,
                               "ended_precision": None,
                               "location_id": placements[case_id - 1][1],
                               "deaths": None, "injuries": None}))
    for c, status_day in zip(cases, status_days):
        emit("status_changes", {"id": c["id"], "case_id": c["id"], "status": c["status"],
                                "phase": c["phase"], "occurred_on": day(status_day),
                                "occurred_precision": "DAY", "news_item_id": None,
                                "source_url": None, "note": None, "created_at": STAMP,
                                "visibility": "PUBLIC"})
    for link_id, (news_id, case_id) in enumerate(links, start=1):
        emit("news_links", {"id": link_id, "news_item_id": news_id, "case_id": case_id,
                            "update_kind": rng.choice(UPDATE_KINDS), "reported_status": None,
                            "status_change_id": None, "event_id": None, "note": None,
                            "state": "CONFIRMED", "confidence": None, "matched_terms": None,
                            "visibility": "PUBLIC", "created_at": STAMP, "updated_at": STAMP})


if __name__ == "__main__":
    main()
