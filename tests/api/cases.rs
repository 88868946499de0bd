//! The three journeys on the demo data, and the write paths behind them.

use crate::app::TestApp;
use crate::both_engines;
use serde_json::{Value, json};

const TIMELINE: &str = r#"query($after: String) {
  case(slug: "las-bambas") {
    slug
    timeline(first: 20, after: $after) {
      edges { cursor node {
        __typename
        ... on Event { title date { value start label } sources { newsItem { title } url } }
        ... on NewsLink { updateKind date { value start label } newsItem { title date { value } } }
        ... on StatusChange { status date { value start label } sources { newsItem { title } } }
      } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"#;

fn entry_start(node: &Value) -> String {
    node["date"]["start"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

both_engines!(
    las_bambas_timeline_is_dated_sourced_newest_first,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        let data = app.data(TIMELINE, json!({})).await;
        let edges = data["case"]["timeline"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            edges.len() >= 5,
            "the demo gives Las Bambas a real timeline: {data:#}"
        );
        let starts: Vec<String> = edges.iter().map(|e| entry_start(&e["node"])).collect();
        let mut sorted = starts.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(starts, sorted, "newest first");
        for edge in &edges {
            let node = &edge["node"];
            assert!(
                !node["date"]["label"]
                    .as_str()
                    .unwrap_or_default()
                    .is_empty(),
                "every entry is dated: {node}"
            );
            match node["__typename"].as_str() {
                Some("Event") => assert!(
                    !node["sources"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .is_empty(),
                    "events are sourced: {node}"
                ),
                Some("NewsLink") => assert!(
                    node["newsItem"]["title"].is_string(),
                    "news updates carry their item"
                ),
                Some("StatusChange") => {}
                other => panic!("unexpected entry {other:?}"),
            }
        }
        // A month-precise date is shown as a month, not as its first day.
        let labels: Vec<&str> = edges
            .iter()
            .filter_map(|e| e["node"]["date"]["label"].as_str())
            .collect();
        assert!(
            labels
                .iter()
                .any(|l| l.starts_with("February 2017") || l.contains("February 2017")),
            "{labels:?}"
        );
    }
);

both_engines!(timeline_pages_do_not_overlap, |engine| {
    let app = TestApp::with_demo(engine).await;
    let query = r#"query($after: String) { case(slug: "las-bambas") { timeline(first: 2, after: $after) {
        edges { cursor node { __typename ... on Event { id } ... on NewsLink { id } ... on StatusChange { id } } }
        pageInfo { hasNextPage endCursor } } } }"#;
    let mut seen = Vec::new();
    let mut after = Value::Null;
    for _ in 0..20 {
        let data = app.data(query, json!({"after": after})).await;
        let timeline = &data["case"]["timeline"];
        for edge in timeline["edges"].as_array().cloned().unwrap_or_default() {
            seen.push(edge["node"]["id"].as_str().unwrap_or_default().to_owned());
        }
        if timeline["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = timeline["pageInfo"]["endCursor"].clone();
    }
    let all = app.data(r#"{ case(slug: "las-bambas") { timeline(first: 100) { edges { node { __typename ... on Event { id } ... on NewsLink { id } ... on StatusChange { id } } } } } }"#, json!({})).await;
    let expected: Vec<String> = all["case"]["timeline"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        seen, expected,
        "paging by 2 walks the same entries in the same order"
    );
});

both_engines!(region_filter_finds_cases_placed_below_it, |engine| {
    let app = TestApp::with_demo(engine).await;
    let data = app
        .data(r#"{ apurimac: cases(filter: { region: "03" }) { totalCount nodes { slug } }
                   south: cases(filter: { region: ["03", "08"], kinds: [MINE, INFRASTRUCTURE] }) { totalCount }
                   nowhere: cases(filter: { region: "99" }) { totalCount } }"#, json!({}))
        .await;
    let slugs: Vec<&str> = data["apurimac"]["nodes"]
        .as_array()
        .map(|n| n.iter().filter_map(|c| c["slug"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        slugs.contains(&"las-bambas"),
        "Las Bambas is placed in a district of Apurímac: {slugs:?}"
    );
    assert_eq!(
        data["apurimac"]["totalCount"].as_u64(),
        Some(slugs.len() as u64)
    );
    assert!(
        data["south"]["totalCount"].as_u64().unwrap_or_default() >= 2,
        "{data:#}"
    );
    assert_eq!(
        data["nowhere"]["totalCount"],
        json!(0),
        "an unknown region matches nothing"
    );

    // Pages of one through a region (the walk of its places in activity order) give
    // the region's whole list, in the same order, each case once.
    let whole = app
        .data(
            r#"{ cases(filter: { region: "08" }) { nodes { slug } } }"#,
            json!({}),
        )
        .await["cases"]["nodes"]
        .clone();
    let query = r#"query($after: String) { cases(filter: { region: "08" }, first: 1, after: $after) { nodes { slug } pageInfo { hasNextPage endCursor } } }"#;
    let (mut paged, mut after) = (Vec::new(), Value::Null);
    for _ in 0..20 {
        let page = app.data(query, json!({ "after": after })).await["cases"].clone();
        paged.extend(page["nodes"].as_array().cloned().unwrap_or_default());
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert!(paged.len() >= 2, "{whole}");
    assert_eq!(Value::Array(paged), whole);
});

both_engines!(kind_types_expose_their_own_fields, |engine| {
    let app = TestApp::with_demo(engine).await;
    let data = app
        .data(
            r#"{ cases(first: 100) { nodes { __typename kind slug
            ... on MineCase { minerals operators { actor { name aliases } } }
            ... on DecreeCase { identifier legalStatus }
            ... on CourtCase { parties { role actor { name } } } } } }"#,
            json!({}),
        )
        .await;
    let nodes = data["cases"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let kinds: std::collections::BTreeSet<String> = nodes
        .iter()
        .filter_map(|n| n["kind"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        kinds.len(),
        8,
        "the demo has a case of every kind: {kinds:?}"
    );
    let bambas = nodes
        .iter()
        .find(|n| n["slug"] == "las-bambas")
        .cloned()
        .unwrap_or_default();
    assert_eq!(bambas["__typename"], "MineCase");
    assert!(
        bambas["minerals"]
            .as_array()
            .is_some_and(|m| m.iter().any(|x| x == "copper"))
    );
    assert!(
        bambas["operators"][0]["actor"]["aliases"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "MMG"))
    );
    let decree = nodes
        .iter()
        .find(|n| n["slug"] == "trafficking-plan-2017")
        .cloned()
        .unwrap_or_default();
    assert_eq!(decree["identifier"], "DS 017-2017-IN");
});

both_engines!(stats_count_by_status_region_and_month, |engine| {
    let app = TestApp::with_demo(engine).await;
    let data = app
        .data(r#"{ total: cases { totalCount }
                   byStatus: caseStats(groupBy: [STATUS]) { count status }
                   byRegion: caseStats(groupBy: [REGION]) { count region { code name } }
                   monthly: caseStats(groupBy: [MONTH, STATUS], filter: { activeFrom: "2017-01", activeTo: "2017-06" }) { count status month { value } } }"#, json!({}))
        .await;
    let total = data["total"]["totalCount"].as_u64().unwrap_or_default();
    let by_status: u64 = data["byStatus"]
        .as_array()
        .map(|b| b.iter().filter_map(|x| x["count"].as_u64()).sum())
        .unwrap_or_default();
    assert_eq!(by_status, total, "status buckets add up to the total");
    let apurimac = data["byRegion"]
        .as_array()
        .and_then(|b| b.iter().find(|x| x["region"]["code"] == "03").cloned());
    assert!(apurimac.is_some_and(|a| a["count"].as_u64() >= Some(1)));
    let months: std::collections::BTreeSet<String> = data["monthly"]
        .as_array()
        .map(|b| {
            b.iter()
                .filter_map(|x| x["month"]["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        months.into_iter().collect::<Vec<_>>(),
        [
            "2017-01", "2017-02", "2017-03", "2017-04", "2017-05", "2017-06"
        ]
    );
});

const CREATE_CASE: &str = r#"mutation($input: CreateCaseInput!) { createCase(input: $input) { id slug status version } }"#;
const CREATE_NEWS: &str =
    r#"mutation($input: CreateNewsItemInput!) { createNewsItem(input: $input) { id } }"#;

async fn new_case(app: &TestApp, slug: &str) -> String {
    let data = app
        .data(CREATE_CASE, json!({"input": {"slug": slug, "kind": "MINE", "title": format!("Case {slug}"), "status": "LATENT",
            "statusSince": "2016", "statusSource": {"url": "https://example.org/register"}}}))
        .await;
    data["createCase"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

both_engines!(linking_news_records_status_and_event_atomically, |engine| {
    let app = TestApp::spawn(engine).await;
    let case_id = new_case(&app, "tia-maria").await;
    let news = app.data(CREATE_NEWS, json!({"input": {"title": "Strike called", "date": "2019-07-15", "url": "https://example.org/strike"}})).await;
    let news_id = news["createNewsItem"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // A link whose event names a location that does not exist fails whole.
    let link = r#"mutation($input: LinkNewsItemInput!) { linkNewsItem(input: $input) { id state reportedStatus event { title sources { newsItem { id } } } statusChange { status date { value } } } }"#;
    let bad_location = "TG9jYXRpb246OTk5OQ"; // Location:9999
    let body = app
        .graphql(link, json!({"input": {"newsItem": news_id, "case": case_id, "updateKind": "STATUS_CHANGE", "reportedStatus": "ACTIVE",
            "event": {"kind": "STRIKE", "title": "Indefinite strike", "date": "2019-07-15", "location": bad_location}}}))
        .await;
    assert_eq!(TestApp::error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "input.event.location"
    );
    let state = app.data(r#"query($id: ID!) { node(id: $id) { ... on MineCase { status statusHistory { status } events { edges { node { id } } } } } }"#, json!({"id": case_id})).await;
    assert_eq!(
        state["node"]["status"], "LATENT",
        "nothing of the failed link was written"
    );
    assert_eq!(
        state["node"]["statusHistory"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        state["node"]["events"]["edges"].as_array().map(Vec::len),
        Some(0)
    );

    let data = app
        .data(link, json!({"input": {"newsItem": news_id, "case": case_id, "updateKind": "STATUS_CHANGE", "reportedStatus": "ACTIVE",
            "event": {"kind": "STRIKE", "title": "Indefinite strike", "date": "2019-07-15", "endDate": "2019-08"}}}))
        .await;
    let linked = &data["linkNewsItem"];
    assert_eq!(linked["state"], "CONFIRMED");
    assert_eq!(linked["statusChange"]["status"], "ACTIVE");
    assert_eq!(linked["statusChange"]["date"]["value"], "2019-07-15");
    assert_eq!(
        linked["event"]["sources"][0]["newsItem"]["id"],
        json!(news_id),
        "the event is sourced by the item"
    );
    let state = app.data(r#"query($id: ID!) { node(id: $id) { ... on MineCase { status lastActivityOn { end } statusHistory { status sources { newsItem { title } url } } } } }"#, json!({"id": case_id})).await;
    assert_eq!(
        state["node"]["status"], "ACTIVE",
        "the reported status is now the case's status"
    );
    assert_eq!(
        state["node"]["lastActivityOn"]["end"], "2019-08-31",
        "the strike ran into August"
    );
    assert_eq!(
        state["node"]["statusHistory"][0]["sources"][0]["url"],
        "https://example.org/register"
    );

    let again = app
        .graphql(
            link,
            json!({"input": {"newsItem": news_id, "case": case_id, "updateKind": "DEVELOPMENT"}}),
        )
        .await;
    assert_eq!(
        TestApp::error_code(&again),
        "CONFLICT",
        "a news item links to a case once"
    );
    let reverse = app.data(r#"query($id: ID!) { node(id: $id) { ... on NewsItem { cases { case { slug } updateKind } } } }"#, json!({"id": news_id})).await;
    assert_eq!(reverse["node"]["cases"][0]["case"]["slug"], "tia-maria");
});

both_engines!(a_suggestion_changes_nothing_until_confirmed, |engine| {
    let app = TestApp::spawn(engine).await;
    let case_id = new_case(&app, "quellaveco").await;
    let news = app
        .data(
            CREATE_NEWS,
            json!({"input": {"title": "Talks collapse", "date": "2018-03"}}),
        )
        .await;
    let news_id = news["createNewsItem"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let state = r#"query($id: ID!) { node(id: $id) { ... on MineCase { status statusHistory { status } newsItems { edges { node { id } } } } } }"#;

    let with_event = app
        .graphql(r#"mutation($input: LinkNewsItemInput!) { linkNewsItem(input: $input) { id } }"#,
            json!({"input": {"newsItem": news_id, "case": case_id, "updateKind": "DEVELOPMENT", "confirmed": false,
                "event": {"kind": "DIALOGUE", "title": "Talks", "date": "2018-03"}}}))
        .await;
    assert_eq!(
        with_event["errors"][0]["extensions"]["field"],
        "input.event"
    );

    let suggested = app
        .data(r#"mutation($input: LinkNewsItemInput!) { linkNewsItem(input: $input) { id state reportedStatus statusChange { id } } }"#,
            json!({"input": {"newsItem": news_id, "case": case_id, "updateKind": "STATUS_CHANGE", "reportedStatus": "ACTIVE", "confirmed": false}}))
        .await;
    let link_id = suggested["linkNewsItem"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(suggested["linkNewsItem"]["state"], "SUGGESTED");
    assert_eq!(suggested["linkNewsItem"]["reportedStatus"], "ACTIVE");
    assert_eq!(suggested["linkNewsItem"]["statusChange"], Value::Null);
    let before = app.data(state, json!({"id": case_id})).await;
    assert_eq!(
        before["node"]["status"], "LATENT",
        "a suggestion changes no status"
    );
    assert_eq!(
        before["node"]["newsItems"]["edges"],
        json!([]),
        "nor joins the timeline"
    );

    let confirmed = app.data(r#"mutation($id: ID!) { confirmLink(id: $id) { state statusChange { status date { value } } } }"#, json!({"id": link_id})).await;
    assert_eq!(confirmed["confirmLink"]["state"], "CONFIRMED");
    assert_eq!(
        confirmed["confirmLink"]["statusChange"]["date"]["value"],
        "2018-03"
    );
    let after = app.data(state, json!({"id": case_id})).await;
    assert_eq!(after["node"]["status"], "ACTIVE");
    assert_eq!(
        after["node"]["newsItems"]["edges"].as_array().map(Vec::len),
        Some(1)
    );

    // Restricting the link restricts the status change it recorded, which takes the
    // link's note too: the public status goes back, a viewer still sees the change.
    let update = r#"mutation($id: ID!, $input: UpdateLinkInput!) { updateLink(id: $id, input: $input) { updateKind note visibility statusChange { note visibility } } }"#;
    let updated = app
        .data(
            update,
            json!({"id": link_id, "input": {"note": "Talks announced.", "visibility": "RESTRICTED"}}),
        )
        .await;
    assert_eq!(
        updated["updateLink"],
        json!({"updateKind": "STATUS_CHANGE", "note": "Talks announced.", "visibility": "RESTRICTED",
               "statusChange": {"note": "Talks announced.", "visibility": "RESTRICTED"}})
    );
    let anonymous = app.data_as(None, state, json!({"id": case_id})).await;
    assert_eq!(anonymous["node"]["status"], "LATENT");
    let cleared = app
        .data(
            update,
            json!({"id": link_id, "input": {"note": null, "visibility": "PUBLIC"}}),
        )
        .await;
    assert_eq!(cleared["updateLink"]["note"], Value::Null);
    assert_eq!(
        cleared["updateLink"]["statusChange"]["visibility"],
        "PUBLIC"
    );
    assert_eq!(
        app.data_as(None, state, json!({"id": case_id})).await["node"]["status"],
        "ACTIVE"
    );
    let refused = app
        .graphql(
            update,
            json!({"id": link_id, "input": {"updateKind": "BACKGROUND", "note": "x".repeat(20_001)}}),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["field"], "input.note");
    let as_viewer = app
        .graphql_as(
            Some(&app.viewer),
            update,
            json!({"id": link_id, "input": {"updateKind": "BACKGROUND"}}),
        )
        .await;
    assert_eq!(as_viewer["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let unchanged = app.data(update, json!({"id": link_id, "input": {}})).await;
    assert_eq!(unchanged["updateLink"]["updateKind"], "STATUS_CHANGE");

    let rejected = app
        .data(
            r#"mutation($id: ID!) { rejectLink(id: $id) { state statusChange { id } } }"#,
            json!({"id": link_id}),
        )
        .await;
    assert_eq!(rejected["rejectLink"]["state"], "REJECTED");
    let undone = app.data(state, json!({"id": case_id})).await;
    assert_eq!(
        undone["node"]["status"], "LATENT",
        "rejecting withdraws the status it had recorded"
    );
    assert_eq!(
        undone["node"]["statusHistory"].as_array().map(Vec::len),
        Some(1)
    );
});

both_engines!(bodies_and_shapes_are_read_only_when_asked_for, |engine| {
    let app = TestApp::spawn(engine).await;
    let body = "A long text. ".repeat(2_000);
    app.data(
        CREATE_NEWS,
        json!({"input": {"title": "Long read", "date": "2020-01-02", "body": body}}),
    )
    .await;
    let shape = json!({"type": "Polygon", "coordinates": [[[-72.3, -14.0], [-72.0, -14.0], [-72.0, -13.8], [-72.3, -14.0]]]});
    app.data(r#"mutation($g: JSON) { createLocation(input: {name: "Challhuahuacho", level: DISTRICT, code: "030506", geometry: $g}) { id } }"#, json!({"g": shape})).await;

    let before = app.statements();
    let light = app
        .data(
            "{ newsItems { nodes { title } } locations { nodes { name } } }",
            json!({}),
        )
        .await;
    let light_count = app.statements() - before;
    assert_eq!(light["newsItems"]["nodes"][0]["title"], "Long read");

    let before = app.statements();
    let full = app
        .data(
            "{ newsItems { nodes { body } } locations { nodes { geometry } } }",
            json!({}),
        )
        .await;
    let full_count = app.statements() - before;
    assert_eq!(
        full["newsItems"]["nodes"][0]["body"].as_str().map(str::len),
        Some(body.trim().len())
    );
    assert_eq!(full["locations"]["nodes"][0]["geometry"], shape);
    assert_eq!(
        full_count,
        light_count + 2,
        "one extra statement each for bodies and shapes, only when selected"
    );
});

both_engines!(stale_version_is_a_conflict_and_archive_hides, |engine| {
    let app = TestApp::spawn(engine).await;
    let case_id = new_case(&app, "conga").await;
    let update = r#"mutation($id: ID!, $v: Int, $input: UpdateCaseInput!) { updateCase(id: $id, expectedVersion: $v, input: $input) { title version } }"#;
    let first = app
        .data(
            update,
            json!({"id": case_id, "v": 1, "input": {"title": "Conga gold project"}}),
        )
        .await;
    assert_eq!(first["updateCase"]["version"], 2);
    let stale = app
        .graphql(
            update,
            json!({"id": case_id, "v": 1, "input": {"title": "Overwritten"}}),
        )
        .await;
    assert_eq!(TestApp::error_code(&stale), "CONFLICT");
    let title = app
        .data(r#"query { case(slug: "conga") { title } }"#, json!({}))
        .await;
    assert_eq!(
        title["case"]["title"], "Conga gold project",
        "the stale write changed nothing"
    );

    app.data(
        r#"mutation($id: ID!) { archive(id: $id) }"#,
        json!({"id": case_id}),
    )
    .await;
    let hidden = app.data(r#"query($id: ID!) { node(id: $id) { id } case(slug: "conga") { id } cases { totalCount } }"#, json!({"id": case_id})).await;
    assert_eq!(
        hidden,
        json!({"node": null, "case": null, "cases": {"totalCount": 0}})
    );
    let restore = r#"mutation($id: ID!) { restore(id: $id) }"#;
    let by_editor = app.graphql(restore, json!({"id": case_id})).await;
    assert_eq!(
        TestApp::error_code(&by_editor),
        "FORBIDDEN",
        "restoring is for admins"
    );
    app.data_as(Some(&app.admin), restore, json!({"id": case_id}))
        .await;
    let back = app.data(r#"{ cases { totalCount } }"#, json!({})).await;
    assert_eq!(back["cases"]["totalCount"], 1);
});

both_engines!(case_list_pages_cover_everything_once, |engine| {
    let app = TestApp::with_demo(engine).await;
    let query = r#"query($after: String) { cases(first: 3, after: $after, orderBy: { field: TITLE, direction: ASC }) { edges { cursor node { slug title } } pageInfo { hasNextPage endCursor } totalCount } }"#;
    let mut titles = Vec::new();
    let mut after = Value::Null;
    let mut total = 0;
    for _ in 0..20 {
        let data = app.data(query, json!({"after": after})).await;
        total = data["cases"]["totalCount"].as_u64().unwrap_or_default();
        for edge in data["cases"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            titles.push(
                edge["node"]["title"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        if data["cases"]["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = data["cases"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(titles.len() as u64, total);
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(titles, sorted, "ordered by title, no repeats, none missed");
});

#[test]
fn schema_sdl_is_checked_in() {
    let checked_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/schema.graphql"
    ))
    .unwrap_or_else(|e| panic!("schema/schema.graphql: {e}"));
    assert_eq!(
        checked_in,
        chasqui_schema::sdl(),
        "schema/schema.graphql is out of date: run `cargo run -- schema > schema/schema.graphql` and review the diff"
    );
}

both_engines!(every_case_type_has_every_case_field, |engine| {
    let app = TestApp::spawn(engine).await;
    let data = app
        .data(r#"{ __type(name: "Case") { fields { name } possibleTypes { name fields { name } } } }"#, json!({}))
        .await;
    let names = |fields: &Value| -> std::collections::BTreeSet<String> {
        fields
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(|x| x["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let common = names(&data["__type"]["fields"]);
    assert!(common.contains("timeline") && common.contains("statusHistory"));
    let types = data["__type"]["possibleTypes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(types.len(), 8, "one type per case kind");
    for t in types {
        let own = names(&t["fields"]);
        let missing: Vec<&String> = common.difference(&own).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", t["name"]);
    }
});

both_engines!(healthz_answers, |engine| {
    let app = TestApp::spawn(engine).await;
    let response = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 200);
});
