//! Arguments that name records, and numbers derived through places, answer only for what
//! the caller may see.
//!
//! Two databases get the same public records in the same order, so public ids match; the
//! second also gets restricted and archived records, written after the public ones of
//! their table, so that their ids name nothing in the first. The same request then goes
//! to both: an argument naming a hidden record must answer as the same argument does
//! where that id does not exist (and with as many SQL statements as an id that exists
//! nowhere), and counts, GeoJSON and the SVG map must not move because a public case is
//! placed on a hidden place.

use crate::app::{Engine, TestApp};
use crate::both_engines;
use chasqui_entities::*;
use chasqui_store::*;
use serde_json::{Value, json};
use std::collections::HashMap;

fn author() -> Author {
    Author::command_line()
}

fn global(kind: &str, id: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

fn square(west: f64, south: f64, east: f64, north: f64) -> String {
    json!({"type": "Polygon", "coordinates": [[
        [west, south], [east, south], [east, north], [west, north], [west, south]
    ]]})
    .to_string()
}

async fn place(
    app: &TestApp,
    code: &str,
    level: LocationLevel,
    parent_id: Option<i64>,
    point: Option<(f64, f64)>,
    geometry: Option<String>,
    visibility: Visibility,
) -> i64 {
    app.store
        .create_location(
            &author(),
            NewLocation {
                code: Some(code.into()),
                name: format!("Place {code}"),
                level,
                parent_id,
                latitude: point.map(|p| p.0),
                longitude: point.map(|p| p.1),
                geometry,
                visibility,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("place {code}: {e}"))
        .id
}

async fn actor(app: &TestApp, slug: &str, visibility: Visibility) -> i64 {
    app.store
        .create_actor(
            &author(),
            NewActor {
                slug: slug.into(),
                name: format!("Actor {slug}"),
                kind: ActorKind::Person,
                description: None,
                aliases: vec![],
                visibility,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("actor {slug}: {e}"))
        .id
}

fn role(actor_id: i64, visibility: Visibility) -> NewRole {
    NewRole {
        actor_id,
        role: ActorRole::Opponent,
        started_on: None,
        ended_on: None,
        note: None,
        visibility,
    }
}

fn at(location_id: i64, precision: PlacementPrecision) -> NewPlacement {
    NewPlacement {
        location_id,
        precision,
    }
}

async fn case(
    app: &TestApp,
    slug: &str,
    roles: Vec<NewRole>,
    places: Vec<NewPlacement>,
    visibility: Visibility,
) -> i64 {
    app.store
        .create_case(
            &author(),
            NewCase {
                slug: slug.into(),
                kind: CaseKind::Mine,
                title: format!("Case {slug}"),
                summary: None,
                status: CaseStatus::Active,
                phase: None,
                conflict_type: None,
                started_on: PartialDate::parse("2019").ok(),
                details: CaseDetails::default(),
                topics: vec![],
                external_ids: vec![],
                actors: roles,
                locations: places,
                visibility,
                status_since: Some(NewStatusChange {
                    case_id: 0,
                    status: CaseStatus::Active,
                    phase: None,
                    date: Some(PartialDate::parse("2020-02").unwrap_or_else(|e| panic!("{e}"))),
                    news_item_id: None,
                    source_url: Some("https://example.org/status".into()),
                    note: None,
                    visibility: Visibility::Public,
                }),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("case {slug}: {e}"))
        .id
}

async fn news(app: &TestApp, title: &str) -> i64 {
    app.store
        .create_news_item(
            &author(),
            NewNewsItem {
                title: title.into(),
                published_on: PartialDate::parse("2020-03-01").unwrap_or_else(|e| panic!("{e}")),
                summary: None,
                body: None,
                url: Some(format!("https://example.org/{title}")),
                publisher: None,
                language: None,
                visibility: Visibility::Public,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("news {title}: {e}"))
        .id
}

async fn link(app: &TestApp, news_item_id: i64, case_id: i64, visibility: Visibility) {
    app.store
        .link_news_item(
            &author(),
            NewLink {
                news_item_id,
                case_id,
                update_kind: UpdateKind::Development,
                reported_status: None,
                reported_phase: None,
                reported_status_on: None,
                event: None,
                note: None,
                state: LinkState::Confirmed,
                confidence: None,
                matched_terms: vec![],
                visibility,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("link: {e}"));
}

async fn archive(app: &TestApp, what: Archivable, id: i64) {
    let done = app
        .store
        .set_archived(&author(), what, id, true)
        .await
        .unwrap_or_else(|e| panic!("archive: {e}"));
    assert!(done, "archived");
}

/// Global ids of the records the requests name. In the public-only database the hidden
/// ones name nothing.
struct Named {
    /// A public actor, with a RESTRICTED role in the public case `c-role`.
    public_actor: String,
    /// A public case, with a RESTRICTED link from a public news item.
    public_case: String,
    /// A public case whose only role (of the public actor) is RESTRICTED.
    role_case: String,
    restricted_actor: String,
    archived_actor: String,
    restricted_case: String,
    archived_case: String,
    restricted_place: String,
    archived_place: String,
}

/// Regions 91 and 92 (with shapes, so the SVG map draws them), province 9101 (shape
/// inside 91) with district 910101, province 9201 inside 92. Public cases: `c-public` on
/// the district, `c-role`, `c-pair` on province 9101 and on region 92, and `c-hidden-place`
/// and `c-hidden-site`, which the second database places only on a restricted district
/// and a restricted site under 9101 (the first places them nowhere).
async fn fixture(app: &TestApp, hidden: bool) -> Named {
    let public = Visibility::Public;
    let restricted = Visibility::Restricted;
    use LocationLevel::*;
    let r91 = place(
        app,
        "91",
        Region,
        None,
        None,
        Some(square(-75.0, -13.0, -74.0, -12.0)),
        public,
    )
    .await;
    let p9101 = place(
        app,
        "9101",
        Province,
        Some(r91),
        None,
        Some(square(-75.0, -13.0, -74.5, -12.0)),
        public,
    )
    .await;
    let d910101 = place(
        app,
        "910101",
        District,
        Some(p9101),
        Some((-12.2, -74.9)),
        None,
        public,
    )
    .await;
    let r92 = place(
        app,
        "92",
        Region,
        None,
        None,
        Some(square(-73.0, -13.0, -72.0, -12.0)),
        public,
    )
    .await;
    place(
        app,
        "9201",
        Province,
        Some(r92),
        None,
        Some(square(-73.0, -13.0, -72.5, -12.0)),
        public,
    )
    .await;
    // Hidden places: a restricted district and a restricted site under province 9101, an
    // archived district; each of the two districts has a public site below it.
    let (hidden_district, hidden_site, archived_district) = if hidden {
        let district = place(
            app,
            "910102",
            District,
            Some(p9101),
            Some((-12.7, -74.7)),
            None,
            restricted,
        )
        .await;
        let site = place(
            app,
            "9101-S",
            Site,
            Some(d910101),
            Some((-12.5, -74.8)),
            None,
            restricted,
        )
        .await;
        place(app, "910102-S", Site, Some(district), None, None, public).await;
        let archived = place(app, "910103", District, Some(p9101), None, None, public).await;
        place(app, "910103-S", Site, Some(archived), None, None, public).await;
        archive(app, Archivable::Location, archived).await;
        (Some(district), Some(site), Some(archived))
    } else {
        (None, None, None)
    };

    let alpha = actor(app, "alpha", public).await;
    let (restricted_actor, archived_actor) = if hidden {
        (
            Some(actor(app, "secret-actor", restricted).await),
            Some(actor(app, "gone-actor", public).await),
        )
    } else {
        (None, None)
    };
    let first_news = news(app, "first").await;
    let second_news = news(app, "second").await;

    let mut roles = vec![role(alpha, public)];
    roles.extend(restricted_actor.map(|id| role(id, public)));
    roles.extend(archived_actor.map(|id| role(id, public)));
    let c_public = case(
        app,
        "c-public",
        roles,
        vec![at(d910101, PlacementPrecision::District)],
        public,
    )
    .await;
    let role_case_roles = if hidden {
        vec![role(alpha, restricted)]
    } else {
        vec![]
    };
    let c_role = case(app, "c-role", role_case_roles, vec![], public).await;
    case(
        app,
        "c-pair",
        vec![],
        vec![
            at(p9101, PlacementPrecision::Province),
            at(r92, PlacementPrecision::Region),
        ],
        public,
    )
    .await;
    let on = |id: Option<i64>, precision| id.map(|id| at(id, precision)).into_iter().collect();
    case(
        app,
        "c-hidden-place",
        vec![],
        on(hidden_district, PlacementPrecision::District),
        public,
    )
    .await;
    case(
        app,
        "c-hidden-site",
        vec![],
        on(hidden_site, PlacementPrecision::Exact),
        public,
    )
    .await;
    link(app, first_news, c_public, public).await;
    if let Some(archived_actor) = archived_actor {
        archive(app, Archivable::Actor, archived_actor).await;
    }

    // Hidden cases, written after every public case: a restricted one and an archived
    // public one, each with a public role of the public actor, a public link from a
    // public news item and a public event.
    let mut hidden_cases = Vec::new();
    if hidden {
        link(app, second_news, c_public, restricted).await;
        for (slug, visibility) in [("secret-case", restricted), ("gone-case", public)] {
            let id = case(
                app,
                slug,
                vec![role(alpha, public)],
                vec![at(d910101, PlacementPrecision::District)],
                visibility,
            )
            .await;
            link(app, first_news, id, public).await;
            app.store
                .record_event(
                    &author(),
                    NewEvent {
                        case_id: id,
                        kind: EventKind::Protest,
                        title: format!("Event of {slug}"),
                        description: None,
                        date: PartialDate::parse("2020-03").unwrap_or_else(|e| panic!("{e}")),
                        end_date: None,
                        location_id: None,
                        actor_ids: vec![],
                        deaths: None,
                        injuries: None,
                        sources: vec![(None, Some("https://example.org/e".into()))],
                        visibility: public,
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("event: {e}"));
            hidden_cases.push(id);
        }
        archive(app, Archivable::Case, hidden_cases[1]).await;
    }
    // In the public-only database, the ids the hidden records have in the other one.
    let or_next = |id: Option<i64>, next: i64| id.unwrap_or(next);
    Named {
        public_actor: global("Actor", alpha),
        public_case: global("Case", c_public),
        role_case: global("Case", c_role),
        restricted_actor: global("Actor", or_next(restricted_actor, alpha + 1)),
        archived_actor: global("Actor", or_next(archived_actor, alpha + 2)),
        restricted_case: global("Case", or_next(hidden_cases.first().copied(), 6)),
        archived_case: global("Case", or_next(hidden_cases.get(1).copied(), 7)),
        restricted_place: global("Location", or_next(hidden_district, 6)),
        archived_place: global("Location", or_next(archived_district, 9)),
    }
}

/// The two databases, with the same public records.
async fn pair(engine: Engine) -> (TestApp, TestApp, Named) {
    let public_only = TestApp::spawn(engine).await;
    let with_hidden = TestApp::spawn(engine).await;
    let named_public = fixture(&public_only, false).await;
    let named = fixture(&with_hidden, true).await;
    // The public-only database lacks these records: their ids must name nothing there.
    for id in [
        &named.restricted_actor,
        &named.archived_actor,
        &named.restricted_case,
        &named.archived_case,
        &named.restricted_place,
        &named.archived_place,
    ] {
        let found = public_only
            .data_as(
                Some(&public_only.admin),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert!(
            found["node"].is_null(),
            "{id} exists in the public-only database"
        );
    }
    assert_eq!(named_public.public_case, named.public_case);
    assert_eq!(named_public.role_case, named.role_case);
    assert_eq!(named_public.public_actor, named.public_actor);
    (public_only, with_hidden, named)
}

/// A GraphQL answer and how many SQL statements the request ran.
async fn answer(app: &TestApp, token: Option<&str>, query: &str) -> (Value, usize) {
    let before = app.statements();
    let body = app.graphql_as(token, query, json!({})).await;
    (body, app.statements() - before)
}

/// A GET answer (status and body text) and how many SQL statements the request ran.
async fn get(app: &TestApp, path: &str) -> (String, usize) {
    let before = app.statements();
    let response = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = response.status();
    let text = response
        .text()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    (format!("{status} {text}"), app.statements() - before)
}

/// An id of `kind` that no database here holds.
fn missing(kind: &str) -> String {
    global(kind, 987_654)
}

/// `query` with `{id}` replaced, asked of both databases by `token`: the answers must be
/// equal, and in the database with the hidden records the request must run as many
/// statements as with an id that exists nowhere. Returns what differs.
async fn same_as_missing(
    public_only: &TestApp,
    with_hidden: &TestApp,
    viewer: bool,
    query: &str,
    id: &str,
    kind: &str,
) -> Vec<String> {
    let token = |app: &TestApp| viewer.then(|| app.viewer.clone());
    let nowhere = query.replace("{id}", &missing(kind));
    // Once first, so that what a first request loads (the spatial index) is loaded.
    answer(with_hidden, token(with_hidden).as_deref(), &nowhere).await;
    let asked = query.replace("{id}", id);
    let (expected, _) = answer(public_only, token(public_only).as_deref(), &asked).await;
    let (got, statements) = answer(with_hidden, token(with_hidden).as_deref(), &asked).await;
    let mut faults = Vec::new();
    if got != expected {
        faults.push(format!(
            "{asked} (viewer: {viewer}) answers for a hidden record: {got} instead of {expected}"
        ));
    }
    let (_, nowhere_statements) =
        answer(with_hidden, token(with_hidden).as_deref(), &nowhere).await;
    if statements != nowhere_statements {
        faults.push(format!(
            "{asked} runs {statements} statements, an id that does not exist {nowhere_statements}"
        ));
    }
    faults
}

both_engines!(
    filters_naming_hidden_records_answer_as_missing_ids,
    |engine| {
        let (public_only, with_hidden, named) = pair(engine).await;
        let anonymous = [
            (
                "{ cases(filter: {actor: \"{id}\"}) { totalCount nodes { slug } } }",
                &named.restricted_actor,
                "Actor",
            ),
            (
                "{ caseStats(filter: {actor: \"{id}\"}, groupBy: [STATUS, REGION]) { count status region { code } } }",
                &named.restricted_actor,
                "Actor",
            ),
            (
                "{ casesGeoJson(filter: {actor: \"{id}\"}) }",
                &named.restricted_actor,
                "Actor",
            ),
            (
                "{ actors(filter: {case: \"{id}\"}) { nodes { slug } } }",
                &named.restricted_case,
                "Case",
            ),
            (
                "{ newsItems(filter: {case: \"{id}\"}) { nodes { title } } }",
                &named.restricted_case,
                "Case",
            ),
            (
                "{ events(filter: {case: \"{id}\"}) { totalCount nodes { title } } }",
                &named.restricted_case,
                "Case",
            ),
            (
                "{ locations(filter: {parent: \"{id}\"}) { nodes { code } } }",
                &named.restricted_place,
                "Location",
            ),
            (
                "{ locations(filter: {within: \"{id}\"}) { nodes { code } } }",
                &named.restricted_place,
                "Location",
            ),
            (
                "{ cases(filter: {region: [\"{id}\"]}) { totalCount nodes { slug } } }",
                &named.restricted_place,
                "Location",
            ),
            (
                "{ events(filter: {region: [\"{id}\"]}) { totalCount } }",
                &named.restricted_place,
                "Location",
            ),
        ];
        let mut faults = Vec::new();
        for (query, id, kind) in anonymous {
            faults
                .extend(same_as_missing(&public_only, &with_hidden, false, query, id, kind).await);
        }
        // Codes name places too.
        for code in ["910102", "9101-S"] {
            for query in [
                "{ locations(filter: {within: \"{id}\"}) { nodes { code } } }",
                "{ cases(filter: {region: [\"{id}\"]}) { totalCount nodes { slug } } }",
                "{ caseStats(filter: {region: [\"{id}\"]}, groupBy: [REGION]) { count } }",
            ] {
                faults.extend(
                    same_as_missing(&public_only, &with_hidden, false, query, code, "Location")
                        .await,
                );
            }
        }

        // Archived records are hidden from every caller, a viewer included.
        let archived = [
            (
                "{ cases(filter: {actor: \"{id}\"}) { totalCount nodes { slug } } }",
                &named.archived_actor,
                "Actor",
            ),
            (
                "{ caseStats(filter: {actor: \"{id}\"}, groupBy: [STATUS]) { count status } }",
                &named.archived_actor,
                "Actor",
            ),
            (
                "{ actors(filter: {case: \"{id}\"}) { nodes { slug } } }",
                &named.archived_case,
                "Case",
            ),
            (
                "{ newsItems(filter: {case: \"{id}\"}) { nodes { title } } }",
                &named.archived_case,
                "Case",
            ),
            (
                "{ events(filter: {case: \"{id}\"}) { totalCount } }",
                &named.archived_case,
                "Case",
            ),
            (
                "{ locations(filter: {parent: \"{id}\"}) { nodes { code } } }",
                &named.archived_place,
                "Location",
            ),
        ];
        for (query, id, kind) in archived {
            faults.extend(same_as_missing(&public_only, &with_hidden, true, query, id, kind).await);
        }

        // The map routes take the same filter.
        for path in ["/geojson/cases?actor={id}", "/map.svg?actor={id}"] {
            let nowhere_path = path.replace("{id}", &missing("Actor"));
            get(&with_hidden, &nowhere_path).await;
            let asked = path.replace("{id}", &named.restricted_actor);
            let (expected, _) = get(&public_only, &asked).await;
            let (got, statements) = get(&with_hidden, &asked).await;
            if got != expected {
                faults.push(format!("GET {asked} answers for a hidden actor"));
            }
            let (_, nowhere) = get(&with_hidden, &nowhere_path).await;
            if statements != nowhere {
                faults.push(format!(
                    "GET {asked}: {statements} statements, {nowhere} for a missing id"
                ));
            }
        }
        assert!(
            faults.is_empty(),
            "{} faults:\n{}",
            faults.len(),
            faults.join("\n")
        );

        // A viewer does see restricted records through the same filters, so the hidden
        // records above are there to be found.
        let seen = with_hidden
        .data_as(
            Some(&with_hidden.viewer),
            &format!(
                "{{ cases(filter: {{actor: \"{}\"}}) {{ nodes {{ slug }} }} actors(filter: {{case: \"{}\"}}) {{ nodes {{ slug }} }} }}",
                named.restricted_actor, named.restricted_case
            ),
            json!({}),
        )
        .await;
        assert_eq!(seen["cases"]["nodes"], json!([{"slug": "c-public"}]));
        assert_eq!(seen["actors"]["nodes"], json!([{"slug": "alpha"}]));
    }
);

both_engines!(filters_go_only_through_visible_relation_rows, |engine| {
    let (public_only, with_hidden, named) = pair(engine).await;
    // A restricted role, a restricted link: the filter does not go through them.
    for query in [
        format!(
            "{{ cases(filter: {{actor: \"{}\"}}) {{ totalCount nodes {{ slug }} }} }}",
            named.public_actor
        ),
        format!(
            "{{ caseStats(filter: {{actor: \"{}\"}}, groupBy: [STATUS]) {{ count }} }}",
            named.public_actor
        ),
        format!(
            "{{ actors(filter: {{case: \"{}\"}}) {{ nodes {{ slug }} }} }}",
            named.role_case
        ),
        format!(
            "{{ newsItems(filter: {{case: \"{}\"}}) {{ nodes {{ title }} }} }}",
            named.public_case
        ),
    ] {
        let (expected, _) = answer(&public_only, None, &query).await;
        let (got, _) = answer(&with_hidden, None, &query).await;
        assert_eq!(got, expected, "{query} goes through a restricted row");
    }
    let cases = with_hidden
        .data_as(
            None,
            &format!(
                "{{ cases(filter: {{actor: \"{}\"}}) {{ nodes {{ slug }} }} }}",
                named.public_actor
            ),
            json!({}),
        )
        .await;
    assert_eq!(cases["cases"]["nodes"], json!([{"slug": "c-public"}]));
});

both_engines!(counts_and_maps_go_only_through_visible_places, |engine| {
    let (public_only, with_hidden, _) = pair(engine).await;
    let mut faults = Vec::new();
    for query in [
        "{ caseStats(groupBy: [REGION]) { count region { code } } }",
        "{ caseStats(groupBy: [PROVINCE]) { count province { code } } }",
        "{ caseStats(groupBy: [REGION, PROVINCE]) { count region { code } province { code } } }",
        "{ caseStats(groupBy: [STATUS, KIND, REGION]) { count status kind region { code } } }",
        "{ caseStats(groupBy: [MONTH, REGION], filter: {activeFrom: \"2020-01\", activeTo: \"2020-04\"}) { month { label } count region { code } } }",
        "{ cases(filter: {region: [\"91\"]}) { totalCount nodes { slug locations { location { code } } } } }",
        "{ cases(filter: {region: [\"9101\"]}, orderBy: {field: SLUG}) { totalCount nodes { slug } } }",
        "{ casesGeoJson(filter: {region: [\"91\"]}) }",
        "{ casesGeoJson }",
    ] {
        let (expected, _) = answer(&public_only, None, query).await;
        let (got, _) = answer(&with_hidden, None, query).await;
        if got != expected {
            faults.push(format!(
                "{query} counts a case through a place the caller may not see: {got} instead of {expected}"
            ));
        }
    }
    for path in [
        "/map.svg",
        "/map.svg?region=91",
        "/geojson/cases",
        "/geojson/cases?region=9101",
    ] {
        let (expected, _) = get(&public_only, path).await;
        let (got, _) = get(&with_hidden, path).await;
        if got != expected {
            faults.push(format!("GET {path} counts through a hidden place"));
        }
    }
    assert!(
        faults.is_empty(),
        "{} faults:\n{}",
        faults.len(),
        faults.join("\n")
    );
    // A viewer counts the cases on the restricted district and site, so they are there.
    let viewer = with_hidden
        .data_as(
            Some(&with_hidden.viewer),
            "{ caseStats(groupBy: [REGION]) { count region { code } } }",
            json!({}),
        )
        .await;
    let anonymous = with_hidden
        .data_as(
            None,
            "{ caseStats(groupBy: [REGION]) { count region { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        anonymous["caseStats"],
        json!([{"count": 2, "region": {"code": "91"}}, {"count": 1, "region": {"code": "92"}}])
    );
    assert_eq!(
        viewer["caseStats"],
        json!([{"count": 5, "region": {"code": "91"}}, {"count": 1, "region": {"code": "92"}}])
    );
});

both_engines!(provinces_pair_only_with_their_department, |engine| {
    let (_, with_hidden, _) = pair(engine).await;
    let query =
        "{ caseStats(groupBy: [REGION, PROVINCE]) { count region { code } province { code } } }";
    // `c-public` lies in 9101 (through its district), `c-pair` in 9101 and in region 92,
    // in no province of 92: both count once, under 91 and 9101.
    let anonymous = with_hidden.data_as(None, query, json!({})).await;
    assert_eq!(
        anonymous["caseStats"],
        json!([{"count": 2, "region": {"code": "91"}, "province": {"code": "9101"}}])
    );
    // A viewer adds the cases on the restricted district and site and the restricted case.
    let viewer = with_hidden
        .data_as(Some(&with_hidden.viewer), query, json!({}))
        .await;
    assert_eq!(
        viewer["caseStats"],
        json!([{"count": 5, "region": {"code": "91"}, "province": {"code": "9101"}}])
    );
});

async fn named_actor(app: &TestApp, name: &str, aliases: &[&str]) {
    app.store
        .create_actor(
            &author(),
            NewActor {
                slug: name
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_lowercase(),
                name: name.into(),
                kind: ActorKind::Company,
                description: None,
                aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
                visibility: Visibility::Public,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("actor {name}: {e}"));
}

both_engines!(
    name_filters_match_percent_underscore_and_backslash_literally,
    |engine| {
        let app = TestApp::spawn(engine).await;
        named_actor(&app, "Fully 100% Natural", &[]).await;
        named_actor(&app, "Under_score Mining", &[]).await;
        named_actor(&app, "Back\\slash Partners", &[]).await;
        named_actor(&app, "Plain Company", &["Plain_alias"]).await;
        named_actor(&app, "Underscore Holdings", &[]).await;
        for name in ["50% Zone", "Zone_A", "Zone B"] {
            app.store
                .create_location(
                    &author(),
                    NewLocation {
                        code: None,
                        name: name.into(),
                        level: LocationLevel::Site,
                        parent_id: None,
                        latitude: None,
                        longitude: None,
                        geometry: None,
                        visibility: Visibility::Public,
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let actors = |name: &str| {
            let app = &app;
            let name = name.to_owned();
            async move {
                let data = app
                    .data_as(
                        None,
                        "query($name: String) { actors(filter: {name: $name}) { nodes { name } } }",
                        json!({"name": name}),
                    )
                    .await;
                let mut names: Vec<String> = data["actors"]["nodes"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|n| n["name"].as_str().map(str::to_owned))
                    .collect();
                names.sort();
                names
            }
        };
        assert_eq!(actors("%").await, ["Fully 100% Natural"]);
        assert_eq!(actors("0% n").await, ["Fully 100% Natural"]);
        assert_eq!(actors("_").await, ["Plain Company", "Under_score Mining"]);
        assert_eq!(actors("r_s").await, ["Under_score Mining"]);
        assert_eq!(actors("\\").await, ["Back\\slash Partners"]);
        assert_eq!(actors("k\\s").await, ["Back\\slash Partners"]);
        assert_eq!(actors("%_%").await, Vec::<String>::new());
        assert_eq!(
            actors("underscore").await,
            ["Underscore Holdings"],
            "`_` is not a wildcard, and letters still match in any case"
        );
        let locations = app
            .data_as(
                None,
                r#"{ pct: locations(filter: {name: "%"}) { nodes { name } }
                 under: locations(filter: {name: "_"}) { nodes { name } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(locations["pct"]["nodes"], json!([{"name": "50% Zone"}]));
        assert_eq!(locations["under"]["nodes"], json!([{"name": "Zone_A"}]));
    }
);

mod derived;
