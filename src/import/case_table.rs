//! A case table in the Ombudsman's vocabulary, as tabulated from its monthly conflict
//! reports: one conflict per row, with the columns `caso`, `departamento`, `provincia`,
//! `distrito`, `empresa`, `tipo`, `actividad`, `estado`, `fase`, `vio_if`, `dial_if`,
//! `competencia`, `lat`, `lon` (others are ignored). A table describes a month, its
//! register's: the one `--as-of` names, else the one in the file name
//! (`…-2024-03.csv`). Each row becomes a case record:
//!
//! - the kind from `actividad` (Minería → MINE, Hidrocarburos → OIL_AND_GAS), the status
//!   from `estado`, the phase from `fase`, the conflict type from `tipo`; the status and
//!   phase as of the table's month;
//! - violence reported from `vio_if`, dialogue under way from `dial_if` (Sí / No), the
//!   level of government responsible from `competencia` (Gobierno nacional / regional /
//!   local), kept as the register says them (a blank cell says nothing);
//! - the companies of `empresa` as OPERATOR actors, one actor per company across rows
//!   (found by name or alias, legal form aside; a cell may name several, separated by
//!   commas, " - " or " y "); informal and illegal mining is one actor of kind OTHER;
//! - the place: the district (or the province when the district is "No detalla") with its
//!   UBIGEO code, below its province, department and Peru; and `lat`/`lon` as a SITE below
//!   it, named after the case;
//! - the slug from the case name, made unique within the file.
//!
//! A value outside the vocabulary, or a place the UBIGEO table does not have, rejects the
//! row with its line and the name; nothing is guessed.

use super::FileReport;
use super::ubigeo::{self, UbigeoPlace};
use chasqui_domain::text::{fold_key, fold_words};
use chasqui_domain::validate;
use chasqui_entities::*;
use chasqui_store::{
    ActorRecord, ActorRef, CaseRecord, ImportRecord, PlaceSpec, PlacementRecord, RecordEntry,
    RegisterColumns, RoleRecord, slug_from_name,
};
use std::collections::HashMap;

/// Whether a CSV header row is a case table's.
pub fn is_case_table_header(first_line: &str) -> bool {
    let columns: Vec<String> = first_line.split(',').map(fold_words).collect();
    ["caso", "departamento", "provincia", "estado"]
        .iter()
        .all(|wanted| columns.iter().any(|c| c == wanted))
}

/// The status of `estado`.
pub fn status(text: &str) -> Option<CaseStatus> {
    match fold_words(text).as_str() {
        "activo" => Some(CaseStatus::Active),
        "latente" => Some(CaseStatus::Latent),
        "resuelto" => Some(CaseStatus::Resolved),
        "retirado" => Some(CaseStatus::Withdrawn),
        _ => None,
    }
}

/// The phase of `fase`: `Some(None)` for values that state no phase (a withdrawn case's
/// "Retirado" repeats its status), `None` for values outside the vocabulary.
pub fn phase(text: &str) -> Option<Option<ConflictPhase>> {
    let phase = match fold_words(text).as_str() {
        "fase temprana" | "temprana" => ConflictPhase::Early,
        "escalamiento" => ConflictPhase::Escalation,
        "crisis" => ConflictPhase::Crisis,
        "desescalamiento" => ConflictPhase::DeEscalation,
        "dialogo" => ConflictPhase::Dialogue,
        "conflicto no iniciado" | "no iniciado" => ConflictPhase::NotStarted,
        "conflicto concluido" | "concluido" | "resuelto" => ConflictPhase::Concluded,
        "retirado" | "" => return Some(None),
        _ => return None,
    };
    Some(Some(phase))
}

/// The conflict type of `tipo`.
pub fn conflict_type(text: &str) -> Option<ConflictType> {
    let folded = fold_words(text);
    Some(match folded.as_str() {
        "socioambiental" => ConflictType::SocioEnvironmental,
        "laboral" => ConflictType::Labour,
        "comunal" => ConflictType::Communal,
        "electoral" => ConflictType::Electoral,
        "demarcacion territorial" => ConflictType::TerritorialDemarcation,
        "otros asuntos" | "otros" => ConflictType::Other,
        _ if folded.contains("gobierno local") => ConflictType::LocalGovernment,
        _ if folded.contains("gobierno regional") => ConflictType::RegionalGovernment,
        _ if folded.contains("gobierno nacional") => ConflictType::NationalGovernment,
        _ => return None,
    })
}

/// A yes-or-no cell (`vio_if`, `dial_if`): `Some(None)` for a blank one, `None` for
/// anything but Sí, Si, No (any case, accents aside) or blank.
pub fn yes_no(text: &str) -> Option<Option<bool>> {
    match fold_words(text).as_str() {
        "si" | "s" => Some(Some(true)),
        "no" | "n" => Some(Some(false)),
        "" => Some(None),
        _ => None,
    }
}

/// The level of government of `competencia`: `Some(None)` for a blank cell, `None` for
/// a value outside the vocabulary.
pub fn government_level(text: &str) -> Option<Option<GovernmentLevel>> {
    let folded = fold_words(text);
    let level = folded.strip_prefix("gobierno ").unwrap_or(&folded);
    Some(Some(match level {
        "nacional" => GovernmentLevel::National,
        "regional" => GovernmentLevel::Regional,
        "local" => GovernmentLevel::Local,
        "" => return Some(None),
        _ => return None,
    }))
}

/// The case kind of `actividad`.
fn kind(text: &str) -> Option<CaseKind> {
    match fold_words(text).as_str() {
        "mineria" | "" => Some(CaseKind::Mine),
        "hidrocarburos" => Some(CaseKind::OilAndGas),
        _ => None,
    }
}

/// Whitespace (no-break spaces included) collapsed to single spaces.
fn tidy(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A company (or other operator) an `empresa` cell names.
#[derive(Clone, Debug, PartialEq)]
pub struct Operator {
    pub name: String,
    pub kind: ActorKind,
    /// An acronym the cell gives after the name ("Consorcio Peruano de Minas - COPEMINA").
    pub aliases: Vec<String>,
}

/// Whether `word` (one upper-case word) abbreviates `name`: its letters appear in order in
/// the name's, starting with the first.
fn abbreviates(word: &str, name: &str) -> bool {
    let is_acronym =
        word.chars().count() >= 2 && word.chars().all(|c| c.is_uppercase() || c.is_ascii_digit());
    let letters: Vec<char> = fold_key(name).chars().collect();
    let wanted: Vec<char> = fold_key(word).chars().collect();
    if !is_acronym || letters.first() != wanted.first() {
        return false;
    }
    let mut rest = letters.iter();
    wanted.iter().all(|w| rest.any(|l| l == w))
}

/// The operators an `empresa` cell names. Several companies are separated by commas,
/// " - " or, after the first company, " y " ("Minera Coimolache S.A. - Buenaventura y
/// SPCC"); a segment that abbreviates the one before is its alias. Informal, illegal and
/// small-scale mining are one actor of kind OTHER, not companies; text in parentheses (a
/// project's name) is left out.
pub fn operators(cell: &str) -> Vec<Operator> {
    let mut text = String::new();
    let mut depth = 0usize;
    for c in cell.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => text.push(c),
            _ => {}
        }
    }
    let text = tidy(&text);
    if text.is_empty() {
        return Vec::new();
    }
    let folded = fold_words(&text);
    let informal = folded.contains("mineria")
        && (folded.contains("informal")
            || folded.contains("ilegal")
            || folded.contains("iinformal")
            || folded.contains("pequena"));
    if informal {
        return vec![Operator {
            name: text,
            kind: ActorKind::Other,
            aliases: Vec::new(),
        }];
    }
    let mut segments = vec![text];
    for separator in [",", ";", " - ", " – ", " / "] {
        segments = segments
            .iter()
            .flat_map(|p| p.split(separator).map(str::to_owned).collect::<Vec<_>>())
            .collect();
    }
    // " y " joins words inside a company's name ("Consorcio Minero y Operaciones
    // Conexas"); it separates companies only in the segments after the first.
    let mut parts: Vec<String> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        if i == 0 {
            parts.push(segment.clone());
        } else {
            parts.extend(segment.split(" y ").map(str::to_owned));
        }
    }
    let mut out: Vec<Operator> = Vec::new();
    for part in parts {
        let name = tidy(&part);
        if name.is_empty() || out.iter().any(|o| o.name == name) {
            continue;
        }
        if let Some(previous) = out.last_mut()
            && !name.contains(' ')
            && abbreviates(&name, &previous.name)
        {
            previous.aliases.push(name);
            continue;
        }
        out.push(Operator {
            name,
            kind: ActorKind::Company,
            aliases: Vec::new(),
        });
    }
    out
}

/// The month a table describes: `as_of` when given, else the month its file name carries.
pub fn register_month(file_name: &str, as_of: Option<PartialDate>) -> Option<PartialDate> {
    as_of.or_else(|| month_of_file_name(file_name))
}

/// The month a file name carries (`…-2024-03.csv`): when the statuses were reported.
fn month_of_file_name(file_name: &str) -> Option<PartialDate> {
    let bytes = file_name.as_bytes();
    (0..bytes.len().saturating_sub(6)).rev().find_map(|i| {
        let candidate = file_name.get(i..i + 7)?;
        let shaped = candidate.chars().enumerate().all(|(j, c)| match j {
            4 => c == '-',
            _ => c.is_ascii_digit(),
        });
        if shaped {
            PartialDate::parse(candidate).ok()
        } else {
            None
        }
    })
}

fn place_spec(place: &UbigeoPlace, name: &str, level: LocationLevel) -> PlaceSpec {
    PlaceSpec {
        code: Some(place.code.to_owned()),
        name: Some(tidy(name)),
        level,
        latitude: place.latitude,
        longitude: place.longitude,
    }
}

/// Reads a case table into case records, their statuses as of `as_of` (the table's
/// month, [`register_month`]; `None` when not known); a row that cannot be read is
/// rejected with its line and the reason.
pub(super) fn read_case_table(
    text: &str,
    file_name: &str,
    as_of: Option<PartialDate>,
    entries: &mut Vec<RecordEntry>,
    report: &mut FileReport,
) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(err) => {
            report
                .rejected
                .push((1, format!("no readable header row: {err}")));
            return;
        }
    };
    let at: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (fold_words(h), i))
        .collect();
    let missing: Vec<&str> = ["caso", "departamento", "provincia", "estado"]
        .into_iter()
        .filter(|c| !at.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        report.rejected.push((
            1,
            format!("the header has no column {}", missing.join(", ")),
        ));
        return;
    }
    let note = format!("as reported in the case table `{file_name}`");
    let mut slugs_seen: HashMap<String, usize> = HashMap::new();
    let peru = PlaceSpec {
        code: Some("PE".to_owned()),
        name: Some("Peru".to_owned()),
        level: LocationLevel::Country,
        latitude: None,
        longitude: None,
    };
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map(|p| p.line() as usize).unwrap_or(0);
                report.rejected.push((line, err.to_string()));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        // Headers are found folded, as `vio_if` is read from "VIO_IF" or "vio if".
        let cell = |column: &str| {
            at.get(fold_words(column).as_str())
                .and_then(|i| record.get(*i))
                .map(tidy)
                .unwrap_or_default()
        };
        let row = (|| -> Result<CaseRecord, String> {
            let title = validate::name("caso", &cell("caso")).map_err(|e| e.to_string())?;
            let status = status(&cell("estado"))
                .ok_or_else(|| format!("estado: unknown status `{}`", cell("estado")))?;
            let phase = phase(&cell("fase"))
                .ok_or_else(|| format!("fase: unknown phase `{}`", cell("fase")))?;
            let conflict_type = match cell("tipo").as_str() {
                "" => None,
                tipo => Some(
                    conflict_type(tipo)
                        .ok_or_else(|| format!("tipo: unknown conflict type `{tipo}`"))?,
                ),
            };
            let violence_reported = yes_no(&cell("vio_if"))
                .ok_or_else(|| format!("vio_if: expected Sí or No, not `{}`", cell("vio_if")))?;
            let dialogue_under_way = yes_no(&cell("dial_if"))
                .ok_or_else(|| format!("dial_if: expected Sí or No, not `{}`", cell("dial_if")))?;
            let responsible_level = government_level(&cell("competencia")).ok_or_else(|| {
                format!(
                    "competencia: unknown level of government `{}`",
                    cell("competencia")
                )
            })?;
            let kind = kind(&cell("actividad"))
                .ok_or_else(|| format!("actividad: unknown activity `{}`", cell("actividad")))?;
            let department_name = cell("departamento");
            let department = ubigeo::department(&department_name)
                .ok_or_else(|| format!("departamento: no department named `{department_name}`"))?;
            let province_name = cell("provincia");
            let province = ubigeo::below(department.code, &province_name).ok_or_else(|| {
                format!("provincia: no province named `{province_name}` in {department_name}")
            })?;
            let district_name = cell("distrito");
            let undetailed = matches!(
                fold_words(&district_name).as_str(),
                "" | "no detalla" | "no precisa" | "varios"
            );
            let district = if undetailed {
                None
            } else {
                Some(ubigeo::below(province.code, &district_name).ok_or_else(|| {
                    format!("distrito: no district named `{district_name}` in {province_name}")
                })?)
            };
            let mut path = vec![
                peru.clone(),
                place_spec(&department, &department_name, LocationLevel::Region),
                place_spec(&province, &province_name, LocationLevel::Province),
            ];
            let mut precision = PlacementPrecision::Province;
            if let Some(district) = &district {
                path.push(place_spec(
                    district,
                    &district_name,
                    LocationLevel::District,
                ));
                precision = PlacementPrecision::District;
            }
            let coordinate = |column: &str| -> Result<Option<f64>, String> {
                match cell(column).as_str() {
                    "" => Ok(None),
                    text => text
                        .parse::<f64>()
                        .map(Some)
                        .map_err(|_| format!("{column}: `{text}` is not a number")),
                }
            };
            let point = validate::point("lat", coordinate("lat")?, "lon", coordinate("lon")?)
                .map_err(|e| e.to_string())?;
            let mut places = vec![PlacementRecord {
                path: path.clone(),
                precision: Some(precision),
            }];
            if let Some((latitude, longitude)) = point {
                let mut site = path;
                site.push(PlaceSpec {
                    code: None,
                    name: Some(title.clone()),
                    level: LocationLevel::Site,
                    latitude: Some(latitude),
                    longitude: Some(longitude),
                });
                places.push(PlacementRecord {
                    path: site,
                    precision: Some(PlacementPrecision::Exact),
                });
            }
            let mut actors = Vec::new();
            for operator in operators(&cell("empresa")) {
                let name = validate::name("empresa", &operator.name).map_err(|e| e.to_string())?;
                let kind = operator.kind;
                let aliases = Some(operator.aliases).filter(|a| !a.is_empty());
                actors.push(RoleRecord {
                    actor: ActorRef::Named(ActorRecord {
                        slug: None,
                        name,
                        kind,
                        description: None,
                        aliases,
                        visibility: Visibility::Public,
                    }),
                    role: ActorRole::Operator,
                });
            }
            let base = slug_from_name(&title);
            let seen = slugs_seen.entry(base.clone()).or_insert(0);
            *seen += 1;
            let slug = if *seen == 1 {
                base
            } else {
                format!("{base}-{seen}")
            };
            let slug = validate::slug("caso", &slug).map_err(|e| e.to_string())?;
            Ok(CaseRecord {
                slug,
                kind,
                title,
                summary: None,
                status,
                phase,
                conflict_type: conflict_type.map(Some),
                started_on: None,
                status_since: as_of,
                status_note: Some(note.clone()),
                details: None,
                topics: None,
                external_ids: None,
                actors: Some(actors),
                places: Some(places),
                visibility: Visibility::Public,
                register: Some(RegisterColumns {
                    violence_reported,
                    dialogue_under_way,
                    responsible_level,
                }),
            })
        })();
        match row {
            Ok(case) => entries.push(RecordEntry {
                line,
                record: ImportRecord::Case(case),
            }),
            Err(reason) => report.rejected.push((line, reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_phase_of_the_ombudsman_maps() {
        assert_eq!(status("Activo"), Some(CaseStatus::Active));
        assert_eq!(status("LATENTE"), Some(CaseStatus::Latent));
        assert_eq!(status("Retirado"), Some(CaseStatus::Withdrawn));
        assert_eq!(status("Dormido"), None);
        assert_eq!(phase("Diálogo"), Some(Some(ConflictPhase::Dialogue)));
        assert_eq!(phase("dialogo"), Some(Some(ConflictPhase::Dialogue)));
        assert_eq!(
            phase("Conflicto no iniciado"),
            Some(Some(ConflictPhase::NotStarted))
        );
        assert_eq!(
            phase("Desescalamiento"),
            Some(Some(ConflictPhase::DeEscalation))
        );
        assert_eq!(phase("Fase temprana"), Some(Some(ConflictPhase::Early)));
        assert_eq!(phase("Escalamiento"), Some(Some(ConflictPhase::Escalation)));
        assert_eq!(
            phase("Conflicto concluido"),
            Some(Some(ConflictPhase::Concluded))
        );
        assert_eq!(phase("Resuelto"), Some(Some(ConflictPhase::Concluded)));
        assert_eq!(phase("Retirado"), Some(None));
        assert_eq!(phase("Tregua"), None);
        assert_eq!(
            conflict_type("Socioambiental"),
            Some(ConflictType::SocioEnvironmental)
        );
        assert_eq!(
            conflict_type("Asuntos de gobierno regional"),
            Some(ConflictType::RegionalGovernment)
        );
        assert_eq!(conflict_type("Deportivo"), None);
    }

    #[test]
    fn the_kept_columns_read_yes_no_and_levels_of_government() {
        assert_eq!(yes_no("Sí"), Some(Some(true)));
        assert_eq!(yes_no("SI"), Some(Some(true)));
        assert_eq!(yes_no(" no "), Some(Some(false)));
        assert_eq!(yes_no(""), Some(None));
        assert_eq!(yes_no("Quizás"), None);
        assert_eq!(
            government_level("Gobierno nacional"),
            Some(Some(GovernmentLevel::National))
        );
        assert_eq!(
            government_level("GOBIERNO REGIONAL"),
            Some(Some(GovernmentLevel::Regional))
        );
        assert_eq!(
            government_level("local"),
            Some(Some(GovernmentLevel::Local))
        );
        assert_eq!(government_level(""), Some(None));
        assert_eq!(government_level("Gobierno provincial"), None);
    }

    #[test]
    fn a_cell_names_one_or_several_operators() {
        let names =
            |cell: &str| -> Vec<String> { operators(cell).into_iter().map(|o| o.name).collect() };
        assert_eq!(names("Minera Las Bambas S.A."), ["Minera Las Bambas S.A."]);
        assert_eq!(
            names("Minera Coimolache S.A. - Buenaventura y SPCC"),
            ["Minera Coimolache S.A.", "Buenaventura", "SPCC"]
        );
        assert_eq!(
            names("Consorcio Minero y Operaciones Conexas S.A.C."),
            ["Consorcio Minero y Operaciones Conexas S.A.C."]
        );
        assert_eq!(
            names("Compañía minera Chungar, Volcan compañía minera S.A.C."),
            ["Compañía minera Chungar", "Volcan compañía minera S.A.C."]
        );
        assert_eq!(
            names("Sierra Sumi Rumac SA (Proyecto minero Azulcocha)"),
            ["Sierra Sumi Rumac SA"]
        );
        assert_eq!(
            names("Compañía\u{a0}de\u{a0}Minas\u{a0}Buenaventura\u{a0}S.A.A.\u{a0}"),
            ["Compañía de Minas Buenaventura S.A.A."]
        );
        assert_eq!(
            operators("Consorcio Peruano de Minas S.A.C - COPEMINA"),
            [Operator {
                name: "Consorcio Peruano de Minas S.A.C".to_owned(),
                kind: ActorKind::Company,
                aliases: vec!["COPEMINA".to_owned()],
            }]
        );
        assert_eq!(
            operators("Mineria Informal, Ilegal"),
            [Operator {
                name: "Mineria Informal, Ilegal".to_owned(),
                kind: ActorKind::Other,
                aliases: Vec::new(),
            }]
        );
        assert!(operators("  ").is_empty());
        assert!(!abbreviates("SPCC", "Buenaventura"));
    }

    #[test]
    fn a_row_keeps_what_the_register_says_besides_the_status() {
        let text = "caso,departamento,provincia,distrito,estado,fase,VIO_IF,dial_if,competencia\n\
                    Mina Uno,Apurímac,Cotabambas,Challhuahuacho,Activo,Diálogo,Sí,No,Gobierno regional\n\
                    Mina Dos,Apurímac,Cotabambas,Challhuahuacho,Activo,Diálogo,,,\n\
                    Mina Tres,Apurímac,Cotabambas,Challhuahuacho,Activo,Diálogo,Tal vez,No,\n";
        let mut entries = Vec::new();
        let mut report = FileReport::default();
        let april = PartialDate::parse("2024-04").ok();
        read_case_table(text, "t.csv", april, &mut entries, &mut report);
        let registers: Vec<Option<RegisterColumns>> = entries
            .iter()
            .map(|e| match &e.record {
                ImportRecord::Case(case) => {
                    assert_eq!(case.status_since, april);
                    case.register
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            registers,
            [
                Some(RegisterColumns {
                    violence_reported: Some(true),
                    dialogue_under_way: Some(false),
                    responsible_level: Some(GovernmentLevel::Regional),
                }),
                Some(RegisterColumns::default()),
            ]
        );
        assert_eq!(report.rejected.len(), 1, "{report}");
        assert_eq!(report.rejected[0].0, 4);
        assert!(report.rejected[0].1.starts_with("vio_if:"), "{report}");
    }

    #[test]
    fn the_month_comes_from_the_file_name() {
        assert_eq!(
            month_of_file_name("mining-conflicts-2024-03.csv").map(|d| d.to_string()),
            Some("2024-03".to_owned())
        );
        assert_eq!(month_of_file_name("conflicts.csv"), None);
        // `--as-of` wins over the file name.
        let april = PartialDate::parse("2024-04").ok();
        assert_eq!(register_month("mining-conflicts-2024-03.csv", april), april);
        assert_eq!(register_month("conflicts.csv", None), None);
        assert!(is_case_table_header(
            "caso,pais,departamento,provincia,distrito,empresa,tipo,actividad,estado,fase"
        ));
        assert!(!is_case_table_header("title,date,url"));
        // A byte order mark, quotes and capitals do not hide a column.
        assert!(is_case_table_header(
            "\u{feff}\"Caso\",Departamento, Provincia ,Estado"
        ));
    }
}
