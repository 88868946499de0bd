//! One boundary for input rules: every importer refuses, with its line and field, what
//! the API refuses (a bad language, a bad location code, too long a publisher, what a
//! link reports), and a case imported on a site alone gets the district the API would
//! add.

use crate::app::TestApp;
use crate::both_engines;
use crate::maps::import_peru;
use chasqui::import::places::{PlaceMapping, import_places_file};
use chasqui::import::{FileReport, Provenance, import_file};
use chasqui_entities::LocationLevel;
use chasqui_store::Author;
use serde_json::{Value, json};
use std::path::PathBuf;

fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    (dir, path)
}

async fn import(app: &TestApp, name: &str, text: &str) -> FileReport {
    let (_dir, path) = file(name, text);
    let provenance = Provenance {
        publisher: None,
        language: None,
        columns: Default::default(),
    };
    import_file(
        &app.store,
        &Author::command_line(),
        &path,
        None,
        &provenance,
        &|_| {},
    )
    .await
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The field the API names when it refuses `mutation`.
async fn refused_field(app: &TestApp, mutation: &str, variables: Value) -> String {
    let body = app.graphql(mutation, variables).await;
    assert_eq!(TestApp::error_code(&body), "BAD_USER_INPUT", "{body:#}");
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The news items stored, by title.
async fn news_titles(app: &TestApp) -> Vec<String> {
    let data = app
        .data(
            r#"{ newsItems(first: 100) { nodes { title } } }"#,
            json!({}),
        )
        .await;
    let mut titles: Vec<String> = data["newsItems"]["nodes"]
        .as_array()
        .map(|n| {
            n.iter()
                .filter_map(|n| n["title"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    titles.sort();
    titles
}

fn assert_rejected(report: &FileReport, line: usize, field: &str) {
    assert!(
        report
            .rejected
            .iter()
            .any(|(l, why)| *l == line && why.starts_with(&format!("{field}:"))),
        "line {line} rejected for `{field}`: {report:?}"
    );
}

const FEED: &str = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Wire</title><language>en us</language>
<item><title>Strike in Espinar</title><link>https://example.org/espinar</link>
<pubDate>Tue, 13 Jun 2017 10:00:00 GMT</pubDate></item>
</channel></rss>
"#;

both_engines!(
    news_importers_refuse_a_bad_language_as_the_api_does,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let field = refused_field(
        &app,
        r#"mutation { createNewsItem(input: {title: "x", date: "2017", language: "en us"}) { id } }"#,
        json!({}),
    )
    .await;
        assert_eq!(field, "input.language");

        let ndjson = concat!(
            r#"{"title": "Strike in Cotabambas", "date": "2017-06-11", "language": "es"}"#,
            "\n",
            r#"{"title": "Road blocked", "date": "2017-06-12", "language": "en us"}"#,
            "\n",
        );
        let report = import(&app, "news.ndjson", ndjson).await;
        assert_eq!(report.new, 1, "{report:?}");
        assert_rejected(&report, 2, "language");

        let csv = "title,date,language\nMarch in Lima,2017-06-13,es\nMarch in Cusco,2017-06-14,español!\n";
        let report = import(&app, "news.csv", csv).await;
        assert_eq!(report.new, 1, "{report:?}");
        assert_rejected(&report, 3, "language");

        let report = import(&app, "feed.xml", FEED).await;
        assert_eq!(report.new, 0, "{report:?}");
        assert_rejected(&report, 3, "language");

        assert_eq!(
            news_titles(&app).await,
            ["March in Lima", "Strike in Cotabambas"],
            "nothing of a refused item is written"
        );
    }
);

both_engines!(
    news_importers_refuse_too_long_a_publisher_as_the_api_does,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let long = "P".repeat(501);
        let field = refused_field(
        &app,
        r#"mutation($p: String) { createNewsItem(input: {title: "x", date: "2017", publisher: $p}) { id } }"#,
        json!({"p": long}),
    )
    .await;
        assert_eq!(field, "input.publisher");

        let ndjson = format!(
            "{}\n{}\n",
            json!({"title": "Strike in Cotabambas", "date": "2017-06-11", "publisher": "Wire"}),
            json!({"title": "Road blocked", "date": "2017-06-12", "publisher": long}),
        );
        let report = import(&app, "news.ndjson", &ndjson).await;
        assert_eq!(report.new, 1, "{report:?}");
        assert_rejected(&report, 2, "publisher");

        let csv = format!(
            "title,date,publisher\nMarch in Lima,2017-06-13,Wire\nMarch in Cusco,2017-06-14,{long}\n"
        );
        let report = import(&app, "news.csv", &csv).await;
        assert_eq!(report.new, 1, "{report:?}");
        assert_rejected(&report, 3, "publisher");

        assert_eq!(
            news_titles(&app).await,
            ["March in Lima", "Strike in Cotabambas"]
        );
    }
);

both_engines!(
    record_importers_refuse_a_bad_location_code_as_the_api_does,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let field = refused_field(
        &app,
        r#"mutation { createLocation(input: {name: "Pit", level: SITE, code: "pit 7"}) { id } }"#,
        json!({}),
    )
    .await;
        assert_eq!(field, "input.code");

        let records = concat!(
            r#"{"type":"case","slug":"pit-seven","kind":"MINE","title":"Pit seven","status":"ACTIVE","places":[{"code":"pit 7"}]}"#,
            "\n",
            r#"{"type":"case","slug":"pit-eight","kind":"MINE","title":"Pit eight","status":"ACTIVE"}"#,
            "\n",
            r#"{"type":"event","case":"pit-eight","kind":"PROTEST","title":"March","date":"2017-06-11","place":"pit/8"}"#,
            "\n",
        );
        let report = import(&app, "records.ndjson", records).await;
        assert_eq!(report.new, 1, "{report:?}");
        assert_rejected(&report, 1, "places[0].code");
        assert_rejected(&report, 3, "place");
        let data = app
            .data(r#"{ cases(first: 10) { nodes { slug } } }"#, json!({}))
            .await;
        assert_eq!(data["cases"]["nodes"], json!([{"slug": "pit-eight"}]));

        // Boundaries: a feature whose code the API would refuse is reported, not stored.
        let boundaries = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"ID": "9901", "N": "Good"}, "geometry": null},
            {"type": "Feature", "properties": {"ID": "99 02", "N": "Bad"}, "geometry": null},
        ]});
        let (_dir, path) = file("places.geojson", &boundaries.to_string());
        let mapping = PlaceMapping {
            code: "ID".into(),
            name: "N".into(),
            parent: None,
            parent_code: None,
            parent_name: None,
            level: LocationLevel::Province,
            rename: false,
        };
        let report = import_places_file(&app.store, &Author::command_line(), &path, &mapping)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(report.rejected.len(), 1, "{report}");
        assert_eq!(report.rejected[0].index, 1, "{report}");
        assert!(
            report.rejected[0].problem.contains("ID: use at most"),
            "{report}"
        );
        let data = app
            .data(r#"{ locations(first: 10) { nodes { code } } }"#, json!({}))
            .await;
        assert_eq!(data["locations"]["nodes"], json!([{"code": "9901"}]));
    }
);

both_engines!(
    a_case_imported_on_a_site_alone_gets_its_district,
    |engine| {
        let app = TestApp::spawn(engine).await;
        import_peru(&app.store).await;
        // A site in Challhuahuacho (Cotabambas, Apurímac), with no parent place.
        let site = app
        .data(
            r#"mutation { createLocation(input: {name: "Ferrobamba pit", code: "FB-PIT", level: SITE, latitude: -14.10, longitude: -72.25}) { id } }"#,
            json!({}),
        )
        .await;
        let site = site["createLocation"]["id"].clone();
        let districts = |case: &Value| -> Vec<String> {
            case["locations"]
                .as_array()
                .map(|places| {
                    places
                        .iter()
                        .filter(|p| p["precision"] == "DISTRICT")
                        .filter_map(|p| p["location"]["code"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        const CASE: &str = r#"query($slug: String!) { case(slug: $slug) {
        locations { precision location { code level } } } }"#;

        // Through the API…
        app.data(
        r#"mutation($site: ID!) { createCase(input: {slug: "by-api", kind: MINE, title: "By the API", status: ACTIVE, locations: [{location: $site, precision: EXACT}]}) { id } }"#,
        json!({"site": site}),
    )
    .await;
        let by_api = app.data(CASE, json!({"slug": "by-api"})).await;
        let wanted = districts(&by_api["case"]);
        assert_eq!(
            wanted.len(),
            1,
            "the API adds the site's district: {by_api:#}"
        );

        // …and through the record importer, with the site by its code.
        let records = concat!(
            r#"{"type":"case","slug":"by-import","kind":"MINE","title":"By an import","status":"ACTIVE","places":[{"code":"FB-PIT"}]}"#,
            "\n",
        );
        let report = import(&app, "records.ndjson", records).await;
        assert_eq!(report.new, 1, "{report:?}");
        let by_import = app.data(CASE, json!({"slug": "by-import"})).await;
        assert_eq!(districts(&by_import["case"]), wanted, "{by_import:#}");
    }
);

both_engines!(
    record_links_report_a_phase_and_a_status_change_as_the_api_requires,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let news = concat!(
            r#"{"title": "Talks resume", "date": "2017-07-02", "url": "https://example.org/talks"}"#,
            "\n",
        );
        assert_eq!(import(&app, "news.ndjson", news).await.new, 1);
        let case = concat!(
            r#"{"type":"case","slug":"pit-nine","kind":"MINE","title":"Pit nine","status":"ACTIVE"}"#,
            "\n",
        );
        assert_eq!(import(&app, "case.ndjson", case).await.new, 1);

        let data = app
            .data(
                r#"{ case(slug: "pit-nine") { id } newsItems(first: 1) { nodes { id } } }"#,
                json!({}),
            )
            .await;
        let link = r#"mutation($input: LinkNewsItemInput!) { linkNewsItem(input: $input) { id } }"#;
        let ids =
            json!({"case": data["case"]["id"], "newsItem": data["newsItems"]["nodes"][0]["id"]});
        let with = |extra: Value| {
            let mut input = ids.clone();
            if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
                input.extend(extra.clone());
            }
            json!({ "input": input })
        };
        let field = refused_field(
            &app,
            link,
            with(json!({"updateKind": "DEVELOPMENT", "reportedPhase": "CRISIS"})),
        )
        .await;
        assert_eq!(field, "input.reportedPhase");
        let field = refused_field(&app, link, with(json!({"updateKind": "STATUS_CHANGE"}))).await;
        assert_eq!(field, "input.reportedStatus");

        let records = concat!(
            r#"{"type":"link","news":"https://example.org/talks","case":"pit-nine","updateKind":"DEVELOPMENT","reportedPhase":"CRISIS"}"#,
            "\n",
            r#"{"type":"link","news":"https://example.org/talks","case":"pit-nine","updateKind":"STATUS_CHANGE"}"#,
            "\n",
        );
        let report = import(&app, "links.ndjson", records).await;
        assert_eq!(report.new, 0, "{report:?}");
        assert_rejected(&report, 1, "reportedPhase");
        assert_rejected(&report, 2, "reportedStatus");
        let data = app
            .data(
                r#"{ case(slug: "pit-nine") { newsItems(first: 5) { nodes { id } } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            data["case"]["newsItems"]["nodes"],
            json!([]),
            "nothing linked"
        );
    }
);
