//! The demo data set: cases, actors, places, news items and events from the news of 2017
//! about Peru, written in the project's own words (news titles and dates are cited as
//! published). `chasqui serve --demo` loads it into an empty database through the same
//! input rules (`chasqui_domain::validate`, the constructors the GraphQL inputs and the
//! importers call) and the same store functions the API uses, so it is validated like
//! any other input.

use chasqui_domain::validate::{self, Invalid, LocationCode, MAX_TEXT, NewsFields, NewsText};
use chasqui_entities::*;
use chasqui_store::*;
use serde::Deserialize;
use std::collections::HashMap;

const DEMO_JSON: &str = include_str!("demo/demo.json");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoSet {
    locations: Vec<DemoLocation>,
    actors: Vec<DemoActor>,
    cases: Vec<DemoCase>,
    relations: Vec<DemoRelation>,
    news: Vec<DemoNews>,
    events: Vec<DemoEvent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoLocation {
    #[serde(rename = "ref")]
    key: String,
    code: Option<String>,
    name: String,
    level: LocationLevel,
    parent: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoActor {
    #[serde(rename = "ref")]
    key: String,
    slug: String,
    name: String,
    kind: ActorKind,
    #[serde(default)]
    aliases: Vec<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoRole {
    actor: String,
    role: ActorRole,
    started_on: Option<PartialDate>,
    ended_on: Option<PartialDate>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoPlacement {
    location: String,
    precision: PlacementPrecision,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoStatus {
    status: CaseStatus,
    phase: Option<ConflictPhase>,
    date: PartialDate,
    news: Option<String>,
    source_url: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoExternalId {
    scheme: ExternalIdScheme,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoCase {
    slug: String,
    kind: CaseKind,
    title: String,
    summary: Option<String>,
    status: CaseStatus,
    phase: Option<ConflictPhase>,
    conflict_type: Option<ConflictType>,
    started_on: Option<PartialDate>,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    external_ids: Vec<DemoExternalId>,
    #[serde(default)]
    details: CaseDetails,
    #[serde(default)]
    actors: Vec<DemoRole>,
    #[serde(default)]
    locations: Vec<DemoPlacement>,
    #[serde(default)]
    status_history: Vec<DemoStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoRelation {
    case: String,
    related_case: String,
    kind: CaseRelationKind,
    note: Option<String>,
}

/// An event's fields, in a link or (flattened) at the top level; serde cannot deny unknown
/// fields through `flatten`, so these two structs accept them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoEventFields {
    kind: EventKind,
    title: String,
    description: Option<String>,
    date: PartialDate,
    end_date: Option<PartialDate>,
    location: Option<String>,
    #[serde(default)]
    actors: Vec<String>,
    deaths: Option<i32>,
    injuries: Option<i32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoLink {
    case: String,
    update_kind: UpdateKind,
    reported_status: Option<CaseStatus>,
    note: Option<String>,
    event: Option<DemoEventFields>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoNews {
    #[serde(rename = "ref")]
    key: String,
    title: String,
    date: PartialDate,
    summary: Option<String>,
    url: Option<String>,
    publisher: Option<String>,
    language: Option<String>,
    #[serde(default)]
    links: Vec<DemoLink>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoSource {
    news: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoEvent {
    case: String,
    #[serde(flatten)]
    fields: DemoEventFields,
    #[serde(default)]
    sources: Vec<DemoSource>,
}

/// What loading the demo did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DemoReport {
    pub locations: usize,
    pub actors: usize,
    pub cases: usize,
    pub news_items: usize,
    pub links: usize,
    pub events: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo data set is malformed: {0}")]
    Malformed(String),
    #[error("the demo data set refers to an unknown {what} `{key}`")]
    UnknownRef { what: &'static str, key: String },
    #[error("the demo data set breaks an input rule: {0}")]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn text(field: &str, value: Option<&String>) -> Result<Option<String>, Invalid> {
    validate::text(field, value.map(String::as_str), MAX_TEXT)
}

fn lookup(map: &HashMap<String, i64>, what: &'static str, key: &str) -> Result<i64, DemoError> {
    map.get(key).copied().ok_or_else(|| DemoError::UnknownRef {
        what,
        key: key.to_owned(),
    })
}

/// Loads the demo set unless the database already has the `las-bambas` case (so a restart
/// with `--demo` changes nothing). Returns `None` when it was already there.
pub async fn load(store: &Store) -> Result<Option<DemoReport>, DemoError> {
    if store
        .case_by_slug(Access::FULL, "las-bambas")
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let author = Author::command_line();
    let set: DemoSet =
        serde_json::from_str(DEMO_JSON).map_err(|e| DemoError::Malformed(e.to_string()))?;
    let mut report = DemoReport::default();

    let mut locations = HashMap::new();
    for (i, l) in set.locations.iter().enumerate() {
        let at = format!("locations[{i}]");
        let point = validate::point(
            &validate::at(&at, "lat"),
            l.lat,
            &validate::at(&at, "lon"),
            l.lon,
        )?;
        let parent_id = l
            .parent
            .as_deref()
            .map(|p| lookup(&locations, "location", p))
            .transpose()?;
        let model = store
            .create_location(
                &author,
                NewLocation {
                    code: l
                        .code
                        .as_deref()
                        .map(|c| LocationCode::parse(&validate::at(&at, "code"), c))
                        .transpose()?
                        .map(LocationCode::into_string),
                    name: validate::name(&validate::at(&at, "name"), &l.name)?,
                    level: l.level,
                    parent_id,
                    latitude: point.map(|(lat, _)| lat),
                    longitude: point.map(|(_, lon)| lon),
                    geometry: None,
                    visibility: Visibility::Public,
                },
            )
            .await?;
        locations.insert(l.key.clone(), model.id);
        report.locations += 1;
    }

    let mut actors = HashMap::new();
    for (i, a) in set.actors.iter().enumerate() {
        let at = format!("actors[{i}]");
        let model = store
            .create_actor(
                &author,
                NewActor {
                    slug: validate::slug(&validate::at(&at, "slug"), &a.slug)?,
                    name: validate::name(&validate::at(&at, "name"), &a.name)?,
                    kind: a.kind,
                    description: text(&validate::at(&at, "description"), a.description.as_ref())?,
                    aliases: a
                        .aliases
                        .iter()
                        .enumerate()
                        .map(|(j, alias)| validate::name(&format!("{at}.aliases[{j}]"), alias))
                        .collect::<Result<_, _>>()?,
                    visibility: Visibility::Public,
                },
            )
            .await?;
        actors.insert(a.key.clone(), model.id);
        report.actors += 1;
    }

    let mut news = HashMap::new();
    for (i, n) in set.news.iter().enumerate() {
        let fields = NewsFields::parse(
            &format!("news[{i}]"),
            NewsText {
                title: &n.title,
                summary: n.summary.as_deref(),
                body: None,
                url: n.url.as_deref(),
                publisher: n.publisher.as_deref(),
                language: n.language.as_deref(),
            },
        )?;
        let model = store
            .create_news_item(&author, crate::import::news_item(fields, n.date))
            .await?;
        news.insert(n.key.clone(), model.id);
        report.news_items += 1;
    }

    // Status changes a link reports are recorded by the link; the history keeps the rest.
    let reported: Vec<(String, String)> = set
        .news
        .iter()
        .flat_map(|n| {
            n.links
                .iter()
                .filter(|l| l.reported_status.is_some())
                .map(|l| (n.key.clone(), l.case.clone()))
        })
        .collect();
    // The status a link reports, with its phase and date: the latest history entry of
    // that news item for that case. The item's other entries for the case are history of
    // their own (an item can report how a conflict went, not only where it stands).
    let mut link_reports: HashMap<(String, String), &DemoStatus> = HashMap::new();

    let mut cases = HashMap::new();
    for (i, c) in set.cases.iter().enumerate() {
        let at = format!("cases[{i}]");
        let mut history: Vec<&DemoStatus> = Vec::new();
        for entry in &c.status_history {
            match &entry.news {
                Some(n) if reported.contains(&(n.clone(), c.slug.clone())) => {
                    let key = (n.clone(), c.slug.clone());
                    match link_reports.get(&key) {
                        Some(earlier) if earlier.date > entry.date => history.push(entry),
                        Some(earlier) => {
                            history.push(earlier);
                            link_reports.insert(key, entry);
                        }
                        None => {
                            link_reports.insert(key, entry);
                        }
                    }
                }
                _ => history.push(entry),
            }
        }
        history.sort_by_key(|e| e.date);
        let to_change = |entry: &DemoStatus| -> Result<NewStatusChange, DemoError> {
            let field = format!("{at}.statusHistory");
            Ok(NewStatusChange {
                case_id: 0,
                status: entry.status,
                phase: entry.phase,
                date: Some(entry.date),
                news_item_id: entry
                    .news
                    .as_deref()
                    .map(|n| lookup(&news, "news item", n))
                    .transpose()?,
                source_url: validate::url(
                    &validate::at(&field, "sourceUrl"),
                    entry.source_url.as_deref(),
                )?,
                note: text(&validate::at(&field, "note"), entry.note.as_ref())?,
                visibility: Visibility::Public,
            })
        };
        let first = history.first().map(|e| to_change(e)).transpose()?;
        let model = store
            .create_case(
                &author,
                NewCase {
                    slug: validate::slug(&validate::at(&at, "slug"), &c.slug)?,
                    kind: c.kind,
                    title: validate::name(&validate::at(&at, "title"), &c.title)?,
                    summary: text(&validate::at(&at, "summary"), c.summary.as_ref())?,
                    status: first.as_ref().map(|f| f.status).unwrap_or(c.status),
                    phase: first.as_ref().and_then(|f| f.phase).or(c.phase),
                    conflict_type: c.conflict_type,
                    started_on: c.started_on,
                    details: validate::case_details(
                        &validate::at(&at, "details"),
                        c.kind,
                        c.details.clone(),
                    )?,
                    topics: c
                        .topics
                        .iter()
                        .enumerate()
                        .map(|(j, t)| validate::topic(&format!("{at}.topics[{j}]"), t))
                        .collect::<Result<_, _>>()?,
                    external_ids: c
                        .external_ids
                        .iter()
                        .enumerate()
                        .map(|(j, e)| {
                            let field = format!("{at}.externalIds[{j}].value");
                            Ok((e.scheme, validate::name(&field, &e.value)?))
                        })
                        .collect::<Result<_, Invalid>>()?,
                    actors: c
                        .actors
                        .iter()
                        .enumerate()
                        .map(|(j, r)| {
                            let field = format!("{at}.actors[{j}]");
                            if let Some(start) = r.started_on {
                                validate::period(
                                    &validate::at(&field, "endedOn"),
                                    start,
                                    r.ended_on,
                                )?;
                            }
                            Ok(NewRole {
                                actor_id: lookup(&actors, "actor", &r.actor)?,
                                role: r.role,
                                started_on: r.started_on,
                                ended_on: r.ended_on,
                                note: text(&validate::at(&field, "note"), r.note.as_ref())?,
                                visibility: Visibility::Public,
                            })
                        })
                        .collect::<Result<_, DemoError>>()?,
                    locations: c
                        .locations
                        .iter()
                        .map(|p| {
                            Ok(NewPlacement {
                                location_id: lookup(&locations, "location", &p.location)?,
                                precision: p.precision,
                            })
                        })
                        .collect::<Result<_, DemoError>>()?,
                    visibility: Visibility::Public,
                    status_since: first,
                },
            )
            .await?;
        for entry in history.iter().skip(1) {
            let mut change = to_change(entry)?;
            change.case_id = model.id;
            store.record_status_change(&author, change).await?;
        }
        cases.insert(c.slug.clone(), model.id);
        report.cases += 1;
    }

    for (i, r) in set.relations.iter().enumerate() {
        let note = text(&format!("relations[{i}].note"), r.note.as_ref())?;
        store
            .relate_cases(
                &author,
                lookup(&cases, "case", &r.case)?,
                lookup(&cases, "case", &r.related_case)?,
                r.kind,
                note,
            )
            .await?;
    }

    let event_of = |at: &str,
                    case_id: i64,
                    e: &DemoEventFields,
                    sources: Vec<(Option<i64>, Option<String>)>|
     -> Result<NewEvent, DemoError> {
        Ok(NewEvent {
            case_id,
            kind: e.kind,
            title: validate::name(&validate::at(at, "title"), &e.title)?,
            description: text(&validate::at(at, "description"), e.description.as_ref())?,
            date: e.date,
            end_date: validate::period(&validate::at(at, "endDate"), e.date, e.end_date)?,
            location_id: e
                .location
                .as_deref()
                .map(|l| lookup(&locations, "location", l))
                .transpose()?,
            actor_ids: e
                .actors
                .iter()
                .map(|a| lookup(&actors, "actor", a))
                .collect::<Result<_, _>>()?,
            deaths: validate::count(&validate::at(at, "deaths"), e.deaths)?,
            injuries: validate::count(&validate::at(at, "injuries"), e.injuries)?,
            sources,
            visibility: Visibility::Public,
        })
    };

    for (i, n) in set.news.iter().enumerate() {
        let news_id = lookup(&news, "news item", &n.key)?;
        for (j, l) in n.links.iter().enumerate() {
            let at = format!("news[{i}].links[{j}]");
            let case_id = lookup(&cases, "case", &l.case)?;
            let event = l
                .event
                .as_ref()
                .map(|e| {
                    let at = validate::at(&at, "event");
                    event_of(&at, case_id, e, vec![(Some(news_id), None)])
                })
                .transpose()?;
            if event.is_some() {
                report.events += 1;
            }
            let reported = link_reports.get(&(n.key.clone(), l.case.clone()));
            let reported_phase = reported.and_then(|r| r.phase);
            validate::link_report(
                &format!("{at}."),
                l.update_kind,
                l.reported_status,
                reported_phase,
            )?;
            store
                .link_news_item(
                    &author,
                    NewLink {
                        news_item_id: news_id,
                        case_id,
                        update_kind: l.update_kind,
                        reported_status: l.reported_status,
                        reported_phase,
                        reported_status_on: reported.map(|r| r.date),
                        event,
                        note: text(&validate::at(&at, "note"), l.note.as_ref())?,
                        state: LinkState::Confirmed,
                        confidence: None,
                        matched_terms: Vec::new(),
                        visibility: Visibility::Public,
                    },
                )
                .await?;
            report.links += 1;
        }
    }

    for (i, e) in set.events.iter().enumerate() {
        let at = format!("events[{i}]");
        let case_id = lookup(&cases, "case", &e.case)?;
        let sources = e
            .sources
            .iter()
            .enumerate()
            .map(|(j, s)| {
                Ok((
                    s.news
                        .as_deref()
                        .map(|n| lookup(&news, "news item", n))
                        .transpose()?,
                    validate::url(&format!("{at}.sources[{j}].url"), s.url.as_deref())?,
                ))
            })
            .collect::<Result<Vec<_>, DemoError>>()?;
        store
            .record_event(&author, event_of(&at, case_id, &e.fields, sources)?)
            .await?;
        report.events += 1;
    }
    Ok(Some(report))
}
