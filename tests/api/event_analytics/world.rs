//! The records the event analytics tests write, and the numbers they must give, computed
//! here from the records alone: which events each caller may see, the department and the
//! actors each counts under, and the buckets of any grouping.

use crate::app::TestApp;
use chasqui_entities::{EventKind, PartialDate};
use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A place: its code, level, parent (code), point, whether it is restricted, and the
/// department it lies in (written out here, not derived: the test's own geography).
pub(super) struct Place {
    pub(super) code: &'static str,
    pub(super) level: &'static str,
    pub(super) parent: Option<&'static str>,
    pub(super) point: Option<(f64, f64)>,
    pub(super) restricted: bool,
    pub(super) department: Option<&'static str>,
}

pub(super) const PLACES: &[Place] = &[
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
pub(super) fn shape_08() -> Value {
    json!({"type": "Polygon", "coordinates": [[[-72.0, -14.0], [-71.0, -14.0], [-71.0, -13.0],
        [-72.0, -13.0], [-72.0, -14.0]]]})
}

/// Actors: slug and whether restricted.
pub(super) const ACTORS: &[(&str, bool)] = &[
    ("comunidad-a", false),
    ("empresa-b", false),
    ("hidden-actor", true),
];

/// Cases: slug, current status, whether restricted.
pub(super) const CASES: &[(&str, &str, bool)] = &[
    ("mine-one", "ACTIVE", false),
    ("mine-two", "LATENT", false),
    ("hidden-mine", "ACTIVE", true),
];

pub(super) struct Ev {
    pub(super) case: usize,
    pub(super) kind: EventKind,
    pub(super) date: &'static str,
    pub(super) end: Option<&'static str>,
    pub(super) place: Option<&'static str>,
    pub(super) actors: &'static [&'static str],
    pub(super) deaths: Option<i32>,
    pub(super) injuries: Option<i32>,
    pub(super) restricted: bool,
}

pub(super) const EVENTS: &[Ev] = &[
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

pub(super) fn place(code: &str) -> &'static Place {
    PLACES
        .iter()
        .find(|p| p.code == code)
        .unwrap_or_else(|| panic!("no place {code} in the test"))
}

pub(super) fn date(text: &str) -> PartialDate {
    PartialDate::parse(text).unwrap_or_else(|e| panic!("a test date {text}: {e}"))
}

/// Who asks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Who {
    Anonymous,
    Viewer,
}

impl Who {
    pub(super) fn sees_restricted(self) -> bool {
        self == Who::Viewer
    }
}

pub(super) fn visible(ev: &Ev, who: Who) -> bool {
    who.sees_restricted() || (!ev.restricted && !CASES[ev.case].2)
}

/// The department an event counts under for `who`: through a location it may see, a
/// department it may see.
pub(super) fn department(ev: &Ev, who: Who) -> Option<&'static str> {
    let location = place(ev.place?);
    if location.restricted && !who.sees_restricted() {
        return None;
    }
    let department = place(location.department?);
    (!department.restricted || who.sees_restricted()).then_some(department.code)
}

pub(super) fn actors(ev: &Ev, who: Who) -> Vec<&'static str> {
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
pub(super) fn span(ev: &Ev) -> (NaiveDate, NaiveDate) {
    let start = date(ev.date);
    let end = ev.end.map(date).unwrap_or(start);
    (start.first_day(), end.last_day())
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Dim {
    Month,
    Year,
    Region,
    Kind,
    Actor,
}

impl Dim {
    pub(super) fn name(self) -> &'static str {
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
pub(super) enum Part {
    Month(i32, u32),
    Year(i32),
    Kind(usize),
    /// (missing, code or slug)
    Named(bool, String),
}

/// Count, deaths, injuries.
pub(super) type Totals = (u64, i64, i64);

pub(super) fn named(text: Option<&str>) -> Part {
    match text {
        Some(t) => Part::Named(false, t.to_owned()),
        None => Part::Named(true, String::new()),
    }
}

pub(super) fn kind_rank(kind: EventKind) -> usize {
    EventKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
}

/// The buckets `groupBy: dims` must answer to `who`, over the events `keep` selects,
/// computed from the records above.
pub(super) fn expected(
    dims: &[Dim],
    who: Who,
    keep: impl Fn(&Ev) -> bool,
) -> Vec<(Vec<Part>, Totals)> {
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

/// Ids by slug, of the actors and cases written.
pub(super) struct World {
    pub(super) actors: BTreeMap<&'static str, String>,
    pub(super) cases: Vec<String>,
}

pub(super) async fn world(app: &TestApp) -> World {
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

pub(super) fn id(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an id in {value}"))
        .to_owned()
}
