//! Event analytics: `events(filter:)` by period, actor and case status, and
//! `eventStats(groupBy:)`, checked against numbers this file computes on its own from the
//! records it writes, for an anonymous caller and a viewer. Restricted events, a
//! restricted case's events, a restricted actor, a restricted site and a restricted
//! department are among the records, so that the test shows they never move a public
//! number.

mod world;

use crate::app::{Engine, TestApp};
use crate::both_engines;
use chasqui_entities::EventKind;
use chrono::Datelike;
use serde_json::{Value, json};
use world::*;

/// The selection of a bucket's key under each dimension.
fn key_selection(dim: Dim) -> &'static str {
    match dim {
        Dim::Month => "month { value }",
        Dim::Year => "year { value }",
        Dim::Region => "region { code }",
        Dim::Kind => "kind",
        Dim::Actor => "actor { slug }",
    }
}

const ALL_DIMS: [Dim; 5] = [Dim::Month, Dim::Year, Dim::Region, Dim::Kind, Dim::Actor];

fn part_of(bucket: &Value, dim: Dim) -> Part {
    let text = |pointer: &str| bucket.pointer(pointer).and_then(Value::as_str);
    match dim {
        Dim::Month => {
            let value = text("/month/value").unwrap_or_else(|| panic!("a month in {bucket}"));
            let day = date(value).first_day();
            match value.len() {
                4 => Part::Month(day.year(), 0),
                _ => Part::Month(day.year(), day.month()),
            }
        }
        Dim::Year => Part::Year(
            date(text("/year/value").unwrap_or_else(|| panic!("a year in {bucket}")))
                .first_day()
                .year(),
        ),
        Dim::Kind => {
            let kind = text("/kind").and_then(EventKind::parse);
            Part::Kind(kind_rank(
                kind.unwrap_or_else(|| panic!("a kind in {bucket}")),
            ))
        }
        Dim::Region => named(text("/region/code")),
        Dim::Actor => named(text("/actor/slug")),
    }
}

fn totals_of(bucket: &Value) -> Totals {
    let number = |key: &str| {
        bucket[key]
            .as_i64()
            .unwrap_or_else(|| panic!("{key} in {bucket}"))
    };
    (number("count") as u64, number("deaths"), number("injuries"))
}

async fn ask(app: &TestApp, who: Who, query: &str, variables: Value) -> Value {
    let token = match who {
        Who::Anonymous => None,
        Who::Viewer => Some(app.viewer.as_str()),
    };
    app.data_as(token, query, variables).await
}

/// `eventStats` as (key, totals) rows, in the order answered, selecting the keys of the
/// dimensions grouped by.
async fn stats(app: &TestApp, who: Who, dims: &[Dim], filter: Value) -> Vec<(Vec<Part>, Totals)> {
    stats_selecting(app, who, dims, dims, filter).await
}

/// [`stats`] selecting the keys of `selected`; those not grouped by must be null.
async fn stats_selecting(
    app: &TestApp,
    who: Who,
    dims: &[Dim],
    selected: &[Dim],
    filter: Value,
) -> Vec<(Vec<Part>, Totals)> {
    let group: Vec<&str> = dims.iter().map(|d| d.name()).collect();
    let keys: Vec<&str> = selected.iter().map(|d| key_selection(*d)).collect();
    let data = ask(
        app,
        who,
        &format!(
            "query($f: EventFilter, $g: [EventStatDimension!]!) {{ eventStats(filter: $f, groupBy: $g) {{ count deaths injuries {} }} }}",
            keys.join(" ")
        ),
        json!({"f": filter, "g": group}),
    )
    .await;
    let rows = data["eventStats"]
        .as_array()
        .unwrap_or_else(|| panic!("eventStats: {data}"));
    rows.iter()
        .map(|bucket| {
            for (dim, key) in [
                (Dim::Month, "month"),
                (Dim::Year, "year"),
                (Dim::Region, "region"),
                (Dim::Kind, "kind"),
                (Dim::Actor, "actor"),
            ] {
                if selected.contains(&dim) && !dims.contains(&dim) {
                    assert!(bucket[key].is_null(), "{key} not grouped by: {bucket}");
                }
            }
            (
                dims.iter().map(|d| part_of(bucket, *d)).collect(),
                totals_of(bucket),
            )
        })
        .collect()
}

/// Events with `comunidad-a` or `empresa-b`.
fn either_actor() -> Box<dyn Fn(&Ev) -> bool> {
    Box::new(|ev: &Ev| {
        ev.actors
            .iter()
            .any(|a| *a == "comunidad-a" || *a == "empresa-b")
    })
}

/// An app without a rate limit: these tests ask many questions anonymously.
async fn app(engine: Engine) -> TestApp {
    let config = chasqui::config::HttpConfig {
        rate_limit_per_minute: None,
        ..Default::default()
    };
    TestApp::spawn_with(engine, config).await
}

both_engines!(event_stats_count_what_each_caller_may_see, |engine| {
    let app = app(engine).await;
    world(&app).await;
    let groupings: &[&[Dim]] = &[
        &[],
        &[Dim::Month],
        &[Dim::Year],
        &[Dim::Region],
        &[Dim::Kind],
        &[Dim::Actor],
        &[Dim::Region, Dim::Kind],
        &[Dim::Kind, Dim::Region],
        &[Dim::Month, Dim::Actor],
        &[Dim::Actor, Dim::Year, Dim::Region],
        &[Dim::Month, Dim::Region, Dim::Actor],
        &[Dim::Kind, Dim::Year, Dim::Month],
    ];
    for who in [Who::Anonymous, Who::Viewer] {
        for dims in groupings {
            let answer = stats(&app, who, dims, Value::Null).await;
            assert_eq!(
                answer,
                expected(dims, who, |_| true),
                "{who:?} grouped by {dims:?}"
            );
        }
        // The keys not grouped by are null.
        for dim in ALL_DIMS {
            let answer = stats_selecting(&app, who, &[dim], &ALL_DIMS, Value::Null).await;
            assert_eq!(
                answer,
                expected(&[dim], who, |_| true),
                "{who:?} by {dim:?}"
            );
        }
    }
    // The numbers themselves, for the record: anonymous callers count the six public
    // events of public cases (1 + 2 + 0 + 3 deaths), whatever hides around them.
    let all = stats(&app, Who::Anonymous, &[], Value::Null).await;
    assert_eq!(all, vec![(vec![], (7, 6, 13))]);
    let all = stats(&app, Who::Viewer, &[], Value::Null).await;
    assert_eq!(all, vec![(vec![], (10, 27, 24))]);
    // Months run from the first matching event to the last, not to today.
    let months = stats(&app, Who::Anonymous, &[Dim::Month], Value::Null).await;
    assert_eq!(
        months.first().map(|m| m.0.clone()),
        Some(vec![Part::Month(2016, 10)])
    );
    assert_eq!(
        months.last().map(|m| m.0.clone()),
        Some(vec![Part::Month(2017, 6)])
    );
    assert!(
        months.contains(&(vec![Part::Month(2017, 1)], (0, 0, 0))),
        "an empty month inside the range is listed: {months:?}"
    );
    assert!(months.contains(&(vec![Part::Month(2017, 0)], (1, 0, 1))));
});

both_engines!(
    event_filters_compose_and_name_hidden_records_as_missing,
    |engine| {
        let app = app(engine).await;
        let w = world(&app).await;
        let total = "query($f: EventFilter) { events(filter: $f, first: 100) { totalCount nodes { title } } }";
        // Each filter: its value and the events it selects (the test's own reading).
        type Keep = Box<dyn Fn(&Ev) -> bool>;
        let overlaps = |from: &'static str, to: &'static str| -> Keep {
            Box::new(move |ev: &Ev| {
                let (start, end) = span(ev);
                start <= date(to).last_day() && end >= date(from).first_day()
            })
        };
        let with_actor =
            |slug: &'static str| -> Keep { Box::new(move |ev: &Ev| ev.actors.contains(&slug)) };
        let filters: Vec<(Value, Keep, Keep)> = vec![
            // (filter, what an anonymous caller gets, what a viewer gets)
            (
                json!({"from": "2017-03", "to": "2017-04"}),
                overlaps("2017-03", "2017-04"),
                overlaps("2017-03", "2017-04"),
            ),
            (
                json!({"from": "2017-03-06"}),
                overlaps("2017-03-06", "9999"),
                overlaps("2017-03-06", "9999"),
            ),
            (
                json!({"to": "2016"}),
                overlaps("1000", "2016"),
                overlaps("1000", "2016"),
            ),
            (
                json!({"from": "2017-02-20", "to": "2017-02-20"}),
                overlaps("2017-02-20", "2017-02-20"),
                overlaps("2017-02-20", "2017-02-20"),
            ),
            (
                json!({"actors": ["empresa-b"]}),
                with_actor("empresa-b"),
                with_actor("empresa-b"),
            ),
            (
                json!({"actors": [w.actors["empresa-b"]]}),
                with_actor("empresa-b"),
                with_actor("empresa-b"),
            ),
            (
                json!({"actors": ["comunidad-a", "empresa-b"]}),
                either_actor(),
                either_actor(),
            ),
            // A restricted actor, by slug or id, names nothing for an anonymous caller.
            (
                json!({"actors": ["hidden-actor"]}),
                Box::new(|_: &Ev| false),
                with_actor("hidden-actor"),
            ),
            (
                json!({"actors": [w.actors["hidden-actor"]]}),
                Box::new(|_: &Ev| false),
                with_actor("hidden-actor"),
            ),
            (
                json!({"actors": ["no-such-actor"]}),
                Box::new(|_: &Ev| false),
                Box::new(|_: &Ev| false),
            ),
            (
                json!({"caseStatuses": ["LATENT"]}),
                Box::new(|ev: &Ev| CASES[ev.case].1 == "LATENT"),
                Box::new(|ev: &Ev| CASES[ev.case].1 == "LATENT"),
            ),
            (
                json!({"caseStatuses": ["ACTIVE", "RESOLVED"]}),
                Box::new(|ev: &Ev| CASES[ev.case].1 == "ACTIVE"),
                Box::new(|ev: &Ev| CASES[ev.case].1 == "ACTIVE"),
            ),
            // Composed with each other and with the filters that were there.
            (
                json!({"caseStatuses": ["ACTIVE"], "actors": ["comunidad-a"], "from": "2017-03", "kinds": ["VIOLENCE", "PROTEST", "STRIKE"]}),
                Box::new(|ev: &Ev| {
                    CASES[ev.case].1 == "ACTIVE"
                        && ev.actors.contains(&"comunidad-a")
                        && span(ev).1 >= date("2017-03").first_day()
                        && matches!(
                            ev.kind,
                            EventKind::Violence | EventKind::Protest | EventKind::Strike
                        )
                }),
                Box::new(|ev: &Ev| {
                    CASES[ev.case].1 == "ACTIVE"
                        && ev.actors.contains(&"comunidad-a")
                        && span(ev).1 >= date("2017-03").first_day()
                        && matches!(
                            ev.kind,
                            EventKind::Violence | EventKind::Protest | EventKind::Strike
                        )
                }),
            ),
            (
                json!({"region": ["03"], "to": "2017-02"}),
                Box::new(|ev: &Ev| {
                    department(ev, Who::Anonymous) == Some("03")
                        && span(ev).0 <= date("2017-02").last_day()
                }),
                Box::new(|ev: &Ev| {
                    department(ev, Who::Viewer) == Some("03")
                        && span(ev).0 <= date("2017-02").last_day()
                }),
            ),
            (
                json!({"case": w.cases[1], "from": "2017"}),
                Box::new(|ev: &Ev| ev.case == 1 && span(ev).1.year() >= 2017),
                Box::new(|ev: &Ev| ev.case == 1 && span(ev).1.year() >= 2017),
            ),
        ];
        for (filter, anonymous, viewer) in &filters {
            for (who, keep) in [(Who::Anonymous, anonymous), (Who::Viewer, viewer)] {
                let expected_count = EVENTS.iter().filter(|e| visible(e, who) && keep(e)).count();
                let data = ask(&app, who, total, json!({"f": filter})).await;
                assert_eq!(
                    data["events"]["totalCount"],
                    json!(expected_count),
                    "{who:?} events({filter})"
                );
                let titles = data["events"]["nodes"].as_array().map(Vec::len);
                assert_eq!(
                    titles,
                    Some(expected_count),
                    "{who:?} events({filter}) nodes"
                );
                for dims in [&[Dim::Kind][..], &[Dim::Region, Dim::Actor], &[Dim::Month]] {
                    assert_eq!(
                        stats(&app, who, dims, filter.clone()).await,
                        expected(dims, who, |e| keep(e)),
                        "{who:?} eventStats({filter}, {dims:?})"
                    );
                }
            }
        }
        // A department's bucket holds what the region filter finds.
        for who in [Who::Anonymous, Who::Viewer] {
            for (key, totals) in stats(&app, who, &[Dim::Region], Value::Null).await {
                let Part::Named(false, code) = &key[0] else {
                    continue;
                };
                let found = stats(&app, who, &[], json!({"region": [code]})).await;
                assert_eq!(found, vec![(vec![], totals)], "{who:?} region {code}");
            }
        }
        // A restricted department answers as a missing one.
        let hidden = stats(&app, Who::Anonymous, &[], json!({"region": ["99"]})).await;
        let missing = stats(&app, Who::Anonymous, &[], json!({"region": ["98"]})).await;
        assert_eq!(hidden, missing);
        assert_eq!(hidden, vec![(vec![], (0, 0, 0))]);
    }
);

both_engines!(
    event_filter_and_grouping_refuse_bad_input_by_name,
    |engine| {
        let app = app(engine).await;
        let body = app
        .graphql_as(
            None,
            r#"{ eventStats(filter: {from: "2017-03", to: "2017-02-27"}, groupBy: [KIND]) { count } }"#,
            json!({}),
        )
        .await;
        assert_eq!(TestApp::error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "filter.to",
            "{body}"
        );
        // An actor is named by an actor's id or slug: another record's id is refused, as
        // in every filter that names a record.
        let body = app
            .graphql_as(
                None,
                r#"{ events(filter: {actors: ["empresa-b", "Q2FzZTox"]}) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(TestApp::error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "filter.actors[1]",
            "{body}"
        );
        let body = app
            .graphql_as(
                None,
                r#"{ events(filter: {from: "2017-03", to: "2017-02"}) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "filter.to",
            "{body}"
        );
        // No events: no buckets, even by month.
        let data = app
            .data_as(
                None,
                "{ eventStats(groupBy: [MONTH]) { count } }",
                json!({}),
            )
            .await;
        assert_eq!(data["eventStats"], json!([]));
        // Events more than fifty years apart: a grouping by month would pass its price,
        // so it is refused, naming `groupBy`; by year, or within a period, it is answered.
        let case = app
            .data(
                r#"mutation { createCase(input: {slug: "old-dispute", kind: OTHER, title: "Old dispute", status: ACTIVE}) { id } }"#,
                json!({}),
            )
            .await;
        for day in ["1950-03-01", "2017-03-01"] {
            let input = json!({"case": case["createCase"]["id"], "kind": "PROTEST",
                "title": format!("Protest {day}"), "date": day,
                "sources": [{"url": "https://example.org/old"}]});
            app.data(
                "mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }",
                json!({"i": input}),
            )
            .await;
        }
        let body = app
            .graphql_as(
                None,
                "{ eventStats(groupBy: [MONTH]) { count } }",
                json!({}),
            )
            .await;
        assert_eq!(TestApp::error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "groupBy",
            "{body}"
        );
        let years = app
            .data_as(None, "{ eventStats(groupBy: [YEAR]) { count } }", json!({}))
            .await;
        assert_eq!(years["eventStats"].as_array().map(Vec::len), Some(68));
        let recent = app
            .data_as(
                None,
                r#"{ eventStats(filter: {from: "2000"}, groupBy: [MONTH]) { count month { value } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            recent["eventStats"],
            json!([{"count": 1, "month": {"value": "2017-03"}}])
        );
    }
);

both_engines!(event_stats_take_one_statement_whatever_the_data, |engine| {
    let app = app(engine).await;
    world(&app).await;
    let query = "{ eventStats(groupBy: [MONTH, YEAR, REGION, KIND, ACTOR]) { count deaths injuries month { value } kind } }";
    let before = app.statements();
    app.data_as(None, query, json!({})).await;
    let first = app.statements_since(before);
    assert_eq!(first.len(), 1, "one statement: {first:#?}");
    // More events in more months, places and actors: still one.
    world_more(&app).await;
    let before = app.statements();
    app.data_as(None, query, json!({})).await;
    let second = app.statements_since(before);
    assert_eq!(second.len(), 1, "one statement: {second:#?}");
});

/// More events, for the statement count.
async fn world_more(app: &TestApp) {
    let data = app
        .data(
            r#"{ case(slug: "mine-one") { id } actor(slug: "empresa-b") { id } location(code: "SITE-FREE") { id } }"#,
            json!({}),
        )
        .await;
    for month in 1..=9 {
        let input = json!({"case": data["case"]["id"], "kind": "PROTEST",
            "title": format!("More {month}"), "date": format!("2018-0{month}-01"),
            "location": data["location"]["id"], "actors": [data["actor"]["id"]], "deaths": 1,
            "sources": [{"url": "https://example.org/more"}]});
        app.data(
            "mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }",
            json!({"i": input}),
        )
        .await;
    }
}
