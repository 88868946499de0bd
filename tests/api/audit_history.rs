//! The audit log keeps everything: the entry of a write holds every record the write
//! created, changed or deleted, with its content, so that what a purge removes can be
//! rebuilt from the log alone (read over HTTP with `auditLog`).

use crate::app::TestApp;
use crate::both_engines;
use chasqui_schema::ids::{NodeType, encode};
use serde_json::{Value, json};

/// A case's events, news links and status history as an admin reads them.
const HISTORY: &str = r#"query($slug: String!) { case(slug: $slug) {
  id
  statusHistory { id status phase note visibility date { value } sources { url newsItem { id } } }
  events(first: 100) { nodes { id kind title description visibility date { value } endDate { value }
    deaths injuries location { id } actors { id } sources { url newsItem { id } } } }
  newsItems(first: 100) { nodes { id updateKind reportedStatus note state visibility
    newsItem { id } statusChange { id } event { id } } }
  relatedCases { id kind outgoing note case { id } }
} }"#;

fn global(kind: NodeType, id: &Value) -> Value {
    match id.as_i64() {
        Some(id) => json!(encode(kind, id).0),
        None => Value::Null,
    }
}

fn node(kind: NodeType, id: &Value) -> Value {
    match id.as_i64() {
        Some(_) => json!({"id": global(kind, id)}),
        None => Value::Null,
    }
}

/// A stored (first day, precision) as the `PartialDate` the API writes.
fn partial_date(day: &Value, precision: &Value) -> Value {
    let (Some(day), Some(precision)) = (day.as_str(), precision.as_str()) else {
        return Value::Null;
    };
    let value = match precision {
        "YEAR" => &day[..4],
        "MONTH" => &day[..7],
        _ => day,
    };
    json!({"value": value})
}

/// A source as the comparison reads it: its news item when there is one, else its URL
/// (the API's `url` falls back to the item's).
fn source(news_item: &Value, url: &Value) -> Value {
    match news_item {
        Value::Null => json!({"url": url}),
        item => json!({"newsItem": item}),
    }
}

fn api_sources(sources: &Value) -> Vec<Value> {
    sources
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| source(&s["newsItem"]["id"], &s["url"]))
        .collect()
}

fn array(value: &Value) -> Vec<Value> {
    value.as_array().cloned().unwrap_or_default()
}

/// What the admin's answer holds, reduced to what the comparison reads.
fn from_api(case: &Value) -> Value {
    let mut history: Vec<Value> = array(&case["statusHistory"])
        .iter()
        .map(|s| {
            json!({"id": s["id"], "status": s["status"], "phase": s["phase"], "note": s["note"],
                   "visibility": s["visibility"], "date": s["date"],
                   "sources": api_sources(&s["sources"])})
        })
        .collect();
    history.sort_by_key(|s| s["id"].to_string());
    let mut events: Vec<Value> = array(&case["events"]["nodes"])
        .iter()
        .map(|e| {
            let mut actors: Vec<Value> = array(&e["actors"]);
            actors.sort_by_key(|a| a["id"].to_string());
            let mut sources = api_sources(&e["sources"]);
            sources.sort_by_key(|s| s.to_string());
            json!({"id": e["id"], "kind": e["kind"], "title": e["title"],
                   "description": e["description"], "visibility": e["visibility"],
                   "date": e["date"], "endDate": e["endDate"], "deaths": e["deaths"],
                   "injuries": e["injuries"], "location": e["location"], "actors": actors,
                   "sources": sources})
        })
        .collect();
    events.sort_by_key(|e| e["id"].to_string());
    let mut links: Vec<Value> = array(&case["newsItems"]["nodes"]);
    links.sort_by_key(|l| l["id"].to_string());
    let mut relations: Vec<Value> = array(&case["relatedCases"]);
    relations.sort_by_key(|r| r["id"].to_string());
    json!({"statusHistory": history, "events": events, "links": links, "relations": relations})
}

/// The same, rebuilt from the `before` of the case's purge entry alone.
fn from_log(case_id: &Value, before: &Value) -> Value {
    let mut history: Vec<Value> = array(&before["statusChanges"])
        .iter()
        .map(|s| {
            let sources = if s["news_item_id"].is_null() && s["source_url"].is_null() {
                vec![]
            } else {
                vec![source(
                    &global(NodeType::NewsItem, &s["news_item_id"]),
                    &s["source_url"],
                )]
            };
            json!({"id": global(NodeType::StatusChange, &s["id"]), "status": s["status"],
                   "phase": s["phase"], "note": s["note"], "visibility": s["visibility"],
                   "date": partial_date(&s["occurred_on"], &s["occurred_precision"]),
                   "sources": sources})
        })
        .collect();
    history.sort_by_key(|s| s["id"].to_string());
    let mut events: Vec<Value> = array(&before["events"])
        .iter()
        .filter(|e| e["event"]["archived_at"].is_null())
        .map(|e| {
            let row = &e["event"];
            let mut actors: Vec<Value> = array(&e["actors"])
                .iter()
                .map(|a| node(NodeType::Actor, a))
                .collect();
            actors.sort_by_key(|a| a["id"].to_string());
            let mut sources: Vec<Value> = array(&e["sources"])
                .iter()
                .map(|s| source(&global(NodeType::NewsItem, &s["news_item_id"]), &s["url"]))
                .collect();
            sources.sort_by_key(|s| s.to_string());
            json!({"id": global(NodeType::Event, &row["id"]), "kind": row["kind"],
                   "title": row["title"], "description": row["description"],
                   "visibility": row["visibility"],
                   "date": partial_date(&row["occurred_on"], &row["occurred_precision"]),
                   "endDate": partial_date(&row["ended_on"], &row["ended_precision"]),
                   "deaths": row["deaths"], "injuries": row["injuries"],
                   "location": node(NodeType::Location, &row["location_id"]),
                   "actors": actors, "sources": sources})
        })
        .collect();
    events.sort_by_key(|e| e["id"].to_string());
    let mut links: Vec<Value> = array(&before["links"])
        .iter()
        .filter(|l| l["state"] == "CONFIRMED")
        .map(|l| {
            json!({"id": global(NodeType::NewsLink, &l["id"]), "updateKind": l["update_kind"],
                   "reportedStatus": l["reported_status"], "note": l["note"],
                   "state": l["state"], "visibility": l["visibility"],
                   "newsItem": node(NodeType::NewsItem, &l["news_item_id"]),
                   "statusChange": node(NodeType::StatusChange, &l["status_change_id"]),
                   "event": node(NodeType::Event, &l["event_id"])})
        })
        .collect();
    links.sort_by_key(|l| l["id"].to_string());
    let own = case_id.as_i64();
    let mut relations: Vec<Value> = array(&before["relations"])
        .iter()
        .map(|r| {
            let outgoing = r["case_id"].as_i64() == own;
            let other = if outgoing {
                &r["related_case_id"]
            } else {
                &r["case_id"]
            };
            json!({"id": global(NodeType::CaseRelation, &r["id"]), "kind": r["kind"],
                   "outgoing": outgoing, "note": r["note"],
                   "case": node(NodeType::Case, other)})
        })
        .collect();
    relations.sort_by_key(|r| r["id"].to_string());
    json!({"statusHistory": history, "events": events, "links": links, "relations": relations})
}

async fn admin(app: &TestApp, query: &str, variables: Value) -> Value {
    app.data_as(Some(&app.admin), query, variables).await
}

/// The entries of `action`, newest first, as the admin reads them.
async fn entries(app: &TestApp, action: &str) -> Vec<Value> {
    let log = admin(
        app,
        r#"query($action: String) { auditLog(filter: {action: $action}, first: 100) {
            nodes { action entity entityId before after } } }"#,
        json!({"action": action}),
    )
    .await;
    array(&log["auditLog"]["nodes"])
}

both_engines!(
    a_purged_case_is_rebuilt_from_the_audit_log_alone,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        let slug = json!({"slug": "las-bambas"});
        let answer = admin(&app, HISTORY, slug.clone()).await;
        let case = &answer["case"];
        let expected = from_api(case);
        for part in ["statusHistory", "events", "links", "relations"] {
            assert!(
                expected[part].as_array().is_some_and(|a| !a.is_empty()),
                "the demo's las-bambas has {part}"
            );
        }
        let id = case["id"].clone();
        app.data("mutation($id: ID!) { archive(id: $id) }", json!({"id": id}))
            .await;
        admin(
            &app,
            "mutation($id: ID!) { purge(id: $id) }",
            json!({"id": id}),
        )
        .await;
        assert_eq!(
            admin(&app, HISTORY, slug).await["case"],
            Value::Null,
            "purged"
        );

        let purges = entries(&app, "purge").await;
        let entry = purges
            .iter()
            .find(|e| e["entity"] == "case")
            .unwrap_or_else(|| panic!("no purge entry: {purges:#?}"));
        let rebuilt = from_log(&entry["entityId"], &entry["before"]);
        for part in ["statusHistory", "events", "links", "relations"] {
            assert_eq!(
                rebuilt[part], expected[part],
                "{part} rebuilt from the purge entry"
            );
        }
    }
);

both_engines!(an_entry_holds_every_record_its_write_touched, |engine| {
    let app = TestApp::with_demo(engine).await;
    let case = app
        .data(r#"{ case(slug: "toromocho") { id } }"#, json!({}))
        .await["case"]["id"]
        .clone();
    let news = app
        .data(
            r#"mutation { createNewsItem(input: {title: "Road blocked at Morococha", date: "2017-06-20"}) { id } }"#,
            json!({}),
        )
        .await["createNewsItem"]["id"]
        .clone();
    let linked = app
        .data(
            r#"mutation($news: ID!, $case: ID!) { linkNewsItem(input: {newsItem: $news, case: $case,
                updateKind: STATUS_CHANGE, reportedStatus: LATENT, note: "talks",
                event: {kind: BLOCKADE, title: "Road blocked", date: "2017-06-19"}}) { id } }"#,
            json!({"news": news, "case": case}),
        )
        .await;
    let link = linked["linkNewsItem"]["id"].clone();

    // linkNewsItem: the link, the status change and the event, with their content.
    let entry = &entries(&app, "linkNewsItem").await[0];
    let after = &entry["after"];
    assert_eq!(after["link"]["note"], "talks", "{after:#}");
    assert_eq!(after["statusChange"]["status"], "LATENT");
    assert_eq!(after["statusChange"]["note"], "talks");
    assert_eq!(after["event"]["event"]["title"], "Road blocked");
    assert!(
        array(&after["event"]["sources"])
            .iter()
            .any(|s| s["news_item_id"] == after["link"]["news_item_id"]),
        "the event's sources: {after:#}"
    );

    // updateLink: the status change it carries the note over to, before and after.
    app.data(
        r#"mutation($id: ID!) { updateLink(id: $id, input: {note: "talks resumed"}) { id } }"#,
        json!({"id": link}),
    )
    .await;
    let entry = &entries(&app, "updateLink").await[0];
    assert_eq!(entry["before"]["statusChange"]["note"], "talks");
    assert_eq!(entry["after"]["statusChange"]["note"], "talks resumed");

    // rejectLink deletes the status change: its entry keeps it; confirmLink writes a new one.
    app.data(
        "mutation($id: ID!) { rejectLink(id: $id) { id } }",
        json!({"id": link}),
    )
    .await;
    let entry = &entries(&app, "rejectLink").await[0];
    assert_eq!(entry["before"]["statusChange"]["status"], "LATENT");
    assert_eq!(entry["after"]["statusChange"], Value::Null);
    app.data(
        "mutation($id: ID!) { confirmLink(id: $id) { id } }",
        json!({"id": link}),
    )
    .await;
    let entry = &entries(&app, "confirmLink").await[0];
    assert_eq!(entry["after"]["statusChange"]["status"], "LATENT");

    // recordEvent: the event's actors and sources; createCase: its first status change.
    let actor = app
        .data(r#"{ actors(first: 1) { nodes { id } } }"#, json!({}))
        .await["actors"]["nodes"][0]["id"]
        .clone();
    app.data(
        r#"mutation($case: ID!, $actor: ID!) { recordEvent(input: {case: $case, kind: PROTEST,
            title: "March", date: "2017-06-21", actors: [$actor],
            sources: [{url: "https://example.org/march"}]}) { id } }"#,
        json!({"case": case, "actor": actor}),
    )
    .await;
    let entry = &entries(&app, "recordEvent").await[0];
    assert_eq!(array(&entry["after"]["actors"]).len(), 1, "{entry:#}");
    assert_eq!(
        entry["after"]["sources"][0]["url"],
        "https://example.org/march"
    );
    app.data(
        r#"mutation { createCase(input: {slug: "new-mine", kind: MINE, title: "New mine",
            status: ACTIVE, statusSince: "2016", statusSource: {url: "https://example.org/s"}}) { id } }"#,
        json!({}),
    )
    .await;
    let entry = &entries(&app, "createCase").await[0];
    assert_eq!(
        entry["after"]["statusChange"]["source_url"],
        "https://example.org/s"
    );

    // Purging the news item: its links, with what they reported, are in the entry.
    app.data(
        "mutation($id: ID!) { archive(id: $id) }",
        json!({"id": news}),
    )
    .await;
    admin(
        &app,
        "mutation($id: ID!) { purge(id: $id) }",
        json!({"id": news}),
    )
    .await;
    let entry = &entries(&app, "purge").await[0];
    let before = &entry["before"];
    assert_eq!(before["newsItem"]["title"], "Road blocked at Morococha");
    let links = array(&before["links"]);
    assert_eq!(links.len(), 1, "{before:#}");
    assert_eq!(links[0]["link"]["note"], "talks resumed");
    assert_eq!(links[0]["statusChange"]["status"], "LATENT");
    assert_eq!(links[0]["event"]["event"]["title"], "Road blocked");
    // What it reported went with it.
    let timeline = app
        .data(
            r#"{ case(slug: "toromocho") { statusHistory { note } events(first: 50) { nodes { title } } } }"#,
            json!({}),
        )
        .await;
    assert!(
        !timeline.to_string().contains("Road blocked"),
        "{timeline:#}"
    );
    assert!(
        !timeline.to_string().contains("talks resumed"),
        "{timeline:#}"
    );
});

/// How many entries the log holds.
async fn entry_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    chasqui_entities::tables::audit_entry::Entity::find()
        .count(&app.store.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

both_engines!(archiving_an_archived_record_changes_nothing, |engine| {
    use sea_orm::EntityTrait;
    let app = TestApp::spawn(engine).await;
    let created = app
        .data(
            r#"mutation { createActor(input: {slug: "fdi", name: "Frente", kind: COMMUNITY}) { id } }"#,
            json!({}),
        )
        .await;
    let id = created["createActor"]["id"].clone();
    let row = || async {
        chasqui_entities::tables::actor::Entity::find()
            .one(&app.store.db)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no actor"))
    };
    let archive = "mutation($id: ID!) { archive(id: $id) }";
    let restore = "mutation($id: ID!) { restore(id: $id) }";
    app.data(archive, json!({"id": id})).await;
    let (archived, entries) = (row().await, entry_count(&app).await);
    assert!(archived.archived_at.is_some());
    // Again: the same answer, and nothing written.
    let again = app.data(archive, json!({"id": id})).await;
    assert_eq!(again["archive"], id);
    assert_eq!(
        row().await,
        archived,
        "archived_at and version stay as they were"
    );
    assert_eq!(entry_count(&app).await, entries, "no second entry");
    // The same for restoring a record that is not archived.
    admin(&app, restore, json!({"id": id})).await;
    let (restored, entries) = (row().await, entry_count(&app).await);
    admin(&app, restore, json!({"id": id})).await;
    assert_eq!(row().await, restored);
    assert_eq!(entry_count(&app).await, entries);
    assert_eq!(
        entries_of(&app, "archive").await,
        1,
        "one archive entry in all"
    );
});

async fn entries_of(app: &TestApp, action: &str) -> usize {
    entries(app, action).await.len()
}

/// Imports an NDJSON file of records; returns the report.
async fn import_records(app: &TestApp, lines: &[Value]) -> chasqui::import::FileReport {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("records.ndjson");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    chasqui::import::import_file_of_kind(
        &app.store,
        &chasqui_store::Author::command_line(),
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
    .unwrap_or_else(|e| panic!("{e}"))
}

both_engines!(
    conflicting_records_in_one_file_are_reported_and_reimports_write_nothing,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let records = [
            json!({"type": "actor", "slug": "acme", "name": "Acme Mining", "kind": "COMPANY"}),
            json!({"type": "actor", "slug": "acme", "name": "Acme Mining Corp", "kind": "COMPANY"}),
            // The same actor found by an alias of the first, with another kind.
            json!({"type": "actor", "name": "Acme Mining", "kind": "OTHER"}),
            json!({"type": "case", "slug": "acme-mine", "kind": "MINE", "title": "Acme mine",
                   "status": "ACTIVE", "statusSince": "2016-05"}),
            json!({"type": "case", "slug": "acme-mine", "kind": "MINE", "title": "Acme's mine",
                   "status": "ACTIVE", "statusSince": "2016-05"}),
            // Given twice, alike: not a conflict.
            json!({"type": "event", "case": "acme-mine", "kind": "PROTEST", "title": "March",
                   "date": "2017-06-20", "sources": [{"url": "https://example.org/m"}]}),
            json!({"type": "event", "case": "acme-mine", "kind": "PROTEST", "title": "March",
                   "date": "2017-06-20", "sources": [{"url": "https://example.org/m"}]}),
            json!({"type": "event", "case": "acme-mine", "kind": "STRIKE", "title": "March",
                   "date": "2017-06-20", "sources": [{"url": "https://example.org/m"}]}),
        ];
        let first = import_records(&app, &records).await;
        assert_eq!((first.new, first.unchanged), (3, 1), "{first}");
        let lines: Vec<usize> = first.rejected.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 3, 5, 8], "{first}");
        assert!(
            first.rejected[0].1.contains("line 1"),
            "the conflict names the earlier line: {first}"
        );
        let entries = entry_count(&app).await;
        let again = import_records(&app, &records).await;
        assert_eq!(
            (again.new, again.updated, again.unchanged),
            (0, 0, 4),
            "{again}"
        );
        assert_eq!(again.rejected.len(), 4, "{again}");
        assert_eq!(
            entry_count(&app).await,
            entries,
            "a re-import writes nothing"
        );
        let acme = app
            .data(
                r#"{ actor(slug: "acme") { name kind } case(slug: "acme-mine") { title } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            acme,
            json!({"actor": {"name": "Acme Mining", "kind": "COMPANY"},
                   "case": {"title": "Acme mine"}}),
            "the first record of each stands"
        );
    }
);

both_engines!(
    dates_beyond_tomorrow_are_refused_at_every_entrance,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        let today = chrono::Utc::now().date_naive();
        let tomorrow = (today + chrono::Days::new(1)).to_string();
        let later = (today + chrono::Days::new(2)).to_string();
        let case = app
            .data(r#"{ case(slug: "toromocho") { id } }"#, json!({}))
            .await["case"]["id"]
            .clone();
        let news = app
        .data(
            r#"mutation { createNewsItem(input: {title: "Dated item", date: "2017-06-20"}) { id } }"#,
            json!({}),
        )
        .await["createNewsItem"]["id"]
        .clone();
        let actor = app
            .data(r#"{ actors(first: 1) { nodes { id } } }"#, json!({}))
            .await["actors"]["nodes"][0]["id"]
            .clone();
        let entries = entry_count(&app).await;
        let refusals = [
            (
                r#"mutation($d: PartialDate!) { createCase(input: {slug: "later", kind: MINE, title: "Later",
                status: ACTIVE, statusSince: $d, statusSource: {url: "https://example.org/s"}}) { id } }"#,
                "input.statusSince",
            ),
            (
                r#"mutation($d: PartialDate!) { createCase(input: {slug: "later", kind: MINE, title: "Later",
                status: ACTIVE, startedOn: $d}) { id } }"#,
                "input.startedOn",
            ),
            (
                r#"mutation($d: PartialDate!, $actor: ID!) { createCase(input: {slug: "later", kind: MINE,
                title: "Later", status: ACTIVE, actors: [{actor: $actor, role: OPERATOR, startedOn: $d}]}) { id } }"#,
                "input.actors[0].startedOn",
            ),
            (
                r#"mutation($d: PartialDate!) { createCase(input: {slug: "later", kind: DECREE, title: "Later",
                status: ACTIVE, details: {issuedOn: $d}}) { id } }"#,
                "input.details.issuedOn",
            ),
            (
                r#"mutation($d: PartialDate!, $case: ID!) { updateCase(id: $case, input: {startedOn: $d}) { id } }"#,
                "input.startedOn",
            ),
            (
                r#"mutation($d: PartialDate!, $case: ID!) { recordStatusChange(input: {case: $case, status: LATENT,
                date: $d, source: {url: "https://example.org/s"}}) { id } }"#,
                "input.date",
            ),
            (
                r#"mutation($d: PartialDate!, $case: ID!) { recordEvent(input: {case: $case, kind: PROTEST,
                title: "March", date: $d, sources: [{url: "https://example.org/s"}]}) { id } }"#,
                "input.date",
            ),
            (
                r#"mutation($d: PartialDate!, $case: ID!) { recordEvent(input: {case: $case, kind: STRIKE,
                title: "Strike", date: "2017-06-01", endDate: $d, sources: [{url: "https://example.org/s"}]}) { id } }"#,
                "input.endDate",
            ),
            (
                r#"mutation($d: PartialDate!) { createNewsItem(input: {title: "Later", date: $d}) { id } }"#,
                "input.date",
            ),
            (
                r#"mutation($d: PartialDate!, $news: ID!) { updateNewsItem(id: $news, input: {date: $d}) { id } }"#,
                "input.date",
            ),
            (
                r#"mutation($d: PartialDate!, $news: ID!, $case: ID!) { linkNewsItem(input: {newsItem: $news,
                case: $case, updateKind: DEVELOPMENT, event: {kind: PROTEST, title: "March", date: $d}}) { id } }"#,
                "input.event.date",
            ),
            (
                r#"mutation($d: PartialDate!) { importNewsItems(items: [{title: "Fine", date: "2017-01"},
                {title: "Later", date: $d}]) { outcome } }"#,
                "items[1].date",
            ),
        ];
        for (mutation, field) in refusals {
            let variables = json!({"d": later, "case": case, "news": news, "actor": actor});
            let body = app.graphql(mutation, variables).await;
            assert_eq!(
                TestApp::error_code(&body),
                "BAD_USER_INPUT",
                "{field}: {body:#}"
            );
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body:#}");
            let year = json!({"d": "9999", "case": case, "news": news, "actor": actor});
            let body = app.graphql(mutation, year).await;
            assert_eq!(
                TestApp::error_code(&body),
                "BAD_USER_INPUT",
                "{field} 9999: {body:#}"
            );
        }
        assert_eq!(entry_count(&app).await, entries, "nothing was written");
        // Tomorrow is accepted (a day's slack for time zones).
        app.data(
            r#"mutation($d: PartialDate!, $case: ID!) { recordStatusChange(input: {case: $case,
            status: LATENT, date: $d, source: {url: "https://example.org/s"}}) { id } }"#,
            json!({"d": tomorrow, "case": case}),
        )
        .await;

        // The importers reject the record or the item with its line, and import the rest.
        let report = import_records(
        &app,
        &[
            json!({"type": "case", "slug": "later", "kind": "MINE", "title": "Later",
                   "status": "ACTIVE", "statusSince": "9999-12-31"}),
            json!({"type": "event", "case": "toromocho", "kind": "PROTEST", "title": "Later march",
                   "date": later, "sources": [{"url": "https://example.org/m"}]}),
            json!({"type": "case", "slug": "earlier", "kind": "MINE", "title": "Earlier",
                   "status": "ACTIVE", "statusSince": "2016-05"}),
        ],
    )
    .await;
        assert_eq!(report.new, 1, "{report}");
        let lines: Vec<usize> = report.rejected.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [1, 2], "{report}");
        assert!(report.rejected[0].1.contains("statusSince"), "{report}");
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("news.ndjson");
        let items = format!(
            "{}\n{}\n",
            json!({"title": "Fine item", "date": "2017-02"}),
            json!({"title": "Later item", "date": later})
        );
        std::fs::write(&path, items).unwrap_or_else(|e| panic!("{e}"));
        let report = chasqui::import::import_file(
            &app.store,
            &chasqui_store::Author::command_line(),
            &path,
            None,
            &chasqui::import::Provenance {
                publisher: None,
                language: None,
                columns: Default::default(),
            },
            &|_| {},
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.new, 1, "{report}");
        assert_eq!(
            report.rejected.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            [2],
            "{report}"
        );
    }
);
