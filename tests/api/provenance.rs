//! Provenance: where every status change, event and placement the API returns came from
//! (a news item, a URL, an imported register or records file, a person's edit), for a
//! caller who may see it, read in batches.

use crate::app::TestApp;
use crate::both_engines;
use crate::registers::{import, small_register};
use serde_json::{Value, json};
use std::collections::HashMap;

const WHERE_FROM: &str = r#"provenance {
    __typename
    ... on ImportedFile { kind fileName asOf { value } importedBy }
    ... on Source { url newsItem { title } }
    ... on Edit { action author auditEntryId }
}"#;

/// The provenance of a case's status changes (oldest first), placements (by place
/// code) and events (by title), as `token` sees them.
async fn provenances(
    app: &TestApp,
    token: Option<&str>,
    slug: &str,
) -> (Vec<Value>, HashMap<String, Value>, HashMap<String, Value>) {
    let query = format!(
        r#"query($slug: String!) {{ case(slug: $slug) {{
            statusHistory {{ note {WHERE_FROM} }}
            locations {{ location {{ code }} {WHERE_FROM} }}
            events(first: 10) {{ nodes {{ title {WHERE_FROM} }} }} }} }}"#
    );
    let data = app.data_as(token, &query, json!({ "slug": slug })).await;
    let case = &data["case"];
    let list = |value: &Value| value.as_array().cloned().unwrap_or_default();
    let changes = list(&case["statusHistory"])
        .iter()
        .map(|c| c["provenance"].clone())
        .collect();
    let placements = list(&case["locations"])
        .iter()
        .map(|p| {
            let code = p["location"]["code"].as_str().unwrap_or("-").to_owned();
            (code, p["provenance"].clone())
        })
        .collect();
    let events = list(&case["events"]["nodes"])
        .iter()
        .map(|e| {
            let title = e["title"].as_str().unwrap_or_default().to_owned();
            (title, e["provenance"].clone())
        })
        .collect();
    (changes, placements, events)
}

both_engines!(provenance_says_where_each_record_came_from, |engine| {
    let app = TestApp::spawn(engine).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let register = dir.path().join("conflicts-2024-03.csv");
    let row = (
        "Mina A",
        "Activo",
        "Diálogo",
        "Sí",
        "Gobierno nacional",
        "Minera Uno",
    );
    std::fs::write(&register, small_register(&[row])).unwrap_or_else(|e| panic!("{e}"));
    import(&app.store, &register, None).await;

    // A register's case: its status and its placement come from the register.
    let (changes, placements, _) = provenances(&app, None, "mina-a").await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["__typename"], "ImportedFile");
    assert_eq!(changes[0]["kind"], "REGISTER");
    assert_eq!(changes[0]["fileName"], "conflicts-2024-03.csv");
    assert_eq!(changes[0]["asOf"]["value"], "2024-03");
    assert_eq!(changes[0]["importedBy"], Value::Null, "admins only");
    assert_eq!(placements["030506"], changes[0]);
    let (as_admin, _, _) = provenances(&app, Some(&app.admin), "mina-a").await;
    assert_eq!(as_admin[0]["importedBy"], "cli");

    // A case written through the API: its first status and its placement come from the
    // edit that created it; who made it, and the entry, are for admins.
    let district = app
        .data(r#"{ location(code: "030506") { id } }"#, json!({}))
        .await["location"]["id"]
        .clone();
    let created = app
        .data(
            r#"mutation($place: ID!) { createCase(input: {slug: "mina-b", kind: MINE, title: "Mina B",
                status: ACTIVE, locations: [{location: $place, precision: DISTRICT}]}) { id } }"#,
            json!({ "place": district }),
        )
        .await["createCase"]["id"]
        .clone();
    let (changes, placements, _) = provenances(&app, None, "mina-b").await;
    let edit =
        json!({"__typename": "Edit", "action": "createCase", "author": null, "auditEntryId": null});
    assert_eq!(changes, std::slice::from_ref(&edit));
    assert_eq!(placements["030506"], edit);
    let (changes, _, _) = provenances(&app, Some(&app.editor), "mina-b").await;
    assert_eq!(
        changes,
        std::slice::from_ref(&edit),
        "an editor does not read the audit log"
    );
    let (changes, _, _) = provenances(&app, Some(&app.admin), "mina-b").await;
    assert_eq!(changes[0]["author"], "editor");
    let entry = changes[0]["auditEntryId"].as_i64().unwrap_or(-1);
    let logged = app
        .data_as(
            Some(&app.admin),
            r#"{ auditLog(first: 5, filter: {action: "createCase"}) { nodes { entity entityId } } }"#,
            json!({}),
        )
        .await;
    assert!(entry > 0);
    assert_eq!(logged["auditLog"]["nodes"][0]["entity"], "case");

    // An update that leaves the placements alone leaves their provenance; one that gives
    // them anew is where they come from now.
    let province = app
        .data(r#"{ location(code: "0305") { id } }"#, json!({}))
        .await["location"]["id"]
        .clone();
    app.data(
        r#"mutation($id: ID!) { updateCase(id: $id, input: {title: "Mina B (Cotabambas)"}) { id } }"#,
        json!({ "id": created }),
    )
    .await;
    assert_eq!(provenances(&app, None, "mina-b").await.1["030506"], edit);
    app.data(
        r#"mutation($id: ID!, $d: ID!, $p: ID!) { updateCase(id: $id, input: {locations: [
            {location: $d, precision: DISTRICT}, {location: $p, precision: PROVINCE}]}) { id } }"#,
        json!({ "id": created, "d": district, "p": province }),
    )
    .await;
    let (_, placements, _) = provenances(&app, None, "mina-b").await;
    for code in ["030506", "0305"] {
        assert_eq!(placements[code]["action"], "updateCase", "{code}");
    }

    // A status change with a URL, one citing a restricted news item, an event recorded
    // by hand, and one a news link reported.
    let secret = app
        .data(
            r#"mutation { createNewsItem(input: {title: "Informe reservado", date: "2024-03-20",
                visibility: RESTRICTED}) { id } }"#,
            json!({}),
        )
        .await["createNewsItem"]["id"]
        .clone();
    let public = app
        .data(
            r#"mutation { createNewsItem(input: {title: "Paro en Challhuahuacho", date: "2024-03-22"}) { id } }"#,
            json!({}),
        )
        .await["createNewsItem"]["id"]
        .clone();
    app.data(
        r#"mutation($case: ID!, $secret: ID!) {
            a: recordStatusChange(input: {case: $case, status: LATENT, date: "2024-03-10",
               source: {url: "https://example.org/latent"}, note: "by url"}) { id }
            b: recordStatusChange(input: {case: $case, status: ACTIVE, date: "2024-03-21",
               source: {newsItem: $secret}, note: "by secret"}) { id }
            c: recordEvent(input: {case: $case, kind: PROTEST, title: "Marcha", date: "2024-03-15",
               sources: [{url: "https://example.org/marcha"}]}) { id } }"#,
        json!({ "case": created, "secret": secret }),
    )
    .await;
    app.data(
        r#"mutation($case: ID!, $news: ID!) { linkNewsItem(input: {newsItem: $news, case: $case,
            updateKind: DEVELOPMENT, event: {kind: STRIKE, title: "Paro", date: "2024-03-22"}}) { id } }"#,
        json!({ "case": created, "news": public }),
    )
    .await;
    let (changes, _, events) = provenances(&app, None, "mina-b").await;
    // Undated first (the status the case was created with), then by date. A restricted
    // news item answers as none would: the edit that recorded the change.
    assert_eq!(
        changes,
        [
            edit.clone(),
            json!({"__typename": "Source", "url": "https://example.org/latent", "newsItem": null}),
            json!({"__typename": "Edit", "action": "recordStatusChange", "author": null, "auditEntryId": null}),
        ],
        "a restricted news item is not shown, nor that there is one"
    );
    let (as_viewer, _, _) = provenances(&app, Some(&app.viewer), "mina-b").await;
    assert_eq!(as_viewer[2]["newsItem"]["title"], "Informe reservado");
    assert_eq!(events["Marcha"]["action"], "recordEvent");
    assert_eq!(events["Paro"]["__typename"], "Source");
    assert_eq!(
        events["Paro"]["newsItem"]["title"],
        "Paro en Challhuahuacho"
    );

    // An event from a file of records comes from that file.
    let records = dir.path().join("events.ndjson");
    std::fs::write(
        &records,
        json!({"type": "event", "case": "mina-b", "kind": "BLOCKADE", "title": "Bloqueo",
               "date": "2024-03-25", "sources": [{"url": "https://example.org/bloqueo"}]})
        .to_string(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let report = import(&app.store, &records, None).await;
    assert_eq!(report.new, 1, "{report}");
    let (_, _, events) = provenances(&app, None, "mina-b").await;
    assert_eq!(events["Bloqueo"]["__typename"], "ImportedFile");
    assert_eq!(events["Bloqueo"]["kind"], "RECORDS");
    assert_eq!(events["Bloqueo"]["fileName"], "events.ndjson");
    assert_eq!(events["Bloqueo"]["asOf"], Value::Null);
});

/// The provenance of every status change and placement of a list, in a constant number
/// of statements however long the list.
async fn provenance_statements(app: &TestApp, first: usize) -> usize {
    let query = r#"query($first: Int) { cases(first: $first, orderBy: {field: SLUG, direction: ASC}) { nodes {
        statusHistory { provenance { __typename ... on ImportedFile { fileName } ... on Edit { action } } }
        locations { provenance { __typename ... on ImportedFile { fileName } ... on Edit { action } } } } } }"#;
    let before = app.statements();
    let data = app.data(query, json!({ "first": first })).await;
    let counted = app.statements() - before;
    assert_eq!(data["cases"]["nodes"].as_array().map(Vec::len), Some(first));
    counted
}

both_engines!(provenance_of_a_list_is_read_in_batches, |engine| {
    // A batch window long enough that a loaded machine does not split a batch.
    let config = chasqui::config::HttpConfig {
        batch_delay: std::time::Duration::from_millis(20),
        ..Default::default()
    };
    let app = TestApp::spawn_with(engine, config).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let rows: Vec<(String, &str)> = (1..=12)
        .map(|i| {
            (
                format!("Mina {i:02}"),
                if i % 2 == 0 { "Activo" } else { "Latente" },
            )
        })
        .collect();
    let table: Vec<(&str, &str, &str, &str, &str, &str)> = rows
        .iter()
        .map(|(name, estado)| {
            (
                name.as_str(),
                *estado,
                "Diálogo",
                "Sí",
                "Gobierno nacional",
                "Minera Uno",
            )
        })
        .collect();
    let path = dir.path().join("conflicts-2024-03.csv");
    std::fs::write(&path, small_register(&table)).unwrap_or_else(|e| panic!("{e}"));
    import(&app.store, &path, None).await;
    // Half of them also edited through the API.
    for i in (2..=12).step_by(2) {
        app.data(
            r#"mutation($case: ID!) { recordStatusChange(input: {case: $case, status: LATENT,
                date: "2024-03-20", source: {url: "https://example.org/l"}}) { id } }"#,
            json!({ "case": app.data(&format!(r#"{{ case(slug: "mina-{i:02}") {{ id }} }}"#), json!({})).await["case"]["id"] }),
        )
        .await;
    }
    let small = provenance_statements(&app, 2).await;
    let large = provenance_statements(&app, 12).await;
    assert_eq!(small, large, "2 cases: {small} statements; 12: {large}");
});
