//! The dump: exporting, loading into an empty database of the other engine and exporting
//! again gives the same bytes.

use crate::app::{Engine, TestApp};
use chasqui::import::{Provenance, import_file};
use chasqui_schema::store::Author;
use serde_json::json;

async fn export(app: &TestApp) -> String {
    let mut out = Vec::new();
    app.store
        .export(&mut out)
        .await
        .unwrap_or_else(|e| panic!("export: {e}"));
    String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
}

async fn round_trip(from: Engine, to: Engine) {
    let source = TestApp::spawn(from).await;
    chasqui::demo::load(&source.store)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // A place moved under a newer one, so a parent's id is higher than its child's.
    let ids = source
        .data(r#"{ a: location(code: "0305") { id } }"#, json!({}))
        .await;
    let moved = source
        .data(r#"mutation { createLocation(input: {name: "New province", level: PROVINCE, code: "9999"}) { id } }"#, json!({}))
        .await;
    source
        .data(r#"mutation($id: ID!, $p: ID!) { updateLocation(id: $id, input: {parent: $p}) { id } }"#, json!({"id": ids["a"]["id"], "p": moved["createLocation"]["id"]}))
        .await;
    let dump = export(&source).await;
    let lines = dump.lines().count();

    // A database with nothing in it, not even the test's tokens.
    let empty = TestApp::spawn_bare(to).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("chasqui.ndjson");
    std::fs::write(&file, &dump).unwrap_or_else(|e| panic!("{e}"));
    let provenance = Provenance {
        publisher: None,
        language: None,
        columns: Default::default(),
    };
    let report = import_file(
        &empty.store,
        &Author::command_line(),
        &file,
        None,
        &provenance,
        &|_| {},
    )
    .await
    .unwrap_or_else(|e| panic!("load: {e}"));
    assert_eq!(report.new, lines, "every line is a row");
    let again = export(&empty).await;
    assert!(
        again == dump,
        "the dump survives the round trip byte for byte"
    );
    // The loaded database works: new rows get fresh ids past the loaded ones.
    empty
        .store
        .create_actor(
            &Author::command_line(),
            chasqui_schema::store::NewActor {
                slug: "after-load".into(),
                name: "After".into(),
                kind: chasqui_entities::ActorKind::Other,
                description: None,
                aliases: vec![],
                visibility: chasqui_entities::Visibility::Public,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("writing after a load: {e}"));
    let second = empty.store.load_dump(dump.as_bytes()).await;
    assert!(second.is_err(), "a dump loads only into an empty database");
    println!("round trip: {lines} rows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_dump_loads_into_postgres_identically() {
    round_trip(Engine::Sqlite, Engine::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_dump_loads_into_sqlite_identically() {
    round_trip(Engine::Postgres, Engine::Sqlite).await
}
