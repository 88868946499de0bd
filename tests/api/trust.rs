//! Who may write, what each role may read, and the audit history of every write.

use crate::app::TestApp;
use crate::both_engines;
use serde_json::{Value, json};

const CREATE_ACTOR: &str = r#"mutation($slug: String!) { createActor(input: {slug: $slug, name: "Frente de Defensa", kind: COMMUNITY}) { id version } }"#;

both_engines!(writes_need_a_token_with_the_right_role, |engine| {
    let app = TestApp::spawn(engine).await;
    let anonymous = app
        .graphql_as(None, CREATE_ACTOR, json!({"slug": "anon"}))
        .await;
    assert_eq!(TestApp::error_code(&anonymous), "UNAUTHENTICATED");
    let viewer = app
        .graphql_as(Some(&app.viewer), CREATE_ACTOR, json!({"slug": "viewer"}))
        .await;
    assert_eq!(TestApp::error_code(&viewer), "FORBIDDEN");
    app.data_as(Some(&app.editor), CREATE_ACTOR, json!({"slug": "editor"}))
        .await;
    let actors = app
        .data_as(None, "{ actors { nodes { slug } } }", json!({}))
        .await;
    assert_eq!(
        actors["actors"]["nodes"],
        json!([{"slug": "editor"}]),
        "only the editor's write happened"
    );

    let audit = app
        .graphql_as(
            Some(&app.editor),
            "{ auditLog { nodes { action } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        TestApp::error_code(&audit),
        "FORBIDDEN",
        "the audit log is for admins"
    );
});

both_engines!(
    bad_and_revoked_tokens_are_refused_not_read_as_anonymous,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let post = |auth: &'static str| {
            app.client
                .post(format!("{}/graphql", app.base))
                .header("authorization", auth)
                .json(&json!({"query": "{ service { name } }"}))
                .send()
        };
        for auth in [
            "Bearer chq_not-a-real-token",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "chq_without_scheme",
        ] {
            let response = post(auth).await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(response.status(), 401, "for {auth:?}");
            assert_eq!(
                response
                    .headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok()),
                Some("Bearer")
            );
            let body: Value = response.json().await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(TestApp::error_code(&body), "UNAUTHENTICATED");
        }
        let author = chasqui_store::Author::command_line();
        assert!(
            app.store
                .revoke_token(&author, "editor")
                .await
                .unwrap_or(false)
        );
        let revoked = app
            .graphql_as(Some(&app.editor), "{ service { name } }", json!({}))
            .await;
        assert_eq!(
            TestApp::error_code(&revoked),
            "UNAUTHENTICATED",
            "a revoked token is refused at once"
        );
    }
);

both_engines!(every_write_is_audited_with_before_and_after, |engine| {
    let app = TestApp::spawn(engine).await;
    let created = app.data(CREATE_ACTOR, json!({"slug": "fdi"})).await;
    let id = created["createActor"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.data(
        r#"mutation($id: ID!) { updateActor(id: $id, expectedVersion: 1, input: {name: "Frente de Defensa de los Intereses", aliases: ["FDI"]}) { version } }"#,
        json!({"id": id}),
    )
    .await;
    app.data(
        r#"mutation($id: ID!) { archive(id: $id) }"#,
        json!({"id": id}),
    )
    .await;
    let log = app
        .data_as(Some(&app.admin), r#"{ auditLog(filter: {entity: "actor"}) { nodes { author action entityId before after } } }"#, json!({}))
        .await;
    let entries = log["auditLog"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["archive", "updateActor", "createActor"],
        "newest first"
    );
    assert!(
        entries.iter().all(|e| e["author"] == "editor"),
        "the token's name is the author"
    );
    let update = &entries[1];
    assert_eq!(update["before"]["actor"]["name"], "Frente de Defensa");
    assert_eq!(
        update["after"]["actor"]["name"],
        "Frente de Defensa de los Intereses"
    );
    assert_eq!(update["after"]["aliases"], json!(["FDI"]));
    assert_eq!(
        entries[2]["before"],
        Value::Null,
        "a creation has no before"
    );
    assert!(
        entries[0]["after"]["archived_at"].is_string(),
        "{:#}",
        entries[0]
    );
});

both_engines!(
    purge_is_for_admins_needs_archiving_first_and_is_audited,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        let case = app
            .data(r#"{ case(slug: "toromocho") { id } }"#, json!({}))
            .await;
        let id = case["case"]["id"].as_str().unwrap_or_default().to_owned();
        let purge = r#"mutation($id: ID!) { purge(id: $id) }"#;
        let by_editor = app.graphql(purge, json!({"id": id})).await;
        assert_eq!(TestApp::error_code(&by_editor), "FORBIDDEN");
        let not_archived = app
            .graphql_as(Some(&app.admin), purge, json!({"id": id}))
            .await;
        assert_eq!(
            TestApp::error_code(&not_archived),
            "CONFLICT",
            "only archived records can be purged"
        );

        app.data(
            r#"mutation($id: ID!) { archive(id: $id) }"#,
            json!({"id": id}),
        )
        .await;
        app.data_as(Some(&app.admin), purge, json!({"id": id}))
            .await;
        let gone = app
            .graphql_as(
                Some(&app.admin),
                r#"mutation($id: ID!) { restore(id: $id) }"#,
                json!({"id": id}),
            )
            .await;
        assert_eq!(
            TestApp::error_code(&gone),
            "NOT_FOUND",
            "a purged record cannot come back"
        );
        let log = app
        .data_as(Some(&app.admin), r#"{ auditLog(filter: {action: "purge"}) { nodes { author entity before after } } }"#, json!({}))
        .await;
        let entry = &log["auditLog"]["nodes"][0];
        assert_eq!(entry["author"], "admin");
        assert_eq!(entry["entity"], "case");
        assert_eq!(
            entry["before"]["case"]["slug"], "toromocho",
            "the purged record is kept in the log"
        );
        assert_eq!(entry["after"], Value::Null);
    }
);

both_engines!(case_revisions_list_the_changes_of_a_case, |engine| {
    let app = TestApp::with_demo(engine).await;
    let query = r#"{ case(slug: "las-bambas") { revisions(first: 50) { nodes { action entity author } } } }"#;
    let anonymous = app.graphql_as(None, query, json!({})).await;
    assert_eq!(TestApp::error_code(&anonymous), "UNAUTHENTICATED");
    let editor = app.graphql(query, json!({})).await;
    assert_eq!(TestApp::error_code(&editor), "FORBIDDEN");
    let data = app.data_as(Some(&app.admin), query, json!({})).await;
    let revisions = data["case"]["revisions"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let actions: std::collections::BTreeSet<&str> = revisions
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    for expected in ["createCase", "linkNewsItem", "recordEvent"] {
        assert!(actions.contains(expected), "{expected} in {actions:?}");
    }
    assert!(
        revisions.iter().all(|r| r["author"] == "cli"),
        "the demo was loaded from the command line"
    );
});
