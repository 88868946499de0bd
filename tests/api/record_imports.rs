//! Importing records: the Ombudsman's case table of 81 mining conflicts (statuses, phases,
//! operators, UBIGEO places), NDJSON and CSV records of cases, actors, events and links;
//! idempotent re-imports, audited updates, rejections with their lines, and a store error
//! that rolls a whole file back.

use crate::app::TestApp;
use crate::both_engines;
use chasqui::import::{
    FileReport, Format, ImportError, Provenance, RecordKind, import_file_of_kind,
};
use chasqui_entities::tables::audit_entry;
use chasqui_entities::*;
use chasqui_store::{Author, NewLocation, NewNewsItem, Store};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn case_table() -> PathBuf {
    PathBuf::from(format!(
        "{}/../shared/data/conflicts/mining-conflicts-2024-03.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
}

fn provenance(columns: &[(&str, &str)]) -> Provenance {
    Provenance {
        publisher: None,
        language: None,
        columns: columns
            .iter()
            .map(|(f, h)| ((*f).to_owned(), (*h).to_owned()))
            .collect(),
    }
}

async fn import(
    store: &Store,
    path: &Path,
    kind: Option<RecordKind>,
    columns: &[(&str, &str)],
) -> Result<FileReport, ImportError> {
    import_file_of_kind(
        store,
        &Author::command_line(),
        path,
        None,
        &provenance(columns),
        kind,
        &|_| {},
    )
    .await
}

async fn import_ok(store: &Store, path: &Path) -> FileReport {
    import(store, path, None, &[])
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn audit_entries(store: &Store) -> u64 {
    audit_entry::Entity::find()
        .count(&store.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Writes `text` to a file named `name` in a fresh directory (kept alive by the guard).
fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    (dir, path)
}

const CASE_FIELDS: &str = r#"
    slug title status phase conflictType kind version
    ... on MineCase { operators { actor { id slug name kind } } }
    locations { precision location { id code name level latitude longitude
                                      ancestors { code name } } }
"#;

async fn case(app: &TestApp, slug: &str) -> Value {
    let query = format!("query($slug: String!) {{ case(slug: $slug) {{ {CASE_FIELDS} }} }}");
    let data = app.data(&query, json!({ "slug": slug })).await;
    assert!(data["case"].is_object(), "no case `{slug}`");
    data["case"].clone()
}

async fn location_count(app: &TestApp) -> u64 {
    chasqui_entities::tables::location::Entity::find()
        .count(&app.store.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn placement<'a>(case: &'a Value, precision: &str) -> &'a Value {
    case["locations"]
        .as_array()
        .and_then(|places| places.iter().find(|p| p["precision"] == precision))
        .map(|p| &p["location"])
        .unwrap_or_else(|| panic!("no {precision} placement in {case:#}"))
}

fn operator_names(case: &Value) -> Vec<String> {
    case["operators"]
        .as_array()
        .map(|ops| {
            ops.iter()
                .filter_map(|o| o["actor"]["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

both_engines!(the_case_table_imports_81_cases_once, |engine| {
    let app = TestApp::spawn(engine).await;
    let report = import_ok(&app.store, &case_table()).await;
    assert_eq!(
        (report.new, report.updated, report.unchanged),
        (81, 0, 0),
        "{report}"
    );
    assert!(report.rejected.is_empty(), "{report}");

    let data = app
        .data(
            r#"{ all: cases(first: 1) { totalCount }
                 mines: cases(first: 1, filter: { kinds: [MINE] }) { totalCount }
                 active: cases(first: 1, filter: { statuses: [ACTIVE] }) { totalCount }
                 latent: cases(first: 1, filter: { statuses: [LATENT] }) { totalCount }
                 resolved: cases(first: 1, filter: { statuses: [RESOLVED] }) { totalCount }
                 withdrawn: cases(first: 1, filter: { statuses: [WITHDRAWN] }) { totalCount }
                 apurimac: cases(first: 1, filter: { region: ["03"] }) { totalCount } }"#,
            json!({}),
        )
        .await;
    let count = |key: &str| data[key]["totalCount"].as_i64().unwrap_or(-1);
    assert_eq!((count("all"), count("mines")), (81, 81));
    assert_eq!(
        (
            count("active"),
            count("latent"),
            count("resolved"),
            count("withdrawn")
        ),
        (58, 17, 4, 2)
    );
    assert_eq!(count("apurimac"), 9, "nine rows are in Apurímac");

    // Row 2: a latent conflict that has not started, in a district of Piura.
    let rio_blanco = case(&app, "rio-blanco-ex-majaz").await;
    assert_eq!(rio_blanco["title"], "Río Blanco (ex Majaz)");
    assert_eq!(rio_blanco["status"], "LATENT");
    assert_eq!(rio_blanco["phase"], "NOT_STARTED");
    assert_eq!(rio_blanco["conflictType"], "SOCIO_ENVIRONMENTAL");
    assert_eq!(operator_names(&rio_blanco), ["Río Blanco Copper S.A."]);
    let district = placement(&rio_blanco, "DISTRICT");
    assert_eq!(district["code"], "200303");
    assert_eq!(district["name"], "El Carmen de la Frontera");
    assert_eq!(district["level"], "DISTRICT");
    let ancestors: Vec<&str> = district["ancestors"]
        .as_array()
        .map(|a| a.iter().filter_map(|l| l["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ancestors, ["PE", "20", "2003"]);
    let site = placement(&rio_blanco, "EXACT");
    assert_eq!(site["level"], "SITE");
    assert_eq!(site["name"], "Río Blanco (ex Majaz)");
    assert!((site["latitude"].as_f64().unwrap_or(0.0) + 5.0138568).abs() < 1e-6);
    assert!((site["longitude"].as_f64().unwrap_or(0.0) + 79.3352899).abs() < 1e-6);

    // Rows 3 and 4 name the operator "Minera Las Bambas" and "Minera Las Bambas S.A.": one
    // actor, reused.
    let carmen_alto = case(&app, "cc-carmen-alto-minera-las-bambas").await;
    let chila = case(&app, "cc-chila-las-bambas").await;
    assert_eq!(chila["status"], "ACTIVE");
    assert_eq!(chila["phase"], "DIALOGUE");
    assert_eq!(operator_names(&chila), ["Minera Las Bambas"]);
    assert_eq!(
        carmen_alto["operators"][0]["actor"]["id"],
        chila["operators"][0]["actor"]["id"]
    );
    assert_eq!(chila["operators"][0]["actor"]["kind"], "COMPANY");
    assert_eq!(placement(&chila, "DISTRICT")["code"], "030506");
    assert_eq!(placement(&chila, "DISTRICT")["name"], "Challhuahuacho");

    // Tía María (row 23) and Torata (row 42) share Southern Peru.
    let tia_maria = case(&app, "tia-maria-islay").await;
    assert_eq!(tia_maria["phase"], "EARLY");
    assert_eq!(placement(&tia_maria, "DISTRICT")["code"], "040702");
    let torata = case(&app, "torata-spcc").await;
    assert_eq!(
        tia_maria["operators"][0]["actor"]["id"],
        torata["operators"][0]["actor"]["id"]
    );

    // Row 17: withdrawn, its phase column repeats the status; three companies in one cell.
    let el_tingo = case(&app, "el-tingo-minera-coimolache").await;
    assert_eq!(el_tingo["status"], "WITHDRAWN");
    assert_eq!(el_tingo["phase"], Value::Null);
    assert_eq!(
        operator_names(&el_tingo),
        ["Minera Coimolache S.A.", "Buenaventura", "SPCC"]
    );
    // Row 59: resolved, conflict concluded; the project's name in parentheses is no company.
    let quero = case(&app, "san-jose-de-quero-sierra-rumi").await;
    assert_eq!(
        (&quero["status"], &quero["phase"]),
        (&json!("RESOLVED"), &json!("CONCLUDED"))
    );
    assert_eq!(operator_names(&quero), ["Sierra Sumi Rumac SA"]);
    // Row 45: escalation; illegal mining is an actor of kind OTHER.
    let wampis = case(&app, "wampis-mineria-ilegal").await;
    assert_eq!(wampis["operators"][0]["actor"]["kind"], "OTHER");
    assert_eq!(
        case(&app, "cenepa-mineria-informal-e-ilegal-antes-afrodita").await["phase"],
        "ESCALATION"
    );
    // Row 9: "No detalla" for the district: placed on the province.
    let cotabambas = case(&app, "cotabambas-minera-las-bambas-antes-xstrata").await;
    assert_eq!(placement(&cotabambas, "PROVINCE")["code"], "0305");
    assert_eq!(placement(&cotabambas, "EXACT")["level"], "SITE");

    // The status is dated by the table's month.
    let history = app
        .data(
            r#"{ case(slug: "tia-maria-islay") { statusHistory { status date { value } note } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        history["case"]["statusHistory"][0]["date"]["value"],
        "2024-03"
    );

    // Imported records go through the store's writes, so search finds them.
    let hits = app
        .data(
            r#"{ search(query: "tia maria", types: [CASE]) { nodes { node { ... on Case { slug } } } }
                 companies: search(query: "southern peru copper", types: [ACTOR]) { nodes { node { ... on Actor { slug } } } } }"#,
            json!({}),
        )
        .await;
    let slugs = |key: &str| -> Vec<String> {
        hits[key]["nodes"]
            .as_array()
            .map(|n| {
                n.iter()
                    .filter_map(|h| h["node"]["slug"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(
        slugs("search").contains(&"tia-maria-islay".to_owned()),
        "{hits:#}"
    );
    assert!(
        slugs("companies").contains(&"southern-peru-copper-corporation".to_owned()),
        "{hits:#}"
    );

    // A second import changes nothing and writes no audit entry.
    let entries = audit_entries(&app.store).await;
    let again = import_ok(&app.store, &case_table()).await;
    assert_eq!(
        (
            again.new,
            again.updated,
            again.unchanged,
            again.rejected.len()
        ),
        (0, 0, 81, 0),
        "{again}"
    );
    assert_eq!(audit_entries(&app.store).await, entries);
});

both_engines!(
    the_case_table_finds_places_and_actors_already_there,
    |engine| {
        let app = TestApp::with_demo(engine).await;
        // A province recorded by hand, without its code, in other capitals.
        let puno = app
            .data(r#"{ location(code: "21") { id } }"#, json!({}))
            .await["location"]["id"]
            .clone();
        let created = app
        .data(
            r#"mutation($parent: ID!) { createLocation(input: { name: "HUANCANE", level: PROVINCE, parent: $parent }) { id } }"#,
            json!({ "parent": puno }),
        )
        .await;
        let huancane = created["createLocation"]["id"].clone();
        let before = location_count(&app).await;

        let report = import_ok(&app.store, &case_table()).await;
        assert_eq!((report.new, report.rejected.len()), (81, 0), "{report}");

        let suches = case(&app, "cuenca-suches-mineria-informal-e-ilegal-ii").await;
        let district = placement(&suches, "DISTRICT");
        let parent_of_district = app
            .data(
                r#"query($code: String!) { location(code: $code) { parent { id name } } }"#,
                json!({ "code": district["code"] }),
            )
            .await;
        assert_eq!(
            parent_of_district["location"]["parent"]["id"], huancane,
            "the district goes under the province already recorded, found by name"
        );
        // The demo's Apurímac (code 03) is reused, not duplicated, and keeps its name.
        let apurimac = app
            .data(r#"{ location(code: "03") { name } }"#, json!({}))
            .await;
        assert_eq!(apurimac["location"]["name"], "Apurímac");
        // "Minera Las Bambas" is an alias of the demo's MMG: the operator is MMG.
        let chila = case(&app, "cc-chila-las-bambas").await;
        assert_eq!(chila["operators"][0]["actor"]["slug"], "mmg");
        assert!(location_count(&app).await > before);
    }
);

both_engines!(
    case_table_rows_that_cannot_be_placed_are_rejected_with_their_line,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let (_dir, path) = file(
            "conflicts-2024-04.csv",
            "caso,pais,departamento,provincia,distrito,empresa,tipo,actividad,estado,fase,vio_if,dial_if,competencia,lat,lon\n\
         Mina Uno,Peru,Apurímac,Cotabambas,Challhuahuacho,Minera Uno S.A.,Socioambiental,Minería,Activo,Diálogo,No,No,Gobierno nacional,-14.1,-72.2\n\
         Mina Dos,Peru,Atlántida,Cotabambas,Mara,Minera Dos,Socioambiental,Minería,Activo,Diálogo,No,No,Gobierno nacional,,\n\
         Mina Tres,Peru,Apurímac,Cotabambas,Mara,Minera Tres,Socioambiental,Minería,Activo,Tregua,No,No,Gobierno nacional,,\n\
         Mina Cuatro,Peru,APURIMAC,cotabambas,Narnia,Minera Cuatro,Socioambiental,Minería,Activo,Diálogo,No,No,Gobierno nacional,,\n\
         Mina Cinco,Peru,apurimac,COTABAMBAS,MARA,Minera Cinco,Socioambiental,Minería,Latente,Escalamiento,No,No,Gobierno nacional,,\n",
        );
        let report = import(&app.store, &path, None, &[])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.new, 2, "{report}");
        let rejected: Vec<(usize, &str)> = report
            .rejected
            .iter()
            .map(|(l, r)| (*l, r.as_str()))
            .collect();
        assert_eq!(rejected.len(), 3, "{report}");
        assert_eq!(rejected[0].0, 3);
        assert!(rejected[0].1.contains("departamento") && rejected[0].1.contains("Atlántida"));
        assert_eq!(rejected[1].0, 4);
        assert!(rejected[1].1.contains("fase") && rejected[1].1.contains("Tregua"));
        assert_eq!(rejected[2].0, 5);
        assert!(rejected[2].1.contains("distrito") && rejected[2].1.contains("Narnia"));
        let cinco = case(&app, "mina-cinco").await;
        assert_eq!(
            (&cinco["status"], &cinco["phase"]),
            (&json!("LATENT"), &json!("ESCALATION"))
        );
        assert_eq!(placement(&cinco, "DISTRICT")["code"], "030505");
        assert_eq!(
            cinco["locations"].as_array().map(Vec::len),
            Some(1),
            "no site without lat/lon"
        );

        // A later table with a new status: an audited status change, dated by the file's month.
        let (_dir2, path2) = file(
            "conflicts-2024-05.csv",
            "caso,departamento,provincia,distrito,empresa,tipo,actividad,estado,fase\n\
         Mina Cinco,Apurímac,Cotabambas,Mara,Minera Cinco,Socioambiental,Minería,Activo,Diálogo\n",
        );
        let later = import(&app.store, &path2, None, &[])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((later.updated, later.rejected.len()), (1, 0), "{later}");
        let history = app
        .data(
            r#"{ case(slug: "mina-cinco") { status phase statusHistory { status date { value } } } }"#,
            json!({}),
        )
        .await;
        assert_eq!(history["case"]["status"], "ACTIVE");
        assert_eq!(history["case"]["phase"], "DIALOGUE");
        let dates: Vec<&str> = history["case"]["statusHistory"]
            .as_array()
            .map(|h| {
                h.iter()
                    .filter_map(|c| c["date"]["value"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            dates.contains(&"2024-04") && dates.contains(&"2024-05"),
            "{dates:?}"
        );
    }
);

/// Locations and news items the record files below refer to.
async fn seed_references(store: &Store) {
    let author = Author::command_line();
    let peru = store
        .create_location(
            &author,
            NewLocation {
                code: Some("PE".into()),
                name: "Peru".into(),
                level: LocationLevel::Country,
                parent_id: None,
                latitude: None,
                longitude: None,
                geometry: None,
                visibility: Visibility::Public,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .create_location(
            &author,
            NewLocation {
                code: Some("03".into()),
                name: "Apurímac".into(),
                level: LocationLevel::Region,
                parent_id: Some(peru.id),
                latitude: None,
                longitude: None,
                geometry: None,
                visibility: Visibility::Public,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for (title, date, url) in [
        (
            "Road to the port blocked",
            "2017-06-20",
            Some("https://example.org/blockade"),
        ),
        ("Talks resume in Lima", "2017-07", None),
    ] {
        store
            .create_news_item(
                &author,
                NewNewsItem {
                    title: title.into(),
                    published_on: PartialDate::parse(date).unwrap_or_else(|e| panic!("{e}")),
                    summary: None,
                    body: None,
                    url: url.map(str::to_owned),
                    publisher: Some("Example Daily".into()),
                    language: Some("en".into()),
                    visibility: Visibility::Public,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

const RECORDS: &str = r#"{"type":"case","slug":"acme-mine","kind":"MINE","title":"Acme mine","summary":"A copper mine.","status":"ACTIVE","phase":"DIALOGUE","conflictType":"SOCIO_ENVIRONMENTAL","startedOn":"2011","statusSince":"2016-05","topics":["mining","water"],"externalIds":[{"scheme":"OMBUDSMAN","value":"SA-2011-17"}],"actors":[{"actor":"acme","role":"OPERATOR"},{"actor":"valley-front","role":"OPPONENT"}],"places":[{"code":"03"}],"details":{"minerals":["copper"]}}
{"type":"actor","slug":"acme","name":"Acme Mining","kind":"COMPANY","aliases":["Acme"]}
{"type":"actor","slug":"valley-front","name":"Valley defence front","kind":"COMMUNITY","description":"Communities of the valley."}
{"type":"event","case":"acme-mine","kind":"BLOCKADE","title":"Road to the port blocked","date":"2017-06-20","endDate":"2017-06-25","place":"03","actors":["valley-front"],"injuries":3,"sources":[{"news":"https://example.org/blockade"}]}
{"type":"link","news":"https://example.org/blockade","case":"acme-mine","updateKind":"DEVELOPMENT","note":"Reports the blockade."}
{"type":"link","news":{"date":"2017-07","title":"Talks resume in Lima"},"case":"acme-mine","updateKind":"STATUS_CHANGE","reportedStatus":"LATENT","reportedPhase":"DIALOGUE"}
"#;

const ACME: &str = r#"query { case(slug: "acme-mine") {
    title summary status phase conflictType version startedOn { value } topics
    externalIds { scheme value }
    actors { role actor { slug name kind aliases description } }
    locations { precision location { code } }
    events(first: 10) { nodes { kind title date { value } endDate { value } injuries
        location { code } actors { slug } sources { newsItem { title } } } }
    newsItems(first: 10) { nodes { updateKind state note newsItem { title } } }
    ... on MineCase { minerals }
} }"#;

both_engines!(ndjson_records_round_trip_through_graphql, |engine| {
    let app = TestApp::spawn(engine).await;
    seed_references(&app.store).await;
    let (_dir, path) = file("records.ndjson", RECORDS);
    let report = import_ok(&app.store, &path).await;
    assert_eq!((report.new, report.rejected.len()), (6, 0), "{report}");

    let acme = app.data(ACME, json!({})).await["case"].clone();
    assert_eq!(acme["title"], "Acme mine");
    assert_eq!(acme["summary"], "A copper mine.");
    assert_eq!(acme["startedOn"]["value"], "2011");
    assert_eq!(acme["topics"], json!(["mining", "water"]));
    assert_eq!(
        acme["externalIds"],
        json!([{"scheme": "OMBUDSMAN", "value": "SA-2011-17"}])
    );
    assert_eq!(acme["minerals"], json!(["copper"]));
    assert_eq!(
        acme["locations"],
        json!([{"precision": "REGION", "location": {"code": "03"}}])
    );
    let mut roles: Vec<(String, String)> = acme["actors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| (r["role"].to_string(), r["actor"]["slug"].to_string()))
                .collect()
        })
        .unwrap_or_default();
    roles.sort();
    assert_eq!(
        roles,
        [
            ("\"OPERATOR\"".to_owned(), "\"acme\"".to_owned()),
            ("\"OPPONENT\"".to_owned(), "\"valley-front\"".to_owned())
        ]
    );
    let event = &acme["events"]["nodes"][0];
    assert_eq!(event["kind"], "BLOCKADE");
    assert_eq!(event["endDate"]["value"], "2017-06-25");
    assert_eq!(event["injuries"], 3);
    assert_eq!(event["location"]["code"], "03");
    assert_eq!(event["actors"], json!([{"slug": "valley-front"}]));
    assert_eq!(
        event["sources"][0]["newsItem"]["title"],
        "Road to the port blocked"
    );
    let links = acme["newsItems"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(links.len(), 2);
    assert!(links.iter().all(|l| l["state"] == "CONFIRMED"));
    // The link reporting LATENT in July 2017 moved the case's status.
    assert_eq!(acme["status"], "LATENT");

    // The same file again: nothing changes, no audit entry.
    let entries = audit_entries(&app.store).await;
    let again = import_ok(&app.store, &path).await;
    assert_eq!(
        (
            again.new,
            again.updated,
            again.unchanged,
            again.rejected.len()
        ),
        (0, 0, 6, 0),
        "{again}"
    );
    assert_eq!(audit_entries(&app.store).await, entries);

    // A rejected link stays rejected when the file is imported again.
    let link_id = app
        .data(
            r#"{ case(slug: "acme-mine") { newsItems(first: 10) { nodes { id newsItem { title } } } } }"#,
            json!({}),
        )
        .await["case"]["newsItems"]["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["newsItem"]["title"] == "Talks resume in Lima"))
        .map(|n| n["id"].clone())
        .unwrap_or_else(|| panic!("no link"));
    app.data(
        r#"mutation($id: ID!) { rejectLink(id: $id) { state } }"#,
        json!({ "id": link_id }),
    )
    .await;

    // Changed fields become audited updates that bump the version.
    let changed = RECORDS
        .replace(r#""title":"Acme mine""#, r#""title":"Acme copper mine""#)
        .replace(
            "Communities of the valley.",
            "Twelve communities of the valley.",
        )
        .replace(r#""injuries":3"#, r#""injuries":4"#)
        .replace(
            r#""updateKind":"DEVELOPMENT","note":"Reports the blockade.""#,
            r#""updateKind":"BACKGROUND","note":"Reports the blockade of the port road.""#,
        );
    let (_dir2, changed_path) = file("records.ndjson", &changed);
    let third = import_ok(&app.store, &changed_path).await;
    assert_eq!(
        (
            third.new,
            third.updated,
            third.unchanged,
            third.rejected.len()
        ),
        (0, 4, 2, 0),
        "{third}"
    );
    let acme = app.data(ACME, json!({})).await["case"].clone();
    assert_eq!(acme["title"], "Acme copper mine");
    assert_eq!(acme["version"], 2);
    assert_eq!(acme["events"]["nodes"][0]["injuries"], 4);
    let link = app
        .data(
            r#"query($id: ID!) { node(id: $id) { ... on NewsLink { state } } }"#,
            json!({ "id": link_id }),
        )
        .await;
    assert_eq!(
        link["node"]["state"], "REJECTED",
        "a rejection is never undone by a re-import"
    );
    // The other link took the file's new kind and note.
    let blockade = app
        .data(
            r#"{ case(slug: "acme-mine") { newsItems(first: 10) { nodes { updateKind note newsItem { title } } } } }"#,
            json!({}),
        )
        .await["case"]["newsItems"]["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["newsItem"]["title"] == "Road to the port blocked"))
        .cloned()
        .unwrap_or_else(|| panic!("no blockade link"));
    assert_eq!(blockade["updateKind"], "BACKGROUND");
    assert_eq!(blockade["note"], "Reports the blockade of the port road.");
    let actions = app
        .data_as(
            Some(&app.admin),
            r#"{ auditLog(first: 10) { nodes { action entity } } }"#,
            json!({}),
        )
        .await;
    let actions: Vec<String> = actions["auditLog"]["nodes"]
        .as_array()
        .map(|n| n.iter().map(|e| e["action"].to_string()).collect())
        .unwrap_or_default();
    for wanted in [
        "\"updateCase\"",
        "\"updateActor\"",
        "\"updateEvent\"",
        "\"updateLink\"",
    ] {
        assert!(
            actions.iter().any(|a| a == wanted),
            "{wanted} in {actions:?}"
        );
    }
});

both_engines!(
    a_json_array_and_csv_with_a_mapping_import_records,
    |engine| {
        let app = TestApp::spawn(engine).await;
        seed_references(&app.store).await;
        let (_dir, actors) = file(
            "actors.csv",
            "Nombre,Tipo,Alias,Código\n\
         Acme Mining,COMPANY,Acme;ACME Corp,acme\n\
         Frente de defensa del valle,COMMUNITY,,valley-front\n",
        );
        let report = import(
            &app.store,
            &actors,
            Some(RecordKind::Actor),
            &[
                ("name", "Nombre"),
                ("kind", "Tipo"),
                ("aliases", "Alias"),
                ("slug", "Código"),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((report.new, report.rejected.len()), (2, 0), "{report}");
        let (_dir2, cases) = file(
            "cases.csv",
            "slug,title,kind,status,actors,places,topics\n\
         acme-mine,Acme mine,MINE,ACTIVE,acme:OPERATOR;valley-front:OPPONENT,03,mining;water\n\
         bad-mine,Bad mine,MINE,SLEEPING,,,\n",
        );
        let report = import(&app.store, &cases, Some(RecordKind::Case), &[])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.new, 1, "{report}");
        assert_eq!(report.rejected.len(), 1, "{report}");
        assert_eq!(report.rejected[0].0, 3, "{report}");
        let acme = app
            .data(
                r#"{ case(slug: "acme-mine") { topics actors { role actor { name aliases } } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(acme["case"]["topics"], json!(["mining", "water"]));
        assert_eq!(acme["case"]["actors"].as_array().map(Vec::len), Some(2));

        let (_dir4, events) = file(
            "events.csv",
            "Caso,Tipo,Título,Fecha,Actores,Fuentes,Muertos\n\
             acme-mine,STRIKE,Five-day strike,2017-06-20,acme;valley-front,https://example.org/strike,\n\
             acme-mine,VIOLENCE,Clash at the gate,2017-06-22,,,two\n",
        );
        let report = import(
            &app.store,
            &events,
            Some(RecordKind::Event),
            &[
                ("case", "Caso"),
                ("kind", "Tipo"),
                ("title", "Título"),
                ("date", "Fecha"),
                ("actors", "Actores"),
                ("sources", "Fuentes"),
                ("deaths", "Muertos"),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.new, 1, "{report}");
        assert_eq!(
            report.rejected,
            [(3, "deaths: `two` is not a whole number".to_owned())],
            "{report}"
        );
        let strike = app
            .data(
                r#"{ case(slug: "acme-mine") { events(first: 5) { nodes { kind title actors { slug } sources { url } } } } }"#,
                json!({}),
            )
            .await;
        let strike = &strike["case"]["events"]["nodes"][0];
        assert_eq!(strike["kind"], "STRIKE");
        assert_eq!(strike["actors"].as_array().map(Vec::len), Some(2));
        assert_eq!(strike["sources"][0]["url"], "https://example.org/strike");

        let (_dir3, array) = file(
            "events.json",
            "[\n  {\"type\": \"event\", \"case\": \"acme-mine\", \"kind\": \"PROTEST\",\n   \"title\": \"March to the mine\", \"date\": \"2017-06\"},\n  {\"type\": \"event\", \"case\": \"no-such-case\", \"kind\": \"PROTEST\",\n   \"title\": \"March\", \"date\": \"2017-06\"}\n]\n",
        );
        let report = import_ok(&app.store, &array).await;
        assert_eq!(report.new, 1, "{report}");
        assert_eq!(
            report.rejected,
            [(4, "case: no case with slug `no-such-case`".to_owned())],
            "{report}"
        );
        // Read again through the JSON-array path: unchanged.
        let again = import(&app.store, &array, None, &[])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((again.new, again.unchanged), (0, 1), "{again}");
        assert_eq!(
            Format::detect(&array, &std::fs::read_to_string(&array).unwrap_or_default()),
            Some(Format::Records)
        );
    }
);

both_engines!(
    bad_records_are_rejected_with_their_lines_and_the_rest_imports,
    |engine| {
        let app = TestApp::spawn(engine).await;
        seed_references(&app.store).await;
        let text = concat!(
            r#"{"type":"actor","slug":"acme","name":"Acme Mining","kind":"COMPANY"}"#,
            "\n",
            r#"{"type":"actor","slug":"acme-2","name":"Acme 2","kind":"COMPANY""#,
            "\n",
            r#"{"type":"event","case":"nowhere","kind":"PROTEST","title":"March","date":"2017"}"#,
            "\n",
            r#"{"type":"case","slug":"Acme Mine","kind":"MINE","title":"Acme","status":"ACTIVE"}"#,
            "\n",
            r#"{"type":"case","slug":"acme-mine","kind":"MINE","title":"Acme","status":"ACTIVE","places":[{"code":"9999"}]}"#,
            "\n",
            r#"{"type":"case","slug":"acme-pit","kind":"MINE","title":"Acme pit","status":"ACTIVE","actors":[{"actor":"acme","role":"OPERATOR"}]}"#,
            "\n",
            r#"{"type":"link","news":"https://example.org/missing","case":"acme-pit","updateKind":"DEVELOPMENT"}"#,
            "\n",
        );
        let (_dir, path) = file("mixed.ndjson", text);
        let report = import(&app.store, &path, None, &[])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.new, 2, "{report}");
        let lines: Vec<usize> = report.rejected.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 3, 4, 5, 7], "{report}");
        assert!(report.rejected[1].1.contains("nowhere"), "{report}");
        assert!(report.rejected[2].1.contains("slug"), "{report}");
        assert!(report.rejected[3].1.contains("9999"), "{report}");
        assert!(
            report.rejected[4].1.contains("https://example.org/missing"),
            "{report}"
        );
        let data = app
            .data(
                r#"{ case(slug: "acme-pit") { title } other: case(slug: "acme-mine") { title } }"#,
                json!({}),
            )
            .await;
        assert_eq!(data["case"]["title"], "Acme pit");
        assert_eq!(
            data["other"],
            Value::Null,
            "a rejected record writes nothing"
        );
    }
);

both_engines!(a_store_error_rolls_the_whole_file_back, |engine| {
    let app = TestApp::spawn(engine).await;
    seed_references(&app.store).await;
    let entries = audit_entries(&app.store).await;
    // Two cases claim the same Ombudsman code: the second insert violates a unique key.
    let text = concat!(
        r#"{"type":"actor","slug":"acme","name":"Acme Mining","kind":"COMPANY"}"#,
        "\n",
        r#"{"type":"case","slug":"first-mine","kind":"MINE","title":"First","status":"ACTIVE","externalIds":[{"scheme":"OMBUDSMAN","value":"X-1"}]}"#,
        "\n",
        r#"{"type":"case","slug":"second-mine","kind":"MINE","title":"Second","status":"ACTIVE","externalIds":[{"scheme":"OMBUDSMAN","value":"X-1"}]}"#,
        "\n",
    );
    let (_dir, path) = file("clash.ndjson", text);
    let result = import(&app.store, &path, None, &[]).await;
    let err = match result {
        Ok(report) => panic!("the clash must fail the file: {report}"),
        Err(err) => err.to_string(),
    };
    assert!(err.contains("line 3"), "{err}");
    let data = app
        .data(
            r#"{ cases(first: 5) { totalCount } actors(first: 5) { nodes { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["cases"]["totalCount"], 0,
        "nothing of the file is kept"
    );
    assert_eq!(data["actors"]["nodes"], json!([]));
    assert_eq!(
        audit_entries(&app.store).await,
        entries,
        "no audit entry either"
    );
});

#[test]
fn the_command_exits_non_zero_when_a_record_is_rejected() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("cli.db");
    let records = dir.path().join("actors.ndjson");
    std::fs::write(
        &records,
        "{\"type\":\"actor\",\"name\":\"Acme Mining\",\"kind\":\"COMPANY\"}\n{\"type\":\"actor\",\"name\":\"\",\"kind\":\"COMPANY\"}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_chasqui"))
        .arg("import")
        .arg(&records)
        .arg("--database-url")
        .arg(format!("sqlite://{}?mode=rwc", db.display()))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("1 new, 0 updated, 0 unchanged"), "{stdout}");
    assert!(
        stdout.contains("actors.ndjson:2: rejected: name: must not be empty"),
        "{stdout}"
    );
}

both_engines!(a_null_field_clears_what_an_absent_one_keeps, |engine| {
    let app = TestApp::spawn(engine).await;
    let store = &app.store;
    let first = r#"{"type":"actor","slug":"front","name":"Front","kind":"COMMUNITY","description":"Communities of the valley."}
{"type":"case","slug":"quiet-mine","kind":"MINE","title":"Quiet mine","summary":"A copper mine.","status":"ACTIVE","conflictType":"SOCIO_ENVIRONMENTAL","startedOn":"2011"}
"#;
    let (_dir, path) = file("first.ndjson", first);
    let report = import_ok(store, &path).await;
    assert_eq!((report.new, report.rejected.len()), (2, 0), "{report}");

    // `null` clears summary, start and description; conflictType, left out, stays.
    let second = r#"{"type":"actor","slug":"front","name":"Front","kind":"COMMUNITY","description":null}
{"type":"case","slug":"quiet-mine","kind":"MINE","title":"Quiet mine","summary":null,"status":"ACTIVE","startedOn":null}
"#;
    let (_dir2, path) = file("second.ndjson", second);
    let before = audit_entries(store).await;
    let report = import_ok(store, &path).await;
    assert_eq!((report.updated, report.rejected.len()), (2, 0), "{report}");
    assert_eq!(
        audit_entries(store).await,
        before + 2,
        "one audited update each"
    );
    let data = app
        .data(
            r#"{ case(slug: "quiet-mine") { summary startedOn { value } conflictType }
                 actor(slug: "front") { description } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["case"]["summary"], Value::Null, "{data:#}");
    assert_eq!(data["case"]["startedOn"], Value::Null, "{data:#}");
    assert_eq!(data["case"]["conflictType"], json!("SOCIO_ENVIRONMENTAL"));
    assert_eq!(data["actor"]["description"], Value::Null, "{data:#}");

    // The same file again changes nothing.
    let report = import_ok(store, &path).await;
    assert_eq!((report.unchanged, report.updated), (2, 0), "{report}");
});
