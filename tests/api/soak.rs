//! A bounded soak: concurrent writers and readers over loopback HTTP against one server,
//! then a reconciliation of what was written with what the database holds. No request may
//! fail (a CONFLICT from a stale version is an answer, and is counted), nothing may be lost.

use crate::app::{Engine, TestApp};
use chasqui_entities::tables::{audit_entry, event, news_link};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const WRITERS: usize = 6;
const WRITES_PER_WRITER: usize = 25;
const READERS: usize = 4;
const READS_PER_READER: usize = 40;

async fn soak(engine: Engine) {
    let config = chasqui::config::HttpConfig {
        rate_limit_per_minute: None,
        ..Default::default()
    };
    let app = Arc::new(TestApp::spawn_with(engine, config).await);
    let case = app
        .data(r#"mutation { createCase(input: {slug: "soak", kind: MINE, title: "Soak", status: ACTIVE}) { id } }"#, json!({}))
        .await;
    let case_id = case["createCase"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let requests = Arc::new(AtomicUsize::new(0));
    let conflicts = Arc::new(AtomicUsize::new(0));
    let updates = Arc::new(AtomicUsize::new(0));

    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let (app, case_id, requests, conflicts, updates) = (
            app.clone(),
            case_id.clone(),
            requests.clone(),
            conflicts.clone(),
            updates.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for n in 0..WRITES_PER_WRITER {
                let news = app
                    .data(
                        r#"mutation($i: CreateNewsItemInput!) { createNewsItem(input: $i) { id } }"#,
                        json!({"i": {"title": format!("Item {writer}-{n}"), "date": format!("2020-{:02}-{:02}", 1 + n % 12, 1 + writer), "url": format!("https://example.org/{writer}/{n}")}}),
                    )
                    .await;
                let news_id = news["createNewsItem"]["id"].clone();
                app.data(
                    r#"mutation($i: LinkNewsItemInput!) { linkNewsItem(input: $i) { id } }"#,
                    json!({"i": {"newsItem": news_id, "case": case_id, "updateKind": "DEVELOPMENT",
                        "event": {"kind": "PROTEST", "title": format!("Protest {writer}-{n}"), "date": "2020-03"}}}),
                )
                .await;
                // An optimistic update against whatever version the writer last saw.
                let current = app.data(r#"query($id: ID!) { node(id: $id) { ... on MineCase { version } } }"#, json!({"id": case_id})).await;
                let version = current["node"]["version"].as_i64().unwrap_or_default();
                let body = app
                    .graphql(
                        r#"mutation($id: ID!, $v: Int) { updateCase(id: $id, expectedVersion: $v, input: {summary: "edited"}) { version } }"#,
                        json!({"id": case_id, "v": version}),
                    )
                    .await;
                match body.get("errors") {
                    None => updates.fetch_add(1, Ordering::SeqCst),
                    Some(_) if TestApp::error_code(&body) == "CONFLICT" => conflicts.fetch_add(1, Ordering::SeqCst),
                    Some(_) => panic!("an update failed: {body}"),
                };
                requests.fetch_add(4, Ordering::SeqCst);
            }
        }));
    }
    for _ in 0..READERS {
        let (app, requests) = (app.clone(), requests.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..READS_PER_READER {
                let data = app
                    .data_as(None, r#"{ case(slug: "soak") { timeline(first: 20) { edges { cursor } } } cases { totalCount } newsItems(first: 20) { nodes { title } } }"#, json!({}))
                    .await;
                assert_eq!(data["cases"]["totalCount"], 1);
                requests.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    for task in tasks {
        task.await
            .unwrap_or_else(|e| panic!("a client task failed: {e}"));
    }

    let written = WRITERS * WRITES_PER_WRITER;
    let mut news_seen = 0;
    let mut after = Value::Null;
    loop {
        let page = app
            .data(r#"query($after: String) { newsItems(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }"#, json!({"after": after}))
            .await;
        news_seen += page["newsItems"]["nodes"]
            .as_array()
            .map(Vec::len)
            .unwrap_or_default();
        if page["newsItems"]["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["newsItems"]["pageInfo"]["endCursor"].clone();
    }
    let final_state = app
        .data_as(Some(&app.admin), r#"{ case(slug: "soak") { version events(first: 1) { pageInfo { hasNextPage } } revisions(first: 1) { pageInfo { hasNextPage } } } }"#, json!({}))
        .await;
    let db = &app.store.db;
    let count_rows = |n: Result<u64, sea_orm::DbErr>| n.unwrap_or_else(|e| panic!("{e}"));
    let counts = (
        count_rows(news_link::Entity::find().count(db).await),
        count_rows(event::Entity::find().count(db).await),
    );
    assert_eq!(news_seen, written, "every news item is there, once");
    assert_eq!(
        counts,
        (written as u64, written as u64),
        "every link and every event is there, once"
    );
    let updates = updates.load(Ordering::SeqCst);
    assert_eq!(
        final_state["case"]["version"].as_u64(),
        Some(updates as u64 + 1),
        "every accepted update bumped the version once"
    );
    let audited = count_rows(audit_entry::Entity::find().count(db).await);
    // createCase + per write: news item, link + each accepted update; plus the three tokens.
    assert_eq!(
        audited,
        (1 + 2 * written + updates + 3) as u64,
        "every write is in the audit log, once"
    );
    println!(
        "soak: {} requests, {written} news items + {written} links + {written} events reconciled, {updates} updates, {} stale-version conflicts",
        requests.load(Ordering::SeqCst),
        conflicts.load(Ordering::SeqCst)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_and_readers_lose_nothing_sqlite() {
    soak(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_and_readers_lose_nothing_postgres() {
    soak(Engine::Postgres).await
}
