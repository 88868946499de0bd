//! A register analysts can trust at any date: undated statuses stay out of time, the
//! history a news item reports is kept, one phase rule, activity as partial dates, status
//! "as of" a date, and the status report of a period.

use crate::app::TestApp;
use crate::both_engines;
use serde_json::{Value, json};

/// Creates a case and returns its id.
async fn case(app: &TestApp, slug: &str, extra: &str) -> Value {
    let query = format!(
        r#"mutation($slug: String!) {{ createCase(input: {{slug: $slug, kind: MINE, title: $slug,
        status: ACTIVE {extra}}}) {{ id }} }}"#
    );
    app.data(&query, json!({"slug": slug})).await["createCase"]["id"].clone()
}

/// Records a status change sourced by a URL.
async fn status(app: &TestApp, case: &Value, status: &str, phase: Option<&str>, date: &str) {
    let phase = phase.map(|p| format!("phase: {p},")).unwrap_or_default();
    let query = format!(
        r#"mutation($case: ID!, $date: PartialDate!) {{ recordStatusChange(input: {{case: $case,
        status: {status}, {phase} date: $date, source: {{url: "https://example.org/register"}}}}) {{ id }} }}"#
    );
    app.data(&query, json!({"case": case, "date": date})).await;
}

async fn slugs(app: &TestApp, token: Option<&str>, filter: Value) -> Vec<String> {
    let data = app
        .data_as(
            token,
            "query($f: CaseFilter) { cases(filter: $f, first: 100) { totalCount nodes { slug } } }",
            json!({"f": filter}),
        )
        .await;
    let mut slugs: Vec<String> = data["cases"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n["slug"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        data["cases"]["totalCount"].as_u64(),
        Some(slugs.len() as u64),
        "the count agrees with the list: {data:#}"
    );
    slugs.sort();
    slugs
}

both_engines!(a_status_without_a_date_is_not_placed_in_time, |engine| {
    let app = TestApp::spawn(engine).await;
    // Recorded today with a status and no date for it, nothing else.
    case(&app, "undated", "").await;
    // Recorded with no start date; its only dated record is an event of February 2017.
    let later = case(&app, "first-record-2017", "").await;
    app.data(
        r#"mutation($case: ID!) { recordEvent(input: {case: $case, kind: PROTEST, title: "March",
        date: "2017-02", sources: [{url: "https://example.org/e"}]}) { id } }"#,
        json!({"case": later}),
    )
    .await;
    let data = app
        .data(
            r#"{ case(slug: "undated") { status lastActivityOn { value }
                 statusHistory { status date { value } }
                 statusOn(date: "2026") { status }
                 timeline(first: 10) { edges { node { __typename } } } } }"#,
            json!({}),
        )
        .await;
    let undated = &data["case"];
    assert_eq!(undated["status"], "ACTIVE", "{data:#}");
    assert_eq!(undated["statusHistory"][0]["date"], Value::Null, "{data:#}");
    assert_eq!(undated["lastActivityOn"], Value::Null, "{data:#}");
    assert_eq!(undated["statusOn"], Value::Null, "{data:#}");
    assert_eq!(undated["timeline"]["edges"], json!([]), "{data:#}");

    // No period holds a case with nothing dated; a case is active from its first record.
    let period = |from: &str, to: &str| json!({"activeFrom": from, "activeTo": to});
    assert!(slugs(&app, None, period("2020", "2023")).await.is_empty());
    assert!(slugs(&app, None, period("2010", "2012")).await.is_empty());
    assert_eq!(
        slugs(&app, None, period("2017-01", "2017-03")).await,
        vec!["first-record-2017"]
    );
    assert_eq!(
        slugs(&app, None, json!({"activeTo": "2017-01"})).await,
        Vec::<String>::new()
    );
});

both_engines!(the_demo_keeps_every_dated_status_its_data_gives, |engine| {
    let app = TestApp::with_demo(engine).await;
    let demo: Value = serde_json::from_str(include_str!("../../src/demo/demo.json"))
        .unwrap_or_else(|e| panic!("demo.json: {e}"));
    for case in demo["cases"].as_array().cloned().unwrap_or_default() {
        let slug = case["slug"].as_str().unwrap_or_default();
        let data = app
            .data(
                r#"query($slug: String!) { case(slug: $slug) { status phase
                     statusHistory { status phase date { value } } } }"#,
                json!({"slug": slug}),
            )
            .await;
        let got: Vec<Value> = data["case"]["statusHistory"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| !c["date"].is_null())
            .map(|c| json!([c["status"], c["phase"], c["date"]["value"]]))
            .collect();
        let mut wanted: Vec<Value> = case["statusHistory"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|h| json!([h["status"], h["phase"], h["date"]]))
            .collect();
        wanted.sort_by_key(|w| w[2].as_str().unwrap_or_default().to_owned());
        assert_eq!(
            got, wanted,
            "{slug}: the history the demo gives, dated as given"
        );
        // The current status and phase are those of the latest dated change.
        if let Some(last) = wanted.last() {
            assert_eq!(
                json!([data["case"]["status"], data["case"]["phase"]]),
                json!([last[0], last[1]]),
                "{slug}"
            );
        }
    }
});

both_engines!(a_change_without_a_phase_clears_the_phase, |engine| {
    let app = TestApp::spawn(engine).await;
    let id = case(&app, "phases", r#", statusSince: "2016""#).await;
    status(&app, &id, "ACTIVE", Some("CRISIS"), "2017-01").await;
    status(&app, &id, "LATENT", None, "2017-03").await;
    let query = r#"{ case(slug: "phases") { status phase
        jan: statusOn(date: "2017-01") { status phase date { value } }
        feb: statusOn(date: "2017-02-15") { status phase }
        now: statusOn(date: "2017-12") { status phase } } }"#;
    let data = app.data(query, json!({})).await;
    let case = &data["case"];
    assert_eq!(
        json!([case["status"], case["phase"]]),
        json!(["LATENT", null])
    );
    assert_eq!(case["jan"]["phase"], "CRISIS", "{data:#}");
    assert_eq!(case["jan"]["date"]["value"], "2017-01", "{data:#}");
    assert_eq!(case["feb"]["status"], "ACTIVE", "{data:#}");
    assert_eq!(case["now"], json!({"status": "LATENT", "phase": null}));
    // The filter asks the same rule.
    let as_of = |date: &str, phases: Value| json!({"statusAsOf": {"date": date, "statuses": ["ACTIVE"], "phases": phases}});
    assert_eq!(
        slugs(&app, None, as_of("2017-02", json!(["CRISIS"]))).await,
        vec!["phases"]
    );
    assert!(
        slugs(&app, None, as_of("2017-03", json!([])))
            .await
            .is_empty()
    );
});

both_engines!(
    last_activity_is_a_partial_date_with_its_precision,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let id = case(&app, "activity", r#", statusSince: "2016""#).await;
        app.data(
        r#"mutation($case: ID!) { recordEvent(input: {case: $case, kind: PROTEST, title: "March",
        date: "2017-02", sources: [{url: "https://example.org/e"}]}) { id } }"#,
        json!({"case": id}),
    )
    .await;
        let news = app
        .data(
            r#"mutation { createNewsItem(input: {title: "Talks resume", date: "2017-02-18"}) { id } }"#,
            json!({}),
        )
        .await["createNewsItem"]["id"]
        .clone();
        app.data(
            r#"mutation($news: ID!, $case: ID!) { linkNewsItem(input: {newsItem: $news, case: $case,
        updateKind: BACKGROUND}) { id } }"#,
            json!({"news": news, "case": id}),
        )
        .await;
        let data = app
            .data(
                r#"{ case(slug: "activity") { lastActivityOn { value precision end } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            data["case"]["lastActivityOn"],
            json!({"value": "2017-02-18", "precision": "DAY", "end": "2017-02-18"}),
            "a day of February is later news than \"February\""
        );
    }
);

both_engines!(
    a_link_that_reports_a_status_is_one_timeline_entry,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let id = case(&app, "one-entry", "").await;
        let news = app
        .data(
            r#"mutation { createNewsItem(input: {title: "Talks end", date: "2017-06-20"}) { id } }"#,
            json!({}),
        )
        .await["createNewsItem"]["id"]
        .clone();
        app.data(
            r#"mutation($news: ID!, $case: ID!) { linkNewsItem(input: {newsItem: $news, case: $case,
        updateKind: STATUS_CHANGE, reportedStatus: LATENT, reportedStatusOn: "2017-06-12",
        note: "talks end"}) { id } }"#,
            json!({"news": news, "case": id}),
        )
        .await;
        let data = app
            .data(
                r#"{ case(slug: "one-entry") { status
                 statusHistory { status date { value } sources { newsItem { title } } }
                 timeline(first: 10) { edges { node { __typename
                   ... on NewsLink { statusChange { status date { value } } } } } } } }"#,
                json!({}),
            )
            .await;
        let case = &data["case"];
        assert_eq!(case["status"], "LATENT");
        assert_eq!(
            case["timeline"]["edges"],
            json!([{"node": {"__typename": "NewsLink",
            "statusChange": {"status": "LATENT", "date": {"value": "2017-06-12"}}}}]),
            "one entry for one update: {data:#}"
        );
        let history = case["statusHistory"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(history.len(), 2, "{data:#}");
        assert_eq!(
            history[1]["date"]["value"], "2017-06-12",
            "dated as the item says"
        );
        assert_eq!(history[1]["sources"][0]["newsItem"]["title"], "Talks end");
    }
);

both_engines!(month_counts_span_the_data_not_the_calendar, |engine| {
    let app = TestApp::spawn(engine).await;
    let id = case(&app, "months", r#", statusSince: "2017-01""#).await;
    status(&app, &id, "LATENT", None, "2017-03-05").await;
    let data = app
        .data(
            "{ caseStats(groupBy: [MONTH, STATUS]) { month { value } status count } }",
            json!({}),
        )
        .await;
    let buckets: Vec<Value> = data["caseStats"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|b| json!([b["month"]["value"], b["status"], b["count"]]))
        .collect();
    assert_eq!(
        buckets,
        vec![
            json!(["2017-01", "ACTIVE", 1]),
            json!(["2017-02", "ACTIVE", 1]),
            json!(["2017-03", "LATENT", 1]),
        ],
        "from the first dated change to the latest activity: {data:#}"
    );
    let by_phase = app
        .data(
            "{ caseStats(groupBy: [PHASE, CONFLICT_TYPE]) { phase conflictType count } }",
            json!({}),
        )
        .await;
    assert_eq!(
        by_phase["caseStats"],
        json!([{"phase": null, "conflictType": null, "count": 1}])
    );
});

/// A small register: four cases with histories, one of them restricted, and a restricted
/// status change on a public case. Returns nothing; the slugs are fixed.
async fn register(app: &TestApp) {
    let a = case(
        app,
        "a-mine",
        r#", statusSince: "2017-01", phase: DIALOGUE, conflictType: SOCIO_ENVIRONMENTAL"#,
    )
    .await;
    status(app, &a, "LATENT", None, "2017-03-10").await;
    let b = case(
        app,
        "b-mine",
        r#", statusSince: "2016-05", conflictType: SOCIO_ENVIRONMENTAL"#,
    )
    .await;
    status(app, &b, "LATENT", None, "2016-11").await;
    status(app, &b, "ACTIVE", Some("ESCALATION"), "2017-03").await;
    let c = case(
        app,
        "c-mine",
        r#", statusSince: "2017-03-02", conflictType: LABOUR"#,
    )
    .await;
    status(app, &c, "RESOLVED", None, "2017-03-28").await;
    let d = case(app, "d-mine", r#", statusSince: "2017-02""#).await;
    // A restricted change: public numbers must not see d-mine withdrawn.
    app.data(
        r#"mutation($case: ID!) { recordStatusChange(input: {case: $case, status: WITHDRAWN,
        date: "2017-03-15", source: {url: "https://example.org/x"}, visibility: RESTRICTED}) { id } }"#,
        json!({"case": d}),
    )
    .await;
    // A restricted case: in no public number.
    case(
        app,
        "hidden-mine",
        r#", statusSince: "2017-03-01", visibility: RESTRICTED"#,
    )
    .await;
}

const REPORT: &str = r#"{ statusReport(period: "2017-03") { from { value } to { value }
    byStatus { status count cases { slug } }
    activeByPhase { phase count cases { slug } }
    activeByConflictType { conflictType count }
    movements { totalCount items { kind case { slug } change { status date { value } }
                                   previous { status } } } } }"#;

both_engines!(the_status_report_of_a_month, |engine| {
    let app = TestApp::spawn(engine).await;
    register(&app).await;
    let public = app.data_as(None, REPORT, json!({})).await;
    let report = &public["statusReport"];
    assert_eq!(report["from"]["value"], "2017-03-01");
    assert_eq!(report["to"]["value"], "2017-03-31");
    assert_eq!(
        report["byStatus"],
        json!([
            {"status": "ACTIVE", "count": 2, "cases": [{"slug": "b-mine"}, {"slug": "d-mine"}]},
            {"status": "LATENT", "count": 1, "cases": [{"slug": "a-mine"}]},
            {"status": "RESOLVED", "count": 1, "cases": [{"slug": "c-mine"}]},
        ]),
        "{public:#}"
    );
    assert_eq!(
        report["activeByPhase"],
        json!([
            {"phase": null, "count": 1, "cases": [{"slug": "d-mine"}]},
            {"phase": "ESCALATION", "count": 1, "cases": [{"slug": "b-mine"}]},
        ])
    );
    assert_eq!(
        report["activeByConflictType"],
        json!([{"conflictType": null, "count": 1}, {"conflictType": "SOCIO_ENVIRONMENTAL", "count": 1}])
    );
    let moves: Vec<Value> = report["movements"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m| {
            json!([
                m["kind"],
                m["case"]["slug"],
                m["change"]["date"]["value"],
                m["previous"]["status"]
            ])
        })
        .collect();
    assert_eq!(
        moves,
        vec![
            json!(["REACTIVATED", "b-mine", "2017-03", "LATENT"]),
            json!(["NEW", "c-mine", "2017-03-02", null]),
            json!(["MOVED_TO_LATENT", "a-mine", "2017-03-10", "ACTIVE"]),
            json!(["RESOLVED", "c-mine", "2017-03-28", "ACTIVE"]),
        ],
        "{public:#}"
    );
    assert_eq!(report["movements"]["totalCount"], 4);

    // A viewer sees the restricted change and the restricted case too.
    let full = app.data_as(Some(&app.viewer), REPORT, json!({})).await;
    let kinds: Vec<Value> = full["statusReport"]["movements"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m| json!([m["kind"], m["case"]["slug"]]))
        .collect();
    assert!(kinds.contains(&json!(["WITHDRAWN", "d-mine"])), "{full:#}");
    assert!(kinds.contains(&json!(["NEW", "hidden-mine"])), "{full:#}");

    // "As of" in lists, counts and maps, by the same rule; restricted changes move nothing.
    let active_march = json!({"statusAsOf": {"date": "2017-03", "statuses": ["ACTIVE"]}});
    assert_eq!(
        slugs(&app, None, active_march.clone()).await,
        vec!["b-mine", "d-mine"]
    );
    assert_eq!(
        slugs(&app, Some(&app.viewer), active_march.clone()).await,
        vec!["b-mine", "hidden-mine"]
    );
    let stats = app
        .data_as(
            None,
            "query($f: CaseFilter) { caseStats(filter: $f, groupBy: [STATUS]) { status count }
             casesGeoJson(filter: $f) }",
            json!({"f": active_march}),
        )
        .await;
    assert_eq!(
        stats["caseStats"],
        json!([{"status": "ACTIVE", "count": 2}])
    );
    assert_eq!(stats["casesGeoJson"]["totalCount"], 2, "{stats:#}");
    let february = json!({"statusAsOf": {"date": "2017-02-28", "statuses": ["LATENT"]}});
    assert_eq!(slugs(&app, None, february).await, vec!["b-mine"]);
});
