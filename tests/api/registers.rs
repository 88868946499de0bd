//! Monthly registers as history, and provenance: the Ombudsman's real table for March
//! 2024, then an April table written from it (statuses and phases changed, one case new,
//! one withdrawn, one left out, a kept column changed), imported month after month and
//! out of order; what the registers' kept columns say, and their filters; where every
//! status change, event and placement came from (provenance: `provenance.rs`).

use crate::app::TestApp;
use crate::both_engines;
use chasqui::import::{FileReport, Provenance, RecordOptions, import_file_with};
use chasqui_entities::PartialDate;
use chasqui_entities::tables::{audit_entry, source};
use chasqui_store::{Author, Store};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn march_table() -> PathBuf {
    PathBuf::from(format!(
        "{}/../shared/data/conflicts/mining-conflicts-2024-03.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
}

/// Imports a file, as of `as_of` (`--as-of`) when given.
pub(crate) async fn import(store: &Store, path: &Path, as_of: Option<&str>) -> FileReport {
    let provenance = Provenance {
        publisher: None,
        language: None,
        columns: Default::default(),
    };
    let options = RecordOptions {
        kind: None,
        as_of: as_of.map(|m| PartialDate::parse(m).unwrap_or_else(|e| panic!("{m}: {e}"))),
    };
    let author = Author::command_line();
    import_file_with(store, &author, path, None, &provenance, &options, &|_| {})
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn count<E>(store: &Store) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    E::find()
        .count(&store.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A case table as text: its header and rows, by column name.
#[derive(Clone)]
struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Table {
        let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{e}"));
        let headers = reader
            .headers()
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| {
                r.unwrap_or_else(|e| panic!("{e}"))
                    .iter()
                    .map(str::to_owned)
                    .collect()
            })
            .collect();
        Table { headers, rows }
    }

    fn column(&self, name: &str) -> usize {
        self.headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    fn get(&self, row: usize, name: &str) -> &str {
        &self.rows[row][self.column(name)]
    }

    fn set(&mut self, row: usize, name: &str, value: &str) {
        let column = self.column(name);
        self.rows[row][column] = value.to_owned();
    }

    /// The first row, not among `taken`, that `wanted` accepts.
    fn pick(&self, taken: &mut Vec<usize>, wanted: impl Fn(&Table, usize) -> bool) -> usize {
        let row = (0..self.rows.len())
            .find(|r| !taken.contains(r) && wanted(self, *r))
            .unwrap_or_else(|| panic!("no row fits"));
        taken.push(row);
        row
    }

    fn text(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(&self.headers)
            .unwrap_or_else(|e| panic!("{e}"));
        for row in &self.rows {
            writer.write_record(row).unwrap_or_else(|e| panic!("{e}"));
        }
        String::from_utf8(writer.into_inner().unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.text()).unwrap_or_else(|e| panic!("{e}"));
        path
    }

    /// What the table says of each case, by title.
    fn says(&self) -> HashMap<String, Said> {
        (0..self.rows.len())
            .map(|r| {
                let said = Said {
                    status: status(self.get(r, "estado")),
                    phase: phase(self.get(r, "fase")),
                    violence: yes(self.get(r, "vio_if")),
                    dialogue: yes(self.get(r, "dial_if")),
                    level: level(self.get(r, "competencia")),
                };
                (self.get(r, "caso").to_owned(), said)
            })
            .collect()
    }
}

/// What a register says of a case, in the API's words.
#[derive(Clone, Debug, PartialEq)]
struct Said {
    status: &'static str,
    phase: Value,
    violence: bool,
    dialogue: bool,
    level: &'static str,
}

fn status(text: &str) -> &'static str {
    match text {
        "Activo" => "ACTIVE",
        "Latente" => "LATENT",
        "Resuelto" => "RESOLVED",
        "Retirado" => "WITHDRAWN",
        other => panic!("status {other}"),
    }
}

fn phase(text: &str) -> Value {
    json!(match text {
        "Diálogo" => "DIALOGUE",
        "Conflicto no iniciado" => "NOT_STARTED",
        "Desescalamiento" => "DE_ESCALATION",
        "Fase temprana" => "EARLY",
        "Escalamiento" => "ESCALATION",
        "Resuelto" | "Conflicto concluido" => "CONCLUDED",
        "Retirado" => return Value::Null,
        other => panic!("phase {other}"),
    })
}

fn yes(text: &str) -> bool {
    match text {
        "Sí" => true,
        "No" => false,
        other => panic!("yes/no {other}"),
    }
}

fn level(text: &str) -> &'static str {
    match text {
        "Gobierno nacional" => "NATIONAL",
        "Gobierno regional" => "REGIONAL",
        "Gobierno local" => "LOCAL",
        other => panic!("level {other}"),
    }
}

const NEW_CASE: &str = "Comunidad de Pumamarca - Minera Nueva Esperanza";

/// The April table, written from March's: a latent case reactivated, an active one moved
/// to another phase, one to latent, one withdrawn, one whose dialogue began (nothing
/// else changed), one left out, and one new. Returns the table and the titles of
/// (reactivated, phase, latent, withdrawn, dialogue, left out).
fn april_from(march: &Table) -> (Table, [String; 6]) {
    let mut april = march.clone();
    let mut taken = Vec::new();
    let active_in_dialogue =
        |t: &Table, r: usize| t.get(r, "estado") == "Activo" && t.get(r, "fase") == "Diálogo";
    let reactivated = april.pick(&mut taken, |t, r| t.get(r, "estado") == "Latente");
    let phase = april.pick(&mut taken, active_in_dialogue);
    let latent = april.pick(&mut taken, active_in_dialogue);
    let withdrawn = april.pick(&mut taken, active_in_dialogue);
    let dialogue = april.pick(&mut taken, |t, r| {
        active_in_dialogue(t, r) && t.get(r, "dial_if") == "No"
    });
    let left_out = april.pick(&mut taken, active_in_dialogue);
    for (row, estado, fase) in [
        (reactivated, "Activo", "Diálogo"),
        (phase, "Activo", "Escalamiento"),
        (latent, "Latente", "Conflicto no iniciado"),
        (withdrawn, "Retirado", "Retirado"),
    ] {
        april.set(row, "estado", estado);
        april.set(row, "fase", fase);
    }
    april.set(dialogue, "dial_if", "Sí");
    let titles = [reactivated, phase, latent, withdrawn, dialogue, left_out]
        .map(|r| april.get(r, "caso").to_owned());
    april.rows.remove(left_out);
    let mut new = april.rows[0].clone();
    for (name, value) in [
        ("caso", NEW_CASE),
        ("departamento", "Apurímac"),
        ("provincia", "Cotabambas"),
        ("distrito", "Challhuahuacho"),
        ("empresa", "Minera Nueva Esperanza S.A.C."),
        ("estado", "Activo"),
        ("fase", "Fase temprana"),
        ("vio_if", "Sí"),
        ("dial_if", "No"),
        ("competencia", "Gobierno regional"),
        ("lat", ""),
        ("lon", ""),
    ] {
        let column = april.column(name);
        new[column] = value.to_owned();
    }
    april.rows.push(new);
    (april, titles)
}

const PROVENANCE: &str = r#"provenance {
    __typename
    ... on ImportedFile { kind fileName digest asOf { value precision } importedAt }
    ... on Source { url newsItem { title } }
    ... on Edit { action author auditEntryId }
}"#;

/// Every case with its register columns and history, by title.
async fn cases_by_title(app: &TestApp) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let query = format!(
            r#"query($after: String) {{ cases(first: 30, after: $after, orderBy: {{field: SLUG, direction: ASC}}) {{
                pageInfo {{ hasNextPage endCursor }}
                nodes {{ slug title status phase violenceReported dialogueUnderWay responsibleLevel
                         statusHistory {{ status phase date {{ value precision }} note {PROVENANCE} }} }} }} }}"#
        );
        let data = app.data(&query, json!({ "after": after })).await;
        for case in data["cases"]["nodes"].as_array().into_iter().flatten() {
            let title = case["title"].as_str().unwrap_or_default().to_owned();
            out.insert(title, case.clone());
        }
        if data["cases"]["pageInfo"]["hasNextPage"] != json!(true) {
            return out;
        }
        after = data["cases"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
}

/// The changes of a case's history dated `month`.
fn changes_in<'a>(case: &'a Value, month: &str) -> Vec<&'a Value> {
    case["statusHistory"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["date"]["value"] == month)
        .collect()
}

async fn total(app: &TestApp, filter: Value) -> i64 {
    let data = app
        .data_as(
            None,
            "query($f: CaseFilter) { cases(first: 1, filter: $f) { totalCount } }",
            json!({ "f": filter }),
        )
        .await;
    data["cases"]["totalCount"].as_i64().unwrap_or(-1)
}

both_engines!(
    a_second_month_records_what_changed_and_reports_what_is_missing,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let march = Table::read(&march_table());
        let first = import(&app.store, &march_table(), None).await;
        assert_eq!((first.new, first.rejected.len()), (81, 0), "{first}");
        assert_eq!(first.as_of.map(|m| m.to_string()), Some("2024-03".into()));
        assert!(first.absent.is_empty(), "{first}");

        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (april, titles) = april_from(&march);
        let [reactivated, phase, latent, withdrawn, dialogue, left_out] = titles.clone();
        let april_path = april.write(dir.path(), "mining-conflicts-2024-04.csv");
        let report = import(&app.store, &april_path, None).await;
        // The four whose status or phase changed, and the one whose dialogue began.
        assert_eq!(
            (
                report.new,
                report.updated,
                report.unchanged,
                report.rejected.len()
            ),
            (1, 5, 75, 0),
            "{report}"
        );
        // The case left out is reported, with what March said of it, and keeps it.
        assert_eq!(report.absent.len(), 1, "{report}");
        let absent = &report.absent[0];
        assert_eq!(absent.title, left_out);
        assert_eq!(
            absent.last_listed.map(|m| m.to_string()),
            Some("2024-03".into())
        );
        assert_eq!(absent.last_status.as_str(), "ACTIVE");
        assert!(
            report
                .to_string()
                .contains(&format!("absent: `{}`", absent.slug)),
            "{report}"
        );

        let digest = chasqui_store::digest(&std::fs::read(&april_path).unwrap_or_default());
        assert_eq!(digest.len(), 64);
        let (said_march, said_april) = (march.says(), april.says());
        let cases = cases_by_title(&app).await;
        assert_eq!(cases.len(), 82, "81 cases and the new one");
        let changed = [&reactivated, &phase, &latent, &withdrawn];
        for (title, case) in &cases {
            let said = said_april
                .get(title)
                .or_else(|| said_march.get(title))
                .unwrap_or_else(|| panic!("{title} is in no table"));
            // The case is what its latest register says.
            assert_eq!(case["status"], said.status, "{title}");
            assert_eq!(case["phase"], said.phase, "{title}");
            assert_eq!(case["violenceReported"], said.violence, "{title}");
            assert_eq!(case["dialogueUnderWay"], said.dialogue, "{title}");
            assert_eq!(case["responsibleLevel"], said.level, "{title}");
            let april_changes = changes_in(case, "2024-04");
            if changed.contains(&title) || title == NEW_CASE {
                // Exactly one change in April, with the register as its source.
                assert_eq!(april_changes.len(), 1, "{title}: {case:#}");
                let change = april_changes[0];
                assert_eq!(change["status"], said.status, "{title}");
                assert_eq!(change["phase"], said.phase, "{title}");
                assert_eq!(change["date"]["precision"], "MONTH");
                let source = &change["provenance"];
                assert_eq!(source["__typename"], "ImportedFile", "{title}");
                assert_eq!(source["kind"], "REGISTER");
                assert_eq!(source["fileName"], "mining-conflicts-2024-04.csv");
                assert_eq!(source["asOf"]["value"], "2024-04");
                assert_eq!(source["digest"], digest.as_str());
                assert!(source["importedAt"].is_string());
            } else {
                assert!(april_changes.is_empty(), "{title}: {case:#}");
            }
            if title != NEW_CASE {
                // Each March case starts with March's status, from March's register.
                let march_changes = changes_in(case, "2024-03");
                assert_eq!(march_changes.len(), 1, "{title}: {case:#}");
                let source = &march_changes[0]["provenance"];
                assert_eq!(source["fileName"], "mining-conflicts-2024-03.csv");
                assert_eq!(source["asOf"]["value"], "2024-03");
            }
        }
        assert_eq!(
            cases[&NEW_CASE.to_owned()]["statusHistory"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        // The case left out keeps March's status and columns; no status is invented.
        assert_eq!(cases[&left_out]["status"], "ACTIVE");
        assert_eq!(
            cases[&left_out]["statusHistory"].as_array().map(Vec::len),
            Some(1)
        );
        assert_eq!(cases[&dialogue]["dialogueUnderWay"], true);
        assert_eq!(cases[&withdrawn]["status"], "WITHDRAWN");
        assert_eq!(
            cases[&withdrawn]["phase"],
            Value::Null,
            "a change states its phase"
        );

        // The kept columns filter the lists and counts, alone and with other filters.
        let latest: Vec<&Said> = cases
            .keys()
            .map(|t| said_april.get(t).or_else(|| said_march.get(t)))
            .map(|s| s.unwrap_or_else(|| panic!("every case is in a table")))
            .collect();
        let expect =
            |keep: &dyn Fn(&Said) -> bool| latest.iter().filter(|s| keep(s)).count() as i64;
        assert_eq!(
            total(&app, json!({"violenceReported": true})).await,
            expect(&|s| s.violence)
        );
        assert_eq!(
            total(&app, json!({"violenceReported": false})).await,
            expect(&|s| !s.violence)
        );
        assert_eq!(
            total(&app, json!({"dialogueUnderWay": true})).await,
            expect(&|s| s.dialogue)
        );
        assert_eq!(
            total(&app, json!({"responsibleLevels": ["REGIONAL"]})).await,
            expect(&|s| s.level == "REGIONAL")
        );
        assert_eq!(
            total(&app, json!({"responsibleLevels": ["REGIONAL", "NATIONAL"]})).await,
            82
        );
        assert_eq!(
            total(&app, json!({"responsibleLevels": ["LOCAL"]})).await,
            0
        );
        assert_eq!(
            total(
                &app,
                json!({"statuses": ["ACTIVE"], "dialogueUnderWay": false, "violenceReported": true})
            )
            .await,
            expect(&|s| s.status == "ACTIVE" && !s.dialogue && s.violence)
        );
        assert_eq!(
            total(
                &app,
                json!({"region": ["03"], "responsibleLevels": ["REGIONAL"]})
            )
            .await,
            (cases
                .iter()
                .filter(|(t, _)| {
                    let s = said_april.get(*t).or_else(|| said_march.get(*t));
                    s.is_some_and(|s| s.level == "REGIONAL")
                })
                .filter(|(t, _)| {
                    let row = april
                        .rows
                        .iter()
                        .chain(&march.rows)
                        .find(|r| r[april.column("caso")] == **t);
                    row.is_some_and(|r| r[april.column("departamento")] == "Apurímac")
                })
                .count()) as i64
        );

        // The monthly report for April, from the two registers' history: the totals are
        // what the latest register listing each case says, and the movements are the
        // April changes, each citing the April register.
        let report_data = app
            .data_as(
                None,
                r#"{ statusReport(period: "2024-04") {
                    byStatus { status count }
                    movements(first: 50) { totalCount items { kind case { title }
                        change { date { value } provenance { ... on ImportedFile { fileName } } } } } } }"#,
                json!({}),
            )
            .await;
        let status_report = &report_data["statusReport"];
        let mut by_status: HashMap<String, i64> = HashMap::new();
        for said in &latest {
            *by_status.entry(said.status.to_owned()).or_default() += 1;
        }
        for group in status_report["byStatus"].as_array().into_iter().flatten() {
            let status = group["status"].as_str().unwrap_or_default();
            assert_eq!(
                group["count"].as_i64(),
                by_status.get(status).copied(),
                "{status}: {status_report:#}"
            );
        }
        let counted: i64 = status_report["byStatus"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| g["count"].as_i64())
            .sum();
        assert_eq!(counted, 82, "{status_report:#}");
        let mut movements: Vec<(String, String)> = status_report["movements"]["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                assert_eq!(m["change"]["date"]["value"], "2024-04");
                assert_eq!(
                    m["change"]["provenance"]["fileName"],
                    "mining-conflicts-2024-04.csv"
                );
                (
                    m["kind"].as_str().unwrap_or_default().to_owned(),
                    m["case"]["title"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        movements.sort();
        let mut expected = vec![
            ("MOVED_TO_LATENT".to_owned(), latent.clone()),
            ("NEW".to_owned(), NEW_CASE.to_owned()),
            ("REACTIVATED".to_owned(), reactivated.clone()),
            ("WITHDRAWN".to_owned(), withdrawn.clone()),
        ];
        expected.sort();
        assert_eq!(movements, expected, "{status_report:#}");

        // Every group of the report and the cases behind it, against the two tables: the
        // latest register listing each case says its status and phase at April's end.
        let rows: Vec<(String, &Said, String)> = cases
            .keys()
            .map(|t| {
                let said = said_april.get(t).or_else(|| said_march.get(t));
                let said = said.unwrap_or_else(|| panic!("{t} is in a table"));
                let row = april
                    .rows
                    .iter()
                    .chain(&march.rows)
                    .find(|r| r[april.column("caso")] == *t)
                    .unwrap_or_else(|| panic!("{t} has a row"));
                let department = chasqui_domain::text::fold_key(&row[april.column("departamento")]);
                (t.clone(), said, department)
            })
            .collect();
        let groups = app
            .data_as(
                None,
                r#"{ statusReport(period: "2024-04") {
                    byStatus { status count cases(first: 100) { title } }
                    activeByPhase { phase count cases(first: 100) { title } }
                    activeByConflictType { conflictType count }
                    activeByRegion { region { name } count cases(first: 100) { title } } } }"#,
                json!({}),
            )
            .await;
        let april_report = &groups["statusReport"];
        let titles = |group: &Value| -> Vec<String> {
            let mut titles: Vec<String> = group["cases"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["title"].as_str().map(str::to_owned))
                .collect();
            titles.sort();
            assert_eq!(
                group["count"].as_u64(),
                Some(titles.len() as u64),
                "{group}"
            );
            titles
        };
        let wanted = |keep: &dyn Fn(&(String, &Said, String)) -> bool| -> Vec<String> {
            let mut titles: Vec<String> = rows
                .iter()
                .filter(|r| keep(r))
                .map(|r| r.0.clone())
                .collect();
            titles.sort();
            titles
        };
        let mut statuses_seen = 0;
        for group in april_report["byStatus"].as_array().into_iter().flatten() {
            let status = group["status"].as_str().unwrap_or_default();
            assert_eq!(titles(group), wanted(&|r| r.1.status == status), "{status}");
            statuses_seen += titles(group).len();
        }
        assert_eq!(statuses_seen, rows.len(), "every case in one status group");
        let active = |r: &(String, &Said, String)| r.1.status == "ACTIVE";
        let mut phases_seen = 0;
        for group in april_report["activeByPhase"]
            .as_array()
            .into_iter()
            .flatten()
        {
            assert_eq!(
                titles(group),
                wanted(&|r| active(r) && r.1.phase == group["phase"]),
                "{group}"
            );
            phases_seen += titles(group).len();
        }
        assert_eq!(
            phases_seen,
            wanted(&active).len(),
            "every active case in one phase"
        );
        assert_eq!(
            april_report["activeByConflictType"],
            json!([{"conflictType": "SOCIO_ENVIRONMENTAL", "count": wanted(&active).len()}]),
            "every case of the tables is socio-environmental"
        );
        let mut regions_seen = 0;
        for group in april_report["activeByRegion"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let name = chasqui_domain::text::fold_key(
                group["region"]["name"].as_str().unwrap_or_default(),
            );
            assert_eq!(
                titles(group),
                wanted(&|r| active(r) && r.2 == name),
                "{group}"
            );
            regions_seen += titles(group).len();
        }
        assert_eq!(
            regions_seen,
            wanted(&active).len(),
            "each active case in its department"
        );

        // The same month again writes nothing: no change, no audit entry, no source.
        let entries = count::<audit_entry::Entity>(&app.store).await;
        let sources = count::<source::Entity>(&app.store).await;
        let again = import(&app.store, &april_path, None).await;
        assert_eq!(
            (again.new, again.updated, again.unchanged),
            (0, 0, 81),
            "{again}"
        );
        assert_eq!(again.absent, report.absent);
        assert_eq!(count::<audit_entry::Entity>(&app.store).await, entries);
        assert_eq!(count::<source::Entity>(&app.store).await, sources);
        assert_eq!(sources, 2);
        // And so does March again: it lands before April, where it already is.
        let march_again = import(&app.store, &march_table(), None).await;
        assert_eq!(
            (march_again.updated, march_again.unchanged),
            (0, 81),
            "{march_again}"
        );
        assert_eq!(count::<audit_entry::Entity>(&app.store).await, entries);
        let after = cases_by_title(&app).await;
        assert_eq!(after, cases);
    }
);

/// A small register of three cases in Challhuahuacho: (name, estado, fase, dial_if,
/// competencia, empresa) per row.
pub(crate) fn small_register(rows: &[(&str, &str, &str, &str, &str, &str)]) -> String {
    let mut text = String::from(
        "caso,departamento,provincia,distrito,empresa,tipo,actividad,estado,fase,vio_if,dial_if,competencia\n",
    );
    for (name, estado, fase, dial, competencia, empresa) in rows {
        text.push_str(&format!(
            "{name},Apurímac,Cotabambas,Challhuahuacho,{empresa},Socioambiental,Minería,{estado},{fase},No,{dial},{competencia}\n"
        ));
    }
    text
}

async fn history(app: &TestApp, slug: &str) -> (Value, Vec<(String, String, Value)>) {
    let data = app
        .data(
            r#"query($slug: String!) { case(slug: $slug) { status phase dialogueUnderWay responsibleLevel
                 ... on MineCase { operators { actor { name } } }
                 statusHistory { status phase date { value } provenance { ... on ImportedFile { fileName } } } } }"#,
            json!({ "slug": slug }),
        )
        .await;
    let case = data["case"].clone();
    let changes = case["statusHistory"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["date"]["value"].as_str().unwrap_or_default().to_owned(),
                c["status"].as_str().unwrap_or_default().to_owned(),
                c["phase"].clone(),
            )
        })
        .collect();
    (case, changes)
}

fn change(month: &str, status: &str, phase: &str) -> (String, String, Value) {
    (month.to_owned(), status.to_owned(), json!(phase))
}

both_engines!(
    registers_imported_out_of_order_keep_each_month_true,
    |engine| {
        let app = TestApp::spawn(engine).await;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let write = |name: &str, text: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
            path
        };
        let (nat, reg) = ("Gobierno nacional", "Gobierno regional");
        let (dialogue, not_started) = ("Diálogo", "Conflicto no iniciado");
        let company = "Minera Uno S.A.";
        let march = write(
            "conflicts-2024-03.csv",
            small_register(&[
                ("Mina A", "Activo", dialogue, "Sí", nat, company),
                ("Mina B", "Activo", dialogue, "Sí", nat, company),
                ("Mina C", "Activo", dialogue, "Sí", nat, company),
            ]),
        );
        let may = write(
            "conflicts-2024-05.csv",
            small_register(&[
                ("Mina A", "Activo", dialogue, "Sí", nat, company),
                ("Mina B", "Latente", not_started, "Sí", nat, company),
                ("Mina C", "Activo", dialogue, "No", nat, company),
            ]),
        );
        // April comes after May: A turned latent in April and active again in May (which,
        // imported first, had nothing to record for it); C's April row names another
        // operator and other columns, which May's row, the later month, overrides.
        let april = write(
            "conflicts-2024-04.csv",
            small_register(&[
                ("Mina A", "Latente", not_started, "Sí", nat, company),
                ("Mina B", "Activo", dialogue, "Sí", nat, company),
                ("Mina C", "Activo", dialogue, "Sí", reg, "Otra Minera S.A."),
            ]),
        );
        // February, named by `--as-of` over the month in its name.
        let february = write(
            "conflicts-2024-01.csv",
            small_register(&[
                ("Mina A", "Activo", "Escalamiento", "No", nat, company),
                ("Mina C", "Latente", not_started, "No", reg, company),
            ]),
        );
        let first = import(&app.store, &march, None).await;
        assert_eq!(first.new, 3, "{first}");
        let may_report = import(&app.store, &may, None).await;
        assert_eq!(
            (may_report.updated, may_report.unchanged),
            (2, 1),
            "B's status, C's dialogue: {may_report}"
        );
        let april_report = import(&app.store, &april, None).await;
        assert_eq!(april_report.updated, 1, "only A: {april_report}");
        assert!(april_report.absent.is_empty(), "{april_report}");
        let february_report = import(&app.store, &february, Some("2024-02")).await;
        assert_eq!(
            february_report.as_of.map(|m| m.to_string()),
            Some("2024-02".into())
        );
        assert_eq!(february_report.updated, 2, "{february_report}");
        assert!(
            february_report.absent.is_empty(),
            "no register is earlier than February: {february_report}"
        );

        let (a, a_history) = history(&app, "mina-a").await;
        assert_eq!(
            a_history,
            [
                change("2024-02", "ACTIVE", "ESCALATION"),
                change("2024-03", "ACTIVE", "DIALOGUE"),
                change("2024-04", "LATENT", "NOT_STARTED"),
                change("2024-05", "ACTIVE", "DIALOGUE"),
            ],
            "{a:#}"
        );
        assert_eq!(
            (&a["status"], &a["phase"]),
            (&json!("ACTIVE"), &json!("DIALOGUE"))
        );
        // The May change that April's import made necessary cites May's register.
        assert_eq!(
            a["statusHistory"][3]["provenance"]["fileName"],
            "conflicts-2024-05.csv"
        );
        assert_eq!(
            a["statusHistory"][0]["provenance"]["fileName"],
            "conflicts-2024-01.csv"
        );
        let (b, b_history) = history(&app, "mina-b").await;
        assert_eq!(
            b_history,
            [
                change("2024-03", "ACTIVE", "DIALOGUE"),
                change("2024-05", "LATENT", "NOT_STARTED"),
            ],
            "{b:#}"
        );
        assert_eq!(b["status"], "LATENT");
        let (c, c_history) = history(&app, "mina-c").await;
        assert_eq!(
            c_history,
            [
                change("2024-02", "LATENT", "NOT_STARTED"),
                change("2024-03", "ACTIVE", "DIALOGUE"),
            ],
            "{c:#}"
        );
        assert_eq!(c["status"], "ACTIVE");
        // May's row is the latest: its columns, and March's operator (April's is older news).
        assert_eq!(c["dialogueUnderWay"], false);
        assert_eq!(c["responsibleLevel"], "NATIONAL");
        assert_eq!(c["operators"][0]["actor"]["name"], company);

        // Every file again: nothing written.
        let entries = count::<audit_entry::Entity>(&app.store).await;
        for (path, as_of) in [
            (&march, None),
            (&may, None),
            (&april, None),
            (&february, Some("2024-02")),
        ] {
            let again = import(&app.store, path, as_of).await;
            assert_eq!((again.new, again.updated), (0, 0), "{again}");
        }
        assert_eq!(count::<audit_entry::Entity>(&app.store).await, entries);
        assert_eq!(history(&app, "mina-a").await.1, a_history);
    }
);

both_engines!(a_register_without_a_month_and_a_case_left_out, |engine| {
    let app = TestApp::spawn(engine).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("conflicts.csv");
    std::fs::write(
        &path,
        small_register(&[
            (
                "Mina A",
                "Activo",
                "Diálogo",
                "Sí",
                "Gobierno local",
                "Minera Uno",
            ),
            (
                "Mina B",
                "Activo",
                "Diálogo",
                "Sí",
                "Gobierno local",
                "Minera Uno",
            ),
        ]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let first = import(&app.store, &path, None).await;
    assert_eq!((first.new, first.as_of), (2, None), "{first}");
    // Kept columns come from an undated register too.
    assert_eq!(
        total(&app, json!({"responsibleLevels": ["LOCAL"]})).await,
        2
    );
    std::fs::write(
        &path,
        small_register(&[(
            "Mina A",
            "Activo",
            "Diálogo",
            "No",
            "Gobierno local",
            "Minera Uno",
        )]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let second = import(&app.store, &path, None).await;
    assert_eq!(second.updated, 1, "A's dialogue ended: {second}");
    let slugs: Vec<&str> = second.absent.iter().map(|a| a.slug.as_str()).collect();
    assert_eq!(slugs, ["mina-b"], "{second}");
    assert_eq!(second.absent[0].last_listed, None);
    assert_eq!(total(&app, json!({"dialogueUnderWay": true})).await, 1);
    // `--as-of` names a case table's month, and only a case table's.
    let news = dir.path().join("news.ndjson");
    std::fs::write(&news, "{\"title\": \"A\", \"date\": \"2024-04-01\"}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let options = RecordOptions {
        kind: None,
        as_of: PartialDate::parse("2024-04").ok(),
    };
    let provenance = Provenance {
        publisher: None,
        language: None,
        columns: Default::default(),
    };
    let refused = import_file_with(
        &app.store,
        &Author::command_line(),
        &news,
        None,
        &provenance,
        &options,
        &|_| {},
    )
    .await;
    assert!(
        matches!(
            refused,
            Err(chasqui::import::ImportError::AsOfNotRegister(_))
        ),
        "{refused:?}"
    );
    // A register's month cannot be a day, nor in the future.
    for as_of in ["2024-04-02", "2999-01"] {
        let options = RecordOptions {
            kind: None,
            as_of: PartialDate::parse(as_of).ok(),
        };
        let refused = import_file_with(
            &app.store,
            &Author::command_line(),
            &path,
            None,
            &provenance,
            &options,
            &|_| {},
        )
        .await;
        assert!(
            matches!(
                &refused,
                Err(chasqui::import::ImportError::Store(chasqui_store::StoreError::Invalid { field, .. })) if field == "asOf"
            ),
            "{as_of}: {refused:?}"
        );
    }
});
