//! Full-text search over the demo: accents, stems in both languages, kinds, ranking,
//! snippets, paging, the index kept in step with writes, and restricted records.

use crate::app::TestApp;
use crate::both_engines;
use serde_json::{Value, json};

const SEARCH: &str = r#"query($q: String!, $types: [SearchType!], $first: Int, $after: String) {
  search(query: $q, types: $types, first: $first, after: $after) {
    edges { cursor node { type score snippet matchedTerms
      node { __typename ... on Case { slug title } ... on Actor { slug name } ... on NewsItem { title } } } }
    pageInfo { hasNextPage endCursor }
  }
}"#;

async fn search(app: &TestApp, token: Option<&str>, q: &str, types: Value) -> Vec<Value> {
    let data = app
        .data_as(token, SEARCH, json!({"q": q, "types": types, "first": 100}))
        .await;
    data["search"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn labels(hits: &[Value]) -> Vec<String> {
    hits.iter()
        .map(|h| {
            let n = &h["node"];
            n["slug"]
                .as_str()
                .or(n["title"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

both_engines!(search_finds_records_by_stem_and_accent, |engine| {
    let app = TestApp::with_demo(engine).await;

    // Accent-insensitive both ways: the demo writes "Edgar Alarcón".
    let hits = search(&app, None, "alarcon", json!(["ACTOR"])).await;
    assert!(
        labels(&hits).contains(&"edgar-alarcon".to_owned()),
        "{hits:#?}"
    );
    let alarcon = hits
        .iter()
        .find(|h| h["node"]["slug"] == "edgar-alarcon")
        .unwrap_or_else(|| panic!("alarcon"));
    assert!(
        alarcon["matchedTerms"].as_array().is_some_and(|t| t
            .iter()
            .any(|t| t.as_str().is_some_and(|t| t.contains("Alarc")))),
        "{alarcon:#}"
    );

    // English stems: "protest" finds the case about "protests"; the title ranks it first.
    let hits = search(&app, None, "protest", json!(["CASE"])).await;
    assert_eq!(
        labels(&hits).first().map(String::as_str),
        Some("santa-ana-prosecutions"),
        "{:?}",
        labels(&hits)
    );
    // Scores are ordered, best first.
    let scores: Vec<f64> = hits.iter().filter_map(|h| h["score"].as_f64()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // Every word must match; a stop word is ignored; `*` is a prefix.
    let bambas = search(&app, None, "las bambas", json!(null)).await;
    assert!(labels(&bambas).contains(&"las-bambas".to_owned()));
    assert!(
        labels(&bambas)
            .iter()
            .any(|l| l.contains("News from Las Bambas"))
    );
    let both = search(&app, None, "bambas strike", json!(null)).await;
    assert!(both.len() < bambas.len(), "AND narrows the hits");
    let prefix = search(&app, None, "bamb*", json!(null)).await;
    assert_eq!(labels(&prefix), labels(&bambas));

    // Types filter.
    let news_only = search(&app, None, "bambas", json!(["NEWS_ITEM"])).await;
    assert!(!news_only.is_empty());
    assert!(news_only.iter().all(|h| h["type"] == "NEWS_ITEM"));

    // Snippets are escaped and mark the match.
    let milk = search(&app, None, "milk", json!(["NEWS_ITEM"])).await;
    let snippet = milk
        .iter()
        .filter_map(|h| h["snippet"].as_str())
        .next()
        .unwrap_or_else(|| panic!("a snippet: {milk:#?}"));
    assert!(snippet.contains("<mark>"), "{snippet}");

    // Nothing found is an empty page, not an error.
    assert!(search(&app, None, "zzzyxw", json!(null)).await.is_empty());
});

both_engines!(search_pages_by_keyset, |engine| {
    let app = TestApp::with_demo(engine).await;
    let all = search(&app, None, "mining", json!(null)).await;
    assert!(all.len() >= 4, "{:?}", labels(&all));
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data_as(
                None,
                SEARCH,
                json!({"q": "mining", "first": 2, "after": after}),
            )
            .await;
        let page = &data["search"];
        for edge in page["edges"].as_array().cloned().unwrap_or_default() {
            seen.push(edge["node"].clone());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        labels(&seen),
        labels(&all),
        "pages add up to the whole list"
    );

    // A cursor from another list is refused.
    let cases = app
        .data_as(
            None,
            "{ cases(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let foreign = cases["cases"]["pageInfo"]["endCursor"].clone();
    let body = app
        .graphql_as(None, SEARCH, json!({"q": "mining", "after": foreign}))
        .await;
    assert_eq!(TestApp::error_code(&body), "BAD_USER_INPUT");
});

both_engines!(search_follows_writes_and_visibility, |engine| {
    let app = TestApp::with_demo(engine).await;
    let created = app
        .data(
            r#"mutation { createNewsItem(input: {title: "Comuneros de Fuerabamba anuncian paro", date: "2026-11",
                 summary: "Las comunidades campesinas exigen diálogo", visibility: RESTRICTED}) { id version } }"#,
            json!({}),
        )
        .await;
    let id = created["createNewsItem"]["id"].clone();

    // Restricted: anonymous callers don't find it; a viewer does, by a Spanish stem.
    assert!(
        search(&app, None, "fuerabamba", json!(null))
            .await
            .is_empty()
    );
    let viewer = app.viewer.clone();
    let hits = search(&app, Some(&viewer), "comunidad dialogo", json!(null)).await;
    assert_eq!(
        labels(&hits),
        vec!["Comuneros de Fuerabamba anuncian paro".to_owned()]
    );

    // Made public and retitled: the index follows the update in the same transaction.
    app.data(
        r#"mutation($id: ID!) { updateNewsItem(id: $id, input: {title: "Paro en Chalhuahuacho", visibility: PUBLIC}) { id } }"#,
        json!({"id": id}),
    )
    .await;
    assert!(
        search(&app, None, "fuerabamba", json!(null))
            .await
            .is_empty()
    );
    let hits = search(&app, None, "chalhuahuacho", json!(null)).await;
    assert_eq!(labels(&hits), vec!["Paro en Chalhuahuacho".to_owned()]);

    // Archived records are not found.
    app.data(
        r#"mutation($id: ID!) { archive(id: $id) }"#,
        json!({"id": id}),
    )
    .await;
    assert!(
        search(&app, None, "chalhuahuacho", json!(null))
            .await
            .is_empty()
    );
    assert!(
        search(&app, Some(&viewer), "chalhuahuacho", json!(null))
            .await
            .is_empty()
    );

    // A rebuilt index finds the same as the one kept by the writes.
    let before = labels(&search(&app, None, "mining", json!(null)).await);
    let written = app
        .store
        .rebuild_search_index()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(written > 50, "{written}");
    assert_eq!(
        labels(&search(&app, None, "mining", json!(null)).await),
        before
    );
});

both_engines!(search_refuses_unsearchable_queries, |engine| {
    let app = TestApp::spawn(engine).await;
    for (q, why) in [
        ("", "empty"),
        ("  ;;  ", "punctuation only"),
        ("de la y", "function words only"),
    ] {
        let body = app.graphql_as(None, SEARCH, json!({"q": q})).await;
        assert_eq!(
            TestApp::error_code(&body),
            "BAD_USER_INPUT",
            "{why}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("query:"), "{message}");
    }
    let long = "palabra ".repeat(100);
    let body = app.graphql_as(None, SEARCH, json!({"q": long})).await;
    assert_eq!(TestApp::error_code(&body), "BAD_USER_INPUT");
    // Query syntax of the engines is just text here.
    for q in [
        "\"unbalanced",
        "a OR b NEAR(c)",
        "x AND -y*",
        "') OR 1=1 --",
    ] {
        let body = app.graphql_as(None, SEARCH, json!({"q": q})).await;
        assert!(body.get("errors").is_none(), "{q}: {body}");
    }
});

#[test]
fn the_store_ranks_over_the_indexed_expression() {
    assert_eq!(
        chasqui_store::PG_SEARCH_VECTOR,
        chasqui_migrations::PG_SEARCH_VECTOR
    );
}
