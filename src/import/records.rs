//! Cases, actors, events and links as records: NDJSON (one object per line with a
//! `"type"` of `case`, `actor`, `event` or `link`), a JSON array of the same objects, or
//! CSV of one kind (`--kind`) with a header row that `--map field=Header` can rename.
//! Records refer to each other by natural keys (see `store::import_records`). Every
//! field goes through the rule the API applies to it (`chasqui_domain::validate`): a
//! record that cannot be read, or breaks one, is rejected with its line and the field,
//! and nothing of it is written.

use super::FileReport;
use chasqui_domain::validate::{self, LocationCode};
use chasqui_entities::*;
use chasqui_store::{
    ActorRecord, ActorRef, CaseRecord, EventBody, EventRecord, ImportRecord, LinkRecord, NewsRef,
    PlaceSpec, PlacementRecord, RecordEntry, RoleRecord, SourceRecord,
};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The kinds of record a CSV file can hold (`chasqui import --kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordKind {
    Case,
    Actor,
    Event,
    Link,
}

impl RecordKind {
    fn type_name(self) -> &'static str {
        match self {
            Self::Case => "case",
            Self::Actor => "actor",
            Self::Event => "event",
            Self::Link => "link",
        }
    }

    /// The fields a CSV column can fill; list fields take `;`-separated values.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Self::Case => &[
                "slug",
                "kind",
                "title",
                "summary",
                "status",
                "phase",
                "conflictType",
                "startedOn",
                "statusSince",
                "topics",
                "actors",
                "places",
                "visibility",
            ],
            Self::Actor => &[
                "slug",
                "name",
                "kind",
                "description",
                "aliases",
                "visibility",
            ],
            Self::Event => &[
                "case",
                "kind",
                "title",
                "description",
                "date",
                "endDate",
                "place",
                "actors",
                "deaths",
                "injuries",
                "sources",
                "visibility",
            ],
            Self::Link => &[
                "news",
                "newsDate",
                "newsTitle",
                "case",
                "updateKind",
                "reportedStatus",
                "reportedPhase",
                "reportedStatusOn",
                "note",
                "confirmed",
                "visibility",
            ],
        }
    }
}

/// Parses `--map field=Header,…` for records of `kind`; an unknown field is an error that
/// lists the fields.
pub fn parse_record_mapping(
    kind: RecordKind,
    text: &str,
) -> Result<HashMap<String, String>, String> {
    let mut mapping = HashMap::new();
    for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (field, header) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}` is not field=Header"))?;
        let field = field.trim();
        let Some(known) = kind.fields().iter().find(|f| f.eq_ignore_ascii_case(field)) else {
            return Err(format!(
                "unknown {} field `{field}`; the fields are {}",
                kind.type_name(),
                kind.fields().join(", ")
            ));
        };
        mapping.insert((*known).to_owned(), header.trim().to_owned());
    }
    Ok(mapping)
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum RawRecord {
    Actor(RawActor),
    Case(RawCase),
    Event(RawEventBody),
    Link(RawLink),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawActor {
    slug: Option<String>,
    name: String,
    kind: ActorKind,
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
    aliases: Option<Vec<String>>,
    #[serde(default)]
    visibility: Option<Visibility>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawRole {
    actor: String,
    role: ActorRole,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawPlacement {
    code: String,
    precision: Option<PlacementPrecision>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawExternalId {
    scheme: ExternalIdScheme,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawCase {
    slug: String,
    kind: CaseKind,
    title: String,
    #[serde(default, deserialize_with = "present")]
    summary: Option<Option<String>>,
    status: CaseStatus,
    phase: Option<ConflictPhase>,
    #[serde(default, deserialize_with = "present")]
    conflict_type: Option<Option<ConflictType>>,
    #[serde(default, deserialize_with = "present")]
    started_on: Option<Option<PartialDate>>,
    status_since: Option<PartialDate>,
    details: Option<CaseDetails>,
    topics: Option<Vec<String>>,
    external_ids: Option<Vec<RawExternalId>>,
    actors: Option<Vec<RawRole>>,
    places: Option<Vec<RawPlacement>>,
    visibility: Option<Visibility>,
}

/// A news item by URL (`"https://…"`) or by date and title.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawNews {
    Url(String),
    DateTitle { date: PartialDate, title: String },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawSource {
    news: Option<RawNews>,
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawEventBody {
    /// The case's slug: required for an event record, absent from a link's event.
    case: Option<String>,
    kind: EventKind,
    title: String,
    description: Option<String>,
    date: PartialDate,
    end_date: Option<PartialDate>,
    place: Option<String>,
    #[serde(default)]
    actors: Vec<String>,
    deaths: Option<i32>,
    injuries: Option<i32>,
    #[serde(default)]
    sources: Vec<RawSource>,
    visibility: Option<Visibility>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawLink {
    news: RawNews,
    case: String,
    update_kind: UpdateKind,
    reported_status: Option<CaseStatus>,
    reported_phase: Option<ConflictPhase>,
    reported_status_on: Option<PartialDate>,
    event: Option<RawEventBody>,
    note: Option<String>,
    #[serde(default = "confirmed_by_default")]
    confirmed: bool,
    visibility: Option<Visibility>,
}

fn confirmed_by_default() -> bool {
    true
}

/// A field that may be left out (`None`: a known record keeps its value) or given as
/// `null` (`Some(None)`: the stored value is cleared).
fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A text that may be cleared, checked like any other text.
fn optional_text(field: &str, text: Option<Option<String>>) -> Checked<Option<Option<String>>> {
    match text {
        Some(Some(text)) => Ok(Some(check(validate::text(
            field,
            Some(&text),
            validate::MAX_TEXT,
        ))?)),
        other => Ok(other),
    }
}

type Checked<T> = Result<T, String>;

fn check<T>(result: Result<T, validate::Invalid>) -> Checked<T> {
    result.map_err(|e| e.to_string())
}

fn news_ref(raw: RawNews, field: &str) -> Checked<NewsRef> {
    Ok(match raw {
        RawNews::Url(url) => NewsRef::Url(
            check(validate::url(field, Some(&url)))?
                .ok_or_else(|| format!("{field}: must not be empty"))?,
        ),
        RawNews::DateTitle { date, title } => NewsRef::DateTitle(
            date,
            check(validate::name(&format!("{field}.title"), &title))?,
        ),
    })
}

fn event_body(raw: RawEventBody, path: &str) -> Checked<EventBody> {
    if path == "event." && raw.case.is_some() {
        return Err("event.case: a link's event belongs to the link's case".to_owned());
    }
    let mut sources = Vec::with_capacity(raw.sources.len());
    for (i, source) in raw.sources.into_iter().enumerate() {
        let field = format!("{path}sources[{i}]");
        let news = match source.news {
            Some(news) => Some(news_ref(news, &format!("{field}.news"))?),
            None => None,
        };
        let url = check(validate::url(
            &format!("{field}.url"),
            source.url.as_deref(),
        ))?;
        sources.push(SourceRecord { news, url });
    }
    let mut actors = Vec::with_capacity(raw.actors.len());
    for (i, slug) in raw.actors.iter().enumerate() {
        actors.push(check(validate::slug(&format!("{path}actors[{i}]"), slug))?);
    }
    Ok(EventBody {
        kind: raw.kind,
        title: check(validate::name(&format!("{path}title"), &raw.title))?,
        description: check(validate::text(
            &format!("{path}description"),
            raw.description.as_deref(),
            validate::MAX_TEXT,
        ))?,
        date: raw.date,
        end_date: check(validate::period(
            &format!("{path}endDate"),
            raw.date,
            raw.end_date,
        ))?,
        place: match raw.place {
            Some(code) => {
                Some(check(LocationCode::parse(&format!("{path}place"), &code))?.into_string())
            }
            None => None,
        },
        actors,
        deaths: check(validate::count(&format!("{path}deaths"), raw.deaths))?,
        injuries: check(validate::count(&format!("{path}injuries"), raw.injuries))?,
        sources,
        visibility: raw.visibility.unwrap_or(Visibility::Public),
    })
}

/// A place named only by code, at the level its length implies (a UBIGEO code's); the
/// store finds it by its code whatever its level.
fn coded_place(code: LocationCode) -> PlaceSpec {
    let code = code.into_string();
    let level = match code.len() {
        2 if code.chars().all(|c| c.is_ascii_digit()) => LocationLevel::Region,
        2 => LocationLevel::Country,
        4 => LocationLevel::Province,
        6 => LocationLevel::District,
        _ => LocationLevel::Site,
    };
    PlaceSpec {
        code: Some(code),
        name: None,
        level,
        latitude: None,
        longitude: None,
    }
}

fn convert(raw: RawRecord) -> Checked<ImportRecord> {
    Ok(match raw {
        RawRecord::Actor(a) => ImportRecord::Actor(ActorRecord {
            slug: match a.slug {
                Some(slug) => Some(check(validate::slug("slug", &slug))?),
                None => None,
            },
            name: check(validate::name("name", &a.name))?,
            kind: a.kind,
            description: optional_text("description", a.description)?,
            aliases: match a.aliases {
                Some(aliases) => Some(
                    aliases
                        .iter()
                        .enumerate()
                        .map(|(i, alias)| check(validate::name(&format!("aliases[{i}]"), alias)))
                        .collect::<Checked<Vec<_>>>()?,
                ),
                None => None,
            },
            visibility: a.visibility.unwrap_or(Visibility::Public),
        }),
        RawRecord::Case(c) => {
            let topics = match c.topics {
                Some(topics) => Some(
                    topics
                        .iter()
                        .enumerate()
                        .map(|(i, t)| check(validate::topic(&format!("topics[{i}]"), t)))
                        .collect::<Checked<Vec<_>>>()?,
                ),
                None => None,
            };
            let actors = match c.actors {
                Some(roles) => Some(
                    roles
                        .into_iter()
                        .enumerate()
                        .map(|(i, r)| {
                            Ok(RoleRecord {
                                actor: ActorRef::Slug(check(validate::slug(
                                    &format!("actors[{i}].actor"),
                                    &r.actor,
                                ))?),
                                role: r.role,
                            })
                        })
                        .collect::<Checked<Vec<_>>>()?,
                ),
                None => None,
            };
            let places = match c.places {
                Some(places) => Some(
                    places
                        .into_iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let code = LocationCode::parse(&format!("places[{i}].code"), &p.code);
                            let spec = coded_place(check(code)?);
                            Ok(PlacementRecord {
                                precision: p.precision,
                                path: vec![spec],
                            })
                        })
                        .collect::<Checked<Vec<_>>>()?,
                ),
                None => None,
            };
            let details = match c.details {
                Some(details) => Some(check(validate::case_details("details", c.kind, details))?),
                None => None,
            };
            let external_ids = match c.external_ids {
                Some(ids) => Some(
                    ids.into_iter()
                        .enumerate()
                        .map(|(i, e)| {
                            let field = format!("externalIds[{i}].value");
                            Ok((e.scheme, check(validate::name(&field, &e.value))?))
                        })
                        .collect::<Checked<Vec<_>>>()?,
                ),
                None => None,
            };
            ImportRecord::Case(CaseRecord {
                slug: check(validate::slug("slug", &c.slug))?,
                kind: c.kind,
                title: check(validate::name("title", &c.title))?,
                summary: optional_text("summary", c.summary)?,
                status: c.status,
                phase: c.phase,
                conflict_type: c.conflict_type,
                started_on: c.started_on,
                status_since: c.status_since,
                status_note: None,
                details,
                topics,
                external_ids,
                actors,
                places,
                visibility: c.visibility.unwrap_or(Visibility::Public),
                register: None,
            })
        }
        RawRecord::Event(e) => ImportRecord::Event(EventRecord {
            case: check(validate::slug(
                "case",
                e.case.as_deref().ok_or("case: missing (the case's slug)")?,
            ))?,
            event: event_body(e, "")?,
        }),
        RawRecord::Link(l) => ImportRecord::Link(LinkRecord {
            news: news_ref(l.news, "news")?,
            update_kind: {
                check(validate::link_report(
                    "",
                    l.update_kind,
                    l.reported_status,
                    l.reported_phase,
                ))?;
                l.update_kind
            },
            case: check(validate::slug("case", &l.case))?,
            reported_status: l.reported_status,
            reported_phase: l.reported_phase,
            reported_status_on: l.reported_status_on,
            event: match l.event {
                Some(event) => Some(event_body(event, "event.")?),
                None => None,
            },
            note: check(validate::text(
                "note",
                l.note.as_deref(),
                validate::MAX_TEXT,
            ))?,
            confirmed: l.confirmed,
            visibility: l.visibility.unwrap_or(Visibility::Public),
        }),
    })
}

fn read_value(value: Value, line: usize, entries: &mut Vec<RecordEntry>, report: &mut FileReport) {
    match serde_json::from_value::<RawRecord>(value)
        .map_err(|e| e.to_string())
        .and_then(convert)
    {
        Ok(record) => entries.push(RecordEntry { line, record }),
        Err(reason) => report.rejected.push((line, reason)),
    }
}

/// Whether a file's first line (or its start) looks like records: an object with a
/// `"type"`, or a JSON array.
pub fn looks_like_records(text: &str) -> bool {
    let first = text.lines().next().unwrap_or_default();
    let typed_line = serde_json::from_str::<Value>(first).is_ok_and(|v| v.get("type").is_some());
    typed_line || text.trim_start().starts_with('[')
}

/// Reads NDJSON records, or a JSON array of records (line numbers are where each element
/// starts).
pub(super) fn read_records(text: &str, entries: &mut Vec<RecordEntry>, report: &mut FileReport) {
    if text.trim_start().starts_with('[') {
        let elements: Vec<&serde_json::value::RawValue> = match serde_json::from_str(text) {
            Ok(elements) => elements,
            Err(err) => {
                report
                    .rejected
                    .push((err.line(), format!("not a JSON array of records: {err}")));
                return;
            }
        };
        for element in elements {
            let offset = (element.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
            let line = text
                .get(..offset)
                .map_or(0, |before| before.matches('\n').count())
                + 1;
            match serde_json::from_str::<Value>(element.get()) {
                Ok(value) => read_value(value, line, entries, report),
                Err(err) => report.rejected.push((line, err.to_string())),
            }
        }
        return;
    }
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(value) => read_value(value, number, entries, report),
            Err(err) => report.rejected.push((number, err.to_string())),
        }
    }
}

/// The JSON value of one CSV cell for `field`: lists split on `;`, numbers and booleans
/// parsed, a role as `slug:ROLE`, a place as `code:PRECISION`, a news source as a URL.
fn cell_value(field: &str, cell: &str) -> Result<Value, String> {
    let list = || {
        cell.split(';')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
    };
    Ok(match field {
        "topics" | "aliases" => Value::from(list()),
        "actors" if !cell.contains(':') => Value::from(list()),
        "actors" => Value::from(
            list()
                .into_iter()
                .map(|item| {
                    let (actor, role) = item.split_once(':').unwrap_or((item, ""));
                    serde_json::json!({ "actor": actor.trim(), "role": role.trim() })
                })
                .collect::<Vec<_>>(),
        ),
        "places" => Value::from(
            list()
                .into_iter()
                .map(|item| match item.split_once(':') {
                    Some((code, precision)) => {
                        serde_json::json!({ "code": code.trim(), "precision": precision.trim() })
                    }
                    None => serde_json::json!({ "code": item }),
                })
                .collect::<Vec<_>>(),
        ),
        "sources" => Value::from(
            list()
                .into_iter()
                .map(|url| serde_json::json!({ "url": url }))
                .collect::<Vec<_>>(),
        ),
        "deaths" | "injuries" => Value::from(
            cell.parse::<i64>()
                .map_err(|_| format!("{field}: `{cell}` is not a whole number"))?,
        ),
        "confirmed" => Value::from(match cell.to_lowercase().as_str() {
            "true" | "yes" | "1" | "y" | "si" | "sí" => true,
            "false" | "no" | "0" | "n" => false,
            _ => return Err(format!("confirmed: `{cell}` is not yes or no")),
        }),
        _ => Value::from(cell),
    })
}

/// Reads CSV records of one kind. Columns are found by field name (case aside) or by the
/// header `mapping` gives; a link's news item is `news` (a URL) or `newsDate` + `newsTitle`.
pub(super) fn read_records_csv(
    text: &str,
    kind: RecordKind,
    mapping: &HashMap<String, String>,
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
    let columns: Vec<(&str, usize)> = kind
        .fields()
        .iter()
        .filter_map(|field| {
            let wanted = mapping.get(*field).map(String::as_str).unwrap_or(field);
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(wanted))
                .map(|at| (*field, at))
        })
        .collect();
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
        let mut object = Map::new();
        object.insert("type".to_owned(), Value::from(kind.type_name()));
        let mut failed = None;
        for (field, at) in &columns {
            let cell = record.get(*at).map(str::trim).unwrap_or_default();
            if cell.is_empty() {
                continue;
            }
            match cell_value(field, cell) {
                Ok(value) => {
                    object.insert((*field).to_owned(), value);
                }
                Err(reason) => failed = Some(reason),
            }
        }
        if let Some(reason) = failed {
            report.rejected.push((line, reason));
            continue;
        }
        // A link's news item by date and title, when the file has no URL for it.
        let date = object.remove("newsDate");
        let title = object.remove("newsTitle");
        if kind == RecordKind::Link
            && !object.contains_key("news")
            && let (Some(date), Some(title)) = (date, title)
        {
            object.insert(
                "news".to_owned(),
                serde_json::json!({ "date": date, "title": title }),
            );
        }
        read_value(Value::Object(object), line, entries, report);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<RecordEntry>, FileReport) {
        let mut entries = Vec::new();
        let mut report = FileReport::default();
        read_records(text, &mut entries, &mut report);
        (entries, report)
    }

    #[test]
    fn ndjson_records_are_read_and_bad_lines_named() {
        let text = concat!(
            r#"{"type":"actor","slug":"acme","name":"Acme Mining","kind":"COMPANY"}"#,
            "\n\n",
            r#"{"type":"case","slug":"acme-mine","kind":"MINE","title":"Acme mine","status":"ACTIVE","actors":[{"actor":"acme","role":"OPERATOR"}],"places":[{"code":"030506"}]}"#,
            "\n",
            r#"{"type":"case","slug":"Not A Slug","kind":"MINE","title":"x","status":"ACTIVE"}"#,
            "\n",
            r#"{"type":"event","case":"acme-mine","kind":"PROTEST","title":"March","date":"2017-06","colour":"red"}"#,
            "\n",
            r#"{"type":"rumour"}"#,
            "\n"
        );
        let (entries, report) = read(text);
        assert_eq!(entries.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 3]);
        let lines: Vec<usize> = report.rejected.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [4, 5, 6], "{:?}", report.rejected);
        assert!(
            report.rejected[0].1.contains("slug"),
            "{:?}",
            report.rejected
        );
        assert!(
            report.rejected[1].1.contains("colour"),
            "{:?}",
            report.rejected
        );
        match &entries[1].record {
            ImportRecord::Case(case) => {
                let places = case.places.clone().unwrap_or_default();
                assert_eq!(places[0].precision, None, "the place's own level decides");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_json_array_reports_the_line_where_each_record_starts() {
        let text = "[\n  {\"type\":\"actor\",\"name\":\"Acme\",\"kind\":\"COMPANY\"},\n  {\"type\":\"actor\",\n   \"name\":\"\",\"kind\":\"COMPANY\"}\n]\n";
        assert!(looks_like_records(text));
        let (entries, report) = read(text);
        assert_eq!(entries.len(), 1);
        assert_eq!(report.rejected.len(), 1);
        assert_eq!(report.rejected[0].0, 3, "{:?}", report.rejected);
    }

    #[test]
    fn mappings_name_record_fields() {
        let mapping = parse_record_mapping(RecordKind::Actor, "name=Nombre,kind=Tipo")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mapping.get("name").map(String::as_str), Some("Nombre"));
        let err = parse_record_mapping(RecordKind::Actor, "colour=Color").err();
        assert!(err.is_some_and(|e| e.contains("colour") && e.contains("aliases")));
    }
}
