//! The statement count of a deep list query does not grow with the list.

use crate::app::TestApp;
use chasqui_entities::*;
use chasqui_store::*;

fn author() -> Author {
    Author::command_line()
}
use serde_json::json;

const DEEP: &str = r#"{ cases(first: 50) { nodes {
    slug
    actors { role actor { name } }
    locations { precision location { name } }
    timeline(first: 20) { edges { node { __typename
        ... on Event { title sources { url } }
        ... on NewsLink { newsItem { title } }
        ... on StatusChange { status } } } }
} } }"#;

async fn seed(app: &TestApp, from: usize, to: usize, actor: i64, place: i64) {
    for i in from..to {
        let case = app
            .store
            .create_case(
                &author(),
                NewCase {
                    slug: format!("case-{i}"),
                    kind: CaseKind::Mine,
                    title: format!("Case {i}"),
                    summary: None,
                    status: CaseStatus::Active,
                    phase: None,
                    conflict_type: None,
                    started_on: PartialDate::parse("2015").ok(),
                    details: CaseDetails::default(),
                    topics: vec!["mining".into()],
                    external_ids: vec![],
                    actors: vec![NewRole {
                        actor_id: actor,
                        role: ActorRole::Operator,
                        started_on: None,
                        ended_on: None,
                        note: None,
                        visibility: Visibility::Public,
                    }],
                    locations: vec![NewPlacement {
                        location_id: place,
                        precision: PlacementPrecision::District,
                    }],
                    visibility: Visibility::Public,
                    // A dated status: it is one of the timeline's entries.
                    status_since: Some(chasqui_store::NewStatusChange {
                        case_id: 0,
                        status: CaseStatus::Active,
                        phase: None,
                        date: PartialDate::parse("2015").ok(),
                        news_item_id: None,
                        source_url: Some("https://example.org/status".into()),
                        note: None,
                        visibility: Visibility::Public,
                    }),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for day in 1..=3 {
            app.store
                .record_event(
                    &author(),
                    NewEvent {
                        case_id: case.id,
                        kind: EventKind::Protest,
                        title: format!("Protest {day}"),
                        description: None,
                        date: PartialDate::parse(&format!("2016-03-0{day}"))
                            .unwrap_or_else(|e| panic!("{e}")),
                        end_date: None,
                        location_id: None,
                        actor_ids: vec![actor],
                        deaths: None,
                        injuries: None,
                        sources: vec![(None, Some("https://example.org/report".into()))],
                        visibility: Visibility::Public,
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// The operator and the district every case of these tests is tied to.
async fn operator_and_district(app: &TestApp) -> (i64, i64) {
    let actor = app
        .store
        .create_actor(
            &author(),
            NewActor {
                slug: "op".into(),
                name: "Operator".into(),
                kind: ActorKind::Company,
                description: None,
                aliases: vec![],
                visibility: Visibility::Public,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let place = app
        .store
        .create_location(
            &author(),
            NewLocation {
                code: Some("030506".into()),
                name: "Challhuahuacho".into(),
                level: LocationLevel::District,
                parent_id: None,
                latitude: Some(-14.1),
                longitude: Some(-72.2),
                geometry: None,
                visibility: Visibility::Public,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (actor.id, place.id)
}

/// Runs with the default configuration (100 µs batch window), on a current-thread runtime
/// so that the count measures the code (one statement per relation and level), not how
/// two worker threads of a debug build happen to interleave.
/// An app for counting statements. Loaders batch the keys that arrive within a short
/// window (100 µs by default); on a loaded machine a thread can be preempted for longer
/// than that, which splits one batch into two and makes a count depend on the machine's
/// load rather than on the code. The counts guarded here are those of the code, so these
/// apps wait 20 ms.
async fn counting_app(engine: crate::app::Engine) -> TestApp {
    let config = chasqui::config::HttpConfig {
        batch_delay: std::time::Duration::from_millis(20),
        ..Default::default()
    };
    let app = TestApp::spawn_with(engine, config).await;
    app.data_as(
        None,
        "{ locate(latitude: 0, longitude: 0) { __typename } }",
        json!({}),
    )
    .await;
    app
}

async fn deep_case_list(engine: crate::app::Engine) {
    let app = counting_app(engine).await;
    let (actor, place) = operator_and_district(&app).await;
    seed(&app, 0, 5, actor, place).await;
    let before = app.statements();
    let small = app.data(DEEP, json!({})).await;
    let with_5 = app.statements() - before;
    assert_eq!(small["cases"]["nodes"].as_array().map(Vec::len), Some(5));

    seed(&app, 5, 50, actor, place).await;
    let before = app.statements();
    let large = app.data(DEEP, json!({})).await;
    let with_50 = app.statements() - before;
    let nodes = large["cases"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(nodes.len(), 50);
    assert!(
        nodes
            .iter()
            .all(|n| n["timeline"]["edges"].as_array().map(Vec::len) == Some(4)),
        "3 events and a status change each"
    );
    assert_eq!(
        with_5,
        with_50,
        "statements for 5 cases: {with_5}; for 50: {with_50}: {:#?}",
        app.statements_since(before)
    );
    assert!(
        with_50 <= 12,
        "a deep list query stays a handful of statements, got {with_50}"
    );
    println!("deep case list: {with_50} SQL statements for 5 and for 50 cases");
}

#[tokio::test]
async fn deep_case_list_costs_the_same_statements_for_5_or_50_cases_sqlite() {
    deep_case_list(crate::app::Engine::Sqlite).await
}

#[tokio::test]
async fn deep_case_list_costs_the_same_statements_for_5_or_50_cases_postgres() {
    deep_case_list(crate::app::Engine::Postgres).await
}

/// The case-detail request of the performance benchmark (`bench/perf/`), sent as the
/// benchmark sends it (anonymous): the same
/// document, so the count guarded here is the one the benchmark reports.
const CASE_DETAIL: &str = include_str!("../../bench/perf/queries/chasqui-case-detail.graphql");

/// Statements one case-detail request may run: the case page is one statement
/// (`store/detail.rs`), the case with its placements, roles, events and news links and
/// the places, actors and news items they point at. The performance target allows 3
/// at most.
const CASE_DETAIL_MAX_STATEMENTS: usize = 1;

/// Adds `count` news items linked to the case, and `count` more events, so that the
/// page sizes of the case-detail query (20) cut the lists.
async fn add_news_and_events(app: &TestApp, case_id: i64, count: usize) {
    for i in 0..count {
        let item = app
            .store
            .create_news_item(
                &author(),
                NewNewsItem {
                    title: format!("Report {case_id}-{i}"),
                    published_on: PartialDate::parse(&format!("2018-01-{:02}", i % 28 + 1))
                        .unwrap_or_else(|e| panic!("{e}")),
                    summary: None,
                    body: None,
                    url: Some(format!("https://example.org/{case_id}/{i}")),
                    publisher: Some("Example".into()),
                    language: Some("en".into()),
                    visibility: Visibility::Public,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        app.store
            .link_news_item(
                &author(),
                NewLink {
                    news_item_id: item.id,
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
                    visibility: Visibility::Public,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    for i in 0..count.saturating_sub(1) {
        app.store
            .record_event(
                &author(),
                NewEvent {
                    case_id,
                    kind: EventKind::Blockade,
                    title: format!("Blockade {i}"),
                    description: None,
                    date: PartialDate::parse(&format!("2017-05-{:02}", i % 28 + 1))
                        .unwrap_or_else(|e| panic!("{e}")),
                    end_date: None,
                    location_id: None,
                    actor_ids: vec![],
                    deaths: None,
                    injuries: None,
                    sources: vec![],
                    visibility: Visibility::Public,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Statements run by the case-detail request for one case, and its answer.
async fn case_detail(app: &TestApp, slug: &str) -> (usize, serde_json::Value) {
    let found = app
        .data(
            r#"query($slug: String!) { case(slug: $slug) { id } }"#,
            json!({ "slug": slug }),
        )
        .await;
    let id = found["case"]["id"].clone();
    let before = app.statements();
    let data = app.data_as(None, CASE_DETAIL, json!({ "id": id })).await;
    let count = app.statements() - before;
    assert!(
        count <= CASE_DETAIL_MAX_STATEMENTS,
        "the case-detail request ran {count} statements, more than {CASE_DETAIL_MAX_STATEMENTS}: {:#?}",
        app.statements_since(before)
    );
    (count, data)
}

/// The case-detail request runs a fixed, small number of statements, whatever the case
/// holds, and pages its lists at 20.
async fn case_detail_statements(engine: crate::app::Engine) {
    let app = counting_app(engine).await;
    let (actor, place) = operator_and_district(&app).await;
    seed(&app, 0, 2, actor, place).await;
    // A fresh database: case-0 and case-1 got ids 1 and 2.
    let small_case = 1;
    let large_case = 2;
    add_news_and_events(&app, small_case, 1).await;
    add_news_and_events(&app, large_case, 25).await;

    let (small, small_data) = case_detail(&app, "case-0").await;
    let (large, large_data) = case_detail(&app, "case-1").await;
    let small_case_data = &small_data["case"];
    assert_eq!(small_case_data["slug"], "case-0");
    assert_eq!(
        small_case_data["events"]["nodes"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(
        small_case_data["newsItems"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let detail = &large_data["case"];
    assert_eq!(detail["slug"], "case-1");
    assert_eq!(detail["events"]["nodes"].as_array().map(Vec::len), Some(20));
    assert_eq!(
        detail["newsItems"]["nodes"].as_array().map(Vec::len),
        Some(20)
    );
    assert_eq!(detail["actors"][0]["actor"]["name"], "Operator");
    assert_eq!(detail["locations"][0]["location"]["code"], "030506");
    assert_eq!(
        detail["events"]["nodes"][0]["title"], "Blockade 23",
        "newest event first"
    );
    assert_eq!(
        small, large,
        "statements for a case with 3 events and 1 news link: {small}; with 27 and 25: {large}"
    );
    println!("case detail: {large} SQL statements");
}

#[tokio::test]
async fn case_detail_runs_a_fixed_number_of_statements_sqlite() {
    case_detail_statements(crate::app::Engine::Sqlite).await
}

#[tokio::test]
async fn case_detail_runs_a_fixed_number_of_statements_postgres() {
    case_detail_statements(crate::app::Engine::Postgres).await
}

/// The case page through `node(id)`, which loads the case and its lists without reading
/// ahead, and through `case(id)`, which reads them in one statement: the same fields.
const PAGE_BY_NODE: &str = r#"query($id: ID!) { node(id: $id) { ...Page } }"#;
const PAGE_BY_CASE: &str = r#"query($id: ID!) { case(id: $id) { ...Page } }"#;
const PAGE: &str = r#"fragment Page on Case {
    id slug title
    locations { precision location { id code name latitude } }
    actors { role actor { id name } }
    ... on MineCase { operators { actor { name } } }
    events(first: 3) { edges { cursor node { id title date { value } } } pageInfo { hasNextPage } }
    oldest: events(first: 2, order: OLDEST_FIRST) { edges { cursor node { id } } }
    newsItems(first: 3) {
        edges { cursor node { id updateKind date { value } newsItem { id title url date { value } } } }
        pageInfo { hasNextPage }
    }
    timeline(first: 5) { ...Entries }
    statusOnly: timeline(first: 2, types: [STATUS_CHANGE], order: OLDEST_FIRST) { ...Entries }
}
fragment Entries on TimelineEntryConnection {
    edges { cursor node { __typename
        ... on Event { id title date { value } }
        ... on NewsLink { id date { value } newsItem { id title } }
        ... on StatusChange { id status date { value } } } }
    pageInfo { hasNextPage endCursor }
}"#;

/// A page of a case's timeline after a cursor, in either order and for some kinds.
const TIMELINE_AFTER: &str = r#"query($id: ID!, $after: String, $order: TimelineOrder, $types: [TimelineEntryType!]) {
    CASE(id: $id) { ... on Case { timeline(first: 3, after: $after, order: $order, types: $types) { ...Entries } } }
}
fragment Entries on TimelineEntryConnection {
    edges { cursor node { __typename
        ... on Event { id title }
        ... on NewsLink { id newsItem { title } }
        ... on StatusChange { id status } } }
    pageInfo { hasNextPage endCursor }
}"#;

async fn actor_named(app: &TestApp, slug: &str, visibility: Visibility) -> i64 {
    app.store
        .create_actor(
            &author(),
            NewActor {
                slug: slug.into(),
                name: slug.into(),
                kind: ActorKind::Company,
                description: None,
                aliases: vec![],
                visibility,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .id
}

async fn place_coded(app: &TestApp, code: &str, visibility: Visibility) -> i64 {
    app.store
        .create_location(
            &author(),
            NewLocation {
                code: Some(code.into()),
                name: format!("Place {code}"),
                level: LocationLevel::District,
                parent_id: None,
                latitude: Some(-14.0),
                longitude: Some(-72.0),
                geometry: None,
                visibility,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .id
}

fn role(actor_id: i64, role: ActorRole, visibility: Visibility) -> NewRole {
    NewRole {
        actor_id,
        role,
        started_on: None,
        ended_on: None,
        note: None,
        visibility,
    }
}

/// A news item of `day` in January 2019 linked to the case, with the given visibilities.
async fn news_on(app: &TestApp, case_id: i64, day: u32, item: Visibility, link: Visibility) -> i64 {
    let news = app
        .store
        .create_news_item(
            &author(),
            NewNewsItem {
                title: format!("Item {day}"),
                published_on: PartialDate::parse(&format!("2019-01-{day:02}"))
                    .unwrap_or_else(|e| panic!("{e}")),
                summary: None,
                body: Some("body".into()),
                url: Some(format!("https://example.org/item/{day}")),
                publisher: None,
                language: None,
                visibility: item,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.store
        .link_news_item(
            &author(),
            NewLink {
                news_item_id: news.id,
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
                visibility: link,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    news.id
}

async fn event_on(app: &TestApp, case_id: i64, date: &str, visibility: Visibility) -> i64 {
    app.store
        .record_event(
            &author(),
            NewEvent {
                case_id,
                kind: EventKind::Protest,
                title: format!("Event {date}"),
                description: None,
                date: PartialDate::parse(date).unwrap_or_else(|e| panic!("{e}")),
                end_date: None,
                location_id: None,
                actor_ids: vec![],
                deaths: None,
                injuries: None,
                sources: vec![],
                visibility,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .id
}

/// The case page read ahead in one statement answers what the loaders answer, to an
/// anonymous caller and to a viewer, with restricted and archived records in every list
/// it reads (and dates of every precision, which order the lists).
async fn case_page_matches_the_loaders(engine: crate::app::Engine) {
    use Visibility::{Public, Restricted};
    let app = counting_app(engine).await;
    let open_actor = actor_named(&app, "open", Public).await;
    let hidden_actor = actor_named(&app, "hidden", Restricted).await;
    let archived_actor = actor_named(&app, "archived", Public).await;
    let open_place = place_coded(&app, "030506", Public).await;
    let hidden_place = place_coded(&app, "030507", Restricted).await;
    let case = app
        .store
        .create_case(
            &author(),
            NewCase {
                slug: "page".into(),
                kind: CaseKind::Mine,
                title: "Page".into(),
                summary: None,
                status: CaseStatus::Active,
                phase: None,
                conflict_type: None,
                started_on: PartialDate::parse("2015").ok(),
                details: CaseDetails::default(),
                topics: vec![],
                external_ids: vec![],
                actors: vec![
                    role(open_actor, ActorRole::Operator, Public),
                    role(hidden_actor, ActorRole::Operator, Public),
                    role(open_actor, ActorRole::Organiser, Restricted),
                    role(archived_actor, ActorRole::Operator, Public),
                ],
                locations: vec![
                    NewPlacement {
                        location_id: hidden_place,
                        precision: PlacementPrecision::District,
                    },
                    NewPlacement {
                        location_id: open_place,
                        precision: PlacementPrecision::District,
                    },
                ],
                visibility: Public,
                status_since: None,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.store
        .set_archived(&author(), Archivable::Actor, archived_actor, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for (date, visibility) in [
        ("2017", Public),
        ("2017-12", Public),
        ("2017-12-01", Public),
        ("2017-12-01", Public),
        ("2018-02-01", Restricted),
        ("2016-05-05", Public),
    ] {
        event_on(&app, case.id, date, visibility).await;
    }
    let archived_event = event_on(&app, case.id, "2019-01-01", Public).await;
    app.store
        .set_archived(&author(), Archivable::Event, archived_event, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    news_on(&app, case.id, 3, Public, Public).await;
    news_on(&app, case.id, 4, Restricted, Public).await;
    news_on(&app, case.id, 5, Public, Restricted).await;
    news_on(&app, case.id, 6, Public, Public).await;
    news_on(&app, case.id, 7, Public, Public).await;
    news_on(&app, case.id, 1, Public, Public).await;
    let archived_news = news_on(&app, case.id, 8, Public, Public).await;
    app.store
        .set_archived(&author(), Archivable::NewsItem, archived_news, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    for (date, visibility) in [
        ("2017-12-01", Public),
        ("2018", Restricted),
        ("2016-05-05", Public),
    ] {
        app.store
            .record_status_change(
                &author(),
                NewStatusChange {
                    case_id: case.id,
                    status: CaseStatus::Latent,
                    phase: None,
                    date: Some(PartialDate::parse(date).unwrap_or_else(|e| panic!("{e}"))),
                    news_item_id: None,
                    source_url: None,
                    note: None,
                    visibility,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    let id = app
        .data(r#"{ case(slug: "page") { id } }"#, json!({}))
        .await["case"]["id"]
        .clone();
    let viewer = app.viewer.clone();
    for token in [None, Some(viewer.as_str())] {
        let by_node = app
            .data_as(
                token,
                &format!("{PAGE_BY_NODE} {PAGE}"),
                json!({ "id": id }),
            )
            .await;
        let by_case = app
            .data_as(
                token,
                &format!("{PAGE_BY_CASE} {PAGE}"),
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            by_case["case"], by_node["node"],
            "the case page read ahead differs from the loaders' answer (token {token:?})"
        );
        let events = by_case["case"]["events"]["edges"].as_array().map(Vec::len);
        assert_eq!(events, Some(3));
    }
    // Every page of the timeline, in both orders and for some kinds, read ahead by
    // `case` and loaded by `node`.
    let by_case = TIMELINE_AFTER.replace("CASE", "case");
    let by_node = TIMELINE_AFTER.replace("CASE", "node");
    for token in [None, Some(viewer.as_str())] {
        for (order, types) in [
            ("NEWEST_FIRST", json!(null)),
            ("OLDEST_FIRST", json!(null)),
            ("NEWEST_FIRST", json!(["EVENT", "STATUS_CHANGE"])),
        ] {
            let mut after = json!(null);
            let mut pages = 0;
            loop {
                let variables = json!({ "id": id, "after": after, "order": order, "types": types });
                let before = app.statements();
                let read_ahead = app.data_as(token, &by_case, variables.clone()).await;
                // The token's lookup aside.
                let statements: Vec<_> = app
                    .statements_since(before)
                    .into_iter()
                    .filter(|s| !s.contains("api_tokens"))
                    .collect();
                let loaded = app.data_as(token, &by_node, variables).await;
                assert_eq!(
                    read_ahead["case"], loaded["node"],
                    "a timeline page read ahead differs from the loaders' ({token:?}, {order}, {types}, after {after})"
                );
                assert_eq!(
                    statements.len(),
                    1,
                    "a case's timeline page is one statement: {statements:#?}"
                );
                pages += 1;
                let info = &read_ahead["case"]["timeline"]["pageInfo"];
                if info["hasNextPage"] != true || pages > 10 {
                    break;
                }
                after = info["endCursor"].clone();
            }
            assert!(
                pages >= 2,
                "the timeline spans pages ({token:?}, {order}, {types})"
            );
        }
    }

    let anonymous = app
        .data_as(None, &format!("{PAGE_BY_CASE} {PAGE}"), json!({ "id": id }))
        .await;
    let timeline = anonymous["case"]["timeline"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(timeline.len(), 5);
    assert!(
        timeline
            .iter()
            .all(|e| e["node"]["status"] != "LATENT" || e["node"]["date"]["value"] != "2018"),
        "a restricted status change is not shown to an anonymous caller"
    );
    let page = &anonymous["case"];
    assert_eq!(page["locations"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["actors"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        page["events"]["edges"][0]["node"]["date"]["value"],
        "2017-12-01"
    );
    assert_eq!(
        page["newsItems"]["edges"][0]["node"]["newsItem"]["title"],
        "Item 7"
    );
    assert_eq!(
        page["newsItems"]["edges"][2]["node"]["newsItem"]["title"],
        "Item 3"
    );
    assert_eq!(page["newsItems"]["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn case_page_read_ahead_matches_the_loaders_sqlite() {
    case_page_matches_the_loaders(crate::app::Engine::Sqlite).await
}

#[tokio::test]
async fn case_page_read_ahead_matches_the_loaders_postgres() {
    case_page_matches_the_loaders(crate::app::Engine::Postgres).await
}
