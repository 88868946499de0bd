//! Bad input gets a clear error with a code, names the field, and writes nothing.

use crate::app::TestApp;
use crate::both_engines;
use serde_json::json;

async fn counts(app: &TestApp) -> serde_json::Value {
    app.data("{ cases { totalCount } newsItems(first: 100) { edges { cursor } } actors(first: 100) { edges { cursor } } }", json!({})).await
}

both_engines!(
    bad_input_is_refused_with_a_code_and_writes_nothing,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        let before = counts(&app).await;
        let ids = app
            .data(r#"{ apurimac: location(code: "03") { id } district: location(code: "030506") { id } case(slug: "las-bambas") { id } actor(slug: "mmg") { id } newsItems(first: 1) { nodes { id } } }"#, json!({}))
            .await;
        let (region, district) = (ids["apurimac"]["id"].clone(), ids["district"]["id"].clone());
        let (case, actor, news) = (
            ids["case"]["id"].clone(),
            ids["actor"]["id"].clone(),
            ids["newsItems"]["nodes"][0]["id"].clone(),
        );
        let record_event = r#"mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"#;
        let event = |extra: serde_json::Value| {
            let mut input = json!({"case": case, "kind": "PROTEST", "title": "March", "date": "2017-06-15", "sources": [{"url": "https://example.org/a"}]});
            if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
                input.extend(extra.clone());
            }
            json!({"i": input})
        };
        let many_ids: Vec<serde_json::Value> = (0..1_000).map(|_| case.clone()).collect();
        let cases: Vec<(&str, serde_json::Value, &str, Option<&str>)> = vec![
            (
                r#"mutation($id: ID!, $p: ID!) { updateLocation(id: $id, input: {parent: $p}) { id } }"#,
                json!({"id": region, "p": district}),
                "BAD_USER_INPUT",
                Some("input.parent"),
            ),
            (
                r#"mutation($id: ID!, $p: ID!) { updateLocation(id: $id, input: {parent: $p}) { id } }"#,
                json!({"id": region, "p": region}),
                "BAD_USER_INPUT",
                Some("input.parent"),
            ),
            (
                r#"mutation($c: ID!) { relateCases(input: {case: $c, relatedCase: $c, kind: RELATED_TO}) }"#,
                json!({"c": case}),
                "BAD_USER_INPUT",
                Some("input.relatedCase"),
            ),
            (
                record_event,
                event(json!({"endDate": "2017-05"})),
                "BAD_USER_INPUT",
                Some("input.endDate"),
            ),
            (
                record_event,
                event(json!({"sources": []})),
                "BAD_USER_INPUT",
                Some("input.sources"),
            ),
            (
                record_event,
                event(json!({"sources": [{"url": "ftp://example.org/a"}]})),
                "BAD_USER_INPUT",
                Some("input.sources[0].url"),
            ),
            (
                record_event,
                event(json!({"deaths": -1})),
                "BAD_USER_INPUT",
                Some("input.deaths"),
            ),
            (
                record_event,
                event(json!({"actors": [case]})),
                "BAD_USER_INPUT",
                Some("input.actors[0]"),
            ),
            (
                record_event,
                event(json!({"date": "2017-06-31"})),
                "BAD_USER_INPUT",
                None,
            ),
            (
                r#"mutation($t: String!) { createCase(input: {slug: "long", kind: OTHER, title: $t, status: ACTIVE}) { id } }"#,
                json!({"t": "x".repeat(100_000)}),
                "BAD_USER_INPUT",
                Some("input.title"),
            ),
            (
                r#"mutation { createCase(input: {slug: "x'; DROP TABLE cases; --", kind: OTHER, title: "x", status: ACTIVE}) { id } }"#,
                json!({}),
                "BAD_USER_INPUT",
                Some("input.slug"),
            ),
            (
                r#"query($ids: [ID!]!) { nodes(ids: $ids) { id } }"#,
                json!({"ids": many_ids}),
                "BAD_USER_INPUT",
                Some("ids"),
            ),
            (
                r#"{ cases(first: -1) { totalCount } }"#,
                json!({}),
                "BAD_USER_INPUT",
                Some("first"),
            ),
            (
                r#"mutation($g: JSON) { createLocation(input: {name: "Ring", level: SITE, geometry: $g}) { id } }"#,
                json!({"g": {"type": "Circle", "radius": 3}}),
                "BAD_USER_INPUT",
                Some("input.geometry"),
            ),
            (
                r#"mutation { createNewsItem(input: {title: "x", date: "2017", language: "en us"}) { id } }"#,
                json!({}),
                "BAD_USER_INPUT",
                Some("input.language"),
            ),
            (
                r#"mutation($n: ID!, $c: ID!) { linkNewsItem(input: {newsItem: $n, case: $c, updateKind: STATUS_CHANGE}) { id } }"#,
                json!({"n": news, "c": case}),
                "BAD_USER_INPUT",
                Some("input.reportedStatus"),
            ),
            (
                r#"mutation($id: ID!) { updateCase(id: $id, input: {title: "x"}) { id } }"#,
                json!({"id": actor}),
                "BAD_USER_INPUT",
                Some("id"),
            ),
            (
                r#"mutation { createCase(input: {slug: "early", kind: MINE, title: "x", status: ACTIVE, startedOn: "2017-00"}) { id } }"#,
                json!({}),
                "BAD_USER_INPUT",
                None,
            ),
            (
                r#"mutation($i: CreateNewsItemInput!) { createNewsItem(input: $i) { id } }"#,
                json!({"i": {"title": "x", "date": "2017-13-40"}}),
                "BAD_USER_INPUT",
                None,
            ),
            (
                r#"mutation { createNewsItem(input: {title: "x", date: "2017-02-30"}) { id } }"#,
                json!({}),
                "BAD_USER_INPUT",
                None,
            ),
            (
                r#"mutation { createCase(input: {slug: "volcano", kind: VOLCANO, title: "x", status: ACTIVE}) { id } }"#,
                json!({}),
                "GRAPHQL_VALIDATION_FAILED",
                None,
            ),
            (
                r#"mutation($i: CreateCaseInput!) { createCase(input: $i) { id } }"#,
                json!({"i": {"slug": "volcano", "kind": "VOLCANO", "title": "x", "status": "ACTIVE"}}),
                "GRAPHQL_VALIDATION_FAILED",
                None,
            ),
            (
                r#"mutation { createActor(input: {slug: "nameless", kind: PERSON}) { id } }"#,
                json!({}),
                "GRAPHQL_VALIDATION_FAILED",
                None,
            ),
            (
                r#"mutation { createCase(input: {slug: "las-bambas", kind: MINE, title: "Again", status: ACTIVE}) { id } }"#,
                json!({}),
                "CONFLICT",
                None,
            ),
            (
                r#"mutation { createCase(input: {slug: "Not A Slug", kind: MINE, title: "x", status: ACTIVE}) { id } }"#,
                json!({}),
                "BAD_USER_INPUT",
                Some("input.slug"),
            ),
            (
                r#"mutation { createCase(input: {slug: "decree-with-minerals", kind: DECREE, title: "x", status: ACTIVE, details: {minerals: ["gold"]}}) { id } }"#,
                json!({}),
                "BAD_USER_INPUT",
                Some("input.details.minerals"),
            ),
            (
                r#"mutation { createCase(input: {slug: "blank", kind: OTHER, title: "   ", status: ACTIVE}) { id } }"#,
                json!({}),
                "BAD_USER_INPUT",
                Some("input.title"),
            ),
            (
                r#"mutation { createLocation(input: {name: "Nowhere", level: SITE, latitude: 200, longitude: 0}) { id } }"#,
                json!({}),
                "BAD_USER_INPUT",
                Some("input.latitude"),
            ),
            (
                r#"mutation { createNewsItem(input: {title: "x", date: "2017", url: "javascript:alert(1)"}) { id } }"#,
                json!({}),
                "BAD_USER_INPUT",
                Some("input.url"),
            ),
            (
                r#"mutation { createActor(input: {slug: "ctl", name: "a\u0000b", kind: PERSON}) { id } }"#,
                json!({}),
                "BAD_USER_INPUT",
                Some("input.name"),
            ),
            (
                r#"{ cases(first: 1000) { totalCount } }"#,
                json!({}),
                "BAD_USER_INPUT",
                Some("first"),
            ),
            (
                r#"{ cases(after: "bm90LWEtY3Vyc29y") { totalCount } }"#,
                json!({}),
                "BAD_USER_INPUT",
                Some("after"),
            ),
            (
                r#"{ cases { totalCount "#,
                json!({}),
                "GRAPHQL_PARSE_FAILED",
                None,
            ),
        ];
        let tried = cases.len();
        for (query, variables, code, field) in cases {
            let body = app.graphql(query, variables).await;
            assert_eq!(TestApp::error_code(&body), code, "for {query}: {body:#}");
            if let Some(field) = field {
                assert_eq!(
                    body["errors"][0]["extensions"]["field"], field,
                    "for {query}: {body:#}"
                );
            }
            let message = body["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(
                !message.is_empty() && !message.contains("SQL") && !message.contains("sqlx"),
                "no internals leak: {message}"
            );
        }
        assert_eq!(
            counts(&app).await,
            before,
            "none of the {tried} bad inputs wrote anything"
        );
        // SQL in a search is text to look for, not SQL.
        let injected = app
            .data(r#"{ actors(filter: {name: "%' OR 1=1 --"}) { nodes { id } } cases(filter: {topics: ["x' OR '1'='1"]}) { totalCount } }"#, json!({}))
            .await;
        assert_eq!(
            injected,
            json!({"actors": {"nodes": []}, "cases": {"totalCount": 0}})
        );
        println!("bad inputs tried: {tried} GraphQL inputs");
    }
);

both_engines!(mutations_over_get_are_refused, |engine| {
    let app = TestApp::spawn(engine).await;
    let response = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[(
            "query",
            r#"mutation { createActor(input: {slug: "x", name: "X", kind: PERSON}) { id } }"#,
        )])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 405);
    let query = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "{ service { name } }")])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(query.status(), 200);
    let actors = app.data("{ actors { edges { cursor } } }", json!({})).await;
    assert_eq!(actors["actors"]["edges"], json!([]));
});

both_engines!(
    request_errors_are_400_without_data_field_errors_are_200,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        let post = |query: &'static str| {
            app.client
                .post(format!("{}/graphql", app.base))
                .header("accept", "application/graphql-response+json")
                .bearer_auth(&app.editor)
                .json(&json!({ "query": query }))
                .send()
        };
        let invalid = post("{ cases { noSuchField } }")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(invalid.status(), 400);
        let body: serde_json::Value = invalid.json().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(
            body.get("data").is_none(),
            "a request error has no data entry: {body}"
        );
        assert_eq!(TestApp::error_code(&body), "GRAPHQL_VALIDATION_FAILED");

        let conflict = post(r#"mutation { createCase(input: {slug: "las-bambas", kind: MINE, title: "x", status: ACTIVE}) { id } }"#)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            conflict.status(),
            200,
            "execution ran: a field error is not a request error"
        );
        let body: serde_json::Value = conflict.json().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body["data"], serde_json::Value::Null);
        assert_eq!(TestApp::error_code(&body), "CONFLICT");
    }
);
