//! The statement count of a deep list query does not grow with the list.

use crate::app::TestApp;
use chasqui_entities::*;
use chasqui_schema::store::*;

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
                    status_since: None,
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

/// Runs with the default configuration (100 µs batch window), on a current-thread runtime
/// so that the count measures the code (one statement per relation and level), not how
/// two worker threads of a debug build happen to interleave.
async fn deep_case_list(engine: crate::app::Engine) {
    let app = TestApp::spawn(engine).await;
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
                latitude: None,
                longitude: None,
                geometry: None,
                visibility: Visibility::Public,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    seed(&app, 0, 5, actor.id, place.id).await;
    let before = app.statements();
    let small = app.data(DEEP, json!({})).await;
    let with_5 = app.statements() - before;
    assert_eq!(small["cases"]["nodes"].as_array().map(Vec::len), Some(5));

    seed(&app, 5, 50, actor.id, place.id).await;
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
