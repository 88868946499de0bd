//! Importing the seed listings: exact counts and dates, notices and topic pages reported,
//! a second import changes nothing, a changed summary becomes an audited update.

use crate::app::TestApp;
use crate::both_engines;
use chasqui::import::{Provenance, import_file};
use chasqui_schema::store::Author;
use serde_json::json;
use std::path::PathBuf;

fn seed(name: &str) -> PathBuf {
    PathBuf::from(format!(
        "{}/../shared/seeds/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
}

both_engines!(seed_listings_import_exactly_and_idempotently, |engine| {
    let app = TestApp::spawn(engine).await;
    let author = Author::command_line();
    let provenance = Provenance {
        publisher: Some("Peru Support Group".into()),
        language: Some("en".into()),
    };
    let files = [
        seed("000_36238466d250a328.txt"),
        seed("001_96342470086a3a6d.txt"),
    ];
    let mut first = Vec::new();
    for file in &files {
        first.push(
            import_file(&app.store, &author, file, None, &provenance)
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        );
    }
    assert_eq!((first[0].new, first[1].new), (8, 10), "{first:?}");
    assert_eq!(
        (first[0].skipped.len(), first[1].skipped.len()),
        (8, 4),
        "notices and topic pages are reported, not imported"
    );
    assert!(first.iter().all(|r| r.rejected.is_empty()));

    let data = app
        .data(
            r#"{ newsItems(first: 100) { nodes { title date { value } publisher } } }"#,
            json!({}),
        )
        .await;
    let items = data["newsItems"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 18);
    let date_of = |title: &str| {
        items
            .iter()
            .find(|n| n["title"] == title)
            .map(|n| n["date"]["value"].clone())
            .unwrap_or_default()
    };
    assert_eq!(date_of("Milk storm"), "2017-06-11");
    assert_eq!(date_of("The ABC of exercising influence"), "2017-02-11");
    assert_eq!(items[0]["publisher"], "Peru Support Group");

    for file in &files {
        let again = import_file(&app.store, &author, file, None, &provenance)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (again.new, again.updated),
            (0, 0),
            "a second import changes nothing: {again}"
        );
        assert!(again.unchanged > 0);
    }

    // The same entry with a new summary (and a title differing only in case and accents)
    // updates the stored item, and the update is audited.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let changed = dir.path().join("changed.txt");
    std::fs::write(
        &changed,
        "• ALARCÓN versus Thorne\n\n    11 June 2017\n\n    A new summary.\n\n• 12 June 2017\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let report = import_file(&app.store, &author, &changed, None, &provenance)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.new, report.updated), (0, 1), "{report}");
    assert_eq!(
        report.rejected,
        [(7, "a date with no title after it".to_owned())],
        "the broken bullet, by line"
    );
    let log = app
        .data_as(
            Some(&app.admin),
            r#"{ auditLog(filter: {action: "updateNewsItem"}) { nodes { author after } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        log["auditLog"]["nodes"][0]["after"]["summary"],
        "A new summary."
    );
    assert_eq!(log["auditLog"]["nodes"][0]["author"], "cli");
});

both_engines!(a_cms_pushes_batches_idempotently, |engine| {
    let app = TestApp::spawn(engine).await;
    let push = r#"mutation($items: [CreateNewsItemInput!]!) { importNewsItems(items: $items) { outcome } }"#;
    let items = json!([
        {"title": "Strike in Chumbivilcas", "date": "2024-03-02", "url": "https://example.org/1", "summary": "First."},
        {"title": "Dialogue table installed", "date": "2024-03"},
    ]);
    let first = app.data(push, json!({"items": items})).await;
    assert_eq!(
        first["importNewsItems"],
        json!([{"outcome": "NEW"}, {"outcome": "NEW"}])
    );
    let mut edited = items.clone();
    edited[0]["summary"] = json!("First, corrected.");
    let second = app.data(push, json!({"items": edited})).await;
    assert_eq!(
        second["importNewsItems"],
        json!([{"outcome": "UPDATED"}, {"outcome": "UNCHANGED"}])
    );

    let bad =
        json!([{"title": "Fine", "date": "2024-04-01"}, {"title": "   ", "date": "2024-04-02"}]);
    let body = app.graphql(push, json!({"items": bad})).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "items[1].title");
    let count = app
        .data("{ newsItems { nodes { title } } }", json!({}))
        .await;
    assert_eq!(
        count["newsItems"]["nodes"].as_array().map(Vec::len),
        Some(2),
        "a batch with a bad item writes nothing"
    );
    let anonymous = app.graphql_as(None, push, json!({"items": items})).await;
    assert_eq!(TestApp::error_code(&anonymous), "UNAUTHENTICATED");
});
