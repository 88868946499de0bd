//! Event analytics: `events(filter:)` by period, actor and case status, and
//! `eventStats(groupBy:)`, checked against numbers this file computes on its own from the
//! records it writes, for an anonymous caller and a viewer. Restricted events, a
//! restricted case's events, a restricted actor, a restricted site and a restricted
//! department are among the records, so that the test shows they never move a public
//! number.

use crate::app::{Engine, TestApp};
use crate::both_engines;
use chasqui_entities::{EventKind, PartialDate};
use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A place: its code, level, parent (code), point, whether it is restricted, and the
/// department it lies in (written out here, not derived: the test's own geography).
struct Place {
    code: &'static str,
    level: &'static str,
    parent: Option<&'static str>,
    point: Option<(f64, f64)>,
    restricted: bool,
    department: Option<&'static str>,
}

const PLACES: &[Place] = &[
    Place {
        code: "03",
        level: "REGION",
        parent: None,
        point: None,
        restricted: false,
        department: Some("03"),
    },
    Place {
        code: "0305",
        level: "PROVINCE",
        parent: Some("03"),
        point: None,
        restricted: false,
        department: Some("03"),
    },
    Place {
        code: "SITE-OPEN",
        level: "SITE",
        parent: Some("0305"),
        point: None,
        restricted: false,
        department: Some("03"),
    },
    Place {
        code: "SITE-HIDDEN",
        level: "SITE",
        parent: Some("0305"),
        point: None,
        restricted: true,
        department: Some("03"),
    },
    // Its shape is given below; a site without a parent inside it lies in it.
    Place {
        code: "08",
        level: "REGION",
        parent: None,
        point: None,
        restricted: false,
        department: Some("08"),
    },
    Place {
        code: "SITE-FREE",
        level: "SITE",
        parent: None,
        point: Some((-13.5, -71.5)),
        restricted: false,
        department: Some("08"),
    },
    // A restricted department with a public province.
    Place {
        code: "99",
        level: "REGION",
        parent: None,
        point: None,
        restricted: true,
        department: Some("99"),
    },
    Place {
        code: "9901",
        level: "PROVINCE",
        parent: Some("99"),
        point: None,
        restricted: false,
        department: Some("99"),
    },
];

/// The shape of department 08 (lon/lat).
fn shape_08() -> Value {
    json!({"type": "Polygon", "coordinates": [[[-72.0, -14.0], [-71.0, -14.0], [-71.0, -13.0],
        [-72.0, -13.0], [-72.0, -14.0]]]})
}

/// Actors: slug and whether restricted.
const ACTORS: &[(&str, bool)] = &[
    ("comunidad-a", false),
    ("empresa-b", false),
    ("hidden-actor", true),
];

/// Cases: slug, current status, whether restricted.
const CASES: &[(&str, &str, bool)] = &[
    ("mine-one", "ACTIVE", false),
    ("mine-two", "LATENT", false),
    ("hidden-mine", "ACTIVE", true),
];

struct Ev {
    case: usize,
    kind: EventKind,
    date: &'static str,
    end: Option<&'static str>,
    place: Option<&'static str>,
    actors: &'static [&'static str],
    deaths: Option<i32>,
    injuries: Option<i32>,
    restricted: bool,
}

const EVENTS: &[Ev] = &[
    Ev {
        case: 0,
        kind: EventKind::Protest,
        date: "2017-02-18",
        end: None,
        place: Some("SITE-OPEN"),
        actors: &["comunidad-a"],
        deaths: Some(1),
        injuries: Some(4),
        restricted: false,
    },
    Ev {
        case: 0,
        kind: EventKind::Strike,
        date: "2017-02",
        end: Some("2017-03-05"),
        place: Some("0305"),
        actors: &["comunidad-a", "empresa-b"],
        deaths: None,
        injuries: Some(2),
        restricted: false,
    },
    Ev {
        case: 1,
        kind: EventKind::Blockade,
        date: "2017-04-02",
        end: None,
        place: Some("SITE-FREE"),
        actors: &["empresa-b"],
        deaths: Some(2),
        injuries: Some(0),
        restricted: false,
    },
    Ev {
        case: 1,
        kind: EventKind::Protest,
        date: "2017",
        end: None,
        place: Some("08"),
        actors: &[],
        deaths: Some(0),
        injuries: Some(1),
        restricted: false,
    },
    // A public event at a restricted site, with a restricted actor.
    Ev {
        case: 0,
        kind: EventKind::Violence,
        date: "2017-06-10",
        end: None,
        place: Some("SITE-HIDDEN"),
        actors: &["comunidad-a", "hidden-actor"],
        deaths: Some(3),
        injuries: Some(5),
        restricted: false,
    },
    // A restricted event of a public case.
    Ev {
        case: 0,
        kind: EventKind::Arrest,
        date: "2017-05-01",
        end: None,
        place: Some("SITE-OPEN"),
        actors: &["comunidad-a"],
        deaths: Some(7),
        injuries: Some(7),
        restricted: true,
    },
    // A public event of a restricted case.
    Ev {
        case: 2,
        kind: EventKind::Protest,
        date: "2017-03-03",
        end: None,
        place: Some("SITE-OPEN"),
        actors: &["comunidad-a"],
        deaths: Some(10),
        injuries: None,
        restricted: false,
    },
    // In a public province of a restricted department.
    Ev {
        case: 1,
        kind: EventKind::Dialogue,
        date: "2016-11-20",
        end: None,
        place: Some("9901"),
        actors: &[],
        deaths: None,
        injuries: None,
        restricted: false,
    },
    // Earlier, without a place; a restricted event of the restricted case too.
    Ev {
        case: 1,
        kind: EventKind::Hearing,
        date: "2016-10",
        end: None,
        place: None,
        actors: &["empresa-b"],
        deaths: None,
        injuries: Some(1),
        restricted: false,
    },
    Ev {
        case: 2,
        kind: EventKind::Violence,
        date: "2015-01-05",
        end: None,
        place: Some("0305"),
        actors: &["hidden-actor"],
        deaths: Some(4),
        injuries: Some(4),
        restricted: true,
    },
];

fn place(code: &str) -> &'static Place {
    PLACES
        .iter()
        .find(|p| p.code == code)
        .unwrap_or_else(|| panic!("no place {code} in the test"))
}

fn date(text: &str) -> PartialDate {
    PartialDate::parse(text).unwrap_or_else(|e| panic!("a test date {text}: {e}"))
}

/// Who asks.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Viewer,
}

impl Who {
    fn sees_restricted(self) -> bool {
        self == Who::Viewer
    }
}

fn visible(ev: &Ev, who: Who) -> bool {
    who.sees_restricted() || (!ev.restricted && !CASES[ev.case].2)
}

/// The department an event counts under for `who`: through a location it may see, a
/// department it may see.
fn department(ev: &Ev, who: Who) -> Option<&'static str> {
    let location = place(ev.place?);
    if location.restricted && !who.sees_restricted() {
        return None;
    }
    let department = place(location.department?);
    (!department.restricted || who.sees_restricted()).then_some(department.code)
}

fn actors(ev: &Ev, who: Who) -> Vec<&'static str> {
    ev.actors
        .iter()
        .copied()
        .filter(|slug| {
            let restricted = ACTORS.iter().any(|(s, r)| s == slug && *r);
            !restricted || who.sees_restricted()
        })
        .collect()
}

/// The days an event lasts: from its date's first day to its end's last day.
fn span(ev: &Ev) -> (NaiveDate, NaiveDate) {
    let start = date(ev.date);
    let end = ev.end.map(date).unwrap_or(start);
    (start.first_day(), end.last_day())
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Dim {
    Month,
    Year,
    Region,
    Kind,
    Actor,
}

impl Dim {
    fn name(self) -> &'static str {
        match self {
            Dim::Month => "MONTH",
            Dim::Year => "YEAR",
            Dim::Region => "REGION",
            Dim::Kind => "KIND",
            Dim::Actor => "ACTOR",
        }
    }
}

/// A bucket's key under one dimension, ordered as the API documents: months in time (a
/// year-only date, month 0, before its January), kinds in the enumeration's order,
/// departments by code and actors by slug with the bucket of none last.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Month(i32, u32),
    Year(i32),
    Kind(usize),
    /// (missing, code or slug)
    Named(bool, String),
}

/// Count, deaths, injuries.
type Totals = (u64, i64, i64);

fn named(text: Option<&str>) -> Part {
    match text {
        Some(t) => Part::Named(false, t.to_owned()),
        None => Part::Named(true, String::new()),
    }
}

fn kind_rank(kind: EventKind) -> usize {
    EventKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
}

/// The buckets `groupBy: dims` must answer to `who`, over the events `keep` selects,
/// computed from the records above.
fn expected(dims: &[Dim], who: Who, keep: impl Fn(&Ev) -> bool) -> Vec<(Vec<Part>, Totals)> {
    let mut buckets: BTreeMap<Vec<Part>, Totals> = BTreeMap::new();
    for ev in EVENTS.iter().filter(|e| visible(e, who) && keep(e)) {
        let start = date(ev.date);
        let day = start.first_day();
        let mut keys: Vec<Vec<Part>> = vec![Vec::new()];
        for dim in dims {
            let parts: Vec<Part> = match dim {
                Dim::Month => vec![match start.to_string().len() {
                    4 => Part::Month(day.year(), 0),
                    _ => Part::Month(day.year(), day.month()),
                }],
                Dim::Year => vec![Part::Year(day.year())],
                Dim::Kind => vec![Part::Kind(kind_rank(ev.kind))],
                Dim::Region => vec![named(department(ev, who))],
                Dim::Actor => {
                    let slugs = actors(ev, who);
                    if slugs.is_empty() {
                        vec![named(None)]
                    } else {
                        slugs.into_iter().map(|s| named(Some(s))).collect()
                    }
                }
            };
            keys = keys
                .into_iter()
                .flat_map(|k| {
                    parts.iter().map(move |p| {
                        let mut k = k.clone();
                        k.push(p.clone());
                        k
                    })
                })
                .collect();
        }
        for key in keys {
            let totals = buckets.entry(key).or_default();
            totals.0 += 1;
            totals.1 += i64::from(ev.deaths.unwrap_or(0));
            totals.2 += i64::from(ev.injuries.unwrap_or(0));
        }
    }
    // Alone, time spans the data's range, empty months (years) included.
    if let [only @ (Dim::Month | Dim::Year)] = dims {
        let numbers: Vec<i32> = buckets
            .keys()
            .filter_map(|k| match k[0] {
                Part::Month(y, m) if m > 0 => Some(y * 12 + m as i32 - 1),
                Part::Year(y) => Some(y),
                _ => None,
            })
            .collect();
        if let (Some(first), Some(last)) = (numbers.iter().min(), numbers.iter().max()) {
            for n in *first..=*last {
                let key = match only {
                    Dim::Month => Part::Month(n.div_euclid(12), (n.rem_euclid(12) + 1) as u32),
                    _ => Part::Year(n),
                };
                buckets.entry(vec![key]).or_default();
            }
        }
    }
    buckets.into_iter().collect()
}

/// The selection of a bucket's key under each dimension.
fn key_selection(dim: Dim) -> &'static str {
    match dim {
        Dim::Month => "month { value }",
        Dim::Year => "year { value }",
        Dim::Region => "region { code }",
        Dim::Kind => "kind",
        Dim::Actor => "actor { slug }",
    }
}

const ALL_DIMS: [Dim; 5] = [Dim::Month, Dim::Year, Dim::Region, Dim::Kind, Dim::Actor];

fn part_of(bucket: &Value, dim: Dim) -> Part {
    let text = |pointer: &str| bucket.pointer(pointer).and_then(Value::as_str);
    match dim {
        Dim::Month => {
            let value = text("/month/value").unwrap_or_else(|| panic!("a month in {bucket}"));
            let day = date(value).first_day();
            match value.len() {
                4 => Part::Month(day.year(), 0),
                _ => Part::Month(day.year(), day.month()),
            }
        }
        Dim::Year => Part::Year(
            date(text("/year/value").unwrap_or_else(|| panic!("a year in {bucket}")))
                .first_day()
                .year(),
        ),
        Dim::Kind => {
            let kind = text("/kind").and_then(EventKind::parse);
            Part::Kind(kind_rank(
                kind.unwrap_or_else(|| panic!("a kind in {bucket}")),
            ))
        }
        Dim::Region => named(text("/region/code")),
        Dim::Actor => named(text("/actor/slug")),
    }
}

fn totals_of(bucket: &Value) -> Totals {
    let number = |key: &str| {
        bucket[key]
            .as_i64()
            .unwrap_or_else(|| panic!("{key} in {bucket}"))
    };
    (number("count") as u64, number("deaths"), number("injuries"))
}

async fn ask(app: &TestApp, who: Who, query: &str, variables: Value) -> Value {
    let token = match who {
        Who::Anonymous => None,
        Who::Viewer => Some(app.viewer.as_str()),
    };
    app.data_as(token, query, variables).await
}

/// `eventStats` as (key, totals) rows, in the order answered, selecting the keys of the
/// dimensions grouped by.
async fn stats(app: &TestApp, who: Who, dims: &[Dim], filter: Value) -> Vec<(Vec<Part>, Totals)> {
    stats_selecting(app, who, dims, dims, filter).await
}

/// [`stats`] selecting the keys of `selected`; those not grouped by must be null.
async fn stats_selecting(
    app: &TestApp,
    who: Who,
    dims: &[Dim],
    selected: &[Dim],
    filter: Value,
) -> Vec<(Vec<Part>, Totals)> {
    let group: Vec<&str> = dims.iter().map(|d| d.name()).collect();
    let keys: Vec<&str> = selected.iter().map(|d| key_selection(*d)).collect();
    let data = ask(
        app,
        who,
        &format!(
            "query($f: EventFilter, $g: [EventStatDimension!]!) {{ eventStats(filter: $f, groupBy: $g) {{ count deaths injuries {} }} }}",
            keys.join(" ")
        ),
        json!({"f": filter, "g": group}),
    )
    .await;
    let rows = data["eventStats"]
        .as_array()
        .unwrap_or_else(|| panic!("eventStats: {data}"));
    rows.iter()
        .map(|bucket| {
            for (dim, key) in [
                (Dim::Month, "month"),
                (Dim::Year, "year"),
                (Dim::Region, "region"),
                (Dim::Kind, "kind"),
                (Dim::Actor, "actor"),
            ] {
                if selected.contains(&dim) && !dims.contains(&dim) {
                    assert!(bucket[key].is_null(), "{key} not grouped by: {bucket}");
                }
            }
            (
                dims.iter().map(|d| part_of(bucket, *d)).collect(),
                totals_of(bucket),
            )
        })
        .collect()
}

/// Ids by slug, of the actors and cases written.
struct World {
    actors: BTreeMap<&'static str, String>,
    cases: Vec<String>,
}

async fn world(app: &TestApp) -> World {
    let mut places: BTreeMap<&'static str, String> = BTreeMap::new();
    for p in PLACES {
        let mut input = json!({"code": p.code, "name": format!("Place {}", p.code),
            "level": p.level, "visibility": if p.restricted { "RESTRICTED" } else { "PUBLIC" }});
        if let Some(parent) = p.parent {
            input["parent"] = json!(places[parent]);
        }
        if let Some((lat, lon)) = p.point {
            input["latitude"] = json!(lat);
            input["longitude"] = json!(lon);
        }
        if p.code == "08" {
            input["geometry"] = shape_08();
        }
        let data = app
            .data(
                "mutation($i: CreateLocationInput!) { createLocation(input: $i) { id } }",
                json!({"i": input}),
            )
            .await;
        places.insert(p.code, id(&data["createLocation"]));
    }
    let mut actors = BTreeMap::new();
    for (slug, restricted) in ACTORS {
        let input = json!({"slug": slug, "name": format!("Actor {slug}"), "kind": "COMMUNITY",
            "visibility": if *restricted { "RESTRICTED" } else { "PUBLIC" }});
        let data = app
            .data(
                "mutation($i: CreateActorInput!) { createActor(input: $i) { id } }",
                json!({"i": input}),
            )
            .await;
        actors.insert(*slug, id(&data["createActor"]));
    }
    let mut cases = Vec::new();
    for (slug, status, restricted) in CASES {
        let input = json!({"slug": slug, "kind": "MINE", "title": format!("Case {slug}"),
            "status": status, "statusSince": "2015",
            "visibility": if *restricted { "RESTRICTED" } else { "PUBLIC" }});
        let data = app
            .data(
                "mutation($i: CreateCaseInput!) { createCase(input: $i) { id } }",
                json!({"i": input}),
            )
            .await;
        cases.push(id(&data["createCase"]));
    }
    for (i, ev) in EVENTS.iter().enumerate() {
        let input = json!({"case": cases[ev.case], "kind": ev.kind.as_str(),
            "title": format!("Event {i}"), "date": ev.date, "endDate": ev.end,
            "location": ev.place.map(|p| places[p].clone()),
            "actors": ev.actors.iter().map(|a| actors[a].clone()).collect::<Vec<_>>(),
            "deaths": ev.deaths, "injuries": ev.injuries,
            "sources": [{"url": format!("https://example.org/event/{i}")}],
            "visibility": if ev.restricted { "RESTRICTED" } else { "PUBLIC" }});
        app.data(
            "mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }",
            json!({"i": input}),
        )
        .await;
    }
    World { actors, cases }
}

/// Events with `comunidad-a` or `empresa-b`.
fn either_actor() -> Box<dyn Fn(&Ev) -> bool> {
    Box::new(|ev: &Ev| {
        ev.actors
            .iter()
            .any(|a| *a == "comunidad-a" || *a == "empresa-b")
    })
}

/// An app without a rate limit: these tests ask many questions anonymously.
async fn app(engine: Engine) -> TestApp {
    let config = chasqui::config::HttpConfig {
        rate_limit_per_minute: None,
        ..Default::default()
    };
    TestApp::spawn_with(engine, config).await
}

fn id(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an id in {value}"))
        .to_owned()
}

both_engines!(event_stats_count_what_each_caller_may_see, |engine| {
    let app = app(engine).await;
    world(&app).await;
    let groupings: &[&[Dim]] = &[
        &[],
        &[Dim::Month],
        &[Dim::Year],
        &[Dim::Region],
        &[Dim::Kind],
        &[Dim::Actor],
        &[Dim::Region, Dim::Kind],
        &[Dim::Kind, Dim::Region],
        &[Dim::Month, Dim::Actor],
        &[Dim::Actor, Dim::Year, Dim::Region],
        &[Dim::Month, Dim::Region, Dim::Actor],
        &[Dim::Kind, Dim::Year, Dim::Month],
    ];
    for who in [Who::Anonymous, Who::Viewer] {
        for dims in groupings {
            let answer = stats(&app, who, dims, Value::Null).await;
            assert_eq!(
                answer,
                expected(dims, who, |_| true),
                "{who:?} grouped by {dims:?}"
            );
        }
        // The keys not grouped by are null.
        for dim in ALL_DIMS {
            let answer = stats_selecting(&app, who, &[dim], &ALL_DIMS, Value::Null).await;
            assert_eq!(
                answer,
                expected(&[dim], who, |_| true),
                "{who:?} by {dim:?}"
            );
        }
    }
    // The numbers themselves, for the record: anonymous callers count the six public
    // events of public cases (1 + 2 + 0 + 3 deaths), whatever hides around them.
    let all = stats(&app, Who::Anonymous, &[], Value::Null).await;
    assert_eq!(all, vec![(vec![], (7, 6, 13))]);
    let all = stats(&app, Who::Viewer, &[], Value::Null).await;
    assert_eq!(all, vec![(vec![], (10, 27, 24))]);
    // Months run from the first matching event to the last, not to today.
    let months = stats(&app, Who::Anonymous, &[Dim::Month], Value::Null).await;
    assert_eq!(
        months.first().map(|m| m.0.clone()),
        Some(vec![Part::Month(2016, 10)])
    );
    assert_eq!(
        months.last().map(|m| m.0.clone()),
        Some(vec![Part::Month(2017, 6)])
    );
    assert!(
        months.contains(&(vec![Part::Month(2017, 1)], (0, 0, 0))),
        "an empty month inside the range is listed: {months:?}"
    );
    assert!(months.contains(&(vec![Part::Month(2017, 0)], (1, 0, 1))));
});

both_engines!(
    event_filters_compose_and_name_hidden_records_as_missing,
    |engine| {
        let app = app(engine).await;
        let w = world(&app).await;
        let total = "query($f: EventFilter) { events(filter: $f, first: 100) { totalCount nodes { title } } }";
        // Each filter: its value and the events it selects (the test's own reading).
        type Keep = Box<dyn Fn(&Ev) -> bool>;
        let overlaps = |from: &'static str, to: &'static str| -> Keep {
            Box::new(move |ev: &Ev| {
                let (start, end) = span(ev);
                start <= date(to).last_day() && end >= date(from).first_day()
            })
        };
        let with_actor =
            |slug: &'static str| -> Keep { Box::new(move |ev: &Ev| ev.actors.contains(&slug)) };
        let filters: Vec<(Value, Keep, Keep)> = vec![
            // (filter, what an anonymous caller gets, what a viewer gets)
            (
                json!({"from": "2017-03", "to": "2017-04"}),
                overlaps("2017-03", "2017-04"),
                overlaps("2017-03", "2017-04"),
            ),
            (
                json!({"from": "2017-03-06"}),
                overlaps("2017-03-06", "9999"),
                overlaps("2017-03-06", "9999"),
            ),
            (
                json!({"to": "2016"}),
                overlaps("1000", "2016"),
                overlaps("1000", "2016"),
            ),
            (
                json!({"from": "2017-02-20", "to": "2017-02-20"}),
                overlaps("2017-02-20", "2017-02-20"),
                overlaps("2017-02-20", "2017-02-20"),
            ),
            (
                json!({"actors": ["empresa-b"]}),
                with_actor("empresa-b"),
                with_actor("empresa-b"),
            ),
            (
                json!({"actors": [w.actors["empresa-b"]]}),
                with_actor("empresa-b"),
                with_actor("empresa-b"),
            ),
            (
                json!({"actors": ["comunidad-a", "empresa-b"]}),
                either_actor(),
                either_actor(),
            ),
            // A restricted actor, by slug or id, names nothing for an anonymous caller.
            (
                json!({"actors": ["hidden-actor"]}),
                Box::new(|_: &Ev| false),
                with_actor("hidden-actor"),
            ),
            (
                json!({"actors": [w.actors["hidden-actor"]]}),
                Box::new(|_: &Ev| false),
                with_actor("hidden-actor"),
            ),
            (
                json!({"actors": ["no-such-actor"]}),
                Box::new(|_: &Ev| false),
                Box::new(|_: &Ev| false),
            ),
            (
                json!({"actors": [w.cases[0]]}),
                Box::new(|_: &Ev| false),
                Box::new(|_: &Ev| false),
            ),
            (
                json!({"caseStatuses": ["LATENT"]}),
                Box::new(|ev: &Ev| CASES[ev.case].1 == "LATENT"),
                Box::new(|ev: &Ev| CASES[ev.case].1 == "LATENT"),
            ),
            (
                json!({"caseStatuses": ["ACTIVE", "RESOLVED"]}),
                Box::new(|ev: &Ev| CASES[ev.case].1 == "ACTIVE"),
                Box::new(|ev: &Ev| CASES[ev.case].1 == "ACTIVE"),
            ),
            // Composed with each other and with the filters that were there.
            (
                json!({"caseStatuses": ["ACTIVE"], "actors": ["comunidad-a"], "from": "2017-03", "kinds": ["VIOLENCE", "PROTEST", "STRIKE"]}),
                Box::new(|ev: &Ev| {
                    CASES[ev.case].1 == "ACTIVE"
                        && ev.actors.contains(&"comunidad-a")
                        && span(ev).1 >= date("2017-03").first_day()
                        && matches!(
                            ev.kind,
                            EventKind::Violence | EventKind::Protest | EventKind::Strike
                        )
                }),
                Box::new(|ev: &Ev| {
                    CASES[ev.case].1 == "ACTIVE"
                        && ev.actors.contains(&"comunidad-a")
                        && span(ev).1 >= date("2017-03").first_day()
                        && matches!(
                            ev.kind,
                            EventKind::Violence | EventKind::Protest | EventKind::Strike
                        )
                }),
            ),
            (
                json!({"region": ["03"], "to": "2017-02"}),
                Box::new(|ev: &Ev| {
                    department(ev, Who::Anonymous) == Some("03")
                        && span(ev).0 <= date("2017-02").last_day()
                }),
                Box::new(|ev: &Ev| {
                    department(ev, Who::Viewer) == Some("03")
                        && span(ev).0 <= date("2017-02").last_day()
                }),
            ),
            (
                json!({"case": w.cases[1], "from": "2017"}),
                Box::new(|ev: &Ev| ev.case == 1 && span(ev).1.year() >= 2017),
                Box::new(|ev: &Ev| ev.case == 1 && span(ev).1.year() >= 2017),
            ),
        ];
        for (filter, anonymous, viewer) in &filters {
            for (who, keep) in [(Who::Anonymous, anonymous), (Who::Viewer, viewer)] {
                let expected_count = EVENTS.iter().filter(|e| visible(e, who) && keep(e)).count();
                let data = ask(&app, who, total, json!({"f": filter})).await;
                assert_eq!(
                    data["events"]["totalCount"],
                    json!(expected_count),
                    "{who:?} events({filter})"
                );
                let titles = data["events"]["nodes"].as_array().map(Vec::len);
                assert_eq!(
                    titles,
                    Some(expected_count),
                    "{who:?} events({filter}) nodes"
                );
                for dims in [&[Dim::Kind][..], &[Dim::Region, Dim::Actor], &[Dim::Month]] {
                    assert_eq!(
                        stats(&app, who, dims, filter.clone()).await,
                        expected(dims, who, |e| keep(e)),
                        "{who:?} eventStats({filter}, {dims:?})"
                    );
                }
            }
        }
        // A department's bucket holds what the region filter finds.
        for who in [Who::Anonymous, Who::Viewer] {
            for (key, totals) in stats(&app, who, &[Dim::Region], Value::Null).await {
                let Part::Named(false, code) = &key[0] else {
                    continue;
                };
                let found = stats(&app, who, &[], json!({"region": [code]})).await;
                assert_eq!(found, vec![(vec![], totals)], "{who:?} region {code}");
            }
        }
        // A restricted department answers as a missing one.
        let hidden = stats(&app, Who::Anonymous, &[], json!({"region": ["99"]})).await;
        let missing = stats(&app, Who::Anonymous, &[], json!({"region": ["98"]})).await;
        assert_eq!(hidden, missing);
        assert_eq!(hidden, vec![(vec![], (0, 0, 0))]);
    }
);

both_engines!(
    event_filter_and_grouping_refuse_bad_input_by_name,
    |engine| {
        let app = app(engine).await;
        let body = app
        .graphql_as(
            None,
            r#"{ eventStats(filter: {from: "2017-03", to: "2017-02-27"}, groupBy: [KIND]) { count } }"#,
            json!({}),
        )
        .await;
        assert_eq!(TestApp::error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "filter.to",
            "{body}"
        );
        let body = app
            .graphql_as(
                None,
                r#"{ events(filter: {from: "2017-03", to: "2017-02"}) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "filter.to",
            "{body}"
        );
        // No events: no buckets, even by month.
        let data = app
            .data_as(
                None,
                "{ eventStats(groupBy: [MONTH]) { count } }",
                json!({}),
            )
            .await;
        assert_eq!(data["eventStats"], json!([]));
    }
);

both_engines!(event_stats_take_one_statement_whatever_the_data, |engine| {
    let app = app(engine).await;
    world(&app).await;
    let query = "{ eventStats(groupBy: [MONTH, YEAR, REGION, KIND, ACTOR]) { count deaths injuries month { value } kind } }";
    let before = app.statements();
    app.data_as(None, query, json!({})).await;
    let first = app.statements_since(before);
    assert_eq!(first.len(), 1, "one statement: {first:#?}");
    // More events in more months, places and actors: still one.
    world_more(&app).await;
    let before = app.statements();
    app.data_as(None, query, json!({})).await;
    let second = app.statements_since(before);
    assert_eq!(second.len(), 1, "one statement: {second:#?}");
});

/// More events, for the statement count.
async fn world_more(app: &TestApp) {
    let data = app
        .data(
            r#"{ case(slug: "mine-one") { id } actor(slug: "empresa-b") { id } location(code: "SITE-FREE") { id } }"#,
            json!({}),
        )
        .await;
    for month in 1..=9 {
        let input = json!({"case": data["case"]["id"], "kind": "PROTEST",
            "title": format!("More {month}"), "date": format!("2018-0{month}-01"),
            "location": data["location"]["id"], "actors": [data["actor"]["id"]], "deaths": 1,
            "sources": [{"url": "https://example.org/more"}]});
        app.data(
            "mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }",
            json!({"i": input}),
        )
        .await;
    }
}
