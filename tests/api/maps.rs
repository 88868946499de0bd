//! Maps: the places import on Peru's real boundaries, `locate`, spatial case filters,
//! GeoJSON read back by GDAL's `ogrinfo`, region counts, and the SVG map rendered by
//! headless Chromium. The boundary files are read from `../shared/data/peru/`.

use crate::app::TestApp;
use crate::both_engines;
use chasqui::import::places::{PlaceMapping, PlacesFileReport, import_places_file};
use chasqui_entities::LocationLevel;
use chasqui_entities::tables::*;
use chasqui_store::Author;
use sea_orm::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub fn peru_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/peru")
        .join(name)
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

/// Imports departments, provinces and districts; returns the three reports.
pub async fn import_peru(store: &chasqui_store::Store) -> Vec<PlacesFileReport> {
    let files = [
        (
            "departments.geojson",
            mapping("CCDD", "NOMBDEP", None, LocationLevel::Region),
        ),
        (
            "provinces.geojson",
            mapping("IDPROV", "NOMBPROV", Some("CCDD"), LocationLevel::Province),
        ),
        (
            "districts-2007.geojson",
            mapping(
                "IDDIST",
                "NOMBDIST",
                Some("IDPROV"),
                LocationLevel::District,
            ),
        ),
    ];
    let mut reports = Vec::new();
    for (file, mapping) in files {
        let report = import_places_file(store, &Author::command_line(), &peru_file(file), &mapping)
            .await
            .unwrap_or_else(|e| panic!("importing {file}: {e:#}"));
        reports.push(report);
    }
    reports
}

async fn location_by_code(app: &TestApp, code: &str) -> location::Model {
    location::Entity::find()
        .filter(location::Column::Code.eq(code))
        .one(&app.store.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no place {code}"))
}

both_engines!(
    places_import_loads_peru_once_and_reports_the_seams,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        let apurimac_before = location_by_code(&app, "03").await;
        let reports = import_peru(&app.store).await;
        let [departments, provinces, districts] = &reports[..] else {
            panic!("three reports")
        };
        for (report, features) in [(departments, 25), (provinces, 196), (districts, 1834)] {
            assert_eq!(report.features, features);
            assert_eq!(
                report.store.created + report.store.updated,
                features,
                "{report}"
            );
            assert_eq!(report.not_imported(), 0, "{report}");
        }
        // The demo's places got shapes instead of twins; the country was there already.
        assert_eq!(departments.store.updated, 8, "{departments}");
        assert_eq!(districts.store.without_geometry.len(), 8, "{districts}");
        let apurimac = location_by_code(&app, "03").await;
        assert_eq!(apurimac.id, apurimac_before.id);
        assert!(apurimac.geometry.is_some());
        for (level, expected) in [
            (LocationLevel::Region, 25),
            (LocationLevel::Province, 196),
            (LocationLevel::District, 1834),
        ] {
            let n = location::Entity::find()
                .filter(location::Column::Level.eq(level))
                .count(&app.store.db)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(n, expected, "{level:?}");
        }
        // One hierarchy: district → province → department → Peru.
        let peru = location_by_code(&app, "PE").await;
        let district = location_by_code(&app, "230110").await;
        let province = location_by_code(&app, "2301").await;
        let department = location_by_code(&app, "23").await;
        assert_eq!(district.parent_id, Some(province.id));
        assert_eq!(province.parent_id, Some(department.id));
        assert_eq!(department.parent_id, Some(peru.id));
        assert!(district.path.starts_with(&province.path));
        assert!(province.path.starts_with(&peru.path));
        assert!(district.latitude.is_some() && district.longitude.is_some());

        // Again: nothing changes, and nothing is written to the audit log.
        let audit_before = audit_entry::Entity::find()
            .count(&app.store.db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let again = import_peru(&app.store).await;
        for report in &again {
            assert_eq!(report.store.created + report.store.updated, 0, "{report}");
            assert_eq!(report.store.unchanged, report.features, "{report}");
        }
        let audit_after = audit_entry::Entity::find()
            .count(&app.store.db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(audit_before, audit_after);
    }
);

both_engines!(places_import_reports_bad_features_by_index, |engine| {
    let app = TestApp::spawn(engine).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("bad.geojson");
    let square = json!({"type": "Polygon", "coordinates": [[[-73.0, -15.0], [-72.0, -15.0], [-72.0, -14.0], [-73.0, -14.0], [-73.0, -15.0]]]});
    let features = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"C": "99", "N": "ONE"}, "geometry": square},
        {"type": "Feature", "properties": {"C": "98", "N": "NO SHAPE"}, "geometry": null},
        {"type": "Feature", "properties": {"C": "99", "N": "TWIN"}, "geometry": square},
        {"type": "Feature", "properties": {"N": "NO CODE"}, "geometry": square},
        {"type": "Feature", "properties": {"C": "97", "N": "BROKEN"}, "geometry": {"type": "Polygon", "coordinates": "x"}},
    ]});
    std::fs::write(&file, features.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let report = import_places_file(
        &app.store,
        &Author::command_line(),
        &file,
        &mapping("C", "N", None, LocationLevel::Region),
    )
    .await
    .unwrap_or_else(|e| panic!("{e:#}"));
    // The country is created, then the two good features.
    assert_eq!(report.store.created, 3, "{report}");
    assert_eq!(report.store.without_geometry, vec![(1, "98".to_owned())]);
    assert_eq!(report.store.duplicate_code, vec![(2, "99".to_owned())]);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].index, 3);
    assert_eq!(report.store.bad_geometry.len(), 1, "{report}");
    assert_eq!(report.store.bad_geometry[0].0, 4);
    assert_eq!(report.not_imported(), 3);

    let orphans = dir.path().join("orphans.geojson");
    let features = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"C": "9901", "N": "CHILD", "P": "99"}, "geometry": null},
        {"type": "Feature", "properties": {"C": "5501", "N": "ORPHAN", "P": "55"}, "geometry": null},
    ]});
    std::fs::write(&orphans, features.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let report = import_places_file(
        &app.store,
        &Author::command_line(),
        &orphans,
        &mapping("C", "N", Some("P"), LocationLevel::Province),
    )
    .await
    .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(report.store.created, 1);
    assert_eq!(
        report.store.unknown_parent,
        vec![(1, "5501".to_owned(), "55".to_owned())]
    );
});

const LOCATE: &str = r#"query($lat: Float!, $lon: Float!) { locate(latitude: $lat, longitude: $lon) {
    district { code name } province { code } region { code name } country { code } } }"#;

const CASES: &str =
    r#"query($f: CaseFilter) { cases(filter: $f, first: 50) { totalCount nodes { slug } } }"#;

fn slugs(data: &Value) -> Vec<String> {
    let mut out: Vec<String> = data["cases"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n["slug"].as_str().map(str::to_owned))
        .collect();
    out.sort();
    out
}

/// Creates a site with coordinates and no parent, and a case placed on it exactly.
async fn case_at_site(app: &TestApp, slug: &str, lat: f64, lon: f64, visibility: &str) -> String {
    let site = app
        .data(
            r#"mutation($lat: Float, $lon: Float, $v: Visibility!) { createLocation(input: {name: "Site", level: SITE, latitude: $lat, longitude: $lon, visibility: $v}) { id } }"#,
            json!({"lat": lat, "lon": lon, "v": visibility}),
        )
        .await;
    let site = site["createLocation"]["id"].as_str().unwrap_or_default();
    let data = app
        .data(
            r#"mutation($input: CreateCaseInput!) { createCase(input: $input) { id } }"#,
            json!({"input": {"slug": slug, "kind": "MINE", "title": format!("Mine {slug}"), "status": "ACTIVE",
                "visibility": visibility, "locations": [{"location": site, "precision": "EXACT"}]}}),
        )
        .await;
    data["createCase"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn ogrinfo() -> &'static str {
    let found = std::process::Command::new("ogrinfo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "ogrinfo (GDAL) is not installed: the GeoJSON test needs a real GIS reader. \
         Debian: apt-get install -y gdal-bin (scripts/test installs it)"
    );
    "ogrinfo"
}

both_engines!(locate_filters_geojson_and_counts, |engine| {
    let app = TestApp::with_demo(engine).await;
    import_peru(&app.store).await;

    // locate: Challhuahuacho, then the sea.
    let here = app
        .data_as(None, LOCATE, json!({"lat": -14.1186, "lon": -72.2467}))
        .await;
    assert_eq!(here["locate"]["district"]["code"], "030506", "{here:#}");
    assert_eq!(here["locate"]["province"]["code"], "0305");
    assert_eq!(here["locate"]["region"]["code"], "03");
    assert_eq!(here["locate"]["country"]["code"], "PE");
    let sea = app
        .data_as(None, LOCATE, json!({"lat": -12.0, "lon": -80.0}))
        .await;
    assert_eq!(sea["locate"]["district"], Value::Null);
    assert_eq!(sea["locate"]["region"], Value::Null);
    let bad = app
        .graphql_as(None, LOCATE, json!({"lat": -200.0, "lon": -72.0}))
        .await;
    assert_eq!(TestApp::error_code(&bad), "BAD_USER_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "latitude");

    // Cases at exact sites, written through the API (another store than the server's
    // index: the change marker must make the server reload).
    case_at_site(&app, "mina-challhuahuacho", -14.10, -72.25, "PUBLIC").await;
    case_at_site(&app, "mina-arequipa", -16.40, -71.53, "PUBLIC").await;
    case_at_site(&app, "mina-secreta", -14.12, -72.26, "RESTRICTED").await;

    // The site case got its district placement from locate, in the same write.
    let placed = app
        .data(
            r#"{ case(slug: "mina-challhuahuacho") { locations { precision location { code level } } } }"#,
            json!({}),
        )
        .await;
    let codes: Vec<&str> = placed["case"]["locations"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|p| p["location"]["code"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(codes, vec!["030506"], "{placed:#}");

    let anon = |f: Value| {
        let app = &app;
        async move { app.data_as(None, CASES, json!({"f": f})).await }
    };
    let within =
        anon(json!({"within": {"west": -72.5, "south": -14.5, "east": -72.0, "north": -14.0}}))
            .await;
    let within_slugs = slugs(&within);
    assert!(
        within_slugs.contains(&"mina-challhuahuacho".to_owned()),
        "{within:#}"
    );
    assert!(!within_slugs.contains(&"mina-arequipa".to_owned()));
    assert!(
        !within_slugs.contains(&"mina-secreta".to_owned()),
        "restricted for anonymous"
    );
    assert_eq!(
        within["cases"]["totalCount"].as_u64(),
        Some(within_slugs.len() as u64)
    );
    let viewer = app
        .data_as(
            Some(&app.viewer),
            CASES,
            json!({"f": {"within": {"west": -72.5, "south": -14.5, "east": -72.0, "north": -14.0}}}),
        )
        .await;
    assert!(slugs(&viewer).contains(&"mina-secreta".to_owned()));

    let near = anon(json!({"near": {"latitude": -16.4, "longitude": -71.5, "km": 10.0}})).await;
    assert_eq!(slugs(&near), vec!["mina-arequipa"]);
    let nowhere = anon(json!({"near": {"latitude": -5.0, "longitude": -80.0, "km": 1.0}})).await;
    assert_eq!(nowhere["cases"]["totalCount"], 0);

    let area = json!({"type": "Polygon", "coordinates": [[[-72.5, -14.5], [-72.0, -14.5], [-72.0, -14.0], [-72.5, -14.0], [-72.5, -14.5]]]});
    let in_area = anon(json!({"inArea": area, "kinds": ["MINE"]})).await;
    assert!(slugs(&in_area).contains(&"mina-challhuahuacho".to_owned()));
    let open_ring = json!({"type": "Polygon", "coordinates": [[[-72.5, -14.5], [-72.0, -14.5], [-72.0, -14.0], [-72.5, -14.0]]]});
    let refused = app
        .graphql_as(None, CASES, json!({"f": {"inArea": open_ring}}))
        .await;
    assert_eq!(TestApp::error_code(&refused), "BAD_USER_INPUT");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "filter.inArea");
    let backwards = app
        .graphql_as(None, CASES, json!({"f": {"within": {"west": -72.0, "south": -14.5, "east": -72.5, "north": -14.0}}}))
        .await;
    assert_eq!(
        backwards["errors"][0]["extensions"]["field"],
        "filter.within"
    );

    // Region: Arequipa (04) holds the Arequipa site by its shape and placement.
    let arequipa = anon(json!({"region": ["04"]})).await;
    assert!(
        slugs(&arequipa).contains(&"mina-arequipa".to_owned()),
        "{arequipa:#}"
    );
    assert!(!slugs(&arequipa).contains(&"mina-challhuahuacho".to_owned()));

    // Counts per province and department, with codes and names.
    let stats = app
        .data_as(
            None,
            r#"{ caseStats(groupBy: [PROVINCE, STATUS]) { count status province { code name } } }"#,
            json!({}),
        )
        .await;
    let cotabambas: u64 = stats["caseStats"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|b| b["province"]["code"] == "0305")
        .filter_map(|b| b["count"].as_u64())
        .sum();
    assert!(cotabambas >= 1, "the new site case at least: {stats:#}");

    // GeoJSON over HTTP, opened by GDAL.
    let url = format!("{}/geojson/cases?bbox=-72.5,-14.5,-72.0,-14.0", app.base);
    let response = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        response.headers()[reqwest::header::CONTENT_TYPE],
        "application/geo+json"
    );
    let text = response.text().await.unwrap_or_else(|e| panic!("{e}"));
    let collection: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let features = collection["features"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        !text.contains("mina-secreta"),
        "restricted case in anonymous GeoJSON"
    );
    let site = features
        .iter()
        .find(|f| f["properties"]["slug"] == "mina-challhuahuacho")
        .unwrap_or_else(|| panic!("no site feature in {collection:#}"));
    assert_eq!(
        site["geometry"]["coordinates"],
        json!([-72.25, -14.1]),
        "lon, lat"
    );
    assert_eq!(site["properties"]["kind"], "MINE");
    assert_eq!(site["properties"]["status"], "ACTIVE");
    assert!(
        site["properties"]["link"]
            .as_str()
            .is_some_and(|l| l.starts_with("/graphql?query="))
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("cases.geojson");
    std::fs::write(&file, &text).unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(ogrinfo())
        .args(["-ro", "-al", "-so"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("running ogrinfo: {e}"));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ogrinfo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains(&format!("Feature Count: {}", features.len())),
        "{report}"
    );
    assert!(report.contains("Geometry: Point"), "{report}");
    assert!(report.contains("title: String"), "{report}");

    // With a viewer token the restricted case is there; a bad parameter names itself.
    let with_token = app
        .client
        .get(&url)
        .bearer_auth(&app.viewer)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(with_token.contains("mina-secreta"));
    let refused = app
        .client
        .get(format!("{}/geojson/cases?bbox=1,2,3", app.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body["errors"][0]["extensions"]["field"], "bbox");

    // The same from GraphQL.
    let gql = app
        .data_as(
            None,
            r#"{ casesGeoJson(filter: {region: ["0305"]}) }"#,
            json!({}),
        )
        .await;
    assert_eq!(gql["casesGeoJson"]["type"], "FeatureCollection");
    assert!(gql["casesGeoJson"]["features"].as_array().is_some_and(|f| {
        f.iter()
            .any(|f| f["properties"]["slug"] == "mina-challhuahuacho")
    }));
});

/// Non-white pixels and distinct colours of a PNG.
fn picture_stats(path: &Path) -> (usize, usize, usize) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap_or_else(|e| panic!("not a PNG: {e}"));
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buffer)
        .unwrap_or_else(|e| panic!("PNG frame: {e}"));
    let samples = info.color_type.samples();
    assert!(
        samples >= 3,
        "colour PNG expected, got {:?}",
        info.color_type
    );
    let mut colours = std::collections::HashSet::new();
    let mut non_white = 0;
    let pixels = buffer[..info.buffer_size()].chunks(samples);
    let total = pixels.len();
    for px in pixels {
        let rgb = (px[0], px[1], px[2]);
        if rgb != (255, 255, 255) {
            non_white += 1;
        }
        colours.insert(rgb);
    }
    (total, non_white, colours.len())
}

both_engines!(map_svg_renders_in_chromium, |engine| {
    let app = TestApp::with_demo(engine).await;
    import_peru(&app.store).await;
    case_at_site(&app, "mina-arequipa", -16.40, -71.53, "PUBLIC").await;
    let response = app
        .client
        .get(format!(
            "{}/map.svg?kinds=MINE,OIL_AND_GAS,INFRASTRUCTURE",
            app.base
        ))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[reqwest::header::CONTENT_TYPE],
        "image/svg+xml"
    );
    let svg = response.text().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        svg.contains("Arequipa") && svg.contains("<circle"),
        "departments and points"
    );
    assert_eq!(svg.matches("<path").count(), 25, "one path per department");

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let svg_file = dir.path().join("map.svg");
    std::fs::write(&svg_file, &svg).unwrap_or_else(|e| panic!("{e}"));
    let png_file = dir.path().join("map.png");
    let profile = dir.path().join("profile");
    let out = std::process::Command::new(crate::graphiql::chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png_file.display()))
        .arg("--window-size=660,1000")
        .arg(format!("file://{}", svg_file.display()))
        .output()
        .unwrap_or_else(|e| panic!("running chromium: {e}"));
    assert!(
        png_file.exists(),
        "chromium wrote no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (total, non_white, colours) = picture_stats(&png_file);
    assert!(
        non_white * 5 > total,
        "the map is mostly blank: {non_white} of {total} pixels are not white"
    );
    assert!(
        colours >= 6,
        "only {colours} colours: shading, points and legend expected"
    );
    if let Ok(keep) = std::env::var("CHASQUI_KEEP_MAP") {
        let _ = std::fs::copy(&png_file, keep);
    }
});

/// `locate` against the departments of a real case table (81 mining conflicts, March
/// 2024). The table is read in place; it has no licence to be copied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locate_agrees_with_the_mining_conflict_table() {
    let app = TestApp::spawn(crate::app::Engine::Sqlite).await;
    import_peru(&app.store).await;
    let index = app
        .store
        .spatial_index()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let table = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/conflicts/mining-conflicts-2024-03.csv");
    let rows = chasqui::maps_check::check_table(&index, &table).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(rows.len(), 81);
    let agree = rows.iter().filter(|r| r.agrees).count();
    for row in rows.iter().filter(|r| !r.agrees) {
        println!("{row}");
        assert!(
            row.reason.is_some(),
            "a disagreement without a reason: {row}"
        );
    }
    println!("{agree} of {} rows agree", rows.len());
    assert!(
        agree >= AGREEING_ROWS,
        "{agree} of 81 agree; expected at least {AGREEING_ROWS}"
    );
}

/// What the check finds on the March 2024 table (see the README's maps section).
const AGREEING_ROWS: usize = 78;

const EVENTS: &str =
    r#"query($f: EventFilter) { events(filter: $f, first: 50) { totalCount nodes { title } } }"#;

fn titles(data: &Value) -> Vec<String> {
    let mut out: Vec<String> = data["events"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n["title"].as_str().map(str::to_owned))
        .collect();
    out.sort();
    out
}

/// A site with coordinates and no parent place; its id.
async fn site(app: &TestApp, lat: f64, lon: f64, visibility: &str) -> String {
    let site = app
        .data(
            r#"mutation($lat: Float, $lon: Float, $v: Visibility!) { createLocation(input: {name: "Site", level: SITE, latitude: $lat, longitude: $lon, visibility: $v}) { id } }"#,
            json!({"lat": lat, "lon": lon, "v": visibility}),
        )
        .await;
    site["createLocation"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn event_at(app: &TestApp, case: &str, title: &str, location: &str, visibility: &str) {
    app.data(
        r#"mutation($input: RecordEventInput!) { recordEvent(input: $input) { id } }"#,
        json!({"input": {"case": case, "kind": "PROTEST", "title": title, "date": "2024-03",
            "location": location, "visibility": visibility,
            "sources": [{"url": "https://example.org/report"}]}}),
    )
    .await;
}

both_engines!(
    events_take_the_spatial_filters_and_sites_their_place,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        // A site written before any boundary exists: the places import gives it its place.
        let early = site(&app, -14.09, -72.24, "PUBLIC").await;
        let early_case = case_at_site(&app, "mina-temprana", -14.11, -72.23, "PUBLIC").await;
        import_peru(&app.store).await;
        // Sites written after: their place comes from locate in the same write.
        let challhuahuacho = site(&app, -14.10, -72.25, "PUBLIC").await;
        let arequipa = site(&app, -16.40, -71.53, "PUBLIC").await;
        let hidden = site(&app, -14.12, -72.26, "RESTRICTED").await;
        // The events of one new case (the demo's events have places of their own).
        let case = early_case.clone();
        event_at(&app, &case, "early march", &early, "PUBLIC").await;
        event_at(&app, &case, "march", &challhuahuacho, "PUBLIC").await;
        event_at(&app, &case, "arequipa march", &arequipa, "PUBLIC").await;
        event_at(&app, &case, "march at a hidden site", &hidden, "PUBLIC").await;
        event_at(&app, &case, "secret march", &challhuahuacho, "RESTRICTED").await;

        let of_case = |mut f: Value| {
            f["case"] = json!(case);
            json!({ "f": f })
        };
        let anon = |f: Value| {
            let app = &app;
            let vars = of_case(f);
            async move { app.data_as(None, EVENTS, vars).await }
        };
        // Region: by department and province code, through each site's point; restricted
        // events and events at restricted sites are left out.
        for region in ["03", "0305", "030506"] {
            let found = anon(json!({"region": [region]})).await;
            assert_eq!(
                titles(&found),
                vec!["early march", "march"],
                "{region}: {found:#}"
            );
            assert_eq!(found["events"]["totalCount"], 2);
        }
        let arequipa_events = anon(json!({"region": ["04"]})).await;
        assert_eq!(titles(&arequipa_events), vec!["arequipa march"]);
        let viewer = app
            .data_as(
                Some(&app.viewer),
                EVENTS,
                of_case(json!({"region": ["03"]})),
            )
            .await;
        assert_eq!(
            titles(&viewer),
            vec![
                "early march",
                "march",
                "march at a hidden site",
                "secret march"
            ]
        );
        let unknown = anon(json!({"region": ["99"]})).await;
        assert_eq!(unknown["events"]["totalCount"], 0);

        // Box, area and distance, composed with the case and kind filters.
        let bbox = json!({"west": -72.5, "south": -14.5, "east": -72.0, "north": -14.0});
        let within = anon(json!({"within": bbox, "kinds": ["PROTEST"]})).await;
        assert_eq!(titles(&within), vec!["early march", "march"], "{within:#}");
        let other_kind = anon(json!({"within": bbox, "kinds": ["STRIKE"]})).await;
        assert_eq!(other_kind["events"]["totalCount"], 0);
        let area = json!({"type": "Polygon", "coordinates": [[[-72.5, -14.5], [-72.0, -14.5], [-72.0, -14.0], [-72.5, -14.0], [-72.5, -14.5]]]});
        let in_area = anon(json!({"inArea": area})).await;
        assert_eq!(titles(&in_area), vec!["early march", "march"]);
        let near = anon(json!({"near": {"latitude": -16.4, "longitude": -71.5, "km": 10.0}})).await;
        assert_eq!(titles(&near), vec!["arequipa march"]);
        let viewer_near = app
            .data_as(
                Some(&app.viewer),
                EVENTS,
                of_case(json!({"near": {"latitude": -14.12, "longitude": -72.26, "km": 0.5}})),
            )
            .await;
        assert_eq!(titles(&viewer_near), vec!["march at a hidden site"]);
        let refused = app
            .graphql_as(
                None,
                EVENTS,
                json!({"f": {"near": {"latitude": -14.0, "longitude": -72.0, "km": 0.0}}}),
            )
            .await;
        assert_eq!(TestApp::error_code(&refused), "BAD_USER_INPUT");
        assert_eq!(refused["errors"][0]["extensions"]["field"], "filter.near");

        // Paging keeps the order (latest first, then id) across pages.
        let first = app
        .data_as(
            Some(&app.viewer),
            r#"query($c: ID) { events(filter: {region: ["03"], case: $c}, first: 3) { pageInfo { hasNextPage endCursor } nodes { title } } }"#,
            json!({"c": case}),
        )
        .await;
        assert_eq!(first["events"]["pageInfo"]["hasNextPage"], true);
        let cursor = first["events"]["pageInfo"]["endCursor"].clone();
        let rest = app
        .data_as(
            Some(&app.viewer),
            r#"query($a: String, $c: ID) { events(filter: {region: ["03"], case: $c}, first: 3, after: $a) { pageInfo { hasNextPage } nodes { title } } }"#,
            json!({"a": cursor, "c": case}),
        )
        .await;
        assert_eq!(rest["events"]["pageInfo"]["hasNextPage"], false);
        assert_eq!(rest["events"]["nodes"].as_array().map(Vec::len), Some(1));

        // A case on a site written before the boundaries: no district placement, found by
        // its site's point all the same.
        let cases = app
            .data_as(None, CASES, json!({"f": {"region": ["030506"]}}))
            .await;
        assert!(
            slugs(&cases).contains(&"mina-temprana".to_owned()),
            "{cases:#} ({early_case})"
        );
    }
);

/// Every `case_places` row, in a fixed order (booleans read as numbers on both engines).
async fn case_places_rows(app: &TestApp) -> Vec<(i64, i64, i64, i64, i64, String)> {
    let backend = app.store.db.get_database_backend();
    let rows = app
        .store
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT place_id, case_id, CAST(CASE WHEN via_public THEN 1 ELSE 0 END AS BIGINT) AS v, \
             CAST(CASE WHEN case_public THEN 1 ELSE 0 END AS BIGINT) AS p, \
             CAST(CASE WHEN case_archived THEN 1 ELSE 0 END AS BIGINT) AS a, \
             CAST(activity AS VARCHAR(10)) AS d \
             FROM case_places ORDER BY place_id, case_id",
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    rows.iter()
        .map(|r| {
            let get = |c: &str| {
                r.try_get::<i64>("", c)
                    .unwrap_or_else(|e| panic!("{c}: {e}"))
            };
            let day = r
                .try_get::<String>("", "d")
                .unwrap_or_else(|e| panic!("{e}"));
            (
                get("place_id"),
                get("case_id"),
                get("v"),
                get("p"),
                get("a"),
                day,
            )
        })
        .collect()
}

/// Every `case_points` row, in a fixed order (booleans read as numbers, coordinates as
/// millionths of a degree, on both engines).
async fn case_points_rows(app: &TestApp) -> Vec<Vec<i64>> {
    let backend = app.store.db.get_database_backend();
    let rows = app
        .store
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT case_id, location_id, CAST(band AS BIGINT) AS band, \
             CAST(ROUND(longitude * 1000000) AS BIGINT) AS lon, \
             CAST(ROUND(latitude * 1000000) AS BIGINT) AS lat, \
             CAST(CASE WHEN location_public THEN 1 ELSE 0 END AS BIGINT) AS l, \
             CAST(CASE WHEN case_public THEN 1 ELSE 0 END AS BIGINT) AS p, \
             CAST(CASE WHEN case_archived THEN 1 ELSE 0 END AS BIGINT) AS a, \
             CAST(REPLACE(CAST(activity AS VARCHAR(10)), '-', '') AS BIGINT) AS d \
             FROM case_points ORDER BY case_id, location_id",
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    rows.iter()
        .map(|r| {
            [
                "case_id",
                "location_id",
                "band",
                "lon",
                "lat",
                "l",
                "p",
                "a",
                "d",
            ]
            .iter()
            .map(|c| {
                r.try_get::<i64>("", c)
                    .unwrap_or_else(|e| panic!("{c}: {e}"))
            })
            .collect()
        })
        .collect()
}

/// The placements the store derived: (id, case, district, site).
async fn derived_placement_rows(app: &TestApp) -> Vec<Vec<i64>> {
    let backend = app.store.db.get_database_backend();
    let rows = app
        .store
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, case_id, location_id, via_site_id FROM case_locations \
             WHERE via_site_id IS NOT NULL ORDER BY id",
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    rows.iter()
        .map(|r| {
            ["id", "case_id", "location_id", "via_site_id"]
                .iter()
                .map(|c| {
                    r.try_get::<i64>("", c)
                        .unwrap_or_else(|e| panic!("{c}: {e}"))
                })
                .collect()
        })
        .collect()
}

/// The rows the store keeps after its writes (derived placements, `case_places`,
/// `case_points`) equal the rows a full rebuild computes.
async fn assert_case_places_current(app: &TestApp, after: &str) {
    let kept = case_places_rows(app).await;
    let kept_points = case_points_rows(app).await;
    let kept_derived = derived_placement_rows(app).await;
    app.store
        .rebuild_case_places()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        kept_derived,
        derived_placement_rows(app).await,
        "{after}: the derived placements differ from a rebuild's"
    );
    let rebuilt = case_places_rows(app).await;
    assert!(!kept.is_empty(), "{after}: no rows");
    assert!(
        kept == rebuilt,
        "{after}: the kept rows differ from a rebuild"
    );
    let rebuilt_points = case_points_rows(app).await;
    assert!(!kept_points.is_empty(), "{after}: no points");
    assert_eq!(
        kept_points, rebuilt_points,
        "{after}: the kept points differ from a rebuild"
    );
}

/// The slugs a box answers a caller with (checking `totalCount` against them), alone
/// (walked in `case_points`) and with a kind (a condition on the case rows); the same
/// rectangle as an area (`inArea`, answered by the spatial index) answers the same.
async fn box_slugs(app: &TestApp, token: Option<&str>, with_kind: bool) -> Vec<String> {
    let (west, south, east, north) = (-72.40, -14.20, -72.10, -14.00);
    let mut filter =
        json!({"within": {"west": west, "south": south, "east": east, "north": north}});
    let mut area = json!({"inArea": {"type": "Polygon", "coordinates": [[[west, south], [east, south],
        [east, north], [west, north], [west, south]]]}});
    if with_kind {
        filter["kinds"] = json!(["MINE"]);
        area["kinds"] = json!(["MINE"]);
    }
    let found = app.data_as(token, CASES, json!({"f": filter})).await;
    let slugs = slugs(&found);
    assert_eq!(
        found["cases"]["totalCount"].as_u64(),
        Some(slugs.len() as u64),
        "{found:#}"
    );
    let by_index = app.data_as(token, CASES, json!({"f": area})).await;
    assert_eq!(slugs, self::slugs(&by_index), "{by_index:#}");
    assert_eq!(
        found["cases"]["totalCount"], by_index["cases"]["totalCount"],
        "{by_index:#}"
    );
    slugs
}

both_engines!(
    box_answers_follow_writes_made_through_another_store,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        import_peru(&app.store).await;
        let has = |list: &[String], slug: &str| list.iter().any(|s| s == slug);
        // Two sites of one case in the box, and its district point: listed and counted once.
        let (a, b) = (
            site(&app, -14.10, -72.25, "PUBLIC").await,
            site(&app, -14.12, -72.26, "PUBLIC").await,
        );
        app.data(
                r#"mutation($input: CreateCaseInput!) { createCase(input: $input) { id } }"#,
                json!({"input": {"slug": "caja-doble", "kind": "MINE", "title": "Two sites", "status": "ACTIVE",
                    "locations": [{"location": a, "precision": "EXACT"}, {"location": b, "precision": "EXACT"}]}}),
            )
            .await;
        case_at_site(&app, "caja-sola", -14.05, -72.20, "PUBLIC").await;
        let hidden_site = site(&app, -14.15, -72.30, "RESTRICTED").await;
        app.data(
            r#"mutation($input: CreateCaseInput!) { createCase(input: $input) { id } }"#,
            json!({"input": {"slug": "caja-sitio-reservado", "kind": "MINE", "title": "Hidden site", "status": "ACTIVE",
                "locations": [{"location": hidden_site, "precision": "EXACT"}]}}),
        )
        .await;
        for with_kind in [false, true] {
            let anonymous = box_slugs(&app, None, with_kind).await;
            assert_eq!(
                anonymous.iter().filter(|s| *s == "caja-doble").count(),
                1,
                "{anonymous:?}"
            );
            assert!(has(&anonymous, "caja-sola"), "{anonymous:?}");
            let viewer = box_slugs(&app, Some(&app.viewer), with_kind).await;
            assert!(has(&viewer, "caja-sitio-reservado"), "{viewer:?}");
        }
        assert_case_places_current(&app, "cases in a box").await;

        // Another store on the same database (another instance) restricts, redates and
        // archives the case: this instance's next answers follow at once.
        let other = chasqui_store::Store::new(app.store.db.clone());
        let id = case_id(&app, "caja-doble").await;
        other
            .update_case(
                &Author::command_line(),
                id,
                chasqui_store::CasePatch {
                    visibility: Some(chasqui_entities::Visibility::Restricted),
                    // Tomorrow: the latest a start may be, after every other case's activity.
                    started_on: Some(Some(chasqui_entities::PartialDate::day(
                        chrono::Utc::now().date_naive() + chrono::Days::new(1),
                    ))),
                    ..Default::default()
                },
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for with_kind in [false, true] {
            let anonymous = box_slugs(&app, None, with_kind).await;
            assert!(!has(&anonymous, "caja-doble"), "{anonymous:?}");
            assert!(has(&anonymous, "caja-sola"), "{anonymous:?}");
            let viewer = box_slugs(&app, Some(&app.viewer), with_kind).await;
            assert!(has(&viewer, "caja-doble"), "{viewer:?}");
        }
        // The latest activity leads the box's first page.
        let first = app
            .data_as(
                Some(&app.viewer),
                r#"{ cases(filter: {within: {west: -72.40, south: -14.20, east: -72.10, north: -14.00}}, first: 1) { nodes { slug } pageInfo { hasNextPage } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            first["cases"]["nodes"][0]["slug"], "caja-doble",
            "{first:#}"
        );
        assert_eq!(first["cases"]["pageInfo"]["hasNextPage"], true, "{first:#}");
        assert_case_places_current(&app, "a case restricted and redated elsewhere").await;
        other
            .set_archived(
                &Author::command_line(),
                chasqui_store::Archivable::Case,
                id,
                true,
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let viewer = box_slugs(&app, Some(&app.viewer), false).await;
        assert!(!has(&viewer, "caja-doble"), "{viewer:?}");
        // A restricted site moved out of the box (through this instance).
        let moved = app
            .data(
                r#"mutation($id: ID!) { updateLocation(id: $id, input: {latitude: -16.40, longitude: -71.53}) { id } }"#,
                json!({"id": hidden_site}),
            )
            .await;
        assert!(moved["updateLocation"]["id"].is_string(), "{moved:#}");
        box_slugs(&app, Some(&app.viewer), false).await;
        box_slugs(&app, None, false).await;
        assert_case_places_current(&app, "a site moved out of the box").await;

        // Sites loaded in bulk, without their places: placing them later writes only the
        // rows they add, which equal a rebuild's.
        app.store
            .db
            .execute_unprepared("DELETE FROM site_places")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        app.store
            .rebuild_case_places()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let without = case_places_rows(&app).await.len();
        let placed = app
            .store
            .place_unplaced_sites()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(placed >= 4, "{placed} sites placed");
        assert!(case_places_rows(&app).await.len() > without);
        assert_case_places_current(&app, "sites placed after the fact").await;
    }
);

async fn region_slugs(app: &TestApp, token: Option<&str>, region: &str) -> Vec<String> {
    let found = app
        .data_as(token, CASES, json!({"f": {"region": [region]}}))
        .await;
    let slugs = slugs(&found);
    assert_eq!(
        found["cases"]["totalCount"].as_u64(),
        Some(slugs.len() as u64),
        "{region}: {found:#}"
    );
    slugs
}

async fn case_id(app: &TestApp, slug: &str) -> i64 {
    case::Entity::find()
        .filter(case::Column::Slug.eq(slug))
        .one(&app.store.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no case {slug}"))
        .id
}

both_engines!(
    region_answers_follow_places_placements_and_cases,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        import_peru(&app.store).await;
        let has = |list: &[String], slug: &str| list.iter().any(|s| s == slug);
        let moving = case_at_site(&app, "mina-movil", -14.10, -72.25, "PUBLIC").await;
        case_at_site(&app, "mina-quieta", -14.11, -72.24, "PUBLIC").await;
        assert!(has(&region_slugs(&app, None, "03").await, "mina-movil"));
        assert!(!has(&region_slugs(&app, None, "04").await, "mina-movil"));
        assert_case_places_current(&app, "cases at sites").await;

        // Moving the site to Arequipa moves the case there: its district placement was
        // derived from the site (a site without a parent place), and follows it.
        let placed = app
        .data(
            r#"query($id: ID!) { node(id: $id) { ... on Case { locations { location { id level } } } } }"#,
            json!({"id": moving}),
        )
        .await;
        let site_id = placed["node"]["locations"]
            .as_array()
            .and_then(|l| l.iter().find(|p| p["location"]["level"] == "SITE"))
            .and_then(|p| p["location"]["id"].as_str())
            .unwrap_or_else(|| panic!("no site in {placed:#}"))
            .to_owned();
        let update_site = |input: Value| {
            let app = &app;
            let site_id = site_id.clone();
            async move {
                app.data(
                r#"mutation($id: ID!, $input: UpdateLocationInput!) { updateLocation(id: $id, input: $input) { id } }"#,
                json!({"id": site_id, "input": input}),
            )
            .await
            }
        };
        update_site(json!({"latitude": -16.40, "longitude": -71.53})).await;
        assert!(has(&region_slugs(&app, None, "04").await, "mina-movil"));
        assert!(!has(&region_slugs(&app, None, "03").await, "mina-movil"));
        assert_case_places_current(&app, "a site moved").await;

        // A restricted site leads only those who may see it to Arequipa.
        update_site(json!({"visibility": "RESTRICTED"})).await;
        assert!(!has(&region_slugs(&app, None, "04").await, "mina-movil"));
        assert!(has(
            &region_slugs(&app, Some(&app.viewer), "04").await,
            "mina-movil"
        ));
        assert_case_places_current(&app, "a site restricted").await;

        // An archived district cuts what is placed on it (and sites inside it) from the
        // regions above; restoring it brings them back.
        let district = app
            .data(r#"{ location(code: "030506") { id } }"#, json!({}))
            .await;
        let district = district["location"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let admin = Some(app.admin.as_str());
        let archive = |id: String, verb: &'static str| {
            let app = &app;
            async move {
                app.data_as(
                    admin,
                    &format!(r#"mutation($id: ID!) {{ {verb}(id: $id) }}"#),
                    json!({"id": id}),
                )
                .await
            }
        };
        archive(district.clone(), "archive").await;
        let apurimac = region_slugs(&app, None, "03").await;
        assert!(!has(&apurimac, "mina-movil"), "{apurimac:?}");
        assert!(!has(&apurimac, "mina-quieta"), "{apurimac:?}");
        assert_case_places_current(&app, "a district archived").await;
        archive(district, "restore").await;
        let apurimac = region_slugs(&app, None, "03").await;
        assert!(has(&apurimac, "mina-quieta") && !has(&apurimac, "mina-movil"));
        assert_case_places_current(&app, "a district restored").await;

        // The case's own state: restricted, archived, then placed elsewhere.
        update_site(json!({"visibility": "PUBLIC"})).await;
        assert!(has(&region_slugs(&app, None, "04").await, "mina-movil"));
        // Tomorrow: the latest a start may be, after every other case's activity.
        let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
        app.data(
        r#"mutation($id: ID!, $on: PartialDate!) { updateCase(id: $id, input: {visibility: RESTRICTED, startedOn: $on}) { id } }"#,
        json!({"id": moving, "on": tomorrow}),
    )
    .await;
        assert!(!has(&region_slugs(&app, None, "04").await, "mina-movil"));
        let viewer = region_slugs(&app, Some(&app.viewer), "04").await;
        assert!(has(&viewer, "mina-movil"));
        // The latest activity leads the region's first page, as in the unfiltered order.
        let first = app
            .data_as(
                Some(&app.viewer),
                r#"{ cases(filter: {region: ["04"]}, first: 1) { nodes { slug } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            first["cases"]["nodes"][0]["slug"], "mina-movil",
            "{first:#}"
        );
        assert_case_places_current(&app, "a case restricted and redated").await;
        archive(moving.clone(), "archive").await;
        assert!(!has(
            &region_slugs(&app, Some(&app.viewer), "04").await,
            "mina-movil"
        ));
        archive(moving.clone(), "restore").await;
        let challhuahuacho = app
            .data(r#"{ location(code: "030506") { id } }"#, json!({}))
            .await;
        app.data(
        r#"mutation($id: ID!, $loc: ID!) { updateCase(id: $id, input: {locations: [{location: $loc, precision: DISTRICT}]}) { id } }"#,
        json!({"id": moving, "loc": challhuahuacho["location"]["id"]}),
    )
    .await;
        let viewer = region_slugs(&app, Some(&app.viewer), "04").await;
        assert!(!has(&viewer, "mina-movil"), "{viewer:?}");
        assert!(has(
            &region_slugs(&app, Some(&app.viewer), "0305").await,
            "mina-movil"
        ));
        assert_case_places_current(&app, "a case placed elsewhere").await;

        // A dump carries no rows of it: loading one computes them.
        let loaded = app.dumped_into(engine).await;
        assert!(has(
            &region_slugs(&loaded, None, "030506").await,
            "mina-quieta"
        ));
        assert_case_places_current(&loaded, "a dump loaded").await;

        // Purging the case removes its rows.
        let id = case_id(&app, "mina-movil").await;
        archive(moving.clone(), "archive").await;
        archive(moving, "purge").await;
        let left = case_places_rows(&app)
            .await
            .into_iter()
            .filter(|r| r.1 == id)
            .count();
        assert_eq!(left, 0);
    }
);
