//! A filter that names an actor or a case takes its slug as well as its global id
//! (`region` already takes a plain code): `cases`, `caseStats` and the GeoJSON map by
//! actor, `events`, `newsItems` and `actors` by case. A slug goes through the same rule
//! as an id, so the slug of a record the caller may not see answers exactly as a slug no
//! record has. And the news list counts what the caller may see (`totalCount`).

use crate::app::TestApp;
use crate::both_engines;
use serde_json::{Value, json};

const BY_ACTOR: &str = r#"query($actor: ID) {
  cases(filter: {actor: $actor}, first: 100) { totalCount nodes { slug } }
  caseStats(filter: {actor: $actor}, groupBy: [STATUS]) { status count }
  casesGeoJson(filter: {actor: $actor}) }"#;

const BY_CASE: &str = r#"query($case: ID) {
  events(filter: {case: $case}, first: 100) { totalCount nodes { title } }
  newsItems(filter: {case: $case}, first: 100) { totalCount nodes { title } }
  actors(filter: {case: $case}, first: 100) { nodes { slug } }
}"#;

async fn geojson(app: &TestApp, token: Option<&str>, actor: &str) -> Value {
    let mut request = app
        .client
        .get(format!("{}/geojson/cases", app.base))
        .query(&[("actor", actor)]);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 200, "actor={actor}");
    response.json().await.unwrap_or_else(|e| panic!("{e}"))
}

fn total(data: &Value, list: &str) -> u64 {
    data[list]["totalCount"]
        .as_u64()
        .unwrap_or_else(|| panic!("{list}.totalCount in {data:#}"))
}

both_engines!(filters_take_slugs_through_the_read_rule, |engine| {
    let app = TestApp::with_demo(engine).await;
    let ids = app
        .data(
            r#"{ actor(slug: "mmg") { id } case(slug: "las-bambas") { id } }"#,
            json!({}),
        )
        .await;
    let (mmg, bambas) = (ids["actor"]["id"].clone(), ids["case"]["id"].clone());

    // Hidden records: an actor restricted, with a role in a public case; a case
    // restricted, with an event, a news item and MMG's role.
    let hidden_actor = app
        .data(
            r#"mutation { createActor(input: {slug: "hidden-operator", name: "Hidden operator",
                 kind: COMPANY, visibility: RESTRICTED}) { id } }"#,
            json!({}),
        )
        .await["createActor"]["id"]
        .clone();
    app.data(
        r#"mutation($actor: ID!) { createCase(input: {slug: "quarry-dispute", kind: OTHER,
             title: "Quarry dispute", status: ACTIVE, statusSince: "2024-01",
             actors: [{actor: $actor, role: OPERATOR}]}) { id } }"#,
        json!({"actor": hidden_actor}),
    )
    .await;
    let hidden_case = app
        .data(
            r#"mutation($actor: ID!) { createCase(input: {slug: "hidden-case", kind: MINE,
                 title: "Hidden case", status: ACTIVE, statusSince: "2024-01",
                 visibility: RESTRICTED, actors: [{actor: $actor, role: OPERATOR}]}) { id } }"#,
            json!({"actor": mmg}),
        )
        .await["createCase"]["id"]
        .clone();
    app.data(
        r#"mutation($case: ID!) { recordEvent(input: {case: $case, kind: PROTEST,
             title: "Hidden protest", date: "2024-02",
             sources: [{url: "https://example.org/hidden"}]}) { id } }"#,
        json!({"case": hidden_case}),
    )
    .await;
    let news = app
        .data(
            r#"mutation { createNewsItem(input: {title: "Hidden case news", date: "2024-02"}) { id } }"#,
            json!({}),
        )
        .await["createNewsItem"]["id"]
        .clone();
    app.data(
        r#"mutation($news: ID!, $case: ID!) { linkNewsItem(input: {newsItem: $news,
             case: $case, updateKind: DEVELOPMENT}) { id } }"#,
        json!({"news": news, "case": hidden_case}),
    )
    .await;

    for token in [None, Some(app.viewer.as_str())] {
        // An actor by slug answers as by id, on every path that filters by actor.
        let by_slug = app.data_as(token, BY_ACTOR, json!({"actor": "mmg"})).await;
        let by_id = app.data_as(token, BY_ACTOR, json!({"actor": mmg})).await;
        assert_eq!(by_slug, by_id);
        assert!(total(&by_slug, "cases") >= 1, "{by_slug:#}");
        let http = geojson(&app, token, "mmg").await;
        assert_eq!(http["totalCount"], by_id["cases"]["totalCount"], "{http}");
        let id = mmg.as_str().unwrap_or_default();
        assert_eq!(http, geojson(&app, token, id).await);

        // A case by slug, likewise.
        let by_slug = app
            .data_as(token, BY_CASE, json!({"case": "las-bambas"}))
            .await;
        let by_id = app.data_as(token, BY_CASE, json!({"case": bambas})).await;
        assert_eq!(by_slug, by_id);
        assert!(total(&by_slug, "events") > 0 && total(&by_slug, "newsItems") > 0);
    }

    // A hidden record's slug answers as a slug no record has; a viewer sees through it.
    let missing = app
        .data_as(None, BY_ACTOR, json!({"actor": "no-such-actor"}))
        .await;
    assert_eq!(total(&missing, "cases"), 0);
    let hidden = app
        .data_as(None, BY_ACTOR, json!({"actor": "hidden-operator"}))
        .await;
    assert_eq!(hidden, missing);
    assert_eq!(
        geojson(&app, None, "hidden-operator").await,
        geojson(&app, None, "no-such-actor").await
    );
    let seen = app
        .data_as(
            Some(&app.viewer),
            BY_ACTOR,
            json!({"actor": "hidden-operator"}),
        )
        .await;
    assert_eq!(seen["cases"]["nodes"], json!([{"slug": "quarry-dispute"}]));

    let missing = app
        .data_as(None, BY_CASE, json!({"case": "no-such-case"}))
        .await;
    assert_eq!(
        missing,
        json!({"events": {"totalCount": 0, "nodes": []},
               "newsItems": {"totalCount": 0, "nodes": []},
               "actors": {"nodes": []}})
    );
    let hidden = app
        .data_as(None, BY_CASE, json!({"case": "hidden-case"}))
        .await;
    assert_eq!(hidden, missing);
    let seen = app
        .data_as(Some(&app.viewer), BY_CASE, json!({"case": "hidden-case"}))
        .await;
    assert_eq!(
        seen,
        json!({"events": {"totalCount": 1, "nodes": [{"title": "Hidden protest"}]},
               "newsItems": {"totalCount": 1, "nodes": [{"title": "Hidden case news"}]},
               "actors": {"nodes": [{"slug": "mmg"}]}})
    );

    // Neither an id of the kind nor a slug: refused, naming the field.
    for (query, value, field) in [
        (BY_ACTOR, json!({"actor": "Not a slug!"}), "filter.actor"),
        (BY_ACTOR, json!({"actor": bambas}), "filter.actor"),
        (BY_CASE, json!({"case": mmg}), "filter.case"),
        (BY_CASE, json!({"case": "Las Bambas"}), "filter.case"),
    ] {
        let refused = app.graphql_as(None, query, value).await;
        assert_eq!(TestApp::error_code(&refused), "BAD_USER_INPUT", "{refused}");
        assert_eq!(refused["errors"][0]["extensions"]["field"], field);
    }
});

both_engines!(the_news_list_counts_what_the_caller_may_see, |engine| {
    let app = TestApp::with_demo(engine).await;
    const LIST: &str = r#"query($publisher: String) {
      newsItems(filter: {publisher: $publisher}, first: 100) { totalCount nodes { id } } }"#;
    let count = |data: &Value| {
        let nodes = data["newsItems"]["nodes"].as_array().map_or(0, Vec::len) as u64;
        (total(data, "newsItems"), nodes)
    };
    let before = app.data_as(None, LIST, json!({})).await;
    let (n, listed) = count(&before);
    assert!(n > 0 && n == listed, "{before:#}");
    app.data(
        r#"mutation { createNewsItem(input: {title: "Restricted report", date: "2024-03",
             publisher: "Quiet Press", visibility: RESTRICTED}) { id } }"#,
        json!({}),
    )
    .await;
    assert_eq!(count(&app.data_as(None, LIST, json!({})).await), (n, n));
    assert_eq!(
        count(&app.data_as(Some(&app.viewer), LIST, json!({})).await),
        (n + 1, n + 1)
    );
    let quiet = json!({"publisher": "Quiet Press"});
    assert_eq!(count(&app.data_as(None, LIST, quiet.clone()).await), (0, 0));
    assert_eq!(
        count(&app.data_as(Some(&app.viewer), LIST, quiet).await),
        (1, 1)
    );
});
