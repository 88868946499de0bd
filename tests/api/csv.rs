//! Tables for analysts: `/csv/cases`, `/csv/status-changes` and `/csv/report` read over
//! real HTTP and parsed with the `csv` crate: the header, the rows of the records the test
//! made, what an anonymous caller and a viewer see, the filter (`statusAsOf` included), a
//! refused filter naming its field, and a register longer than a page streamed whole.

use crate::app::TestApp;
use crate::both_engines;
use serde_json::{Value, json};

const CASE_HEADER: [&str; 13] = [
    "slug",
    "title",
    "kind",
    "status",
    "phase",
    "conflict_type",
    "region",
    "province",
    "district",
    "operators",
    "started_on",
    "last_activity_on",
    "visibility",
];

const STATUS_HEADER: [&str; 8] = [
    "case",
    "status",
    "phase",
    "date",
    "precision",
    "source_title",
    "source_url",
    "note",
];

/// A table as the server wrote it: the status, the header row and the rows.
struct Table {
    status: u16,
    content_type: String,
    chunked: bool,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    body: String,
}

impl Table {
    /// The rows as maps from column to value.
    fn records(&self) -> Vec<std::collections::BTreeMap<String, String>> {
        self.rows
            .iter()
            .map(|row| {
                self.header
                    .iter()
                    .cloned()
                    .zip(row.iter().cloned())
                    .collect()
            })
            .collect()
    }

    fn column(&self, name: &str) -> Vec<String> {
        self.records()
            .into_iter()
            .map(|r| r.get(name).cloned().unwrap_or_default())
            .collect()
    }
}

async fn get(app: &TestApp, token: Option<&str>, path: &str, query: &[(&str, &str)]) -> Table {
    let mut request = app.client.get(format!("{}{path}", app.base)).query(query);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let chunked = response.headers().get("content-length").is_none();
    let body = response
        .text()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: the body: {e}"));
    let mut header = Vec::new();
    let mut rows = Vec::new();
    if status == 200 {
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(body.as_bytes());
        header = reader
            .headers()
            .unwrap_or_else(|e| panic!("{path}: the header: {e}\n{body}"))
            .iter()
            .map(str::to_owned)
            .collect();
        for record in reader.records() {
            let record = record.unwrap_or_else(|e| panic!("{path}: a row: {e}\n{body}"));
            assert_eq!(record.len(), header.len(), "{path}: a short row\n{body}");
            rows.push(record.iter().map(str::to_owned).collect());
        }
    }
    Table {
        status,
        content_type,
        chunked,
        header,
        rows,
        body,
    }
}

async fn id_of(app: &TestApp, mutation: &str, variables: Value) -> Value {
    let data = app.data(mutation, variables).await;
    let (_, created) = data
        .as_object()
        .and_then(|o| o.iter().next())
        .unwrap_or_else(|| panic!("no data: {data:#}"));
    created["id"].clone()
}

/// Status changes dated and sourced by a URL (`visibility` PUBLIC or RESTRICTED).
async fn status(
    app: &TestApp,
    case: &Value,
    status: &str,
    phase: Option<&str>,
    date: &str,
    note: &str,
    visibility: &str,
) {
    let phase = phase.map(|p| format!("phase: {p},")).unwrap_or_default();
    let query = format!(
        r#"mutation($case: ID!, $date: PartialDate!, $note: String) {{ recordStatusChange(input: {{
        case: $case, status: {status}, {phase} date: $date, note: $note, visibility: {visibility},
        source: {{url: "https://example.org/register"}}}}) {{ id }} }}"#
    );
    app.data(&query, json!({"case": case, "date": date, "note": note}))
        .await;
}

/// Apurímac > Cotabambas > Challhuahuacho, the company MMG Limited, the public case
/// `las-bambas` (placed on the district, MMG its operator, ACTIVE in 2015-09, LATENT in
/// 2017-03 with a note that needs quoting, and a RESTRICTED change to ACTIVE/CRISIS in
/// 2017-05) and the RESTRICTED case `hidden-mine`, ACTIVE since 2016.
async fn register(app: &TestApp) -> Value {
    let region = id_of(
        app,
        r#"mutation { createLocation(input: {name: "Apurímac", level: REGION, code: "03"}) { id } }"#,
        json!({}),
    )
    .await;
    let province = id_of(
        app,
        r#"mutation($p: ID) { createLocation(input: {name: "Cotabambas", level: PROVINCE, code: "0305", parent: $p}) { id } }"#,
        json!({"p": region}),
    )
    .await;
    let district = id_of(
        app,
        r#"mutation($p: ID) { createLocation(input: {name: "Challhuahuacho", level: DISTRICT, code: "030506", parent: $p}) { id } }"#,
        json!({"p": province}),
    )
    .await;
    let mmg = id_of(
        app,
        r#"mutation { createActor(input: {slug: "mmg", name: "MMG Limited", kind: COMPANY}) { id } }"#,
        json!({}),
    )
    .await;
    let bambas = id_of(
        app,
        r#"mutation($mmg: ID!, $d: ID!) { createCase(input: {slug: "las-bambas", kind: MINE,
        title: "Las Bambas", status: ACTIVE, phase: ESCALATION, conflictType: SOCIO_ENVIRONMENTAL,
        startedOn: "2015-09", statusSince: "2015-09",
        actors: [{actor: $mmg, role: OPERATOR}], locations: [{location: $d, precision: EXACT}]}) { id } }"#,
        json!({"mmg": mmg, "d": district}),
    )
    .await;
    status(
        app,
        &bambas,
        "LATENT",
        None,
        "2017-03",
        "Talks, \"paused\"\nfor now",
        "PUBLIC",
    )
    .await;
    status(
        app,
        &bambas,
        "ACTIVE",
        Some("CRISIS"),
        "2017-05-02",
        "blockade (restricted)",
        "RESTRICTED",
    )
    .await;
    id_of(
        app,
        r#"mutation($d: ID!) { createCase(input: {slug: "hidden-mine", kind: MINE, title: "Hidden",
        status: ACTIVE, statusSince: "2016", visibility: RESTRICTED,
        locations: [{location: $d, precision: EXACT}]}) { id } }"#,
        json!({"d": district}),
    )
    .await;
    bambas
}

both_engines!(
    the_case_table_has_its_columns_and_only_visible_rows,
    |engine| {
        let app = TestApp::spawn(engine).await;
        register(&app).await;

        let anonymous = get(&app, None, "/csv/cases", &[]).await;
        assert_eq!(anonymous.status, 200, "{}", anonymous.body);
        assert_eq!(anonymous.content_type, "text/csv; charset=utf-8");
        assert_eq!(anonymous.header, CASE_HEADER);
        assert!(anonymous.body.ends_with("\r\n"), "RFC 4180 line ends");
        let records = anonymous.records();
        assert_eq!(
            anonymous.column("slug"),
            ["las-bambas"],
            "{}",
            anonymous.body
        );
        let bambas = &records[0];
        let expected = [
            ("title", "Las Bambas"),
            ("kind", "MINE"),
            // The restricted change to ACTIVE does not move the public status.
            ("status", "LATENT"),
            ("phase", ""),
            ("conflict_type", "SOCIO_ENVIRONMENTAL"),
            ("region", "Apurímac"),
            ("province", "Cotabambas"),
            ("district", "Challhuahuacho"),
            ("operators", "MMG Limited"),
            ("started_on", "2015-09"),
            ("last_activity_on", "2017-03"),
            ("visibility", "PUBLIC"),
        ];
        for (column, value) in expected {
            assert_eq!(bambas[column], value, "{column}: {}", anonymous.body);
        }

        // A viewer sees the restricted case, in slug order.
        let viewer = get(&app, Some(&app.viewer), "/csv/cases", &[]).await;
        assert_eq!(viewer.status, 200, "{}", viewer.body);
        assert_eq!(viewer.column("slug"), ["hidden-mine", "las-bambas"]);
        assert_eq!(viewer.records()[0]["visibility"], "RESTRICTED");
        assert_eq!(viewer.records()[0]["started_on"], "");
        assert_eq!(viewer.records()[0]["district"], "Challhuahuacho");

        // A token that is not valid is refused, never read as anonymous.
        let refused = get(&app, Some("chq_not-a-token"), "/csv/cases", &[]).await;
        assert_eq!(refused.status, 401, "{}", refused.body);
    }
);

both_engines!(
    the_tables_take_the_case_filter_with_status_as_of,
    |engine| {
        let app = TestApp::spawn(engine).await;
        register(&app).await;
        let slugs = async |token: Option<&str>, filter: Value| {
            let filter = filter.to_string();
            let table = get(&app, token, "/csv/cases", &[("filter", &filter)]).await;
            assert_eq!(table.status, 200, "{filter}: {}", table.body);
            table.column("slug")
        };
        let as_of = |date: &str, statuses: Value| json!({"statusAsOf": {"date": date, "statuses": statuses}});
        assert_eq!(
            slugs(None, as_of("2017-04", json!(["LATENT"]))).await,
            ["las-bambas"]
        );
        assert!(
            slugs(None, as_of("2016-12", json!(["LATENT"])))
                .await
                .is_empty()
        );
        // The restricted change places las-bambas in ACTIVE in June 2017 for a viewer only.
        assert!(
            slugs(None, as_of("2017-06", json!(["ACTIVE"])))
                .await
                .is_empty()
        );
        assert_eq!(
            slugs(Some(&app.viewer), as_of("2017-06", json!(["ACTIVE"]))).await,
            ["hidden-mine", "las-bambas"]
        );
        // It composes with the other conditions of the filter.
        assert_eq!(
            slugs(
                Some(&app.viewer),
                json!({"region": ["03"], "conflictTypes": ["SOCIO_ENVIRONMENTAL"],
                   "statusAsOf": {"date": "2017-06", "statuses": ["ACTIVE"], "phases": ["CRISIS"]}})
            )
            .await,
            ["las-bambas"]
        );
        let changes = get(
            &app,
            None,
            "/csv/status-changes",
            &[("filter", &as_of("2017-04", json!(["LATENT"])).to_string())],
        )
        .await;
        assert_eq!(changes.column("case"), ["las-bambas", "las-bambas"]);
    }
);

both_engines!(a_refused_filter_is_a_400_naming_its_field, |engine| {
    let app = TestApp::spawn(engine).await;
    let cases = [
        (
            "/csv/cases",
            "filter",
            "{\"statuses\": [\"ACTIVE\"",
            "filter",
        ),
        ("/csv/cases", "filter", "[1]", "filter"),
        (
            "/csv/cases",
            "filter",
            r#"{"statusAsOf": {"date": "2017-13"}}"#,
            "filter.statusAsOf.date",
        ),
        (
            "/csv/cases",
            "filter",
            r#"{"statusAsOf": {"statuses": ["ACTIVE"]}}"#,
            "filter.statusAsOf.date",
        ),
        (
            "/csv/cases",
            "filter",
            r#"{"statusAsOf": {"date": "2017", "phases": ["LOUD"]}}"#,
            "filter.statusAsOf.phases",
        ),
        (
            "/csv/status-changes",
            "filter",
            r#"{"kinds": ["MINE"], "statusez": ["ACTIVE"]}"#,
            "filter.statusez",
        ),
        (
            "/csv/status-changes",
            "filter",
            r#"{"statuses": ["ACTIVE", "SLEEPING"]}"#,
            "filter.statuses",
        ),
        ("/csv/cases", "sort", "slug", "sort"),
        ("/csv/report", "period", "2024-14", "period"),
        ("/csv/report", "through", "2024", "period"),
    ];
    for (path, parameter, value, field) in cases {
        let table = get(&app, None, path, &[(parameter, value)]).await;
        assert_eq!(
            table.status, 400,
            "{path}?{parameter}={value}: {}",
            table.body
        );
        let body: Value = serde_json::from_str(&table.body)
            .unwrap_or_else(|e| panic!("{path}: the refusal is JSON: {e}: {}", table.body));
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{path}?{parameter}={value}: {body:#}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body:#}"
        );
    }
    let backwards = get(
        &app,
        None,
        "/csv/report",
        &[("period", "2024-03"), ("through", "2024-01")],
    )
    .await;
    assert_eq!(backwards.status, 400, "{}", backwards.body);
    assert!(backwards.body.contains("\"through\""), "{}", backwards.body);
});

both_engines!(
    the_status_change_table_lists_each_visible_change,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let bambas = register(&app).await;
        // A change sourced by a news item: its title and URL are the source.
        let news = id_of(
        &app,
        r#"mutation { createNewsItem(input: {title: "Dialogue table resumes", date: "2017-08-01",
        url: "https://example.org/news/1"}) { id } }"#,
        json!({}),
    )
    .await;
        app.data(
            r#"mutation($case: ID!, $news: ID!) { recordStatusChange(input: {case: $case,
        status: ACTIVE, phase: DIALOGUE, date: "2017-08-01", source: {newsItem: $news}}) { id } }"#,
            json!({"case": bambas, "news": news}),
        )
        .await;

        let anonymous = get(&app, None, "/csv/status-changes", &[]).await;
        assert_eq!(anonymous.status, 200, "{}", anonymous.body);
        assert_eq!(anonymous.content_type, "text/csv; charset=utf-8");
        assert_eq!(anonymous.header, STATUS_HEADER);
        let rows: Vec<Vec<String>> = anonymous.rows.clone();
        let expected: Vec<Vec<&str>> = vec![
            vec![
                "las-bambas",
                "ACTIVE",
                "ESCALATION",
                "2015-09",
                "MONTH",
                "",
                "",
                "",
            ],
            vec![
                "las-bambas",
                "LATENT",
                "",
                "2017-03",
                "MONTH",
                "",
                "https://example.org/register",
                "Talks, \"paused\"\nfor now",
            ],
            vec![
                "las-bambas",
                "ACTIVE",
                "DIALOGUE",
                "2017-08-01",
                "DAY",
                "Dialogue table resumes",
                "https://example.org/news/1",
                "",
            ],
        ];
        assert_eq!(rows, expected, "{}", anonymous.body);

        // A viewer also gets the restricted case's change and the restricted change, in
        // slug order then the history's.
        let viewer = get(&app, Some(&app.viewer), "/csv/status-changes", &[]).await;
        let seen: Vec<(String, String, String)> = viewer
            .records()
            .into_iter()
            .map(|r| (r["case"].clone(), r["status"].clone(), r["date"].clone()))
            .collect();
        let owned = |c: &str, s: &str, d: &str| (c.to_owned(), s.to_owned(), d.to_owned());
        assert_eq!(
            seen,
            vec![
                owned("hidden-mine", "ACTIVE", "2016"),
                owned("las-bambas", "ACTIVE", "2015-09"),
                owned("las-bambas", "LATENT", "2017-03"),
                owned("las-bambas", "ACTIVE", "2017-05-02"),
                owned("las-bambas", "ACTIVE", "2017-08-01"),
            ],
            "{}",
            viewer.body
        );
        assert!(viewer.body.contains("blockade (restricted)"));
        assert!(!anonymous.body.contains("blockade"));
    }
);

both_engines!(the_report_table_matches_the_report, |engine| {
    let app = TestApp::spawn(engine).await;
    register(&app).await;
    // New in March 2017, in no place.
    let fresh = id_of(
        &app,
        r#"mutation { createCase(input: {slug: "new-dispute", kind: OTHER, title: "A new dispute",
        status: ACTIVE, conflictType: LABOUR, statusSince: "2017-03-20"}) { id } }"#,
        json!({}),
    )
    .await;
    status(
        &app,
        &fresh,
        "ACTIVE",
        Some("EARLY"),
        "2017-03-25",
        "",
        "PUBLIC",
    )
    .await;

    let table = get(&app, None, "/csv/report", &[("period", "2017-03")]).await;
    assert_eq!(table.status, 200, "{}", table.body);
    assert_eq!(table.header, ["section", "key", "count", "cases"]);
    let rows: Vec<Vec<&str>> = table
        .rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let expected: Vec<Vec<&str>> = vec![
        vec!["by_status", "ACTIVE", "1", "new-dispute"],
        vec!["by_status", "LATENT", "1", "las-bambas"],
        vec!["active_by_phase", "EARLY", "1", "new-dispute"],
        vec!["active_by_conflict_type", "LABOUR", "1", "new-dispute"],
        vec!["movements", "NEW", "1", "new-dispute"],
        vec!["movements", "MOVED_TO_LATENT", "1", "las-bambas"],
    ];
    assert_eq!(rows, expected, "{}", table.body);

    // Through June, for a viewer: the restricted change and the restricted case count.
    let table = get(
        &app,
        Some(&app.viewer),
        "/csv/report",
        &[("period", "2017-03"), ("through", "2017-06")],
    )
    .await;
    let rows: Vec<Vec<&str>> = table
        .rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    assert!(
        rows.contains(&vec![
            "active_by_region",
            "Apurímac",
            "2",
            "hidden-mine; las-bambas"
        ]),
        "{}",
        table.body
    );
    assert!(
        rows.contains(&vec!["movements", "REACTIVATED", "1", "las-bambas"]),
        "{}",
        table.body
    );
    // The same numbers as `statusReport`.
    let data = app
        .data_as(
            Some(&app.viewer),
            r#"{ statusReport(period: "2017-03", through: "2017-06") {
                 byStatus { status count } } }"#,
            json!({}),
        )
        .await;
    for group in data["statusReport"]["byStatus"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let status = group["status"].as_str().unwrap_or_default();
        let count = group["count"].to_string();
        assert!(
            rows.iter()
                .any(|r| r[0] == "by_status" && r[1] == status && r[2] == count),
            "{status} {count}: {}",
            table.body
        );
    }
    // And with a filter.
    let filtered = get(
        &app,
        None,
        "/csv/report",
        &[("period", "2017-03"), ("filter", r#"{"kinds": ["MINE"]}"#)],
    )
    .await;
    assert_eq!(
        filtered.column("cases"),
        ["las-bambas", "las-bambas"],
        "{}",
        filtered.body
    );
});

both_engines!(a_register_longer_than_a_page_is_streamed_whole, |engine| {
    // Three hundred writes in a row: past the default rate limit.
    let config = chasqui::config::HttpConfig {
        rate_limit_per_minute: None,
        ..Default::default()
    };
    let app = TestApp::spawn_with(engine, config).await;
    let mut wanted = Vec::new();
    for i in 0..300 {
        let slug = format!("case-{i:03}");
        let visibility = if i % 10 == 0 { "RESTRICTED" } else { "PUBLIC" };
        app.data(
            &format!(
                r#"mutation($slug: String!) {{ createCase(input: {{slug: $slug, kind: MINE,
                title: $slug, status: ACTIVE, statusSince: "2020", visibility: {visibility}}}) {{ id }} }}"#
            ),
            json!({"slug": slug}),
        )
        .await;
        wanted.push((slug, visibility));
    }
    let viewer = get(&app, Some(&app.viewer), "/csv/cases", &[]).await;
    assert_eq!(viewer.status, 200, "{}", viewer.body);
    assert!(viewer.chunked, "the table is streamed, not sized first");
    let all: Vec<String> = wanted.iter().map(|(s, _)| s.clone()).collect();
    assert_eq!(viewer.column("slug"), all);
    let anonymous = get(&app, None, "/csv/cases", &[]).await;
    let public: Vec<String> = wanted
        .iter()
        .filter(|(_, v)| *v == "PUBLIC")
        .map(|(s, _)| s.clone())
        .collect();
    assert_eq!(anonymous.column("slug"), public);
    let changes = get(&app, None, "/csv/status-changes", &[]).await;
    assert_eq!(
        changes.rows.len(),
        270,
        "one undated-free change per public case"
    );
});

both_engines!(
    the_event_table_lists_the_visible_matching_events,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let case = id_of(
            &app,
            r#"mutation { createCase(input: {slug: "events-case", kind: MINE, title: "Events case",
            status: ACTIVE, statusSince: "2017"}) { id } }"#,
            json!({}),
        )
        .await;
        let event = |title: &str, date: &str, visibility: &str| {
            format!(
                r#"mutation($case: ID!) {{ recordEvent(input: {{case: $case, kind: PROTEST,
            title: "{title}", date: "{date}", deaths: 1, sources: [{{url: "https://example.org/e"}}],
            visibility: {visibility}}}) {{ id }} }}"#
            )
        };
        app.data(
            &event("March", "2017-02-10", "PUBLIC"),
            json!({"case": case}),
        )
        .await;
        app.data(&event("Strike", "2017-06", "PUBLIC"), json!({"case": case}))
            .await;
        app.data(
            &event("Secret raid", "2017-03", "RESTRICTED"),
            json!({"case": case}),
        )
        .await;

        let public = get(&app, None, "/csv/events", &[]).await;
        assert_eq!(public.status, 200, "{}", public.body);
        assert!(
            public.content_type.starts_with("text/csv"),
            "{}",
            public.content_type
        );
        assert_eq!(
            public.header,
            [
                "case",
                "date",
                "end_date",
                "kind",
                "title",
                "location",
                "deaths",
                "injuries",
                "visibility"
            ]
        );
        assert_eq!(
            public.column("title"),
            ["Strike", "March"],
            "latest first, no secret"
        );
        assert_eq!(public.column("date"), ["2017-06", "2017-02-10"]);
        assert_eq!(public.column("case"), ["events-case", "events-case"]);
        assert_eq!(public.column("deaths"), ["1", "1"]);

        let viewer = get(&app, Some(&app.viewer), "/csv/events", &[]).await;
        assert_eq!(viewer.column("title"), ["Strike", "Secret raid", "March"]);

        // The GraphQL EventFilter, as JSON.
        let february = get(
            &app,
            Some(&app.viewer),
            "/csv/events",
            &[("filter", r#"{"from": "2017-02", "to": "2017-03"}"#)],
        )
        .await;
        assert_eq!(february.column("title"), ["Secret raid", "March"]);
        let refused = get(
            &app,
            None,
            "/csv/events",
            &[("filter", r#"{"form": "2017"}"#)],
        )
        .await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(refused.body.contains("filter.form"), "{}", refused.body);
    }
);
