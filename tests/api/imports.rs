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
        columns: Default::default(),
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

both_engines!(feeds_and_ndjson_import_with_rejections_by_line, |engine| {
    let app = TestApp::spawn(engine).await;
    let author = Author::command_line();
    let provenance = Provenance {
        publisher: None,
        language: Some("es".into()),
        columns: Default::default(),
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let rss = dir.path().join("feed.xml");
    std::fs::write(&rss, r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Observatorio de Conflictos</title>
<item><title>Paro en Espinar</title><link>https://example.org/espinar</link>
<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate><description>&lt;p&gt;Comunidades &amp;amp; rondas&lt;/p&gt;</description></item>
<item><title>Sin fecha</title><link>https://example.org/sin-fecha</link></item>
</channel></rss>"#).unwrap_or_else(|e| panic!("{e}"));
    let atom = dir.path().join("atom.xml");
    std::fs::write(&atom, r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Defensoría</title><id>urn:x</id><updated>2024-03-06T00:00:00Z</updated>
<entry><title>Reporte de conflictos de febrero</title><id>urn:y</id><link href="https://example.org/reporte"/>
<updated>2024-03-06T12:00:00Z</updated><summary>Resumen.</summary></entry></feed>"#).unwrap_or_else(|e| panic!("{e}"));
    let ndjson = dir.path().join("items.ndjson");
    std::fs::write(&ndjson, concat!(
        r#"{"title": "Mesa de diálogo en Chumbivilcas", "date": "2024-03", "url": "https://example.org/mesa"}"#, "\n",
        r#"{"title": "Fecha imposible", "date": "2024-13-01"}"#, "\n",
        r#"{"title": "Derrame en el Marañón", "date": "2024-02-20", "summary": "Crudo en el río."}"#, "\n",
    )).unwrap_or_else(|e| panic!("{e}"));

    let feed = import_file(&app.store, &author, &rss, None, &provenance)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(feed.new, 1, "{feed}");
    assert_eq!(
        feed.rejected,
        [(5, "the entry has no publication date".to_owned())]
    );
    let atom_report = import_file(&app.store, &author, &atom, None, &provenance)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(atom_report.new, 1, "{atom_report}");
    let lines = import_file(&app.store, &author, &ndjson, None, &provenance)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lines.new, 2, "{lines}");
    assert_eq!(lines.rejected.len(), 1);
    assert_eq!(lines.rejected[0].0, 2, "the bad line, by number: {lines}");

    let data = app.data(r#"{ newsItems(first: 10) { nodes { title summary publisher language date { value } } } }"#, json!({})).await;
    let items = data["newsItems"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let espinar = items
        .iter()
        .find(|n| n["title"] == "Paro en Espinar")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        espinar["summary"], "Comunidades & rondas",
        "markup is dropped"
    );
    assert_eq!(
        espinar["publisher"], "Observatorio de Conflictos",
        "the feed's title is its publisher"
    );
    assert_eq!(espinar["date"]["value"], "2024-03-05");
    let again = import_file(&app.store, &author, &rss, None, &provenance)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((again.new, again.unchanged), (0, 1), "known by URL");
});

both_engines!(
    csv_with_a_column_mapping_imports_and_names_bad_rows,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("noticias.csv");
        std::fs::write(&file, "Titular,Fecha,Resumen,Enlace\n\"Paro, otra vez\",2024-03-01,Bloqueo en la vía,https://example.org/p\nSin fecha,,x,\n\"Mesa de diálogo\",2024-03,,\n")
        .unwrap_or_else(|e| panic!("{e}"));
        let columns =
            chasqui::import::parse_mapping("title=Titular,date=Fecha,summary=Resumen,url=Enlace")
                .unwrap_or_else(|e| panic!("{e}"));
        let provenance = Provenance {
            publisher: None,
            language: Some("es".into()),
            columns,
        };
        let report = import_file(
            &app.store,
            &Author::command_line(),
            &file,
            None,
            &provenance,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.new, 2, "{report}");
        assert_eq!(report.rejected.len(), 1);
        assert_eq!(
            report.rejected[0].0, 3,
            "the row without a date, by line: {report}"
        );
        let data = app
            .data(
                r#"{ newsItems { nodes { title summary url } } }"#,
                json!({}),
            )
            .await;
        assert!(data.to_string().contains("Paro, otra vez"), "{data}");
        assert!(
            chasqui::import::parse_mapping("headline=Titular").is_err(),
            "an unknown field is refused"
        );
        let unmapped = Provenance {
            publisher: None,
            language: None,
            columns: Default::default(),
        };
        let bad = import_file(&app.store, &Author::command_line(), &file, None, &unmapped)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            bad.rejected[0].0, 1,
            "without a mapping the header has no title column"
        );
    }
);
