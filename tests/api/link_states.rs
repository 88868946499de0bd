//! Only confirmed links are public. A suggestion (with the matcher's confidence and the
//! names that matched) and a rejected link are editors' work: an anonymous caller sees
//! neither by any path (a news item's cases, `node`, a case's news and timeline, the
//! news list of a case), whatever it asks for; a caller who may see restricted records
//! sees them where it asks for them (`states`), and by id.

use crate::app::TestApp;
use crate::both_engines;
use serde_json::{Value, json};

/// Every path to a news item's links, and to the cases' news.
const VIEW: &str = r#"query($news: ID!, $suggested: ID!, $rejected: ID!, $bambas: ID!, $toromocho: ID!) {
  item: node(id: $news) { ... on NewsItem {
    cases { ...L }
    asked: cases(states: [SUGGESTED, REJECTED]) { ...L }
    every: cases(states: [SUGGESTED, CONFIRMED, REJECTED]) { ...L } } }
  suggested: node(id: $suggested) { ... on NewsLink { ...L } }
  rejected: node(id: $rejected) { ... on NewsLink { ...L } }
  bambas: case(slug: "las-bambas") { ...C }
  toromocho: case(slug: "toromocho") { ...C }
  bambasNews: newsItems(filter: {case: $bambas}, first: 100) { nodes { title } }
  toromochoNews: newsItems(filter: {case: $toromocho}, first: 100) { nodes { title } }
}
fragment L on NewsLink { state confidence matchedTerms reportedStatus case { slug } }
fragment C on Case {
  status lastActivityOn { value precision }
  newsItems(first: 50) { nodes { state newsItem { title } } }
  timeline(first: 50) { nodes { __typename ... on NewsLink { state newsItem { title } } } }
}"#;

fn titles(list: &Value) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| {
            n.pointer("/newsItem/title")
                .or_else(|| n.get("title"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    out.sort();
    out
}

fn states(list: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = list
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            (
                l["case"]["slug"].as_str().unwrap_or_default().to_owned(),
                l["state"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

both_engines!(suggested_and_rejected_links_are_not_public, |engine| {
    let app = TestApp::with_demo(engine).await;
    const TITLE: &str = "MMG trucks stopped again in Challhuahuacho";
    let news = app
        .data(
            "mutation($title: String!) { createNewsItem(input: {title: $title, date: \"2024-05-02\"}) { id } }",
            json!({"title": TITLE}),
        )
        .await["createNewsItem"]["id"]
        .clone();
    let view_before = |token| {
        let app = &app;
        async move {
            app.data_as(
                token,
                "{ bambas: case(slug: \"las-bambas\") { status lastActivityOn { value precision } timeline(first: 50) { nodes { __typename } } } }",
                json!({}),
            )
            .await
        }
    };
    let before = view_before(None).await;

    // The matcher suggests Las Bambas (MMG operates it, in Challhuahuacho); an editor
    // records a link to Toromocho reporting a status, then rejects it.
    let suggested = app
        .data(
            "mutation($id: ID!) { suggestLinks(newsItem: $id) { id case { slug } confidence matchedTerms } }",
            json!({"id": news}),
        )
        .await["suggestLinks"]
        .clone();
    let suggestion = suggested
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["case"]["slug"] == "las-bambas")
        .cloned()
        .unwrap_or_else(|| panic!("Las Bambas suggested: {suggested}"));
    assert!(suggestion["confidence"].as_f64().is_some_and(|c| c > 0.0));
    let cases = app
        .data(
            r#"{ bambas: case(slug: "las-bambas") { id } toromocho: case(slug: "toromocho") { id } }"#,
            json!({}),
        )
        .await;
    let (bambas, toromocho) = (
        cases["bambas"]["id"].clone(),
        cases["toromocho"]["id"].clone(),
    );
    let rejected = app
        .data(
            r#"mutation($news: ID!, $case: ID!) { linkNewsItem(input: {newsItem: $news,
                 case: $case, updateKind: STATUS_CHANGE, reportedStatus: RESOLVED,
                 confirmed: false}) { id } }"#,
            json!({"news": news, "case": toromocho}),
        )
        .await["linkNewsItem"]["id"]
        .clone();
    app.data(
        "mutation($id: ID!) { rejectLink(id: $id) { state } }",
        json!({"id": rejected}),
    )
    .await;
    let ids = json!({"news": news, "suggested": suggestion["id"], "rejected": rejected,
        "bambas": bambas, "toromocho": toromocho});

    // Anonymous: nothing of either, whatever it asks for; the cases as before.
    let anonymous = app.data_as(None, VIEW, ids.clone()).await;
    let item = &anonymous["item"];
    for list in ["cases", "asked", "every"] {
        assert_eq!(item[list], json!([]), "{list}: {item:#}");
    }
    assert_eq!(anonymous["suggested"], Value::Null);
    assert_eq!(anonymous["rejected"], Value::Null);
    for list in ["bambasNews", "toromochoNews"] {
        assert!(
            !titles(&anonymous[list]["nodes"]).contains(&TITLE.to_owned()),
            "{list}: {anonymous:#}"
        );
    }
    for case in ["bambas", "toromocho"] {
        let case = &anonymous[case];
        assert!(!titles(&case["newsItems"]["nodes"]).contains(&TITLE.to_owned()));
        assert!(!titles(&case["timeline"]["nodes"]).contains(&TITLE.to_owned()));
    }
    assert_eq!(view_before(None).await, before);

    // A viewer: confirmed links by default, the others when asked, and by id.
    let viewer = app.data_as(Some(&app.viewer), VIEW, ids.clone()).await;
    let item = &viewer["item"];
    assert_eq!(item["cases"], json!([]), "{item:#}");
    let both = vec![
        ("las-bambas".to_owned(), "SUGGESTED".to_owned()),
        ("toromocho".to_owned(), "REJECTED".to_owned()),
    ];
    assert_eq!(states(&item["asked"]), both);
    assert_eq!(states(&item["every"]), both);
    let shown = item["asked"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["state"] == "SUGGESTED")
        .cloned()
        .unwrap_or_default();
    assert_eq!(shown["confidence"], suggestion["confidence"]);
    assert_eq!(shown["matchedTerms"], suggestion["matchedTerms"]);
    assert_eq!(viewer["suggested"]["state"], "SUGGESTED");
    assert_eq!(viewer["rejected"]["state"], "REJECTED");
    assert_eq!(viewer["rejected"]["reportedStatus"], "RESOLVED");
    // A suggestion is not a link yet: it stays out of the case's news and timeline for
    // every caller.
    assert!(!titles(&viewer["bambasNews"]["nodes"]).contains(&TITLE.to_owned()));
    assert!(!titles(&viewer["bambas"]["timeline"]["nodes"]).contains(&TITLE.to_owned()));

    // Confirmed, the suggestion is public, on every path.
    app.data(
        "mutation($id: ID!) { confirmLink(id: $id) { state } }",
        json!({"id": suggestion["id"]}),
    )
    .await;
    let anonymous = app.data_as(None, VIEW, ids).await;
    let item = &anonymous["item"];
    let confirmed = vec![("las-bambas".to_owned(), "CONFIRMED".to_owned())];
    assert_eq!(states(&item["cases"]), confirmed);
    assert_eq!(states(&item["every"]), confirmed);
    assert_eq!(item["asked"], json!([]));
    assert_eq!(anonymous["suggested"]["state"], "CONFIRMED");
    assert_eq!(anonymous["rejected"], Value::Null);
    assert!(titles(&anonymous["bambasNews"]["nodes"]).contains(&TITLE.to_owned()));
    assert!(titles(&anonymous["bambas"]["newsItems"]["nodes"]).contains(&TITLE.to_owned()));
    assert!(!titles(&anonymous["toromochoNews"]["nodes"]).contains(&TITLE.to_owned()));
});
