//! Placements the store derives (a case placed only on sites gets their districts): they
//! count, map and list only while the site they come from is visible, and a database from
//! before they named their site is mended by the migration.

use super::*;

/// A place with a name (for the suggester), a point and a shape, written by the store.
#[allow(clippy::too_many_arguments)]
async fn named_place(
    app: &TestApp,
    code: Option<&str>,
    name: &str,
    level: LocationLevel,
    parent_id: Option<i64>,
    point: (f64, f64),
    geometry: Option<String>,
    visibility: Visibility,
) -> i64 {
    app.store
        .create_location(
            &author(),
            NewLocation {
                code: code.map(str::to_owned),
                name: name.into(),
                level,
                parent_id,
                latitude: Some(point.0),
                longitude: Some(point.1),
                geometry,
                visibility,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("place {name}: {e}"))
        .id
}

/// Region 93 > province 9301 > districts 930101 (Quebrada Honda) and 930102 (Cerro Alto),
/// each with a shape, and a public site without a parent in 930101. Cases, created in the
/// same order in both databases, placed only on exact sites: `d-control` on the public
/// site (both databases); in the second database, `d-restricted` on a restricted site,
/// `d-restricted-later` and `d-archived-later` on public sites restricted and archived
/// afterwards, `d-moved` on a restricted site moved into 930102 afterwards, `d-parented`
/// on a restricted site given a parent afterwards, and `d-mixed` on the public site and
/// a restricted one (the first database places `d-mixed` on the public site, the others
/// nowhere). Sites without a parent in 930101 make the store place their cases on it.
async fn derived_world(app: &TestApp, hidden: bool) {
    use LocationLevel::*;
    let public = Visibility::Public;
    let restricted = Visibility::Restricted;
    let r93 = named_place(
        app,
        Some("93"),
        "Region 93",
        Region,
        None,
        (-12.5, -70.5),
        Some(square(-71.0, -13.0, -70.0, -12.0)),
        public,
    )
    .await;
    let p9301 = named_place(
        app,
        Some("9301"),
        "Province 9301",
        Province,
        Some(r93),
        (-12.5, -70.75),
        Some(square(-71.0, -13.0, -70.5, -12.0)),
        public,
    )
    .await;
    let honda = named_place(
        app,
        Some("930101"),
        "Quebrada Honda",
        District,
        Some(p9301),
        (-12.75, -70.9),
        Some(square(-71.0, -13.0, -70.75, -12.5)),
        public,
    )
    .await;
    named_place(
        app,
        Some("930102"),
        "Cerro Alto",
        District,
        Some(p9301),
        (-12.25, -70.9),
        Some(square(-71.0, -12.5, -70.75, -12.0)),
        public,
    )
    .await;
    let site = |name: &'static str, at: (f64, f64), visibility| {
        named_place(app, None, name, Site, None, at, None, visibility)
    };
    let open_pit = site("Open pit", (-12.8, -70.9), public).await;
    let mut sites: HashMap<&str, i64> = HashMap::new();
    if hidden {
        for (slug, at, visibility) in [
            ("d-restricted", (-12.81, -70.91), restricted),
            ("d-restricted-later", (-12.82, -70.92), public),
            ("d-archived-later", (-12.83, -70.93), public),
            ("d-moved", (-12.84, -70.94), restricted),
            ("d-parented", (-12.85, -70.95), restricted),
            ("d-mixed", (-12.86, -70.96), restricted),
        ] {
            sites.insert(slug, site("Hidden camp", at, visibility).await);
        }
    }
    let exact = |id: i64| at(id, PlacementPrecision::Exact);
    case(
        app,
        "d-control",
        vec![],
        vec![exact(open_pit)],
        Visibility::Public,
    )
    .await;
    for slug in [
        "d-restricted",
        "d-restricted-later",
        "d-archived-later",
        "d-moved",
        "d-parented",
        "d-mixed",
    ] {
        let mut places: Vec<NewPlacement> =
            sites.get(slug).map(|id| exact(*id)).into_iter().collect();
        if slug == "d-mixed" {
            places.insert(0, exact(open_pit));
        }
        case(app, slug, vec![], places, Visibility::Public).await;
    }
    if !hidden {
        return;
    }
    let patch = |visibility, point: Option<(f64, f64)>, parent_id| LocationPatch {
        visibility,
        latitude: point.map(|p| Some(p.0)),
        longitude: point.map(|p| Some(p.1)),
        parent_id,
        ..Default::default()
    };
    for (slug, patch) in [
        ("d-restricted-later", patch(Some(restricted), None, None)),
        ("d-moved", patch(None, Some((-12.2, -70.9)), None)),
        ("d-parented", patch(None, None, Some(Some(honda)))),
    ] {
        app.store
            .update_location(&author(), sites[slug], patch, None)
            .await
            .unwrap_or_else(|e| panic!("{slug}: {e}"));
    }
    archive(app, Archivable::Location, sites["d-archived-later"]).await;
}

/// Anonymous requests that read placements: lists, the case page, region filters,
/// counts, GeoJSON, boxes, areas, distances and suggestions.
fn placement_queries() -> Vec<String> {
    let placements = "slug locations { precision location { code name } }";
    let area = "{type: \"Polygon\", coordinates: [[[-71.5, -13.5], [-69.5, -13.5], \
                [-69.5, -11.5], [-71.5, -11.5], [-71.5, -13.5]]]}";
    let mut queries = vec![
        format!(
            "{{ cases(first: 50, orderBy: {{field: SLUG}}) {{ totalCount nodes {{ {placements} }} }} }}"
        ),
        "{ caseStats(groupBy: [REGION]) { count region { code } } }".to_owned(),
        "{ caseStats(groupBy: [REGION, PROVINCE]) { count region { code } province { code } } }"
            .to_owned(),
        "{ casesGeoJson }".to_owned(),
        "{ casesGeoJson(filter: {region: [\"93\"]}) }".to_owned(),
        "{ cases(filter: {within: {west: -71.5, south: -13.5, east: -69.5, north: -11.5}}, orderBy: {field: SLUG}) { totalCount nodes { slug } } }"
            .to_owned(),
        format!(
            "{{ cases(filter: {{inArea: {area}}}, orderBy: {{field: SLUG}}) {{ totalCount nodes {{ slug }} }} }}"
        ),
        "{ cases(filter: {near: {latitude: -12.75, longitude: -70.9, km: 80}}, orderBy: {field: SLUG}) { totalCount nodes { slug } } }"
            .to_owned(),
        "{ newsItems { nodes { title cases { case { slug } matchedTerms } } } }".to_owned(),
    ];
    for region in ["93", "9301", "930101", "930102"] {
        queries.push(format!(
            "{{ cases(filter: {{region: [\"{region}\"]}}, orderBy: {{field: SLUG}}) {{ totalCount nodes {{ slug }} }} }}"
        ));
    }
    for slug in [
        "d-control",
        "d-restricted",
        "d-restricted-later",
        "d-archived-later",
        "d-moved",
        "d-parented",
        "d-mixed",
    ] {
        queries.push(format!("{{ case(slug: \"{slug}\") {{ {placements} }} }}"));
    }
    queries
}

/// What [`placement_queries`] and the map routes answer an anonymous caller differently
/// in `other` than in `public_only`.
async fn placement_faults(public_only: &TestApp, other: &TestApp) -> Vec<String> {
    let mut faults = Vec::new();
    for query in &placement_queries() {
        let (expected, _) = answer(public_only, None, query).await;
        let (got, _) = answer(other, None, query).await;
        if got != expected {
            faults.push(format!(
                "{query} goes through a placement derived from a hidden site: {got} instead of {expected}"
            ));
        }
    }
    for path in [
        "/map.svg",
        "/map.svg?region=93",
        "/geojson/cases",
        "/geojson/cases?region=93",
    ] {
        let (expected, _) = get(public_only, path).await;
        let (got, _) = get(other, path).await;
        if got != expected {
            faults.push(format!(
                "GET {path} goes through a placement derived from a hidden site"
            ));
        }
    }
    faults
}

/// Each case's derived placements (district codes), by slug, as `token` sees them.
async fn derived_districts(app: &TestApp, token: Option<&str>) -> Vec<(String, Vec<String>)> {
    let seen = app
        .data_as(
            token,
            "{ cases(first: 50) { nodes { slug locations { location { code } derivedFrom { name } } } } }",
            json!({}),
        )
        .await;
    let mut districts: Vec<(String, Vec<String>)> = seen["cases"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|case| {
            let derived = case["locations"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter(|p| !p["derivedFrom"].is_null())
                .filter_map(|p| p["location"]["code"].as_str().map(str::to_owned))
                .collect();
            (
                case["slug"].as_str().unwrap_or_default().to_owned(),
                derived,
            )
        })
        .collect();
    districts.sort();
    districts
}

/// The derived placements of [`derived_world`]'s second database, as a viewer sees them:
/// there for a restricted site, moved with a site, gone once a site has a parent or is
/// archived.
fn derived_for_a_viewer() -> Vec<(String, Vec<String>)> {
    let code = |c: &str| vec![c.to_owned()];
    vec![
        ("d-archived-later".to_owned(), vec![]),
        ("d-control".to_owned(), code("930101")),
        ("d-mixed".to_owned(), code("930101")),
        ("d-moved".to_owned(), code("930102")),
        ("d-parented".to_owned(), vec![]),
        ("d-restricted".to_owned(), code("930101")),
        ("d-restricted-later".to_owned(), code("930101")),
    ]
}

both_engines!(
    derived_placements_follow_the_site_they_come_from,
    |engine| {
        let public_only = TestApp::spawn(engine).await;
        let with_hidden = TestApp::spawn(engine).await;
        derived_world(&public_only, false).await;
        derived_world(&with_hidden, true).await;
        for app in [&public_only, &with_hidden] {
            let mention = news(app, "Vigil in Quebrada Honda").await;
            let suggested = app
                .data(
                    "mutation($id: ID!) { suggestLinks(newsItem: $id, threshold: 0.1) { id } }",
                    json!({"id": global("NewsItem", mention)}),
                )
                .await;
            assert!(
                suggested["suggestLinks"]
                    .as_array()
                    .is_some_and(|s| !s.is_empty()),
                "the district's name suggests the cases placed on it: {suggested}"
            );
        }
        let faults = placement_faults(&public_only, &with_hidden).await;
        assert!(
            faults.is_empty(),
            "{} faults:\n{}",
            faults.len(),
            faults.join("\n")
        );
        // A public site makes its district public, and says where it comes from.
        let (anonymous, _) = answer(
            &with_hidden,
            None,
            "{ case(slug: \"d-control\") { locations { precision location { code } derivedFrom { name } } } }",
        )
        .await;
        assert_eq!(
            anonymous["data"]["case"]["locations"],
            json!([
                {"precision": "EXACT", "location": {"code": null}, "derivedFrom": null},
                {"precision": "DISTRICT", "location": {"code": "930101"}, "derivedFrom": {"name": "Open pit"}}
            ])
        );
        assert_eq!(
            derived_districts(&with_hidden, Some(&with_hidden.viewer)).await,
            derived_for_a_viewer()
        );
    }
);

both_engines!(
    placements_derived_before_they_named_their_site_are_found_again,
    |engine| {
        use chasqui_migrations::{Migrator, MigratorTrait};
        use sea_orm::ConnectionTrait;
        let public_only = TestApp::spawn(engine).await;
        let with_hidden = TestApp::spawn(engine).await;
        derived_world(&public_only, false).await;
        derived_world(&with_hidden, true).await;
        // The dump of a database written before placements named their site (no
        // `via_site_id`) loads with them named again, exactly as they were.
        let mut dump = Vec::new();
        with_hidden
            .store
            .export(&mut dump)
            .await
            .unwrap_or_else(|e| panic!("export: {e}"));
        let dump = String::from_utf8(dump).unwrap_or_else(|e| panic!("{e}"));
        let unnamed: String = dump
            .lines()
            .map(|line| {
                let mut value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}"));
                if value["table"] == "case_locations"
                    && let Some(row) = value["row"].as_object_mut()
                {
                    row.remove("via_site_id");
                }
                value.to_string() + "\n"
            })
            .collect();
        assert_ne!(unnamed, dump, "the dump names derived placements' sites");
        let loaded = TestApp::spawn_bare(engine).await;
        loaded
            .store
            .load_dump(unnamed.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("load: {e}"));
        let mut again = Vec::new();
        loaded
            .store
            .export(&mut again)
            .await
            .unwrap_or_else(|e| panic!("export: {e}"));
        assert!(
            again == dump.as_bytes(),
            "the derived placements are found again, with the sites they came from"
        );
        assert_eq!(
            chasqui_store::MARK_DERIVED_PLACEMENTS,
            chasqui_migrations::MARK_DERIVED_PLACEMENTS,
            "the store finds old derived placements as the migration does"
        );

        // A database from before the migration: derived placements that name no site,
        // and `case_places` / `case_points` rows that count them as public. Migrating it
        // names them and counts them again.
        let db = &with_hidden.store.db;
        // Back to before that migration: it and every later one.
        let migrations = Migrator::migrations();
        let derived = migrations
            .iter()
            .position(|m| m.name() == "m20261126_000009_derived_placements")
            .unwrap_or_else(|| panic!("no migration of derived placements"));
        let steps = u32::try_from(migrations.len() - derived).unwrap_or(1);
        Migrator::down(db, Some(steps))
            .await
            .unwrap_or_else(|e| panic!("down: {e}"));
        for stale in [
            "UPDATE case_places SET via_public = TRUE",
            "UPDATE case_points SET location_public = TRUE",
        ] {
            db.execute_unprepared(stale)
                .await
                .unwrap_or_else(|e| panic!("{stale}: {e}"));
        }
        Migrator::up(db, None)
            .await
            .unwrap_or_else(|e| panic!("up: {e}"));
        let faults = placement_faults(&public_only, &with_hidden).await;
        assert!(
            faults.is_empty(),
            "after the migration, {} faults:\n{}",
            faults.len(),
            faults.join("\n")
        );
        assert_eq!(
            derived_districts(&with_hidden, Some(&with_hidden.viewer)).await,
            derived_for_a_viewer()
        );
    }
);

both_engines!(
    case_and_site_writes_deriving_placements_run_side_by_side,
    |engine| {
        // A case write replaces placements, a site write derives them again: on
        // PostgreSQL both lock placements and the spatial change marker, which must be
        // taken in one order or the two deadlock.
        let app = TestApp::spawn(engine).await;
        derived_world(&app, false).await;
        let case_id = app
            .store
            .case_by_slug(Access::FULL, "d-control")
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|c| c.id)
            .unwrap_or_else(|| panic!("no case"));
        let site_id = app
            .store
            .placements_by_case(Access::FULL, &[case_id])
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .find(|p| p.precision == PlacementPrecision::Exact)
            .map(|p| p.location_id)
            .unwrap_or_else(|| panic!("no site"));
        let rounds = 25;
        let cases = {
            let store = app.store.clone();
            tokio::spawn(async move {
                let mut failures = Vec::new();
                for _ in 0..rounds {
                    let patch = CasePatch {
                        locations: Some(vec![at(site_id, PlacementPrecision::Exact)]),
                        ..Default::default()
                    };
                    if let Err(e) = store.update_case(&author(), case_id, patch, None).await {
                        failures.push(format!("updateCase: {e}"));
                    }
                }
                failures
            })
        };
        let sites = {
            let store = app.store.clone();
            tokio::spawn(async move {
                let mut failures = Vec::new();
                for round in 0..rounds {
                    let latitude = if round % 2 == 0 { -12.81 } else { -12.2 };
                    let patch = LocationPatch {
                        latitude: Some(Some(latitude)),
                        ..Default::default()
                    };
                    if let Err(e) = store.update_location(&author(), site_id, patch, None).await {
                        failures.push(format!("updateLocation: {e}"));
                    }
                }
                failures
            })
        };
        let mut failures = cases.await.unwrap_or_else(|e| panic!("{e}"));
        failures.extend(sites.await.unwrap_or_else(|e| panic!("{e}")));
        assert!(failures.is_empty(), "{failures:#?}");
    }
);
