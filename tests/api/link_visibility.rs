//! What a link writes (the status change and the event it reports, its note) follows the
//! link and its news item: a link that anonymous callers may not see, because it or its
//! news item is restricted, archived or restricted later, leaves every anonymous answer
//! exactly as it was before the link was made, derived numbers included.

use crate::app::TestApp;
use crate::both_engines;
use serde_json::{Value, json};

/// Everything of one case an anonymous caller can read, through each path: the case page
/// (`case(slug:)`, read ahead in one statement), the same fields through `node` (the
/// loaders and the timeline statement), lists, filters on derived columns and counts.
const VIEW: &str = r#"query($slug: String!, $id: ID!) {
  case(slug: $slug) { ...C }
  node(id: $id) { ... on Case { ...C } }
  cases(first: 50) { totalCount nodes { slug status phase lastActivityOn { end } } }
  latent: cases(filter: {statuses: [LATENT]}) { totalCount }
  recent: cases(filter: {activeFrom: "2017"}) { totalCount }
  caseStats(groupBy: [STATUS]) { status count }
  events(filter: {case: $id}) { totalCount nodes { title } }
  newsItems(filter: {case: $id}) { nodes { title } }
}
fragment C on Case {
  status phase lastActivityOn { end }
  statusHistory { status phase note date { value } sources { url newsItem { title } } }
  events(first: 20) { edges { cursor node { title sources { url newsItem { title } } } } }
  newsItems(first: 20) { edges { cursor node { note newsItem { title } statusChange { status note } event { title } } } }
  timeline(first: 50) { edges { cursor node { __typename
    ... on Event { title sources { url newsItem { title } } }
    ... on NewsLink { note newsItem { title } }
    ... on StatusChange { status note sources { url newsItem { title } } } } } }
}"#;

const LINK: &str = r#"mutation($news: ID!, $case: ID!, $visibility: Visibility!, $eventVisibility: Visibility!) {
  linkNewsItem(input: {newsItem: $news, case: $case, updateKind: STATUS_CHANGE,
    reportedStatus: LATENT, reportedPhase: DIALOGUE, note: "what the item says",
    event: {kind: PROTEST, title: "March on the mine", date: "2017-06-10", visibility: $eventVisibility},
    visibility: $visibility}) { id statusChange { id } event { id } }
}"#;

/// A case (ACTIVE since January 2016, from a URL) and its id.
async fn case(app: &TestApp, slug: &str) -> String {
    let created = app
        .data(
            r#"mutation($slug: String!) { createCase(input: {slug: $slug, kind: MINE, title: "A mine",
                status: ACTIVE, phase: EARLY, statusSince: "2016-01",
                statusSource: {url: "https://example.org/start"}}) { id } }"#,
            json!({"slug": slug}),
        )
        .await;
    id_of(&created["createCase"])
}

/// A news item of June 2017 and its id.
async fn news(app: &TestApp, title: &str, visibility: &str) -> String {
    let created = app
        .data(
            r#"mutation($title: String!, $visibility: Visibility!) { createNewsItem(input: {title: $title,
                date: "2017-06-20", visibility: $visibility}) { id } }"#,
            json!({"title": title, "visibility": visibility}),
        )
        .await;
    id_of(&created["createNewsItem"])
}

fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value:#}"))
        .to_owned()
}

/// Links `news` to `case` reporting LATENT/DIALOGUE and an event; returns the ids of the
/// link, its status change and its event.
async fn link(
    app: &TestApp,
    news: &str,
    case: &str,
    visibility: &str,
    event_visibility: &str,
) -> [String; 3] {
    let linked = app
        .data(
            LINK,
            json!({"news": news, "case": case, "visibility": visibility,
                   "eventVisibility": event_visibility}),
        )
        .await;
    let link = &linked["linkNewsItem"];
    [
        id_of(link),
        id_of(&link["statusChange"]),
        id_of(&link["event"]),
    ]
}

async fn view(app: &TestApp, token: Option<&str>, slug: &str, id: &str) -> Value {
    app.data_as(token, VIEW, json!({"slug": slug, "id": id}))
        .await
}

/// `node(id:)` of each record, as `token` sees them.
async fn nodes(app: &TestApp, token: Option<&str>, ids: &[String]) -> Value {
    let found = app
        .data_as(
            token,
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({"ids": ids}),
        )
        .await;
    found["nodes"].clone()
}

async fn mutate(app: &TestApp, query: &str, variables: Value) {
    app.data(query, variables).await;
}

const RESTRICT_NEWS: &str = r#"mutation($id: ID!, $v: Visibility!) { updateNewsItem(id: $id, input: {visibility: $v}) { id } }"#;
const UPDATE_LINK: &str = r#"mutation($id: ID!, $v: Visibility!) { updateLink(id: $id, input: {visibility: $v}) { id } }"#;

both_engines!(
    a_public_link_to_a_restricted_news_item_moves_nothing_public,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let case = case(&app, "mine").await;
        let secret = news(&app, "Secret report", "RESTRICTED").await;
        let before = view(&app, None, "mine", &case).await;
        let viewer_before = view(&app, Some(&app.viewer), "mine", &case).await;

        let records = link(&app, &secret, &case, "PUBLIC", "PUBLIC").await;

        assert_eq!(
            view(&app, None, "mine", &case).await,
            before,
            "a link to a restricted item changed an anonymous answer"
        );
        assert_eq!(nodes(&app, None, &records).await, json!([null, null, null]));
        // The viewer sees what the link reported: the comparison above is not vacuous.
        let viewer = view(&app, Some(&app.viewer), "mine", &case).await;
        assert_ne!(viewer, viewer_before);
        assert_eq!(
            viewer["case"]["status"], "ACTIVE",
            "derived columns are public"
        );
        assert_eq!(viewer["case"]["statusHistory"][1]["status"], "LATENT");
    }
);

both_engines!(
    restricting_or_archiving_a_news_item_withdraws_what_its_links_reported,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let case = case(&app, "mine").await;
        let item = news(&app, "Blockade report", "PUBLIC").await;
        let before = view(&app, None, "mine", &case).await;
        let viewer_before = view(&app, Some(&app.viewer), "mine", &case).await;
        let records = link(&app, &item, &case, "PUBLIC", "PUBLIC").await;
        let linked = view(&app, None, "mine", &case).await;
        assert_eq!(linked["case"]["status"], "LATENT");
        assert_eq!(linked["case"]["lastActivityOn"]["end"], "2017-06-20");

        mutate(&app, RESTRICT_NEWS, json!({"id": item, "v": "RESTRICTED"})).await;
        assert_eq!(
            view(&app, None, "mine", &case).await,
            before,
            "restricting the item left what its link reported public"
        );
        assert_eq!(nodes(&app, None, &records).await, json!([null, null, null]));

        // Archived, the item takes what its link reported out of every read.
        mutate(
            &app,
            "mutation($id: ID!) { archive(id: $id) }",
            json!({"id": item}),
        )
        .await;
        assert_eq!(
            view(&app, Some(&app.viewer), "mine", &case).await,
            viewer_before,
            "archiving the item left what its link reported readable"
        );
        assert_eq!(
            nodes(&app, Some(&app.viewer), &records).await,
            json!([null, null, null])
        );

        // Restored and public again, it all comes back, derived columns included.
        app.data_as(
            Some(&app.admin),
            "mutation($id: ID!) { restore(id: $id) }",
            json!({"id": item}),
        )
        .await;
        mutate(&app, RESTRICT_NEWS, json!({"id": item, "v": "PUBLIC"})).await;
        assert_eq!(view(&app, None, "mine", &case).await, linked);
    }
);

both_engines!(
    a_restricted_link_withholds_its_event_and_updates_carry_over,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let case = case(&app, "mine").await;
        let first = news(&app, "First report", "PUBLIC").await;
        let second = news(&app, "Second report", "PUBLIC").await;
        let before = view(&app, None, "mine", &case).await;

        // Restricted from the start: its event, PUBLIC by its own default, stays hidden.
        let hidden = link(&app, &first, &case, "RESTRICTED", "PUBLIC").await;
        assert_eq!(view(&app, None, "mine", &case).await, before);
        assert_eq!(nodes(&app, None, &hidden).await, json!([null, null, null]));

        // Public, then restricted by updateLink: its event goes with it.
        let shown = link(&app, &second, &case, "PUBLIC", "PUBLIC").await;
        let linked = view(&app, None, "mine", &case).await;
        assert_ne!(linked, before);
        mutate(
            &app,
            UPDATE_LINK,
            json!({"id": shown[0], "v": "RESTRICTED"}),
        )
        .await;
        assert_eq!(
            view(&app, None, "mine", &case).await,
            before,
            "restricting the link left its event or status public"
        );
        assert_eq!(nodes(&app, None, &shown).await, json!([null, null, null]));
        mutate(&app, UPDATE_LINK, json!({"id": shown[0], "v": "PUBLIC"})).await;
        assert_eq!(view(&app, None, "mine", &case).await, linked);

        // An event the editor restricted stays restricted under a public link.
        let third = news(&app, "Third report", "PUBLIC").await;
        let own = link(&app, &third, &case, "PUBLIC", "RESTRICTED").await;
        assert_eq!(nodes(&app, None, &own[2..]).await, json!([null]));
        let viewer = nodes(&app, Some(&app.viewer), &own).await;
        assert!(
            viewer
                .as_array()
                .is_some_and(|n| n.iter().all(Value::is_object))
        );
    }
);

both_engines!(a_source_the_caller_may_not_see_is_not_listed, |engine| {
    let app = TestApp::spawn(engine).await;
    let case = case(&app, "mine").await;
    let secret = news(&app, "Secret report", "RESTRICTED").await;
    app.data(
        r#"mutation($case: ID!, $news: ID!) {
            recordStatusChange(input: {case: $case, status: LATENT, date: "2017-06",
                source: {newsItem: $news}}) { id }
            recordEvent(input: {case: $case, kind: PROTEST, title: "Sit-in", date: "2017-06-02",
                sources: [{newsItem: $news}]}) { id } }"#,
        json!({"case": case, "news": secret}),
    )
    .await;
    let query = r#"query($slug: String!) { case(slug: $slug) {
        statusHistory { status sources { url newsItem { title } } }
        events(first: 5) { nodes { title sources { url newsItem { title } } } } } }"#;
    let anonymous = app.data_as(None, query, json!({"slug": "mine"})).await;
    assert_eq!(
        anonymous["case"],
        json!({
            "statusHistory": [
                {"status": "ACTIVE", "sources": [{"url": "https://example.org/start", "newsItem": null}]},
                {"status": "LATENT", "sources": []}
            ],
            "events": {"nodes": [{"title": "Sit-in", "sources": []}]}
        })
    );
    let viewer = app
        .data_as(Some(&app.viewer), query, json!({"slug": "mine"}))
        .await;
    assert_eq!(
        viewer["case"]["statusHistory"][1]["sources"],
        json!([{"url": null, "newsItem": {"title": "Secret report"}}])
    );
});

/// Every (table, id, effective visibility) row, in a stable order.
async fn effective_rows(app: &TestApp) -> Vec<(String, i64, String)> {
    use sea_orm::ConnectionTrait;
    let db = &app.store.db;
    let sql = "SELECT 'link' AS t, id, effective_visibility AS v FROM news_links \
               UNION ALL SELECT 'event', id, effective_visibility FROM events \
               UNION ALL SELECT 'status', id, effective_visibility FROM status_changes \
               ORDER BY 1, 2";
    db.query_all_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        sql,
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .iter()
    .map(|row| {
        let get = |column: &str| -> String {
            row.try_get("", column)
                .unwrap_or_else(|e| panic!("{column}: {e}"))
        };
        let id: i64 = row.try_get("", "id").unwrap_or_else(|e| panic!("{e}"));
        (get("t"), id, get("v"))
    })
    .collect()
}

/// The values the store kept through its writes equal a recomputation of every row.
async fn assert_effective_current(app: &TestApp, after: &str) -> Vec<(String, i64, String)> {
    let kept = effective_rows(app).await;
    app.store
        .recompute_effective_visibility()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let recomputed = effective_rows(app).await;
    assert!(!kept.is_empty(), "{after}: no rows");
    if kept != recomputed {
        let differ: Vec<_> = kept
            .iter()
            .zip(&recomputed)
            .filter(|(k, r)| k != r)
            .collect();
        panic!("{after}: kept values differ from a recomputation: {differ:?}");
    }
    recomputed
}

both_engines!(
    effective_visibility_kept_by_every_write_equals_a_recomputation,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        assert_effective_current(&app, "the demo").await;
        let case = id_of(
            &app.data(r#"{ case(slug: "las-bambas") { id } }"#, json!({}))
                .await["case"],
        );
        let secret = news(&app, "Secret report", "RESTRICTED").await;
        let open = news(&app, "Open report", "PUBLIC").await;

        let [secret_link, _, event] = link(&app, &secret, &case, "PUBLIC", "PUBLIC").await;
        assert_effective_current(&app, "linkNewsItem to a restricted item").await;
        let [open_link, ..] = link(&app, &open, &case, "RESTRICTED", "PUBLIC").await;
        assert_effective_current(&app, "a restricted linkNewsItem").await;
        mutate(&app, UPDATE_LINK, json!({"id": open_link, "v": "PUBLIC"})).await;
        assert_effective_current(&app, "updateLink").await;
        mutate(
            &app,
            "mutation($id: ID!) { rejectLink(id: $id) { id } }",
            json!({"id": secret_link}),
        )
        .await;
        assert_effective_current(&app, "rejectLink").await;
        mutate(
            &app,
            "mutation($id: ID!) { confirmLink(id: $id) { id } }",
            json!({"id": secret_link}),
        )
        .await;
        assert_effective_current(&app, "confirmLink").await;
        mutate(&app, RESTRICT_NEWS, json!({"id": open, "v": "RESTRICTED"})).await;
        assert_effective_current(&app, "updateNewsItem(visibility)").await;
        mutate(
            &app,
            "mutation($id: ID!) { archive(id: $id) }",
            json!({"id": secret}),
        )
        .await;
        let archived = assert_effective_current(&app, "archiving a news item").await;
        let values: std::collections::BTreeSet<&str> =
            archived.iter().map(|(_, _, v)| v.as_str()).collect();
        assert_eq!(
            values.into_iter().collect::<Vec<_>>(),
            ["HIDDEN", "PUBLIC", "RESTRICTED"],
            "every value is exercised"
        );
        app.data_as(
            Some(&app.admin),
            "mutation($id: ID!) { restore(id: $id) }",
            json!({"id": secret}),
        )
        .await;
        assert_effective_current(&app, "restoring a news item").await;
        mutate(
            &app,
            "mutation($id: ID!) { archive(id: $id) }",
            json!({"id": event}),
        )
        .await;
        assert_effective_current(&app, "archiving an event").await;
        app.data_as(
            Some(&app.admin),
            "mutation($id: ID!) { restore(id: $id) }",
            json!({"id": event}),
        )
        .await;
        assert_effective_current(&app, "restoring an event").await;
        app.data(
            r#"mutation($case: ID!) { recordStatusChange(input: {case: $case, status: RESOLVED,
                date: "2017-07", source: {url: "https://example.org/r"}, visibility: RESTRICTED}) { id }
                recordEvent(input: {case: $case, kind: STRIKE, title: "Strike", date: "2017-07-02",
                sources: [{url: "https://example.org/s"}], visibility: RESTRICTED}) { id } }"#,
            json!({"case": case}),
        )
        .await;
        assert_effective_current(&app, "recordStatusChange and recordEvent").await;
        let suggested = news(
            &app,
            "Las Bambas: the corridor is blocked again",
            "RESTRICTED",
        )
        .await;
        app.data(
            "mutation($id: ID!) { suggestLinks(newsItem: $id) { id } }",
            json!({"id": suggested}),
        )
        .await;
        assert_effective_current(&app, "suggestLinks").await;

        // The importers: news items with links, and records (an event made restricted, a
        // restricted link reporting an event).
        let author = chasqui_store::Author::command_line();
        let mut import = app
            .store
            .begin_news_import(&author)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let item = chasqui_store::NewNewsItem {
            title: "Imported restricted item".into(),
            published_on: chasqui_entities::PartialDate::parse("2017-05")
                .unwrap_or_else(|e| panic!("{e}")),
            summary: None,
            body: None,
            url: Some("https://example.org/imported".into()),
            publisher: None,
            language: None,
            visibility: chasqui_entities::Visibility::Restricted,
        };
        let links = vec![chasqui_store::ImportLink {
            case_slug: "las-bambas".into(),
            update_kind: chasqui_entities::UpdateKind::Development,
            note: None,
        }];
        import
            .add(vec![chasqui_store::ImportItem::new(item, links)])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        import.commit().await.unwrap_or_else(|e| panic!("{e}"));
        assert_effective_current(&app, "a news import").await;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("records.ndjson");
        let records = [
            json!({"type": "event", "case": "las-bambas", "kind": "PROTEST", "title": "March on the mine",
                   "date": "2017-06-10", "visibility": "RESTRICTED",
                   "sources": [{"url": "https://example.org/march"}]}),
            json!({"type": "link", "news": "https://example.org/imported", "case": "toromocho",
                   "updateKind": "DEVELOPMENT", "visibility": "RESTRICTED",
                   "event": {"kind": "STRIKE", "title": "Imported strike", "date": "2017-05-03",
                             "sources": []}}),
        ];
        let text: String = records.iter().map(|r| format!("{r}\n")).collect();
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let report = chasqui::import::import_file_of_kind(
            &app.store,
            &author,
            &path,
            None,
            &chasqui::import::Provenance {
                publisher: None,
                language: None,
                columns: Default::default(),
            },
            None,
            &|_| {},
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        assert_effective_current(&app, "a record import").await;

        app.data_as(
            Some(&app.admin),
            "mutation($id: ID!) { archive(id: $id) }",
            json!({"id": open}),
        )
        .await;
        app.data_as(
            Some(&app.admin),
            "mutation($id: ID!) { purge(id: $id) }",
            json!({"id": open}),
        )
        .await;
        let kept = assert_effective_current(&app, "purging a news item").await;

        // A dump carries the records; loading one derives the values again.
        let loaded = app.dumped_into(engine).await;
        assert_eq!(effective_rows(&loaded).await, kept, "after a dump load");
    }
);

both_engines!(
    decisions_on_links_of_archived_records_are_refused,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let case = case(&app, "mine").await;
        let item = news(&app, "Report", "PUBLIC").await;
        let other = news(&app, "Other report", "PUBLIC").await;
        let [on_case, ..] = link(&app, &item, &case, "PUBLIC", "PUBLIC").await;
        let second = case_of(&app, "other-mine").await;
        let [on_item, ..] = link(&app, &other, &second, "PUBLIC", "PUBLIC").await;
        mutate(
            &app,
            "mutation($id: ID!) { archive(id: $id) }",
            json!({"id": case}),
        )
        .await;
        mutate(
            &app,
            "mutation($id: ID!) { archive(id: $id) }",
            json!({"id": other}),
        )
        .await;
        let decisions = [
            r#"mutation($id: ID!) { updateLink(id: $id, input: {note: "changed"}) { id } }"#,
            r#"mutation($id: ID!) { rejectLink(id: $id) { id } }"#,
            r#"mutation($id: ID!) { confirmLink(id: $id) { id } }"#,
        ];
        let log = r#"{ auditLog(first: 100) { nodes { at action entityId } } }"#;
        let before = app.data_as(Some(&app.admin), log, json!({})).await;
        for link in [&on_case, &on_item] {
            for decision in decisions {
                let body = app.graphql(decision, json!({"id": link})).await;
                assert_eq!(
                    TestApp::error_code(&body),
                    "NOT_FOUND",
                    "{decision}: {body:#}"
                );
            }
        }
        assert_eq!(
            app.data_as(Some(&app.admin), log, json!({})).await,
            before,
            "nothing was written"
        );
    }
);

async fn case_of(app: &TestApp, slug: &str) -> String {
    case(app, slug).await
}
