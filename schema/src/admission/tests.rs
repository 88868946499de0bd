//! The admission's checks and the price table, on documents against the real schema.
use super::*;

fn admission() -> Admission {
    Admission::new(&crate::sdl(), QueryLimits::default())
}

fn admit(query: &str, variables: serde_json::Value) -> Result<u64, Refusal> {
    let document = async_graphql::parser::parse_query(query).unwrap_or_else(|e| panic!("{e}"));
    admission().admit(&document, None, &Variables::from_json(variables))
}

fn cost(query: &str) -> u64 {
    admit(query, serde_json::json!({})).unwrap_or_else(|r| panic!("{query}: {r:?}"))
}

#[test]
fn control_characters_are_every_c0_but_tab_and_line_breaks_and_del() {
    assert_eq!(control_character("a\tb\nc\r"), None);
    assert_eq!(control_character("años — ñ"), None);
    assert_eq!(control_character("a\u{0}"), Some('\u{0}'));
    assert_eq!(control_character("\u{1b}[31m"), Some('\u{1b}'));
    assert_eq!(control_character("x\u{7f}"), Some('\u{7f}'));
}

#[test]
fn every_list_field_of_the_schema_has_a_price() {
    let admission = admission();
    let shapes = &admission.shapes;
    let document = async_graphql::parser::parse_query("{ x }").unwrap_or_else(|e| panic!("{e}"));
    let operation = pick_operation(&document, None).unwrap_or_else(|| panic!("operation"));
    let variables = Variables::default();
    let walk = Walk {
        admission: &admission,
        document: &document,
        operation,
        variables: &variables,
    };
    let field = Field {
        alias: None,
        name: Positioned::new(Name::new("x"), Pos::default()),
        arguments: Vec::new(),
        directives: Vec::new(),
        selection_set: Positioned::new(SelectionSet::default(), Pos::default()),
    };
    let arguments = Arguments {
        walk: &walk,
        field: &field,
    };
    let mut missing = Vec::new();
    for (owner, shape) in &shapes.outputs {
        for (name, field) in &shape.fields {
            let (_, is_list) = named(&field.ty);
            let paged = field.arguments.contains_key("first");
            let in_connection = matches!(name.as_str(), "edges" | "nodes");
            if !(is_list || paged) || in_connection {
                continue;
            }
            let priced = rule(owner, name, &arguments, &admission.limits).is_some()
                || shapes
                    .interfaces(owner)
                    .iter()
                    .any(|i| rule(i, name, &arguments, &admission.limits).is_some());
            if !priced {
                missing.push(format!("{owner}.{name}"));
            }
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "list fields without a price: {missing:?}"
    );
}

/// The documents of the README and of the performance benchmark, with their prices
/// (`cargo test -p chasqui-schema --lib admission -- --nocapture` prints them).
#[test]
fn the_readme_and_benchmark_documents_fit_the_default_limit() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |path: &str| {
        std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let readme = read("README.md");
    let mut documents: Vec<(String, String)> = readme
        .split("```graphql")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .enumerate()
        .map(|(i, block)| (format!("README block {}", i + 1), block.to_owned()))
        .collect();
    assert!(documents.len() >= 6, "the README's GraphQL blocks");
    for name in ["case-detail", "region-map", "timeline"] {
        let path = format!("bench/perf/queries/chasqui-{name}.graphql");
        documents.push((path.clone(), read(&path)));
    }
    let limit = QueryLimits::default().max_complexity as u64;
    let admission = admission();
    let variables = Variables::default();
    for (name, document) in documents {
        let parsed =
            async_graphql::parser::parse_query(&document).unwrap_or_else(|e| panic!("{e}"));
        let started = std::time::Instant::now();
        let price = admission
            .admit(&parsed, None, &variables)
            .unwrap_or_else(|r| panic!("{name} is refused: {r:?}"));
        let took = started.elapsed();
        println!(
            "{name}: {price} of {limit}, checked in {} µs",
            took.as_micros()
        );
    }
}

#[test]
fn pages_multiply_their_selection_even_through_the_case_interface() {
    let one = cost("{ cases(first: 10) { nodes { title } } }");
    let ten = cost("{ cases(first: 100) { nodes { title } } }");
    assert_eq!(ten - one, 90, "each of 90 more nodes costs its title");
    let nested = admit(
        "{ cases(first: 100) { nodes { timeline(first: 100) { nodes { ... on Event { case { timeline(first: 100) { nodes { __typename } } } } } } } } }",
        serde_json::json!({}),
    );
    assert_eq!(nested.map_err(|r| r.code), Err("GRAPHQL_VALIDATION_FAILED"));
    // A union entry costs its most expensive member, not the sum of all three.
    let entry = cost(
        "{ case(slug: \"x\") { timeline(first: 10) { nodes { ... on Event { title } ... on NewsLink { note } ... on StatusChange { note status } } } } }",
    );
    let widest = cost(
        "{ case(slug: \"x\") { timeline(first: 10) { nodes { ... on StatusChange { note status } } } } }",
    );
    assert_eq!(entry, widest);
}

#[test]
fn aliases_add_up() {
    let one = cost("{ casesGeoJson }");
    assert!(one > 10_000);
    let two = admit("{ a: casesGeoJson b: casesGeoJson }", serde_json::json!({}));
    assert!(two.is_err(), "{two:?}");
    let stats = "{ caseStats(groupBy: [STATUS, KIND]) { count } }";
    let many: String = (0..100)
        .map(|i| format!("a{i}: caseStats(groupBy: [STATUS, KIND]) {{ count }} "))
        .collect();
    assert_eq!(cost(&format!("{{ {many} }}")), 100 * cost(stats));
}

#[test]
fn fragments_spread_many_times_are_priced_once() {
    let mut document = String::from("{ service { ...F0 } }\n");
    for i in 0..30 {
        document.push_str(&format!(
            "fragment F{i} on ServiceInfo {{ ...F{} ...F{} }}\n",
            i + 1,
            i + 1
        ));
    }
    document.push_str("fragment F30 on ServiceInfo { name }\n");
    let started = std::time::Instant::now();
    let price = admit(&document, serde_json::json!({}));
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    // 2^30 names: priced, and refused.
    assert!(price.is_err(), "{price:?}");
}

#[test]
fn variables_count_like_literals() {
    let literal = cost("{ cases(first: 50) { nodes { title } } }");
    let variable = admit(
        "query($n: Int) { cases(first: $n) { nodes { title } } }",
        serde_json::json!({"n": 50}),
    );
    assert_eq!(variable, Ok(literal));
    let default = admit(
        "query($n: Int = 50) { cases(first: $n) { nodes { title } } }",
        serde_json::json!({}),
    );
    assert_eq!(default, Ok(literal));
}

#[test]
fn month_buckets_follow_the_period() {
    let period = cost(
        "{ caseStats(groupBy: [MONTH, STATUS], filter: { activeFrom: \"2017-01\", activeTo: \"2017-07\" }) { count } }",
    );
    let open = admit(
        "{ caseStats(groupBy: [MONTH, STATUS, KIND]) { count status kind month { label } } }",
        serde_json::json!({}),
    );
    assert!(period < 200, "{period}");
    assert!(open.is_err(), "{open:?}");
}

#[test]
fn event_stats_are_priced_by_their_buckets_and_bounded() {
    let kinds = cost("{ eventStats(groupBy: [KIND]) { count } }");
    assert_eq!(kinds, SCAN + chasqui_entities::EventKind::ALL.len() as u64);
    let open = cost("{ eventStats(groupBy: [MONTH]) { count } }");
    assert_eq!(open, SCAN + chasqui_store::MAX_EVENT_STAT_MONTHS as u64);
    // Twelve months and the bucket of the events known only to the year.
    let year = cost(
        "{ eventStats(groupBy: [MONTH], filter: {from: \"2017-01\", to: \"2017-12\"}) { count } }",
    );
    assert_eq!(year, SCAN + 13);
    let every = cost("{ eventStats(groupBy: [MONTH, YEAR, REGION, KIND, ACTOR]) { count } }");
    assert_eq!(
        every,
        SCAN + chasqui_store::MAX_EVENT_STAT_BUCKETS as u64,
        "never more buckets than the store answers"
    );
    let wide = admit(
        "{ eventStats(groupBy: [MONTH, REGION, KIND, ACTOR]) { count deaths injuries month { value } region { name code } kind actor { name slug } } }",
        serde_json::json!({}),
    );
    assert!(wide.is_err(), "{wide:?}");
}

#[test]
fn area_vertices_are_priced() {
    let ring: Vec<serde_json::Value> = (0..5_000)
        .map(|i| serde_json::json!([i as f64 / 1e4, 0.0]))
        .collect();
    let area = serde_json::json!({"type": "Polygon", "coordinates": [ring]});
    let query = "query($a: JSON) { cases(filter: {inArea: $a}) { totalCount } }";
    let one = admit(query, serde_json::json!({"a": area})).unwrap_or_else(|r| panic!("{r:?}"));
    assert!(one >= 5_000, "{one}");
    let many = "query($a: JSON) { a: cases(filter: {inArea: $a}) { totalCount } b: cases(filter: {inArea: $a}) { totalCount } c: cases(filter: {inArea: $a}) { totalCount } d: cases(filter: {inArea: $a}) { totalCount } e: cases(filter: {inArea: $a}) { totalCount } }";
    assert!(admit(many, serde_json::json!({"a": area})).is_err());
}

#[test]
fn bad_text_and_long_lists_name_the_argument() {
    let refused = admit(
        "query($f: CaseFilter) { cases(filter: $f) { totalCount } }",
        serde_json::json!({"f": {"topics": ["a", "b\u{0}"]}}),
    )
    .map_err(|r| (r.code, r.field));
    assert_eq!(
        refused,
        Err(("BAD_USER_INPUT", Some("filter.topics[1]".to_owned())))
    );
    let long: Vec<String> = (0..101).map(|i| i.to_string()).collect();
    let refused = admit(
        "query($t: [String!]) { cases(filter: {topics: $t}) { totalCount } }",
        serde_json::json!({"t": long}),
    )
    .map_err(|r| r.field);
    assert_eq!(refused, Err(Some("filter.topics".to_owned())));
    // Inside JSON, lists are coordinates: no cap, but text is still checked.
    let refused = admit(
        "{ cases(filter: {inArea: {type: \"Polygon\\u0000\", coordinates: []}}) { totalCount } }",
        serde_json::json!({}),
    )
    .map_err(|r| r.field);
    assert_eq!(refused, Err(Some("filter.inArea.type".to_owned())));
}
