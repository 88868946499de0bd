//! Limits from configuration, each with a clear error: query depth and complexity, page
//! size, request body size, rate per token or address, malformed requests.

use crate::app::{Engine, TestApp};
use chasqui::config::HttpConfig;
use chasqui_schema::QueryLimits;
use serde_json::{Value, json};

async fn small_app() -> TestApp {
    let config = HttpConfig {
        limits: QueryLimits {
            max_depth: 6,
            max_complexity: 1_000,
            ..Default::default()
        },
        max_body_bytes: 16 * 1024,
        rate_limit_per_minute: Some(60),
        rate_burst: 4,
        ..HttpConfig::default()
    };
    TestApp::spawn_with(Engine::Sqlite, config).await
}

async fn post_raw(
    app: &TestApp,
    content_type: &str,
    body: Vec<u8>,
    token: Option<&str>,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", content_type)
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn query_depth_and_complexity_are_bounded() {
    let app = small_app().await;
    // Deep but cheap: one place and its ancestors, seven levels down.
    let deep = r#"{ location(code: "03") { parent { parent { parent { parent { parent { parent { name } } } } } } } }"#;
    let body = app.graphql(deep, json!({})).await;
    assert_eq!(TestApp::error_code(&body), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("nested too deep"),
        "{body}"
    );
    let wide: String = (0..40)
        .map(|i| format!("a{i}: cases {{ totalCount nodes {{ slug title }} }} "))
        .collect();
    let body = app.graphql(&format!("{{ {wide} }}"), json!({})).await;
    assert_eq!(TestApp::error_code(&body), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("complex"),
        "{body}"
    );
}

#[tokio::test]
async fn oversized_and_malformed_bodies_get_coded_errors() {
    let app = small_app().await;
    let huge =
        json!({"query": "{ service { name } }", "variables": {"pad": "x".repeat(20 * 1024)}});
    let (status, body) = post_raw(
        &app,
        "application/json",
        huge.to_string().into_bytes(),
        Some(&app.editor),
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(TestApp::error_code(&body), "PAYLOAD_TOO_LARGE");
    let (status, body) = post_raw(
        &app,
        "application/json",
        b"{\"query\": ".to_vec(),
        Some(&app.editor),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(TestApp::error_code(&body), "BAD_REQUEST");
    let (status, body) = post_raw(
        &app,
        "text/plain",
        b"{ service { name } }".to_vec(),
        Some(&app.editor),
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(TestApp::error_code(&body), "BAD_REQUEST");
    let (status, body) = post_raw(
        &app,
        "application/json",
        br#"{"query": "{ service { name } }", "variables": [1, 2]}"#.to_vec(),
        Some(&app.editor),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn each_caller_has_its_own_rate() {
    let app = small_app().await;
    let query = json!({"query": "{ service { name } }"}).to_string();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            post_raw(&app, "application/json", query.clone().into_bytes(), None)
                .await
                .0,
        );
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 429, 429],
        "a burst of 4, then the per-minute rate"
    );
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .body(query.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(response.headers().get("retry-after").is_some());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(TestApp::error_code(&body), "RATE_LIMITED");
    let (status, _) = post_raw(
        &app,
        "application/json",
        query.into_bytes(),
        Some(&app.editor),
    )
    .await;
    assert_eq!(
        status, 200,
        "a token has its own budget, apart from the anonymous address"
    );
}

/// Documents refused before execution get a code and, for clients of the GraphQL
/// response media type, a 400 with no `data`: a parse error, an operation name the
/// document does not hold, several operations and no name, nesting past the parser's
/// recursion limit.
#[tokio::test]
async fn refused_documents_get_a_code_and_400() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let nested = format!("{{ {}name{} }}", "a { ".repeat(40), " }".repeat(40));
    let cases = [
        (
            json!({"query": "{ service { name "}),
            "GRAPHQL_PARSE_FAILED",
        ),
        (
            json!({"query": "query A { service { name } }", "operationName": "B"}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({"query": "query A { service { name } } query B { service { name } }"}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (json!({"query": nested}), "GRAPHQL_VALIDATION_FAILED"),
    ];
    for (request, code) in cases {
        let response = app
            .client
            .post(format!("{}/graphql", app.base))
            .header("accept", "application/graphql-response+json")
            .bearer_auth(&app.editor)
            .json(&request)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 400, "{request}: {body}");
        assert_eq!(TestApp::error_code(&body), code, "{request}: {body}");
        assert!(body.get("data").is_none(), "{request}: {body}");
    }
    // Naming one of the operations runs it.
    let body: Value = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&app.editor)
        .json(&json!({
            "query": "query A { service { name } } query B { service { name } }",
            "operationName": "B",
        }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or(Value::Null);
    assert!(body.get("errors").is_none(), "{body}");
    assert!(body["data"]["service"]["name"].is_string(), "{body}");
}
