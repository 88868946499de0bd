//! The rows of each table (columns in `csv.rs`): pages of cases read by keyset in slug
//! order, with what each row needs read for the whole page in a few statements.

use super::{PAGE, Sink, Stop};
use chasqui_entities::tables::{case, status_change};
use chasqui_entities::{ActorRole, DatePrecision, PartialDate};
use chasqui_store::{
    Access, CaseCursor, CaseFilter, CaseOrderKey, EventFilter, Page, StatusReport, Store,
};
use std::collections::HashMap;

/// The columns of `/csv/cases`.
pub const CASE_COLUMNS: [&str; 13] = [
    "slug",
    "title",
    "kind",
    "status",
    "phase",
    "conflict_type",
    "region",
    "province",
    "district",
    "operators",
    "started_on",
    "last_activity_on",
    "visibility",
];

/// The columns of `/csv/status-changes`.
pub const STATUS_CHANGE_COLUMNS: [&str; 8] = [
    "case",
    "status",
    "phase",
    "date",
    "precision",
    "source_title",
    "source_url",
    "note",
];

/// The columns of `/csv/events`.
pub const EVENT_COLUMNS: [&str; 9] = [
    "case",
    "date",
    "end_date",
    "kind",
    "title",
    "location",
    "deaths",
    "injuries",
    "visibility",
];

/// The columns of `/csv/report`.
pub const REPORT_COLUMNS: [&str; 4] = ["section", "key", "count", "cases"];

/// Joins a list of names into one field.
const JOIN: &str = "; ";

/// A writer of RFC 4180 rows (CRLF line ends, quotes where needed) into a buffer.
pub fn writer() -> ::csv::Writer<Vec<u8>> {
    ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(64 * 1024))
}

fn row<const N: usize>(writer: &mut ::csv::Writer<Vec<u8>>, fields: [&str; N]) -> Result<(), Stop> {
    writer
        .write_record(fields)
        .map_err(|e| Stop::Failed(e.to_string()))
}

async fn header<const N: usize>(sink: &Sink, columns: [&str; N]) -> Result<(), Stop> {
    let mut out = writer();
    row(&mut out, columns)?;
    sink.send(out).await
}

fn date_text(on: Option<chrono::NaiveDate>, precision: Option<DatePrecision>) -> String {
    on.map(|on| PartialDate::truncate(on, precision.unwrap_or(DatePrecision::Day)).to_string())
        .unwrap_or_default()
}

/// The matching cases in slug order, a keyset page at a time.
#[derive(Default)]
struct CasePages {
    after: Option<CaseCursor>,
    done: bool,
}

impl CasePages {
    async fn next(
        &mut self,
        store: &Store,
        access: Access,
        filter: &CaseFilter,
    ) -> Result<Option<Vec<case::Model>>, Stop> {
        if self.done {
            return Ok(None);
        }
        let Page { rows, has_next } = store
            .list_cases(
                access,
                filter,
                CaseOrderKey::Slug,
                false,
                self.after.as_ref(),
                PAGE,
            )
            .await?;
        self.after = rows.last().map(|last| CaseCursor {
            key: CaseOrderKey::Slug.key_of(last),
            id: last.id,
        });
        self.done = !has_next || self.after.is_none();
        Ok(Some(rows))
    }
}

/// `/csv/cases`.
pub async fn cases(
    store: &Store,
    access: Access,
    filter: &CaseFilter,
    sink: &Sink,
) -> Result<(), Stop> {
    header(sink, CASE_COLUMNS).await?;
    let mut pages = CasePages::default();
    while let Some(page) = pages.next(store, access, filter).await? {
        let ids: Vec<i64> = page.iter().map(|c| c.id).collect();
        let places = store.place_names_of_cases(access, &ids).await?;
        let operators = operators(store, access, &ids).await?;
        let mut out = writer();
        let none = Vec::new();
        for case in &page {
            let names = places.get(&case.id).cloned().unwrap_or_default();
            let operators = operators.get(&case.id).unwrap_or(&none);
            row(
                &mut out,
                [
                    &case.slug,
                    &case.title,
                    case.kind.as_str(),
                    case.status.as_str(),
                    case.phase.map(|p| p.as_str()).unwrap_or_default(),
                    case.conflict_type.map(|t| t.as_str()).unwrap_or_default(),
                    &names.regions.join(JOIN),
                    &names.provinces.join(JOIN),
                    &names.districts.join(JOIN),
                    &operators.join(JOIN),
                    &date_text(case.started_on, case.started_precision),
                    &date_text(case.last_activity_on, case.last_activity_precision),
                    case.visibility.as_str(),
                ],
            )?;
        }
        sink.send(out).await?;
    }
    Ok(())
}

/// The names of each case's operators (actors with role OPERATOR the caller may see), in
/// the order the roles were recorded, each once.
async fn operators(
    store: &Store,
    access: Access,
    case_ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>, Stop> {
    let roles: Vec<_> = store
        .roles_by_case(access, case_ids)
        .await?
        .into_iter()
        .filter(|r| r.role == ActorRole::Operator)
        .collect();
    let mut actor_ids: Vec<i64> = roles.iter().map(|r| r.actor_id).collect();
    actor_ids.sort_unstable();
    actor_ids.dedup();
    let actors = store.actors_by_ids(access, &actor_ids).await?;
    let mut names: HashMap<i64, Vec<String>> = HashMap::new();
    for role in roles {
        let Some(actor) = actors.get(&role.actor_id) else {
            continue;
        };
        let list = names.entry(role.case_id).or_default();
        if !list.contains(&actor.name) {
            list.push(actor.name.clone());
        }
    }
    Ok(names)
}

/// `/csv/status-changes`.
pub async fn status_changes(
    store: &Store,
    access: Access,
    filter: &CaseFilter,
    sink: &Sink,
) -> Result<(), Stop> {
    header(sink, STATUS_CHANGE_COLUMNS).await?;
    let mut pages = CasePages::default();
    while let Some(page) = pages.next(store, access, filter).await? {
        let ids: Vec<i64> = page.iter().map(|c| c.id).collect();
        let mut histories: HashMap<i64, Vec<status_change::Model>> = HashMap::new();
        for change in store.status_changes_by_case(access, &ids).await? {
            histories.entry(change.case_id).or_default().push(change);
        }
        let mut news_ids: Vec<i64> = histories
            .values()
            .flatten()
            .filter_map(|c| c.news_item_id)
            .collect();
        news_ids.sort_unstable();
        news_ids.dedup();
        let news = store.news_items_by_ids(access, &news_ids).await?;
        let mut out = writer();
        for case in &page {
            let Some(history) = histories.get_mut(&case.id) else {
                continue;
            };
            chasqui_store::sort_history(history);
            for change in history.iter() {
                let item = change.news_item_id.and_then(|id| news.get(&id));
                let (date, precision) = if change.undated {
                    (String::new(), "")
                } else {
                    let on = PartialDate::truncate(change.occurred_on, change.occurred_precision);
                    (on.to_string(), change.occurred_precision.as_str())
                };
                let url = item
                    .and_then(|n| n.url.as_deref())
                    .or(change.source_url.as_deref())
                    .unwrap_or_default();
                row(
                    &mut out,
                    [
                        &case.slug,
                        change.status.as_str(),
                        change.phase.map(|p| p.as_str()).unwrap_or_default(),
                        &date,
                        precision,
                        item.map(|n| n.title.as_str()).unwrap_or_default(),
                        url,
                        change.note.as_deref().unwrap_or_default(),
                    ],
                )?;
            }
        }
        sink.send(out).await?;
    }
    Ok(())
}

/// `/csv/report`.
pub async fn report(
    store: &Store,
    access: Access,
    report: &StatusReport,
    sink: &Sink,
) -> Result<(), Stop> {
    let mut case_ids: Vec<i64> = [
        &report.by_status,
        &report.active_by_phase,
        &report.active_by_conflict_type,
        &report.active_by_region,
    ]
    .into_iter()
    .flatten()
    .flat_map(|g| g.case_ids.iter().copied())
    .chain(report.movements.iter().map(|m| m.case_id))
    .collect();
    case_ids.sort_unstable();
    case_ids.dedup();
    let cases = store.cases_by_ids(access, &case_ids).await?;
    let region_ids: Vec<i64> = report
        .active_by_region
        .iter()
        .filter_map(|g| g.region_id)
        .collect();
    let regions = store.locations_by_ids(access, &region_ids).await?;
    let slugs = |ids: &mut dyn Iterator<Item = i64>| {
        ids.filter_map(|id| cases.get(&id).map(|c| c.slug.as_str()))
            .collect::<Vec<_>>()
            .join(JOIN)
    };
    let mut out = writer();
    row(&mut out, REPORT_COLUMNS)?;
    let sections = [
        ("by_status", &report.by_status),
        ("active_by_phase", &report.active_by_phase),
        ("active_by_conflict_type", &report.active_by_conflict_type),
        ("active_by_region", &report.active_by_region),
    ];
    for (section, groups) in sections {
        for group in groups {
            let key = match section {
                "by_status" => group.status.map(|s| s.as_str().to_owned()),
                "active_by_phase" => group.phase.map(|p| p.as_str().to_owned()),
                "active_by_conflict_type" => group.conflict_type.map(|t| t.as_str().to_owned()),
                _ => group
                    .region_id
                    .and_then(|id| regions.get(&id))
                    .map(|r| r.name.clone()),
            };
            row(
                &mut out,
                [
                    section,
                    key.as_deref().unwrap_or_default(),
                    &group.case_ids.len().to_string(),
                    &slugs(&mut group.case_ids.iter().copied()),
                ],
            )?;
        }
    }
    let mut kinds: Vec<chasqui_store::MovementKind> =
        report.movements.iter().map(|m| m.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let moved: Vec<i64> = report
            .movements
            .iter()
            .filter(|m| m.kind == kind)
            .map(|m| m.case_id)
            .collect();
        row(
            &mut out,
            [
                "movements",
                movement_key(kind),
                &moved.len().to_string(),
                &slugs(&mut moved.iter().copied()),
            ],
        )?;
    }
    sink.send(out).await
}

/// A movement kind as the GraphQL enum names it.
fn movement_key(kind: chasqui_store::MovementKind) -> &'static str {
    use chasqui_store::MovementKind as K;
    match kind {
        K::New => "NEW",
        K::Reactivated => "REACTIVATED",
        K::MovedToLatent => "MOVED_TO_LATENT",
        K::Resolved => "RESOLVED",
        K::Withdrawn => "WITHDRAWN",
    }
}

/// `/csv/events`: the matching events latest first, a keyset page at a time, with their
/// cases' slugs and their places read for the whole page.
pub async fn events(
    store: &Store,
    access: Access,
    filter: &EventFilter,
    sink: &Sink,
) -> Result<(), Stop> {
    header(sink, EVENT_COLUMNS).await?;
    let mut after = None;
    loop {
        let Page {
            rows: page,
            has_next,
        } = store.list_events(access, filter, after, PAGE).await?;
        let mut case_ids: Vec<i64> = page.iter().map(|e| e.case_id).collect();
        case_ids.sort_unstable();
        case_ids.dedup();
        let cases = store.cases_by_ids(access, &case_ids).await?;
        let mut place_ids: Vec<i64> = page.iter().filter_map(|e| e.location_id).collect();
        place_ids.sort_unstable();
        place_ids.dedup();
        let places = store.locations_by_ids(access, &place_ids).await?;
        let mut out = writer();
        for event in &page {
            let case = cases.get(&event.case_id).map(|c| c.slug.as_str());
            let place = event
                .location_id
                .and_then(|id| places.get(&id))
                .map(|p| p.code.clone().unwrap_or_else(|| p.name.clone()))
                .unwrap_or_default();
            row(
                &mut out,
                [
                    case.unwrap_or_default(),
                    &date_text(Some(event.occurred_on), Some(event.occurred_precision)),
                    &date_text(event.ended_on, event.ended_precision),
                    event.kind.as_str(),
                    &event.title,
                    &place,
                    &event.deaths.map(|n| n.to_string()).unwrap_or_default(),
                    &event.injuries.map(|n| n.to_string()).unwrap_or_default(),
                    event.visibility.as_str(),
                ],
            )?;
        }
        sink.send(out).await?;
        after = page.last().map(|e| (e.occurred_on, e.id));
        if !has_next || after.is_none() {
            return Ok(());
        }
    }
}
