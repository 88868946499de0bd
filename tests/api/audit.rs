//! The GraphQL-over-HTTP conformance audit of `graphql-http`, run by node against the live
//! server. Every MUST check has to pass.

use crate::app::{Engine, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_http_audit_must_checks_pass() {
    // The audit sends its ~60 requests at once: no rate limit in the way of conformance.
    let config = chasqui::config::HttpConfig {
        rate_limit_per_minute: None,
        ..Default::default()
    };
    let app = TestApp::spawn_with(Engine::Sqlite, config).await;
    let root = env!("CARGO_MANIFEST_DIR");
    let script = format!("{root}/tests/audit/audit.mjs");
    assert!(
        std::path::Path::new(&format!("{root}/tests/audit/node_modules/graphql-http")).exists(),
        "the audit needs its npm packages: run `npm ci --prefix tests/audit` (scripts/test does)"
    );
    let url = format!("{}/graphql", app.base);
    let output = tokio::process::Command::new("node")
        .arg(&script)
        .arg(&url)
        .output()
        .await
        .unwrap_or_else(|e| panic!("running node: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "MUST checks failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(", 0 failed"), "{stdout}");
}

/// The checked-in SDL is a valid schema for the reference implementation (graphql-js):
/// every type that implements an interface has all of its fields.
#[tokio::test]
async fn schema_graphql_is_valid_for_graphql_js() {
    let root = env!("CARGO_MANIFEST_DIR");
    let output = tokio::process::Command::new("node")
        .arg(format!("{root}/tests/audit/validate-sdl.mjs"))
        .arg(format!("{root}/schema/schema.graphql"))
        .output()
        .await
        .unwrap_or_else(|e| panic!("running node: {e}"));
    assert!(
        output.status.success(),
        "schema/schema.graphql is not a valid schema:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
