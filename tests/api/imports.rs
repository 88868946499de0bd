//! Importing the seed listings: exact counts and dates, notices and topic pages reported,
//! a second import changes nothing, a changed summary becomes an audited update.

use crate::app::TestApp;
use crate::both_engines;
use chasqui::import::{Provenance, import_file};
use chasqui_store::Author;
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
            import_file(&app.store, &author, file, None, &provenance, &|_| {})
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
        let again = import_file(&app.store, &author, file, None, &provenance, &|_| {})
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
    let report = import_file(&app.store, &author, &changed, None, &provenance, &|_| {})
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

    let feed = import_file(&app.store, &author, &rss, None, &provenance, &|_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(feed.new, 1, "{feed}");
    assert_eq!(
        feed.rejected,
        [(5, "the entry has no publication date".to_owned())]
    );
    let atom_report = import_file(&app.store, &author, &atom, None, &provenance, &|_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(atom_report.new, 1, "{atom_report}");
    let lines = import_file(&app.store, &author, &ndjson, None, &provenance, &|_| {})
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
    let again = import_file(&app.store, &author, &rss, None, &provenance, &|_| {})
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
            &|_| {},
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
        let bad = import_file(
            &app.store,
            &Author::command_line(),
            &file,
            None,
            &unmapped,
            &|_| {},
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            bad.rejected[0].0, 1,
            "without a mapping the header has no title column"
        );
    }
);

both_engines!(
    ndjson_items_with_links_import_in_batches_idempotently,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        let author = Author::command_line();
        let provenance = Provenance {
            publisher: Some("Example Wire".into()),
            language: Some("es".into()),
            columns: Default::default(),
        };
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("wire.ndjson");
        // More items than one batch, each linked to a demo case; one repeated within the
        // file, one naming a case that does not exist, one with a bad link kind.
        let mut lines = Vec::new();
        for i in 0..2_500 {
            let case = if i % 2 == 0 {
                "las-bambas"
            } else {
                "toromocho"
            };
            lines.push(format!(
                r#"{{"title": "Wire item {i}", "date": "2024-03-{:02}", "url": "https://example.org/wire/{i}", "cases": ["{case}"]}}"#,
                1 + i % 28
            ));
        }
        lines.push(r#"{"title": "Wire item 7", "date": "2024-03-08", "url": "https://example.org/wire/7", "cases": ["toromocho", {"case": "las-bambas", "updateKind": "BACKGROUND", "note": "context"}]}"#.to_owned());
        lines.push(
            r#"{"title": "Nowhere", "date": "2024-03-01", "cases": ["no-such-case"]}"#.to_owned(),
        );
        lines.push(r#"{"title": "Odd link", "date": "2024-03-01", "cases": [{"case": "las-bambas", "updateKind": "GOSSIP"}]}"#.to_owned());
        std::fs::write(&file, lines.join("\n")).unwrap_or_else(|e| panic!("{e}"));

        let before = app.statements();
        let first = import_file(&app.store, &author, &file, None, &provenance, &|_| {})
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let statements = app.statements() - before;
        assert_eq!(
            (first.new, first.unchanged, first.links),
            (2_500, 1, 2_501),
            "{first}"
        );
        assert_eq!(first.rejected.len(), 2, "{first}");
        assert_eq!(first.rejected[0].0, 2_502, "{first}");
        assert!(first.rejected[0].1.contains("no-such-case"), "{first}");
        assert_eq!(first.rejected[1].0, 2_503);
        assert!(first.rejected[1].1.contains("updateKind"), "{first}");
        // Batched: statements grow with batches and linked cases, not with items.
        assert!(statements < 200, "{statements} statements for 2 503 lines");

        // The links are recorded, with the case's last activity moved.
        let data = app
            .data(
                r#"{ case(slug: "toromocho") { lastActivityOn { end } }
                     newsItems(first: 100, filter: {from: "2024-03-08", to: "2024-03-08"}) {
                       nodes { title publisher cases { updateKind note state case { slug } } } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            data["case"]["lastActivityOn"]["end"], "2024-03-28",
            "{data:#}"
        );
        let items = data["newsItems"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let seventh = items
            .iter()
            .find(|n| n["title"] == "Wire item 7")
            .unwrap_or_else(|| panic!("item 7 in {data:#}"));
        assert_eq!(seventh["publisher"], "Example Wire");
        let mut links: Vec<String> = seventh["cases"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|l| {
                format!(
                    "{} {} {} {}",
                    l["case"]["slug"], l["updateKind"], l["note"], l["state"]
                )
            })
            .collect();
        links.sort();
        assert_eq!(
            links,
            [
                r#""las-bambas" "BACKGROUND" "context" "CONFIRMED""#,
                r#""toromocho" "DEVELOPMENT" null "CONFIRMED""#,
            ],
            "the repeat added its new link and left the first alone"
        );

        // Searchable at once.
        let found = app
            .data_as(None, r#"{ search(query: "wire 2499") { nodes { node { ... on NewsItem { title } } } } }"#, json!({}))
            .await;
        assert_eq!(
            found["search"]["nodes"][0]["node"]["title"],
            "Wire item 2499"
        );

        // Again: nothing new, nothing linked twice, nothing audited.
        let last_entry = || async {
            app.store
                .audit_entries(&chasqui_store::AuditFilter::default(), None, 1)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .rows
                .first()
                .map(|e| e.id)
        };
        let audit_before = last_entry().await;
        let again = import_file(&app.store, &author, &file, None, &provenance, &|_| {})
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (again.new, again.updated, again.unchanged, again.links),
            (0, 0, 2_501, 0),
            "{again}"
        );
        let audit_after = last_entry().await;
        assert_eq!(
            audit_before, audit_after,
            "a re-import writes no audit entry"
        );
    }
);

both_engines!(a_failing_batch_writes_nothing, |engine| {
    let app = TestApp::with_demo(engine).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("clash.csv");
    // Two distinct items (different titles) with one URL that an existing item holds
    // under another date and title would be matched, not inserted; a duplicate URL
    // inside one batch is matched too. A title too long for any batch is rejected by
    // line before the store sees it.
    let long = "x".repeat(100_000);
    std::fs::write(
            &file,
            format!("title,date,url,cases\nFirst,2024-01-01,https://example.org/a,las-bambas\n{long},2024-01-02,,\nSecond,2024-01-03,https://example.org/a,toromocho;las-bambas\n"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let provenance = Provenance {
        publisher: None,
        language: None,
        columns: Default::default(),
    };
    let report = import_file(
        &app.store,
        &Author::command_line(),
        &file,
        None,
        &provenance,
        &|_| {},
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (report.new, report.updated, report.links),
        (1, 0, 2),
        "{report}"
    );
    assert_eq!(
        report.unchanged, 1,
        "the second row has the first's URL: {report}"
    );
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].0, 3, "{report}");
});
