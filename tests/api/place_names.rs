//! A boundaries import gives places shapes, not worse names: on the demo (which spells
//! "Apurímac" and "Challhuahuacho"), the README's `places import` of Peru's real boundary
//! files (which write "APURIMAC" and "CHALLHUAHUACHO") keeps every name a place has,
//! gives the places it creates the UBIGEO table's spelling of the same name when the
//! table has one, and takes a file's other names only when asked to `rename`; the names
//! are what the API, the counts and the link suggestions show.

use crate::app::TestApp;
use crate::both_engines;
use crate::maps::peru_file;
use chasqui::import::places::{PlaceMapping, PlacesFileReport, import_places_file};
use chasqui_entities::LocationLevel;
use chasqui_store::Author;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Writes the features of a real boundaries file that `keep` selects (by their
/// properties), with `rename` applied to them, to a file in `dir`.
fn subset(
    dir: &Path,
    name: &str,
    keep: impl Fn(&Value) -> bool,
    rename: impl Fn(&mut Value),
) -> PathBuf {
    let text = std::fs::read_to_string(peru_file(name)).unwrap_or_else(|e| panic!("{e}"));
    let mut collection: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let features: Vec<Value> = collection["features"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|f| keep(&f["properties"]))
        .map(|mut f| {
            rename(&mut f["properties"]);
            f
        })
        .collect();
    assert!(!features.is_empty(), "{name}: no feature selected");
    collection["features"] = Value::Array(features);
    let path = dir.join(name);
    std::fs::write(&path, collection.to_string()).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn mapping(code: &str, name: &str, parent: Option<&str>, level: LocationLevel) -> PlaceMapping {
    PlaceMapping {
        code: code.into(),
        name: name.into(),
        parent: parent.map(Into::into),
        parent_code: parent.is_none().then(|| "PE".to_owned()),
        parent_name: parent.is_none().then(|| "Peru".to_owned()),
        level,
        rename: false,
    }
}

fn departments() -> PlaceMapping {
    mapping("CCDD", "NOMBDEP", None, LocationLevel::Region)
}
fn provinces() -> PlaceMapping {
    mapping("IDPROV", "NOMBPROV", Some("CCDD"), LocationLevel::Province)
}
fn districts() -> PlaceMapping {
    mapping(
        "IDDIST",
        "NOMBDIST",
        Some("IDPROV"),
        LocationLevel::District,
    )
}

async fn import(app: &TestApp, path: &Path, mapping: &PlaceMapping) -> PlacesFileReport {
    let report = import_places_file(&app.store, &Author::command_line(), path, mapping)
        .await
        .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
    assert_eq!(report.not_imported(), 0, "{report}");
    report
}

/// The names of places by code, anonymously, and whether each has a shape.
async fn names(app: &TestApp, codes: &[&str]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for code in codes {
        let data = app
            .data_as(
                None,
                "query($code: String!) { location(code: $code) { name hasGeometry: geometry } }",
                json!({"code": code}),
            )
            .await;
        let place = &data["location"];
        out.push((
            place["name"].as_str().unwrap_or("(none)").to_owned(),
            !place["hasGeometry"].is_null(),
        ));
    }
    out
}

fn named(list: &[(&str, bool)]) -> Vec<(String, bool)> {
    list.iter().map(|(n, g)| (n.to_string(), *g)).collect()
}

both_engines!(a_boundary_import_keeps_better_names, |engine| {
    let app = TestApp::with_demo(engine).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // Every department; Apurímac's and Junín's provinces; Cotabambas's districts.
    let department_file = peru_file("departments.geojson");
    let province_file = subset(
        dir.path(),
        "provinces.geojson",
        |p| p["CCDD"] == "03" || p["CCDD"] == "12",
        |_| {},
    );
    let district_file = subset(
        dir.path(),
        "districts-2007.geojson",
        |p| p["IDPROV"] == "0305",
        |_| {},
    );
    import(&app, &department_file, &departments()).await;
    import(&app, &province_file, &provinces()).await;
    let first = import(&app, &district_file, &districts()).await;
    assert!(first.store.created > 0, "{first}");

    // The demo's names stay, with the file's shapes; created places take the UBIGEO
    // spelling of the file's name when the table has one ("HUANUCO" is "Huánuco",
    // "ABANCAY" "Abancay"), the file's name otherwise ("AMAZONAS": the table spells it
    // no better).
    let codes = [
        "PE", "03", "12", "0305", "030506", "10", "0301", "030501", "01",
    ];
    let expected = named(&[
        ("Peru", false),
        ("Apurímac", true),
        ("Junín", true),
        ("Cotabambas", true),
        ("Challhuahuacho", true),
        ("Huánuco", true),
        ("Abancay", true),
        ("Tambobamba", true),
        ("AMAZONAS", true),
    ]);
    assert_eq!(names(&app, &codes).await, expected);

    // What shows the names shows them spelled: locate, counts by region, suggestions.
    let located = app
        .data_as(
            None,
            r#"{ locate(latitude: -14.1186, longitude: -72.2467) {
                 district { name } province { name } region { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        located["locate"],
        json!({"district": {"name": "Challhuahuacho"}, "province": {"name": "Cotabambas"},
               "region": {"name": "Apurímac"}})
    );
    let stats = app
        .data_as(
            None,
            "{ caseStats(groupBy: [REGION]) { region { code name } } }",
            json!({}),
        )
        .await;
    let regions: Vec<&Value> = stats["caseStats"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| &b["region"])
        .filter(|r| r["code"] == "03")
        .collect();
    assert_eq!(regions, vec![&json!({"code": "03", "name": "Apurímac"})]);
    let news = app
        .data(
            r#"mutation { createNewsItem(input: {title: "Road blocked near Challhuahuacho",
                 date: "2024-05-02"}) { id } }"#,
            json!({}),
        )
        .await;
    let suggested = app
        .data(
            "mutation($id: ID!) { suggestLinks(newsItem: $id, threshold: 0.1) { matchedTerms } }",
            json!({"id": news["createNewsItem"]["id"]}),
        )
        .await;
    let terms = suggested["suggestLinks"].to_string();
    assert!(
        terms.contains("Challhuahuacho") && !terms.contains("CHALLHUAHUACHO"),
        "{terms}"
    );

    // The same files again change nothing.
    let again = import(&app, &district_file, &districts()).await;
    assert_eq!(
        (again.store.created, again.store.updated),
        (0, 0),
        "{again}"
    );
    let again = import(&app, &department_file, &departments()).await;
    assert_eq!(
        (again.store.created, again.store.updated),
        (0, 0),
        "{again}"
    );

    // Another name in a file: kept unless asked; with `rename`, taken. The same name
    // spelled worse is never taken, asked or not.
    let elsewhere = dir.path().join("renamed");
    std::fs::create_dir_all(&elsewhere).unwrap_or_else(|e| panic!("{e}"));
    let renamed_file = subset(
        &elsewhere,
        "districts-2007.geojson",
        |p| p["IDPROV"] == "0305",
        |p| {
            if p["IDDIST"] == "030506" {
                p["NOMBDIST"] = json!("NUEVO CHALLHUAHUACHO");
            }
        },
    );
    let kept = import(&app, &renamed_file, &districts()).await;
    assert_eq!((kept.store.created, kept.store.updated), (0, 0), "{kept}");
    assert_eq!(names(&app, &["030506"]).await[0].0, "Challhuahuacho");
    let rename = PlaceMapping {
        rename: true,
        ..districts()
    };
    let renamed = import(&app, &renamed_file, &rename).await;
    assert_eq!(renamed.store.updated, 1, "{renamed}");
    assert_eq!(names(&app, &["030506"]).await[0].0, "NUEVO CHALLHUAHUACHO");
    import(&app, &district_file, &rename).await;
    assert_eq!(
        names(&app, &["030506"]).await[0].0,
        "Challhuahuacho",
        "renamed back, to the UBIGEO spelling of the file's name"
    );
    let all = PlaceMapping {
        rename: true,
        ..departments()
    };
    let unchanged = import(&app, &department_file, &all).await;
    assert_eq!(unchanged.store.updated, 0, "{unchanged}");
    assert_eq!(
        names(&app, &["03", "12", "10"]).await,
        named(&[("Apurímac", true), ("Junín", true), ("Huánuco", true)])
    );
});
