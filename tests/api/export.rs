//! The dump: exporting, loading into an empty database of the other engine and exporting
//! again gives the same bytes.

use crate::app::{Engine, TestApp};
use chasqui::import::{Provenance, import_file};
use chasqui_store::Author;
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
            chasqui_store::NewActor {
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

/// Rows of `table` in the database, counted.
async fn count_rows(app: &TestApp, table: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.store.db.get_database_backend();
    let row = app
        .store
        .db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no count of {table}"));
    row.try_get::<i64>("", "n")
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `dump` with line `number` (1-based) passed through `edit`.
fn edit_line(dump: &str, number: usize, edit: impl Fn(&mut serde_json::Value)) -> String {
    dump.lines()
        .enumerate()
        .map(|(i, line)| {
            if i + 1 == number {
                let mut value: serde_json::Value =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}"));
                edit(&mut value);
                value.to_string()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

crate::both_engines!(a_bad_dump_row_is_named_and_nothing_is_loaded, |engine| {
    let source = TestApp::spawn(engine).await;
    chasqui::demo::load(&source.store)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dump = export(&source).await;
    let line_of = |table: &str| {
        dump.lines()
            .position(|l| {
                serde_json::from_str::<serde_json::Value>(l)
                    .is_ok_and(|v| v["table"] == json!(table))
            })
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("the demo's dump has no {table}"))
    };
    let empty = TestApp::spawn_bare(engine).await;

    // A link to a case that is not in the dump: the database refuses it, and the error
    // names the lines of the insert that held it.
    let link = line_of("news_links") + 1;
    let dangling = edit_line(&dump, link, |v| v["row"]["case_id"] = json!(999_999));
    match empty.store.load_dump(dangling.as_bytes()).await {
        Err(chasqui_store::StoreError::Invalid { field, message }) => {
            let range = field
                .strip_prefix("lines ")
                .or_else(|| field.strip_prefix("line "))
                .unwrap_or_else(|| panic!("{field}"));
            let (first, last) = range.split_once('-').unwrap_or((range, range));
            let first: usize = first.parse().unwrap_or_else(|e| panic!("{field}: {e}"));
            let last: usize = last.parse().unwrap_or_else(|e| panic!("{field}: {e}"));
            assert!(
                first <= link && link <= last,
                "{field} does not hold line {link}"
            );
            assert!(message.contains("news_links"), "{message}");
        }
        other => panic!("a dangling link was not refused as bad input: {other:?}"),
    }

    // A row that is not a row of its table: named by its own line.
    let case = line_of("cases");
    let malformed = edit_line(&dump, case, |v| v["row"]["kind"] = json!(42));
    match empty.store.load_dump(malformed.as_bytes()).await {
        Err(chasqui_store::StoreError::Invalid { field, message }) => {
            assert_eq!(field, format!("line {case}"));
            assert!(message.contains("cases"), "{message}");
        }
        other => panic!("a malformed case row was not refused: {other:?}"),
    }

    // Nothing of either attempt stayed.
    for table in [
        "locations",
        "cases",
        "news_items",
        "news_links",
        "site_places",
    ] {
        assert_eq!(
            count_rows(&empty, table).await,
            0,
            "{table} after refused loads"
        );
    }
    // The intact dump then loads, derived data included, even from a dump written before
    // news items had title keys.
    let keyless: String = dump
        .lines()
        .map(|line| {
            let mut value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}"));
            if let Some(row) = value["row"].as_object_mut() {
                row.remove("title_key");
            }
            value.to_string() + "\n"
        })
        .collect();
    empty
        .store
        .load_dump(keyless.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(export(&empty).await, dump, "the keys are derived as before");
    for table in ["cases", "news_links", "site_places", "case_places"] {
        assert_eq!(
            count_rows(&empty, table).await,
            count_rows(&source, table).await,
            "{table} after the load"
        );
    }
});
