//! No record an anonymous caller may not see reaches it, by any path: a restricted record
//! answers exactly as a record that does not exist.
//!
//! Two databases start from the demo. The fixture program (`leaks/fixtures.rs`) writes
//! over GraphQL, as the editor and the admin, through every mutation that has side
//! effects: the public-only database gets the public writes, the other the same public
//! writes in the same order (so public ids and versions match) and hidden records woven
//! into the public ones: restricted cases, actors, places, news items, links, events and
//! status changes; links reporting statuses and events to restricted news items;
//! restrictions applied after linking, placing and giving roles; public cases placed
//! only on restricted places; archived and purged records.
//!
//! Everything asked is generated from the schema (`leaks/queries.rs`): every field of
//! every type reachable from `Query`, and every field that takes arguments, root or
//! nested, once per value of each argument and input-object field that names a record
//! (ids, slugs, codes, regions, topics, publishers, names, boxes, points, areas), with
//! the hidden records', public ones and ones that do not exist; enum arguments take each
//! of their values. An argument the rules do not know fails the test (`leaks/values.rs`).
//! The maps over HTTP (`GET /geojson/cases`, `GET /map.svg`) are asked with every field of
//! the case filter as a parameter, the CSV tables (`GET /csv/…`) with each as their filter.
//!
//! Anonymous answers from the two databases must be equal byte for byte (timestamps
//! aside), and an argument naming a hidden record must answer exactly as one naming a
//! record that does not exist. Every difference is collected; the test fails once, with
//! the list. A viewer asking the same questions must see the secrets, so the test can
//! tell.

mod compare;
mod fixtures;
mod http_maps;
mod queries;
mod schema;
mod values;

use crate::app::{Engine, TestApp};
use chasqui::config::HttpConfig;
use chasqui_schema::QueryLimits;
use compare::*;
use fixtures::{MARK, MUTATIONS_THAT_CANNOT_LEAK, Writer};
use queries::{Invocation, Refused, Selections};
use schema::Schema;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Invocations asked in one request, under aliases.
const PER_REQUEST: usize = 16;

/// What the test found: each difference or gap with what it was found in.
#[derive(Default)]
struct Findings {
    items: Vec<(String, String, String)>,
}

impl Findings {
    /// `what` went wrong in `subject` (an invocation, a request, a mutation), `detail`
    /// being where and how (`.data.edges[0].node.status: "ACTIVE" / "RESOLVED"`).
    fn add(&mut self, what: &str, subject: String, detail: String) {
        self.items.push((what.to_owned(), subject, detail));
    }

    /// One line per distinct difference: the same difference seen through many
    /// questions (a case's leaked `lastActivityOn` reached from every list) is counted,
    /// with the first question that showed it.
    fn report(&self) -> String {
        let mut groups: Vec<(String, usize, &(String, String, String))> = Vec::new();
        for item in &self.items {
            let (what, _, detail) = item;
            let key = format!("{what}: {}", signature(detail));
            match groups.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, n, _)) => *n += 1,
                None => groups.push((key, 1, item)),
            }
        }
        groups.sort_by(|a, b| a.2.0.cmp(&b.2.0));
        groups
            .iter()
            .map(|(key, n, (_, subject, detail))| {
                if detail.is_empty() {
                    format!("- {key}: {subject}")
                } else {
                    format!("- {key}\n    {n}x, first in {subject} at {detail}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A difference without the way to it: the last two named steps of its path and the
/// values (`case.lastActivityOn: "2026-02-10" / "2026-05-01"`).
fn signature(detail: &str) -> String {
    let Some((path, values)) = detail.split_once(": ") else {
        return detail.to_owned();
    };
    if !path.starts_with('.') {
        return detail.to_owned();
    }
    let steps: Vec<&str> = path
        .split('.')
        .map(|s| s.split('[').next().unwrap_or(s))
        .filter(|s| !s.is_empty())
        .collect();
    let tail = steps[steps.len().saturating_sub(2)..].join(".");
    format!("…{tail}: {values}")
}

/// Asks generated invocations, batching them under aliases.
struct Asker<'s> {
    schema: &'s Schema,
    refused: Refused,
    selections: Selections,
    requests: usize,
}

impl Asker<'_> {
    /// POSTs a document. An answer that is not JSON (a refusal by a layer under
    /// GraphQL) becomes a request-level error, so that it is reported, not a panic.
    async fn post(app: &TestApp, token: Option<&str>, text: &str, variables: Value) -> Value {
        let mut request = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&serde_json::json!({"query": text, "variables": variables}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        serde_json::from_str(&body).unwrap_or_else(
            |_| serde_json::json!({"errors": [{"message": format!("HTTP {status}: {body}")}]}),
        )
    }

    /// One `{data, errors}` per invocation. The invocations are asked together; when
    /// anything fails they are asked again one by one, so that each error stays with its
    /// own invocation (an error in a non-null root field nulls the whole answer).
    async fn ask(
        &mut self,
        app: &TestApp,
        token: Option<&str>,
        invocations: &[&Invocation],
        findings: &mut Findings,
    ) -> Vec<Value> {
        let document = self
            .selections
            .document(self.schema, invocations, &self.refused);
        let body = Self::post(app, token, &document.text, document.variables).await;
        self.requests += 1;
        if !has_errors(&body) {
            return invocations
                .iter()
                .enumerate()
                .map(|(i, invocation)| share(&body, &format!("a{i}"), &invocation.field))
                .collect();
        }
        let mut answers = Vec::new();
        for invocation in invocations {
            let document = self
                .selections
                .document(self.schema, &[invocation], &self.refused);
            let body = Self::post(app, token, &document.text, document.variables).await;
            self.requests += 1;
            let refusal = request_errors(&body);
            if !refusal.is_empty() {
                findings.add(
                    "the request was refused as a whole, so it compares nothing",
                    invocation.label(),
                    short(&Value::Array(refusal)),
                );
            }
            answers.push(share(&body, "a0", &invocation.field));
        }
        answers
    }

    /// Finds the fields an anonymous caller is refused (admins only), by asking each
    /// root field once on the public-only database. They answer an error per record,
    /// which would send every batch that selects them to be asked one by one, so they
    /// are asked on their own instead.
    async fn find_refused(&mut self, app: &TestApp, registry: &values::Registry) {
        let mut findings = Findings::default();
        for _ in 0..3 {
            let generated = queries::invocations(self.schema, registry, &self.refused);
            let mut firsts: BTreeMap<&str, &Invocation> = BTreeMap::new();
            for invocation in &generated.invocations {
                if invocation.owner == self.schema.query {
                    firsts.entry(&invocation.field).or_insert(invocation);
                }
            }
            let mut found = Refused::new();
            for invocation in firsts.values() {
                for answer in self.ask(app, None, &[invocation], &mut findings).await {
                    for error in answer["errors"].as_array().into_iter().flatten() {
                        let code = error["extensions"]["code"].as_str().unwrap_or_default();
                        if code == "FORBIDDEN" || code == "UNAUTHENTICATED" {
                            let path = error["path"].as_array().cloned().unwrap_or_default();
                            found.extend(queries::field_at(self.schema, &path));
                        }
                    }
                }
            }
            if found.is_subset(&self.refused) {
                break;
            }
            self.refused.extend(found);
            self.selections = Selections::new();
        }
    }
}

/// The two apps: the same public records in both, hidden ones in the second.
#[derive(Clone, Copy)]
struct Apps<'a> {
    public_only: &'a TestApp,
    with_secrets: &'a TestApp,
}

/// What asking the generated invocations gathered, besides findings.
#[derive(Default)]
struct Asked<'i> {
    /// Each invocation with its anonymous answer from the database with secrets.
    with_secrets: Vec<(&'i Invocation, Value)>,
    /// Fields with at least one anonymous answer that is not null.
    answered: BTreeSet<(String, String)>,
    /// Answers in which a viewer saw a secret.
    viewer_saw: usize,
}

/// Asks every invocation anonymously of both databases and as a viewer of the second,
/// field by field, and compares the anonymous answers.
async fn ask_everything<'i>(
    apps: Apps<'_>,
    asker: &mut Asker<'_>,
    invocations: &'i [Invocation],
    findings: &mut Findings,
) -> Asked<'i> {
    let mut groups: BTreeMap<(&str, &str), Vec<&Invocation>> = BTreeMap::new();
    for invocation in invocations {
        groups
            .entry((&invocation.owner, &invocation.field))
            .or_default()
            .push(invocation);
    }
    let mut asked = Asked::default();
    for ((owner, field), group) in &groups {
        for chunk in group.chunks(PER_REQUEST) {
            let a = asker.ask(apps.public_only, None, chunk, findings).await;
            let b = asker.ask(apps.with_secrets, None, chunk, findings).await;
            let viewer = Some(apps.with_secrets.viewer.as_str());
            let seen = asker.ask(apps.with_secrets, viewer, chunk, findings).await;
            asked.viewer_saw += seen.iter().filter(|v| v.to_string().contains(MARK)).count();
            for ((invocation, a), b) in chunk.iter().zip(a).zip(b) {
                if !a["data"].is_null() {
                    asked
                        .answered
                        .insert((owner.to_string(), field.to_string()));
                }
                let label = invocation.label();
                if let Some(difference) = first_difference(&a, &b, String::new()) {
                    findings.add(
                        "anonymous answers differ (public-only / with secrets)",
                        label.clone(),
                        difference,
                    );
                }
                let mut shown = b.clone();
                let given = strings_in(&Value::Object(invocation.args.clone()));
                replace_strings(&mut shown, &given, "<argument>");
                if let Some(at) = find_text(&shown, MARK, String::new()) {
                    findings.add("the anonymous answer shows a secret", label, at);
                }
                asked.with_secrets.push((invocation, b));
            }
        }
    }
    asked
}

/// An argument naming a hidden record answers exactly as one naming a record that does
/// not exist (the value itself aside, where an answer repeats it). Returns how many
/// pairs were compared.
fn compare_hidden_with_missing(answers: &[(&Invocation, Value)], findings: &mut Findings) -> usize {
    let blanked = |answer: &Value, value: &Value| {
        let mut answer = answer.clone();
        replace_strings(&mut answer, &strings_in(value), "<value>");
        answer
    };
    let mut missing = BTreeMap::new();
    for (invocation, answer) in answers {
        if let (Some(key), Some(varied)) = (invocation.pair_key(), &invocation.varied)
            && varied.value.class == values::Class::Missing
        {
            missing.insert(key, blanked(answer, &varied.value.value));
        }
    }
    let mut pairs = 0;
    for (invocation, answer) in answers {
        let (Some(key), Some(varied)) = (invocation.pair_key(), &invocation.varied) else {
            continue;
        };
        if !varied.value.class.hidden() || !varied.names.hidden_answers_as_missing() {
            continue;
        }
        let Some(missing) = missing.get(&key) else {
            findings.add(
                "no missing value to compare a hidden one with",
                invocation.label(),
                String::new(),
            );
            continue;
        };
        pairs += 1;
        let answer = blanked(answer, &varied.value.value);
        if let Some(difference) = first_difference(missing, &answer, String::new()) {
            findings.add(
                "a hidden record answers unlike one that does not exist (missing / hidden)",
                format!(
                    "{}.{}({} = {})",
                    invocation.owner, invocation.field, varied.path, varied.value.label
                ),
                difference,
            );
        }
    }
    pairs
}

/// Every field of every type a query can reach was asked for, and every field asked
/// with arguments answered something at least once (an error nulling every answer would
/// make its comparisons vacuous). Returns how many fields were covered.
fn check_reach(
    schema: &Schema,
    asker: &Asker<'_>,
    asked: &Asked<'_>,
    invocations: &[Invocation],
    findings: &mut Findings,
) -> usize {
    let mut covered = asker.selections.covered.clone();
    let mut fields = BTreeSet::new();
    for invocation in invocations {
        fields.insert((invocation.owner.clone(), invocation.field.clone()));
    }
    for (owner, field) in &fields {
        covered.insert(format!("{owner}.{field}"));
        for implementation in schema.possible_of(owner) {
            covered.insert(format!("{implementation}.{field}"));
        }
        if !asked.answered.contains(&(owner.clone(), field.clone()))
            && !asker.refused.contains(&(owner.clone(), field.clone()))
        {
            findings.add(
                "every anonymous answer is null, so nothing was compared",
                format!("{owner}.{field}"),
                String::new(),
            );
        }
    }
    let reachable = schema.reachable_from_query();
    let missed: Vec<String> = schema
        .types
        .iter()
        .filter(|(name, t)| t.kind == "OBJECT" && reachable.contains(name.as_str()))
        .flat_map(|(name, t)| t.fields.iter().map(move |f| format!("{name}.{}", f.name)))
        .filter(|f| !covered.contains(f))
        .collect();
    if !missed.is_empty() {
        findings.add(
            "fields the generated queries never reached",
            format!("{missed:?}"),
            String::new(),
        );
    }
    covered.len()
}

/// Asks the maps over HTTP with every parameter of the case filter, and compares them
/// byte for byte. Returns the answers in which a viewer saw a secret.
async fn compare_maps(
    apps: Apps<'_>,
    requests: &[http_maps::MapRequest],
    findings: &mut Findings,
) -> usize {
    let mut viewer_saw = 0;
    let mut missing: BTreeMap<(&str, &str), String> = BTreeMap::new();
    let mut hidden = Vec::new();
    for request in requests {
        let a = http_maps::get(apps.public_only, None, request).await;
        let b = http_maps::get(apps.with_secrets, None, request).await;
        let viewer = Some(apps.with_secrets.viewer.as_str());
        if http_maps::get(apps.with_secrets, viewer, request)
            .await
            .body
            .contains(MARK)
        {
            viewer_saw += 1;
        }
        let label = request.label();
        if (a.status, &a.content_type) != (b.status, &b.content_type) {
            let detail = format!(
                "HTTP {} {} / HTTP {} {}",
                a.status, a.content_type, b.status, b.content_type
            );
            findings.add(
                "anonymous answers differ (public-only / with secrets)",
                label.clone(),
                detail,
            );
        }
        if let Some(difference) = text_difference(&a.body, &b.body) {
            findings.add(
                "anonymous answers differ (public-only / with secrets)",
                label.clone(),
                difference,
            );
        }
        let mut shown = format!("{} {}", b.status, b.body);
        if let Some((field, names, value)) = &request.varied {
            if a.status != 200 && !value.class.hidden() {
                findings.add(
                    "a public value is refused, so the parameter is not compared",
                    label.clone(),
                    format!("HTTP {}: {}", a.status, a.body),
                );
            }
            for needle in strings_in(&value.value).iter().filter(|s| s.len() >= 3) {
                shown = shown.replace(needle.as_str(), "<value>");
            }
            if value.class == values::Class::Missing {
                missing.insert((request.path, field), shown.clone());
            } else if value.class.hidden() && names.hidden_answers_as_missing() {
                hidden.push((request, field.as_str(), shown.clone()));
            }
        }
        if shown.contains(MARK) {
            findings.add("the anonymous answer shows a secret", label, String::new());
        }
    }
    for (request, field, answer) in hidden {
        match missing.get(&(request.path, field)) {
            Some(missing) => {
                if let Some(difference) = text_difference(missing, &answer) {
                    findings.add(
                        "a hidden record answers unlike one that does not exist (missing / hidden)",
                        request.label(),
                        difference,
                    );
                }
            }
            None => findings.add(
                "no missing value to compare a hidden one with",
                request.label(),
                String::new(),
            ),
        }
    }
    viewer_saw
}

async fn leak_check(engine: Engine) {
    let started = std::time::Instant::now();
    let config = HttpConfig {
        limits: QueryLimits {
            max_depth: 64,
            // Every question is asked, whatever it costs: the price of a request is tested
            // by its own tests.
            max_complexity: usize::MAX,
            ..Default::default()
        },
        rate_limit_per_minute: None,
        ..HttpConfig::default()
    };
    let public_only = TestApp::spawn_with(engine, config).await;
    let with_secrets = TestApp::spawn_with(engine, config).await;
    for app in [&public_only, &with_secrets] {
        chasqui::demo::load(&app.store)
            .await
            .unwrap_or_else(|e| panic!("demo: {e}"));
    }
    let apps = Apps {
        public_only: &public_only,
        with_secrets: &with_secrets,
    };
    let schema = Schema::introspect(&with_secrets).await;
    let mut findings = Findings::default();

    // The fixtures, and every mutation with a fixture path.
    let mut writer = Writer {
        schema: &schema,
        public_only: &public_only,
        with_secrets: &with_secrets,
        paths: Vec::new(),
        registry: values::Registry::default(),
    };
    fixtures::write(&mut writer).await;
    let uncovered = writer.uncovered_mutations();
    for mutation in &uncovered {
        findings.add(
            "a mutation has no fixture path that writes a hidden record: add one to \
             leaks/fixtures.rs, or list it in MUTATIONS_THAT_CANNOT_LEAK with the reason",
            mutation.clone(),
            String::new(),
        );
    }
    let registry = &writer.registry;

    // The invocations, generated from the schema.
    let mut asker = Asker {
        schema: &schema,
        refused: Refused::new(),
        selections: Selections::new(),
        requests: 0,
    };
    asker.find_refused(&public_only, registry).await;
    let generated = queries::invocations(&schema, registry, &asker.refused);
    for unknown in &generated.unknown {
        findings.add(
            "an argument may name a record and has no strategy in the leak test: classify \
             it in leaks/values.rs",
            unknown.0.clone(),
            String::new(),
        );
    }
    for argument in &generated.no_strategy {
        findings.add(
            "a required argument has no strategy in the leak test: add one",
            argument.clone(),
            String::new(),
        );
    }

    let asked = ask_everything(apps, &mut asker, &generated.invocations, &mut findings).await;
    let pairs = compare_hidden_with_missing(&asked.with_secrets, &mut findings);
    let fields = check_reach(
        &schema,
        &asker,
        &asked,
        &generated.invocations,
        &mut findings,
    );
    let (map_requests, unknown) = http_maps::requests(&schema, registry);
    for line in unknown {
        findings.add(
            "a parameter of the maps has no strategy",
            line,
            String::new(),
        );
    }
    let viewer_saw = asked.viewer_saw + compare_maps(apps, &map_requests, &mut findings).await;
    if viewer_saw < 10 {
        findings.add(
            "a viewer sees restricted records in too few answers: the fixtures are not \
             where the queries look",
            format!("{viewer_saw} answers"),
            String::new(),
        );
    }

    // What the test covered.
    let mutations = schema
        .mutation
        .as_deref()
        .map(|m| schema.fields_of(m).len())
        .unwrap_or(0);
    let other_arguments: BTreeSet<String> = generated
        .invocations
        .iter()
        .filter(|i| i.varied.is_none())
        .flat_map(|i| {
            i.args
                .keys()
                .map(|k| format!("{}.{}({k})", i.owner, i.field))
                .collect::<Vec<_>>()
        })
        .collect();
    println!(
        "leak check ({engine:?}, {:.1} s): {} arguments that name records, {} other arguments \
         varied, {} argument values, {} invocations ({pairs} hidden-as-missing pairs) in {} \
         GraphQL requests, {} HTTP map requests, {fields} fields; {} fixture paths ({} hidden) \
         through {} of {mutations} mutations ({} exempt); {} fields refused to anonymous \
         callers asked on their own; a viewer saw secrets in {viewer_saw} answers",
        started.elapsed().as_secs_f64(),
        generated.naming_arguments.len(),
        other_arguments.len(),
        registry.distinct_values(),
        generated.invocations.len(),
        asker.requests,
        map_requests.len(),
        writer.paths.len(),
        writer.paths.iter().filter(|p| p.hidden).count(),
        mutations.saturating_sub(uncovered.len() + MUTATIONS_THAT_CANNOT_LEAK.len()),
        MUTATIONS_THAT_CANNOT_LEAK.len(),
        asker.refused.len(),
    );
    for (argument, reason) in &generated.fixed {
        println!("  not varied: {argument}: {reason}");
    }
    for path in &writer.paths {
        let public = if path.hidden { "" } else { " (public)" };
        println!("  fixture {}{public}: {}", path.mutation, path.what);
    }
    if !findings.items.is_empty() {
        panic!(
            "{} differences and gaps:\n{}",
            findings.items.len(),
            findings.report()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_argument_field_or_write_leaks_restricted_records_sqlite() {
    leak_check(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_argument_field_or_write_leaks_restricted_records_postgres() {
    leak_check(Engine::Postgres).await
}
