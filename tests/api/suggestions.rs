//! Link suggestions on the 18 seed news items (their own words, from the seed files)
//! against the demo's cases, scored against the links the demo records for them.

use crate::app::{Engine, TestApp};
use chasqui::import::listing::{ListingEntry, parse_listing};
use chasqui_store::{Access, Author, DEFAULT_SUGGESTION_THRESHOLD};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The expected links: for each demo news title, the slugs of the cases it updates.
fn labels() -> BTreeMap<String, BTreeSet<String>> {
    let demo: Value = serde_json::from_str(&read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/demo/demo.json"
    )))
    .unwrap_or_else(|e| panic!("{e}"));
    demo["news"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| {
            let cases = n["links"].as_array().cloned().unwrap_or_default();
            let slugs = cases
                .iter()
                .filter_map(|l| l["case"].as_str().map(str::to_owned))
                .collect();
            (n["title"].as_str().unwrap_or_default().to_owned(), slugs)
        })
        .collect()
}

#[tokio::test]
async fn suggestions_on_the_seed_items_reach_the_targets() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    chasqui::demo::load(&app.store)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dictionary = app
        .store
        .suggestion_dictionary()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let slugs: BTreeMap<i64, String> = app
        .store
        .list_cases(
            Access::FULL,
            &Default::default(),
            chasqui_store::CaseOrderKey::Slug,
            false,
            None,
            100,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .rows
        .into_iter()
        .map(|c| (c.id, c.slug))
        .collect();
    let labels = labels();
    let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/seeds/");
    let (mut hits, mut suggested, mut expected) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for file in ["000_36238466d250a328.txt", "001_96342470086a3a6d.txt"] {
        for entry in parse_listing(&read(&format!("{seeds}{file}"))) {
            let ListingEntry::News(news) = entry else {
                continue;
            };
            let text = format!(
                "{} \n {}",
                news.title,
                news.summary.clone().unwrap_or_default()
            );
            let found: BTreeSet<String> = dictionary
                .suggest(&text, DEFAULT_SUGGESTION_THRESHOLD)
                .into_iter()
                .filter_map(|s| slugs.get(&s.case_id).cloned())
                .collect();
            let want = labels.get(&news.title).cloned().unwrap_or_default();
            assert!(!want.is_empty(), "the demo labels `{}`", news.title);
            hits += found.intersection(&want).count();
            suggested += found.len();
            expected += want.len();
            if found != want {
                misses.push(format!(
                    "{}: suggested {found:?}, expected {want:?}",
                    news.title
                ));
            }
        }
    }
    let precision = hits as f64 / suggested.max(1) as f64;
    let recall = hits as f64 / expected.max(1) as f64;
    println!(
        "suggestions at threshold {DEFAULT_SUGGESTION_THRESHOLD}: precision {precision:.2} ({hits}/{suggested}), recall {recall:.2} ({hits}/{expected})"
    );
    for miss in &misses {
        println!("  {miss}");
    }
    // The targets: precision 0.9 and recall 0.8 on the seed items (0.91 and 0.95 today).
    assert!(
        precision >= 0.9 && recall >= 0.8,
        "precision {precision:.2}, recall {recall:.2}: {misses:#?}"
    );

    // Recorded suggestions: stored as SUGGESTED with score and terms, never redone.
    let author = Author::command_line();
    let news = app
        .store
        .create_news_item(
            &author,
            chasqui_store::NewNewsItem {
                title: "MMG trucks stopped again in Challhuahuacho".into(),
                published_on: chasqui_entities::PartialDate::parse("2024-05-02")
                    .unwrap_or_else(|e| panic!("{e}")),
                summary: None,
                body: None,
                url: None,
                publisher: None,
                language: None,
                visibility: chasqui_entities::Visibility::Public,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let links = app
        .store
        .suggest_links(&author, &dictionary, news.id, DEFAULT_SUGGESTION_THRESHOLD)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let bambas: Vec<_> = links
        .iter()
        .filter(|l| slugs.get(&l.case_id).is_some_and(|s| s == "las-bambas"))
        .collect();
    assert_eq!(bambas.len(), 1, "{links:?}");
    assert_eq!(bambas[0].state, chasqui_entities::LinkState::Suggested);
    assert!(
        bambas[0]
            .matched_terms
            .as_deref()
            .is_some_and(|t| t.contains("MMG") && t.contains("Challhuahuacho"))
    );
    app.store
        .reject_link(&author, bambas[0].id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let again = app
        .store
        .suggest_links(&author, &dictionary, news.id, DEFAULT_SUGGESTION_THRESHOLD)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        again.is_empty(),
        "a rejected suggestion is not made again: {again:?}"
    );
}
