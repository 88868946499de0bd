//! No restricted record reaches a caller without the right, by any path.
//!
//! Two databases get the same public records (the demo) in the same order, so public ids
//! match; the second then gets restricted records woven into the public ones (a secret
//! case placed in Apurímac, a defender's record, a restricted role, event, news item, link,
//! status change, site, and a relation to the secret case). Queries are generated from the
//! schema itself: every field of every type reachable from `Query`, to a fixed depth, with
//! fragments on every implementation of every interface and union; every root field is
//! asked with arguments that aim at the restricted records. An anonymous caller must get
//! byte-identical answers from both databases (timestamps aside): nothing in a list, a
//! count, a statistic, a cursor, a relation or an error may differ. A viewer asking the
//! same queries must see the secrets, so the test can tell.

use crate::app::{Engine, TestApp};
use chasqui::config::HttpConfig;
use chasqui_entities::*;
use chasqui_schema::QueryLimits;
use chasqui_schema::store::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const MARK: &str = "SECRET";
const MAX_DEPTH: usize = 5;

/// One output type of the schema, as introspection describes it.
struct TypeInfo {
    kind: String,
    /// (field name, named type, has a required argument)
    fields: Vec<(String, String, bool)>,
    possible: Vec<String>,
}

fn named(type_ref: &Value) -> String {
    let mut t = type_ref;
    while t["name"].is_null() && !t["ofType"].is_null() {
        t = &t["ofType"];
    }
    t["name"].as_str().unwrap_or_default().to_owned()
}

async fn schema_types(app: &TestApp) -> BTreeMap<String, TypeInfo> {
    let query = r#"{ __schema { types { name kind possibleTypes { name }
        fields { name type { ...T } args { type { kind } } } } } }
        fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }"#;
    let data = app.data_as(None, query, json!({})).await;
    let mut types = BTreeMap::new();
    for t in data["__schema"]["types"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let name = t["name"].as_str().unwrap_or_default().to_owned();
        if name.starts_with("__") {
            continue;
        }
        let fields = t["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .map(|f| {
                        let required = f["args"].as_array().is_some_and(|args| {
                            args.iter().any(|a| a["type"]["kind"] == "NON_NULL")
                        });
                        (
                            f["name"].as_str().unwrap_or_default().to_owned(),
                            named(&f["type"]),
                            required,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let possible = t["possibleTypes"]
            .as_array()
            .map(|p| {
                p.iter()
                    .filter_map(|x| x["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        types.insert(
            name,
            TypeInfo {
                kind: t["kind"].as_str().unwrap_or_default().to_owned(),
                fields,
                possible,
            },
        );
    }
    types
}

/// How often one query expands the relations of the same type; later occurrences select
/// its scalar fields only, which keeps a query that reaches everything to a few hundred
/// kilobytes.
const EXPANSIONS_PER_TYPE: usize = 3;

/// Builds the selection set of `type_name`, recording every field it selects.
fn selection(
    types: &BTreeMap<String, TypeInfo>,
    type_name: &str,
    depth: usize,
    path: &mut Vec<String>,
    covered: &mut BTreeSet<String>,
    expanded: &mut BTreeMap<String, usize>,
) -> String {
    let Some(info) = types.get(type_name) else {
        return String::new();
    };
    let mut out = String::from("__typename");
    if info.kind == "INTERFACE" || info.kind == "UNION" {
        for implementation in &info.possible {
            let inner = selection(types, implementation, depth, path, covered, expanded);
            out.push_str(&format!(" ... on {implementation} {{ {inner} }}"));
        }
        return out;
    }
    path.push(type_name.to_owned());
    let count = expanded.entry(type_name.to_owned()).or_default();
    *count += 1;
    let expand = *count <= EXPANSIONS_PER_TYPE;
    for (field, target, required) in &info.fields {
        if *required {
            continue;
        }
        let target_kind = types
            .get(target)
            .map(|t| t.kind.as_str())
            .unwrap_or("SCALAR");
        if target_kind == "SCALAR" || target_kind == "ENUM" {
            covered.insert(format!("{type_name}.{field}"));
            out.push(' ');
            out.push_str(field);
        } else if expand && depth < MAX_DEPTH && path.iter().filter(|t| *t == target).count() < 2 {
            covered.insert(format!("{type_name}.{field}"));
            let inner = selection(types, target, depth + 1, path, covered, expanded);
            out.push_str(&format!(" {field} {{ {inner} }}"));
        }
    }
    path.pop();
    out
}

/// Puts the errors in a stable order: resolvers run concurrently and report in any order.
fn sort_errors(body: &mut Value) {
    if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
        errors.sort_by_key(|e| e.to_string());
    }
}

/// Removes the timestamps of public records, which differ between the two databases.
fn without_timestamps(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| k != "createdAt" && k != "updatedAt");
            map.values_mut().for_each(without_timestamps);
        }
        Value::Array(items) => items.iter_mut().for_each(without_timestamps),
        _ => {}
    }
}

/// Where two JSON values first differ, with both sides there.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    format!("{at}.{k}"),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => {
            let short = |v: &Value| v.to_string().chars().take(300).collect::<String>();
            Some(format!(
                "{at}: public-only {} / with secrets {}",
                short(a),
                short(b)
            ))
        }
    }
}

struct Secrets {
    ids: Vec<String>,
    case_id: String,
}

async fn id_of(app: &TestApp, query: &str, pointer: &str) -> String {
    let data = app.data_as(Some(&app.admin), query, json!({})).await;
    data.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{query}: {data}"))
        .to_owned()
}

/// Weaves restricted records into the demo's public ones. Run with `secrets: false` on the
/// public-only database too, so that both see the same public writes (the edit of Las
/// Bambas's roles bumps its version in both).
async fn add_secrets(app: &TestApp, secrets: bool) -> Option<Secrets> {
    let store = &app.store;
    let author = Author::command_line();
    let r = Visibility::Restricted;
    let fail = |e: StoreError| -> ! { panic!("secret fixture: {e}") };
    let bambas = store
        .case_by_slug(Access::FULL, "las-bambas")
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("demo"));
    let mmg = store
        .actor_by_slug(Access::FULL, "mmg")
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("demo"));
    let cotabambas = store
        .location_by_code(Access::FULL, "0305")
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("demo"));
    let district = store
        .location_by_code(Access::FULL, "030506")
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("demo"));

    let site = if !secrets {
        None
    } else {
        Some(
            store
                .create_location(
                    &author,
                    NewLocation {
                        code: Some(format!("{MARK}-SITE")),
                        name: format!("{MARK} camp"),
                        level: LocationLevel::Site,
                        parent_id: Some(cotabambas.id),
                        latitude: Some(-14.0),
                        longitude: Some(-72.2),
                        geometry: None,
                        visibility: r,
                    },
                )
                .await
                .unwrap_or_else(|e| fail(e)),
        )
    };
    let defender = if !secrets {
        None
    } else {
        Some(
            store
                .create_actor(
                    &author,
                    NewActor {
                        slug: "secret-defender".into(),
                        name: format!("{MARK} defender"),
                        kind: ActorKind::Person,
                        description: Some(format!("{MARK} at risk")),
                        aliases: vec![format!("{MARK} alias")],
                        visibility: r,
                    },
                )
                .await
                .unwrap_or_else(|e| fail(e)),
        )
    };
    // A restricted actor and a restricted role in the public case, and a placement on the
    // restricted site.
    let mut roles: Vec<NewRole> = store
        .roles_by_case(Access::FULL, &[bambas.id])
        .await
        .unwrap_or_else(|e| fail(e))
        .into_iter()
        .map(|m| NewRole {
            actor_id: m.actor_id,
            role: m.role,
            started_on: None,
            ended_on: None,
            note: m.note,
            visibility: m.visibility,
        })
        .collect();
    if let Some(defender) = &defender {
        roles.push(NewRole {
            actor_id: defender.id,
            role: ActorRole::Opponent,
            started_on: None,
            ended_on: None,
            note: None,
            visibility: Visibility::Public,
        });
        roles.push(NewRole {
            actor_id: mmg.id,
            role: ActorRole::Defendant,
            started_on: None,
            ended_on: None,
            note: Some(format!("{MARK} role")),
            visibility: r,
        });
    }
    let mut places: Vec<NewPlacement> = store
        .placements_by_case(Access::FULL, &[bambas.id])
        .await
        .unwrap_or_else(|e| fail(e))
        .into_iter()
        .map(|p| NewPlacement {
            location_id: p.location_id,
            precision: p.precision,
        })
        .collect();
    if let Some(site) = &site {
        places.push(NewPlacement {
            location_id: site.id,
            precision: PlacementPrecision::Exact,
        });
    }
    let patch = CasePatch {
        actors: Some(roles),
        locations: Some(places),
        ..Default::default()
    };
    // Replacing roles rewrites their rows; the public ones keep their content.
    store
        .update_case(&author, bambas.id, patch, None)
        .await
        .unwrap_or_else(|e| fail(e));
    let (Some(site), Some(defender)) = (site, defender) else {
        return None;
    };
    let secret_case = store
        .create_case(
            &author,
            NewCase {
                slug: "secret-mine".into(),
                kind: CaseKind::Mine,
                title: format!("{MARK} mine"),
                summary: Some(format!("{MARK} summary")),
                status: CaseStatus::Active,
                phase: None,
                conflict_type: None,
                started_on: PartialDate::parse("2016").ok(),
                details: CaseDetails::default(),
                topics: vec!["mining".into()],
                external_ids: vec![],
                actors: vec![NewRole {
                    actor_id: mmg.id,
                    role: ActorRole::Operator,
                    started_on: None,
                    ended_on: None,
                    note: None,
                    visibility: Visibility::Public,
                }],
                locations: vec![NewPlacement {
                    location_id: district.id,
                    precision: PlacementPrecision::District,
                }],
                visibility: r,
                status_since: None,
            },
        )
        .await
        .unwrap_or_else(|e| fail(e));

    let secret_news = store
        .create_news_item(
            &author,
            NewNewsItem {
                title: format!("{MARK} report"),
                published_on: PartialDate::parse("2030-01-01").unwrap_or_else(|e| panic!("{e}")),
                summary: Some(format!("{MARK} text")),
                body: Some(format!("{MARK} body")),
                url: Some("https://example.org/secret".into()),
                publisher: Some(format!("{MARK} press")),
                language: Some("es".into()),
                visibility: r,
            },
        )
        .await
        .unwrap_or_else(|e| fail(e));
    let link = |news_item_id, case_id, visibility, reported_status| NewLink {
        news_item_id,
        case_id,
        update_kind: UpdateKind::Development,
        reported_status,
        reported_phase: None,
        event: None,
        note: Some(format!("{MARK} note")),
        state: LinkState::Confirmed,
        confidence: None,
        matched_terms: vec![],
        visibility,
    };
    store
        .link_news_item(
            &author,
            link(secret_news.id, bambas.id, Visibility::Public, None),
        )
        .await
        .unwrap_or_else(|e| fail(e));
    let public_news = store
        .news_items_by_ids(Access::PUBLIC, &[1])
        .await
        .unwrap_or_else(|e| fail(e))
        .remove(&1)
        .unwrap_or_else(|| panic!("demo news"));
    let restricted_link = store
        .link_news_item(
            &author,
            link(public_news.id, bambas.id, r, Some(CaseStatus::Withdrawn)),
        )
        .await
        .unwrap_or_else(|e| fail(e));
    store
        .record_event(
            &author,
            NewEvent {
                case_id: bambas.id,
                kind: EventKind::Arrest,
                title: format!("{MARK} arrest"),
                description: None,
                date: PartialDate::parse("2031-05").unwrap_or_else(|e| panic!("{e}")),
                end_date: None,
                location_id: Some(site.id),
                actor_ids: vec![defender.id, mmg.id],
                deaths: None,
                injuries: None,
                sources: vec![(Some(secret_news.id), None)],
                visibility: r,
            },
        )
        .await
        .unwrap_or_else(|e| fail(e));
    store
        .record_event(
            &author,
            NewEvent {
                case_id: secret_case.id,
                kind: EventKind::Protest,
                title: format!("{MARK} protest"),
                description: None,
                date: PartialDate::parse("2016-03").unwrap_or_else(|e| panic!("{e}")),
                end_date: None,
                location_id: None,
                actor_ids: vec![mmg.id],
                deaths: None,
                injuries: None,
                sources: vec![(None, Some("https://example.org/s".into()))],
                visibility: Visibility::Public,
            },
        )
        .await
        .unwrap_or_else(|e| fail(e));
    store
        .relate_cases(
            &author,
            secret_case.id,
            bambas.id,
            CaseRelationKind::RelatedTo,
            Some(format!("{MARK} relation")),
        )
        .await
        .unwrap_or_else(|e| fail(e));

    let global = |kind: &str, id: i64| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
    };
    let case_id = global("Case", secret_case.id);
    let ids = vec![
        case_id.clone(),
        global("Actor", defender.id),
        global("Location", site.id),
        global("NewsItem", secret_news.id),
        global("NewsLink", restricted_link.id),
        id_of(
            app,
            r#"{ case(slug: "las-bambas") { events(first: 1) { nodes { id } } } }"#,
            "/case/events/nodes/0/id",
        )
        .await,
        global(
            "StatusChange",
            restricted_link
                .status_change_id
                .unwrap_or_else(|| panic!("the link reports a status")),
        ),
    ];
    Some(Secrets { ids, case_id })
}

/// A box around the restricted site only.
const SECRET_BOX: &str = "{west: -72.21, south: -14.01, east: -72.19, north: -13.99}";

/// The root queries, each with arguments aimed at the secrets. A root field with required
/// arguments must have a strategy here, or the test fails and says so.
fn root_invocations(
    root: &TypeInfo,
    secrets: &Secrets,
    public: &BTreeMap<&str, String>,
) -> Vec<(String, String)> {
    let ids_list = format!(
        "[{}]",
        secrets
            .ids
            .iter()
            .map(|i| format!("{i:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut calls = Vec::new();
    for (field, _, required) in &root.fields {
        let variants: Vec<String> = match field.as_str() {
            "node" => secrets
                .ids
                .iter()
                .map(|id| format!("(id: {id:?})"))
                .chain(public.values().map(|id| format!("(id: {id:?})")))
                .collect(),
            "nodes" => vec![format!("(ids: {ids_list})")],
            "case" => vec![
                format!("(id: {:?})", secrets.case_id),
                "(slug: \"secret-mine\")".into(),
                "(slug: \"las-bambas\")".into(),
            ],
            "actor" => vec![
                "(slug: \"secret-defender\")".into(),
                "(slug: \"mmg\")".into(),
            ],
            "location" => vec![
                format!("(code: \"{MARK}-SITE\")"),
                "(code: \"0305\")".into(),
            ],
            "cases" => vec![
                "(first: 100)".into(),
                "(first: 3)".into(),
                "(filter: {region: \"03\"})".into(),
                format!("(filter: {{region: \"{MARK}-SITE\"}})"),
                format!("(filter: {{actor: {:?}}})", public["mmg"]),
                "(filter: {topics: [\"mining\"], activeFrom: \"2016\"})".into(),
                "(orderBy: {field: STARTED_ON, direction: ASC}, first: 100)".into(),
                // Spatial filters aimed at the restricted site (-14.0, -72.2).
                format!("(filter: {{within: {SECRET_BOX}}})"),
                "(filter: {near: {latitude: -14.0, longitude: -72.2, km: 2}})".into(),
            ],
            "events" => vec![
                "(first: 100)".into(),
                "(filter: {region: \"03\"})".into(),
                format!("(filter: {{region: \"{MARK}-SITE\"}})"),
                format!("(filter: {{case: {:?}}})", public["las-bambas"]),
                "(filter: {kinds: [ARREST, PROTEST]})".into(),
                // Spatial filters aimed at the restricted site (-14.0, -72.2).
                format!("(filter: {{within: {SECRET_BOX}}})"),
                "(filter: {near: {latitude: -14.0, longitude: -72.2, km: 2}})".into(),
            ],
            "locate" => vec![
                "(latitude: -14.0, longitude: -72.2)".into(),
                "(latitude: -14.1186, longitude: -72.2467)".into(),
            ],
            "casesGeoJson" => vec![
                String::new(),
                "(limit: 2)".into(),
                format!("(filter: {{within: {SECRET_BOX}}})"),
                "(filter: {near: {latitude: -14.0, longitude: -72.2, km: 2}})".into(),
                "(filter: {region: \"03\"})".into(),
            ],
            "caseStats" => [
                "[STATUS]",
                "[KIND]",
                "[REGION]",
                "[MONTH]",
                "[STATUS, KIND, REGION]",
                "[MONTH, STATUS, REGION]",
                "[PROVINCE]",
                "[PROVINCE, REGION, STATUS, KIND]",
            ]
            .iter()
            .map(|g| {
                format!(
                    "(groupBy: {g}, filter: {{activeFrom: \"2015-01\", activeTo: \"2017-12\"}})"
                )
            })
            .collect(),
            "actors" => vec![
                "(first: 100)".into(),
                "(filter: {name: \"secret\"})".into(),
                format!("(filter: {{case: {:?}}})", public["las-bambas"]),
            ],
            "locations" => vec!["(first: 100)".into(), "(filter: {within: \"0305\"})".into()],
            "newsItems" => vec![
                "(first: 100)".into(),
                format!("(filter: {{case: {:?}}})", public["las-bambas"]),
                "(filter: {from: \"2029\"})".into(),
            ],
            "search" => vec![
                format!("(query: \"{MARK}\")"),
                "(query: \"bambas\")".into(),
                "(query: \"mining\", types: [CASE, NEWS_ITEM], first: 100)".into(),
                "(query: \"mmg\", types: [ACTOR])".into(),
                "(query: \"secr*\")".into(),
            ],
            _ if *required => panic!(
                "Query.{field} has required arguments and no strategy in the leak test: add one"
            ),
            _ => vec![String::new()],
        };
        for args in variants {
            calls.push((field.clone(), args));
        }
    }
    calls
}

async fn leak_check(engine_a: Engine, engine_b: Engine) {
    let config = HttpConfig {
        limits: QueryLimits {
            max_depth: 64,
            max_complexity: 10_000_000,
            ..Default::default()
        },
        rate_limit_per_minute: None,
        ..HttpConfig::default()
    };
    let public_only = TestApp::spawn_with(engine_a, config).await;
    chasqui::demo::load(&public_only.store)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let with_secrets = TestApp::spawn_with(engine_b, config).await;
    chasqui::demo::load(&with_secrets.store)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    add_secrets(&public_only, false).await;
    let secrets = add_secrets(&with_secrets, true)
        .await
        .unwrap_or_else(|| panic!("secrets"));

    let types = schema_types(&with_secrets).await;
    let root = types
        .get("Query")
        .unwrap_or_else(|| panic!("no Query type"));
    let mut public = BTreeMap::new();
    public.insert(
        "mmg",
        id_of(
            &with_secrets,
            r#"{ actor(slug: "mmg") { id } }"#,
            "/actor/id",
        )
        .await,
    );
    public.insert(
        "las-bambas",
        id_of(
            &with_secrets,
            r#"{ case(slug: "las-bambas") { id } }"#,
            "/case/id",
        )
        .await,
    );

    let mut covered = BTreeSet::new();
    let mut requests = 0;
    let mut viewer_saw = 0;
    for (field, args) in root_invocations(root, &secrets, &public) {
        let Some((_, target, _)) = root.fields.iter().find(|(name, _, _)| *name == field) else {
            continue;
        };
        let target_kind = types
            .get(target)
            .map(|t| t.kind.as_str())
            .unwrap_or("SCALAR");
        covered.insert(format!("Query.{field}"));
        let query = if target_kind == "SCALAR" || target_kind == "ENUM" {
            format!("{{ {field}{args} }}")
        } else {
            let mut expanded = BTreeMap::new();
            let inner = selection(
                &types,
                target,
                1,
                &mut vec!["Query".to_owned()],
                &mut covered,
                &mut expanded,
            );
            format!("{{ {field}{args} {{ {inner} }} }}")
        };
        let mut a = public_only.graphql_as(None, &query, json!({})).await;
        let mut b = with_secrets.graphql_as(None, &query, json!({})).await;
        for body in [&mut a, &mut b] {
            without_timestamps(body);
            sort_errors(body);
        }
        assert!(
            !b.to_string().contains(MARK),
            "anonymous {field}{args} shows a secret: {b}"
        );
        if let Some(difference) = first_difference(&a, &b, String::new()) {
            panic!(
                "anonymous {field}{args} answers differently when restricted records exist, at {difference}"
            );
        }
        let viewer = with_secrets
            .graphql_as(Some(&with_secrets.viewer), &query, json!({}))
            .await;
        if viewer.to_string().contains(MARK) {
            viewer_saw += 1;
        }
        requests += 1;
    }

    // Every field of every type a query can reach (types only a mutation returns, such as
    // ImportResult, carry no stored records of their own to leak).
    let mut reachable = BTreeSet::from(["Query".to_owned()]);
    let mut queue = vec!["Query".to_owned()];
    while let Some(name) = queue.pop() {
        let Some(info) = types.get(&name) else {
            continue;
        };
        let next = info
            .fields
            .iter()
            .map(|(_, target, _)| target.clone())
            .chain(info.possible.iter().cloned());
        for target in next.collect::<Vec<_>>() {
            if reachable.insert(target.clone()) {
                queue.push(target);
            }
        }
    }
    let all: BTreeSet<String> = types
        .iter()
        .filter(|(name, t)| t.kind == "OBJECT" && reachable.contains(name.as_str()))
        .flat_map(|(name, t)| t.fields.iter().map(move |(f, _, _)| format!("{name}.{f}")))
        .collect();
    let missed: Vec<&String> = all.difference(&covered).collect();
    assert!(
        missed.is_empty(),
        "fields the generated queries never reached: {missed:?}"
    );
    assert!(
        viewer_saw >= 10,
        "a viewer sees restricted records in only {viewer_saw} of {requests} queries"
    );
    println!(
        "leak check: {} fields, {requests} queries, viewer saw secrets in {viewer_saw}",
        covered.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_field_leaks_restricted_records_sqlite() {
    leak_check(Engine::Sqlite, Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_field_leaks_restricted_records_postgres() {
    leak_check(Engine::Postgres, Engine::Postgres).await
}
