//! Importing cases, actors, events and links in batches. A batch (one file) is one
//! transaction, and every record goes through the store's own write functions
//! (`create_case_in`, `update_case_in`, `record_event_in`, `link_news_item_in`…), so it
//! gets the same checks, audit entries and derived columns as the API.
//!
//! Records name each other by natural keys, so a file is self-contained and can be
//! imported again: cases and actors by slug (an actor without one by its name or an
//! alias), places by UBIGEO code (or by name under their parent), news items by URL or by
//! date and title. Identity: a case is its slug, an actor its slug, an event its (case,
//! date, title), a link its (news item, case). A known record whose fields differ gets an
//! audited update; one that matches is unchanged. A link or event decision already made
//! (confirmed, rejected, archived) is never undone.
//!
//! A record that refers to something missing is rejected with the reason and the batch
//! goes on, since nothing was written for it; a store error rolls the whole batch back.
//!
//! The file is recorded as a source (`source.rs`) and what its records write points to
//! it. Actors are imported in `actors`, cases in `cases`; events and links here. A register (a monthly case table) keeps what each row says (`register.rs`): the
//! row's status is recorded as of the register's month, and the cases earlier registers
//! list but this one does not are reported.

mod actors;
mod cases;

use super::audit::{self, Author, Entry};
use super::case::refresh_case;
use super::event::NewEvent;
use super::link::{LinkPatch, NewLink};
use super::register::{self, AbsentCase, RegisterColumns};
use super::source::{NewSource, record_source_in};
use super::stamp::Versioned;
use super::tx::date_parts;
use super::{Store, StoreError, StoreResult};
use actors::import_actor;
use cases::import_case_once;
use chasqui_domain::text::{fold, fold_words, normalise_title};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::*;

/// One record of a batch, with the line of the file it came from.
#[derive(Clone, Debug)]
pub struct RecordEntry {
    pub line: usize,
    pub record: ImportRecord,
}

#[derive(Clone, Debug)]
pub enum ImportRecord {
    Actor(ActorRecord),
    Case(CaseRecord),
    Event(EventRecord),
    Link(LinkRecord),
}

/// What an import of a file of records did.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordsReport {
    /// Each record's line and outcome, actors first, then cases, events and links.
    pub outcomes: Vec<(usize, RecordOutcome)>,
    /// The file as recorded (`None` when imported without one).
    pub source: Option<chasqui_entities::tables::source::Model>,
    /// For a register: the cases that earlier registers list and this one does not.
    pub absent: Vec<AbsentCase>,
}

/// What became of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordOutcome {
    New,
    Updated,
    Unchanged,
    /// Nothing was written for it; the reason names the field.
    Rejected(String),
}

/// An actor. Without a slug it is found by its name or an alias (case, accents and legal
/// form aside), and a new one gets a slug made from its name.
#[derive(Clone, Debug)]
pub struct ActorRecord {
    pub slug: Option<String>,
    pub name: String,
    pub kind: ActorKind,
    /// `None` leaves a known actor's description as it is; `Some(None)` clears it.
    pub description: Option<Option<String>>,
    /// `None` leaves the aliases of a known actor as they are.
    pub aliases: Option<Vec<String>>,
    pub visibility: Visibility,
}

/// Who takes part in a case: an actor named by slug, or one found or created by name.
#[derive(Clone, Debug)]
pub enum ActorRef {
    Slug(String),
    Named(ActorRecord),
}

#[derive(Clone, Debug)]
pub struct RoleRecord {
    pub actor: ActorRef,
    pub role: ActorRole,
}

/// A place, found by `code`, else by `name` (accent- and case-insensitively) under the
/// place before it in its path; created with both when neither finds it.
#[derive(Clone, Debug)]
pub struct PlaceSpec {
    pub code: Option<String>,
    pub name: Option<String>,
    pub level: LocationLevel,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Where a case is placed: the path from the top (country or department) down to the
/// place itself, which is the last one.
#[derive(Clone, Debug)]
pub struct PlacementRecord {
    pub path: Vec<PlaceSpec>,
    /// `None`: the precision of the place's level, as the store finds it (EXACT on a
    /// site, which then derives its district as a case created through the API does).
    pub precision: Option<PlacementPrecision>,
}

/// A case. Optional fields left `None` keep the stored value of a known case; the
/// `Option<Option<…>>` ones are cleared by `Some(None)`.
#[derive(Clone, Debug)]
pub struct CaseRecord {
    pub slug: String,
    pub kind: CaseKind,
    pub title: String,
    pub summary: Option<Option<String>>,
    pub status: CaseStatus,
    pub phase: Option<ConflictPhase>,
    pub conflict_type: Option<Option<ConflictType>>,
    pub started_on: Option<Option<PartialDate>>,
    /// When the status took effect (a new case, or a changed status); today when `None`.
    pub status_since: Option<PartialDate>,
    /// The note of the status change the import records.
    pub status_note: Option<String>,
    pub details: Option<CaseDetails>,
    pub topics: Option<Vec<String>>,
    pub external_ids: Option<Vec<(ExternalIdScheme, String)>>,
    pub actors: Option<Vec<RoleRecord>>,
    pub places: Option<Vec<PlacementRecord>>,
    pub visibility: Visibility,
    /// What a register's row says besides status and phase; `None` for a record that
    /// comes from no register.
    pub register: Option<RegisterColumns>,
}

/// A news item, by URL or by date and title.
#[derive(Clone, Debug)]
pub enum NewsRef {
    Url(String),
    DateTitle(PartialDate, String),
}

/// A source of an event: a news item, a URL, or both.
#[derive(Clone, Debug)]
pub struct SourceRecord {
    pub news: Option<NewsRef>,
    pub url: Option<String>,
}

/// The fields of an event, without its case.
#[derive(Clone, Debug)]
pub struct EventBody {
    pub kind: EventKind,
    pub title: String,
    pub description: Option<String>,
    pub date: PartialDate,
    pub end_date: Option<PartialDate>,
    /// A place by UBIGEO code.
    pub place: Option<String>,
    /// Actors by slug.
    pub actors: Vec<String>,
    pub deaths: Option<i32>,
    pub injuries: Option<i32>,
    pub sources: Vec<SourceRecord>,
    pub visibility: Visibility,
}

#[derive(Clone, Debug)]
pub struct EventRecord {
    /// The case's slug.
    pub case: String,
    pub event: EventBody,
}

#[derive(Clone, Debug)]
pub struct LinkRecord {
    pub news: NewsRef,
    /// The case's slug.
    pub case: String,
    pub update_kind: UpdateKind,
    pub reported_status: Option<CaseStatus>,
    pub reported_phase: Option<ConflictPhase>,
    /// When the reported status took effect (see `NewLink::reported_status_on`).
    pub reported_status_on: Option<PartialDate>,
    pub event: Option<EventBody>,
    pub note: Option<String>,
    pub confirmed: bool,
    pub visibility: Visibility,
}

/// A name reduced to what identifies an actor: accents, case, punctuation and a trailing
/// legal form ("S.A.", "S.A.C.", "E.I.R.L.") aside. "Minera Las Bambas S.A." and
/// "MINERA LAS BAMBAS" are one.
pub fn actor_name_key(name: &str) -> String {
    let folded = fold_words(name);
    let words: Vec<&str> = folded.split_whitespace().collect();
    const LEGAL_FORMS: [&str; 8] = ["sa", "sac", "saa", "srl", "eirl", "sl", "ltd", "limited"];
    let mut end = words.len();
    while end > 1 && LEGAL_FORMS.contains(&words[end - 1]) {
        end -= 1;
    }
    words[..end].join(" ")
}

/// A slug from a name: accents folded, lower case, runs of anything else as one hyphen,
/// at most 80 characters.
pub fn slug_from_name(name: &str) -> String {
    let mut slug = String::new();
    for c in fold(name).chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let mut slug: String = slug.trim_end_matches('-').chars().take(80).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str("unnamed");
    }
    slug
}

/// A refusal of one record: nothing was written for it.
struct Reject(String);

impl Reject {
    fn new(field: &str, message: impl std::fmt::Display) -> Self {
        Self(format!("{field}: {message}"))
    }
}

/// Either a rejection of the record or a store error that ends the batch.
enum Failure {
    Reject(Reject),
    Store(StoreError),
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        Failure::Store(err)
    }
}

impl From<DbErr> for Failure {
    fn from(err: DbErr) -> Self {
        Failure::Store(err.into())
    }
}

impl From<Reject> for Failure {
    fn from(reject: Reject) -> Self {
        Failure::Reject(reject)
    }
}

type Step<T> = Result<T, Failure>;

/// The records of a file so far, by what each resolved to (kind and row id), with its
/// line. Two records of one file for the same record with different values would each
/// undo the other, on every import of the file: the later one is refused as a conflict,
/// and the first one stands.
#[derive(Default)]
struct Claims(std::collections::HashMap<(&'static str, i64), usize>);

impl Claims {
    /// Refuses a record that would change (`changes`) the `what` with id `id` that an
    /// earlier line of the file resolved to.
    fn check(&self, what: &'static str, id: i64, changes: bool, field: &str) -> Result<(), Reject> {
        match self.0.get(&(what, id)) {
            Some(earlier) if changes => Err(Self::conflict(what, *earlier, field)),
            _ => Ok(()),
        }
    }

    fn conflict(what: &str, earlier: usize, field: &str) -> Reject {
        Reject::new(
            field,
            format!(
                "the same {what} as the record on line {earlier}, with other values; a file gives each record once"
            ),
        )
    }

    fn claimed(&self, what: &'static str, id: i64) -> Option<usize> {
        self.0.get(&(what, id)).copied()
    }

    /// Records that the record on `line` resolved to `what` `id` (the first line keeps it).
    fn claim(&mut self, what: &'static str, id: i64, line: usize) {
        self.0.entry((what, id)).or_insert(line);
    }
}

/// Refuses a record whose date (of something that happened) is in the future, through
/// the store's one rule (`tx::happened`), naming the record's field.
fn happened(field: &str, date: PartialDate) -> Result<(), Reject> {
    super::tx::happened(field, date).map_err(|err| match err {
        StoreError::Invalid { message, .. } => Reject::new(field, message),
        other => Reject::new(field, other),
    })
}

impl Store {
    /// Imports a batch of records in one transaction: the file's source first (found again
    /// when the same bytes were imported before), then actors, cases, events and links,
    /// each kind in file order. Returns each record's line and outcome, in that order, and
    /// for a register the cases it leaves out. A store error rolls everything back and is
    /// returned.
    pub async fn import_records(
        &self,
        author: &Author,
        source: Option<NewSource>,
        entries: Vec<RecordEntry>,
    ) -> StoreResult<RecordsReport> {
        let rank = |r: &ImportRecord| match r {
            ImportRecord::Actor(_) => 0,
            ImportRecord::Case(_) => 1,
            ImportRecord::Event(_) => 2,
            ImportRecord::Link(_) => 3,
        };
        let mut entries = entries;
        entries.sort_by_key(|e| rank(&e.record));
        let txn = self.begin_write().await?;
        let source = match source {
            Some(new) => Some(record_source_in(&txn, author, new).await?.0),
            None => None,
        };
        let author = match &source {
            Some(source) => &author.importing(source.id),
            None => author,
        };
        let register = source.as_ref().filter(|s| s.kind == SourceKind::Register);
        let mut outcomes = Vec::with_capacity(entries.len());
        let mut claims = Claims::default();
        for entry in entries {
            let at = (&mut claims, entry.line);
            let result = match entry.record {
                ImportRecord::Actor(record) => import_actor(&txn, author, record, at).await,
                ImportRecord::Case(record) => {
                    import_case_once(&txn, author, register, record, at).await
                }
                ImportRecord::Event(record) => import_event(&txn, author, record, at).await,
                ImportRecord::Link(record) => import_link(&txn, author, record, at).await,
            };
            let outcome = match result {
                Ok(outcome) => outcome,
                Err(Failure::Reject(Reject(reason))) => RecordOutcome::Rejected(reason),
                Err(Failure::Store(err)) => return Err(at_line(err, entry.line)),
            };
            outcomes.push((entry.line, outcome));
        }
        let absent = match register {
            Some(register) => register::absent_from(&txn, register).await?,
            None => Vec::new(),
        };
        txn.commit().await?;
        Ok(RecordsReport {
            outcomes,
            source,
            absent,
        })
    }
}

/// Puts the record's line in front of a store error's message.
fn at_line(err: StoreError, line: usize) -> StoreError {
    match err {
        StoreError::Invalid { field, message } => StoreError::Invalid {
            field: format!("line {line}: {field}"),
            message,
        },
        StoreError::Conflict(message) => StoreError::Conflict(format!("line {line}: {message}")),
        StoreError::NotFound { what } => StoreError::NotFound {
            what: format!("line {line}: {what}"),
        },
        other => other,
    }
}

/// Where a record is in its file: what the earlier records resolved to, and its line.
type At<'a> = (&'a mut Claims, usize);

async fn case_by_slug(txn: &DatabaseTransaction, field: &str, slug: &str) -> Step<case::Model> {
    Ok(case::Entity::find()
        .filter(case::Column::Slug.eq(slug))
        .filter(case::Column::ArchivedAt.is_null())
        .one(txn)
        .await?
        .ok_or_else(|| Reject::new(field, format!("no case with slug `{slug}`")))?)
}

async fn find_news(
    txn: &DatabaseTransaction,
    news: &NewsRef,
) -> StoreResult<Option<news_item::Model>> {
    match news {
        NewsRef::Url(url) => Ok(news_item::Entity::find()
            .filter(news_item::Column::Url.eq(url.as_str()))
            .filter(news_item::Column::ArchivedAt.is_null())
            .one(txn)
            .await?),
        NewsRef::DateTitle(date, title) => {
            let wanted = normalise_title(title);
            Ok(news_item::Entity::find()
                .filter(news_item::Column::PublishedOn.eq(date.first_day()))
                .filter(news_item::Column::PublishedPrecision.eq(date.precision()))
                .filter(news_item::Column::ArchivedAt.is_null())
                .all(txn)
                .await?
                .into_iter()
                .find(|n| normalise_title(&n.title) == wanted))
        }
    }
}

fn describe_news(news: &NewsRef) -> String {
    match news {
        NewsRef::Url(url) => format!("no news item with URL `{url}`"),
        NewsRef::DateTitle(date, title) => format!("no news item `{title}` dated {date}"),
    }
}

/// Resolves an event's references (place, actors, news sources) into a `NewEvent`.
async fn resolve_event(
    txn: &DatabaseTransaction,
    path: &str,
    case_id: i64,
    body: &EventBody,
) -> Step<NewEvent> {
    happened(&format!("{path}date"), body.date)?;
    if let Some(end) = body.end_date {
        happened(&format!("{path}endDate"), end)?;
    }
    let location_id = match &body.place {
        Some(code) => Some(
            location::Entity::find()
                .filter(location::Column::Code.eq(code.as_str()))
                .filter(location::Column::ArchivedAt.is_null())
                .one(txn)
                .await?
                .ok_or_else(|| {
                    Reject::new(
                        &format!("{path}place"),
                        format!("no place with code `{code}`"),
                    )
                })?
                .id,
        ),
        None => None,
    };
    let mut actor_ids = Vec::with_capacity(body.actors.len());
    for (i, slug) in body.actors.iter().enumerate() {
        let found = actor::Entity::find()
            .filter(actor::Column::Slug.eq(slug.as_str()))
            .filter(actor::Column::ArchivedAt.is_null())
            .one(txn)
            .await?
            .ok_or_else(|| {
                Reject::new(
                    &format!("{path}actors[{i}]"),
                    format!("no actor with slug `{slug}`"),
                )
            })?;
        actor_ids.push(found.id);
    }
    let mut sources = Vec::with_capacity(body.sources.len());
    for (i, source) in body.sources.iter().enumerate() {
        let news_id = match &source.news {
            Some(news) => Some(
                find_news(txn, news)
                    .await?
                    .ok_or_else(|| {
                        Reject::new(&format!("{path}sources[{i}]"), describe_news(news))
                    })?
                    .id,
            ),
            None => None,
        };
        if news_id.is_none() && source.url.is_none() {
            return Err(
                Reject::new(&format!("{path}sources[{i}]"), "needs a news item or a URL").into(),
            );
        }
        sources.push((news_id, source.url.clone()));
    }
    Ok(NewEvent {
        case_id,
        kind: body.kind,
        title: body.title.clone(),
        description: body.description.clone(),
        date: body.date,
        end_date: body.end_date,
        location_id,
        actor_ids,
        deaths: body.deaths,
        injuries: body.injuries,
        sources,
        visibility: body.visibility,
    })
}

/// The event of a case with this date and (normalised) title, archived ones included:
/// an archived event stays archived.
async fn find_event(
    txn: &DatabaseTransaction,
    case_id: i64,
    date: PartialDate,
    title: &str,
) -> StoreResult<Option<event::Model>> {
    let wanted = normalise_title(title);
    Ok(event::Entity::find()
        .filter(event::Column::CaseId.eq(case_id))
        .filter(event::Column::OccurredOn.eq(date.first_day()))
        .filter(event::Column::OccurredPrecision.eq(date.precision()))
        .order_by_asc(event::Column::Id)
        .all(txn)
        .await?
        .into_iter()
        .find(|e| normalise_title(&e.title) == wanted))
}

async fn import_event(
    txn: &DatabaseTransaction,
    author: &Author,
    record: EventRecord,
    (claims, line): At<'_>,
) -> Step<RecordOutcome> {
    let case = case_by_slug(txn, "case", &record.case).await?;
    let new = resolve_event(txn, "", case.id, &record.event).await?;
    match find_event(txn, case.id, new.date, &new.title).await? {
        None => {
            let recorded = Store::record_event_in(txn, author, new).await?;
            claims.claim("event", recorded.id, line);
            Ok(RecordOutcome::New)
        }
        Some(found) if found.archived_at.is_some() => {
            claims.claim("event", found.id, line);
            Ok(RecordOutcome::Unchanged)
        }
        Some(found) => {
            let id = found.id;
            let outcome = update_event(txn, author, found, new, |changes| {
                claims.check("event", id, changes, "title")
            })
            .await?;
            claims.claim("event", id, line);
            Ok(outcome)
        }
    }
}

/// Brings a known event in line with an imported one: an audited `updateEvent` that bumps
/// its version, or nothing when they already agree. `allow` may refuse the change (it is
/// told whether there is one) before anything is written.
async fn update_event(
    txn: &DatabaseTransaction,
    author: &Author,
    current: event::Model,
    new: NewEvent,
    allow: impl FnOnce(bool) -> Result<(), Reject>,
) -> Step<RecordOutcome> {
    let id = current.id;
    let (ended_on, ended_precision) = date_parts(new.end_date);
    let same_fields = current.kind == new.kind
        && current.title == new.title
        && (new.description.is_none() || current.description == new.description)
        && current.ended_on == ended_on
        && current.ended_precision == ended_precision
        && current.location_id == new.location_id
        && current.deaths == new.deaths
        && current.injuries == new.injuries
        && current.visibility == new.visibility;
    let mut have_actors: Vec<i64> = event_actor::Entity::find()
        .filter(event_actor::Column::EventId.eq(id))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| a.actor_id)
        .collect();
    have_actors.sort_unstable();
    let mut wanted_actors = new.actor_ids.clone();
    wanted_actors.sort_unstable();
    wanted_actors.dedup();
    let mut have_sources: Vec<(Option<i64>, Option<String>)> = event_source::Entity::find()
        .filter(event_source::Column::EventId.eq(id))
        .all(txn)
        .await?
        .into_iter()
        .map(|s| (s.news_item_id, s.url))
        .collect();
    have_sources.sort();
    let mut wanted_sources = new.sources.clone();
    wanted_sources.sort();
    wanted_sources.dedup();
    let unchanged = same_fields && have_actors == wanted_actors && have_sources == wanted_sources;
    allow(!unchanged)?;
    if unchanged {
        return Ok(RecordOutcome::Unchanged);
    }
    let before = audit::event_snapshot(txn, id).await?;
    let mut active: event::ActiveModel = current.clone().into();
    active.kind = Set(new.kind);
    active.title = Set(new.title.clone());
    if new.description.is_some() {
        active.description = Set(new.description.clone());
    }
    active.ended_on = Set(ended_on);
    active.ended_precision = Set(ended_precision);
    active.location_id = Set(new.location_id);
    active.deaths = Set(new.deaths);
    active.injuries = Set(new.injuries);
    active.visibility = Set(new.visibility);
    active.next_version(current.version);
    let model = active.update(txn).await?;
    if have_actors != wanted_actors {
        event_actor::Entity::delete_many()
            .filter(event_actor::Column::EventId.eq(id))
            .exec(txn)
            .await?;
        let rows: Vec<event_actor::ActiveModel> = wanted_actors
            .iter()
            .map(|actor_id| event_actor::ActiveModel {
                id: NotSet,
                event_id: Set(id),
                actor_id: Set(*actor_id),
            })
            .collect();
        if !rows.is_empty() {
            event_actor::Entity::insert_many(rows).exec(txn).await?;
        }
    }
    if have_sources != wanted_sources {
        event_source::Entity::delete_many()
            .filter(event_source::Column::EventId.eq(id))
            .exec(txn)
            .await?;
        let rows: Vec<event_source::ActiveModel> = wanted_sources
            .into_iter()
            .map(|(news_item_id, url)| event_source::ActiveModel {
                id: NotSet,
                event_id: Set(id),
                news_item_id: Set(news_item_id),
                url: Set(url),
            })
            .collect();
        if !rows.is_empty() {
            event_source::Entity::insert_many(rows).exec(txn).await?;
        }
    }
    super::effective::refresh(txn, super::effective::Scope::Event(id)).await?;
    refresh_case(txn, model.case_id).await?;
    let entry = Entry {
        action: "updateEvent",
        entity: "event",
        id,
        case_id: Some(model.case_id),
        before: Some(before),
        after: Some(audit::event_snapshot(txn, id).await?),
    };
    audit::record(txn, author, entry).await?;
    Ok(RecordOutcome::Updated)
}

async fn import_link(
    txn: &DatabaseTransaction,
    author: &Author,
    record: LinkRecord,
    (claims, line): At<'_>,
) -> Step<RecordOutcome> {
    let case = case_by_slug(txn, "case", &record.case).await?;
    let news = find_news(txn, &record.news)
        .await?
        .ok_or_else(|| Reject::new("news", describe_news(&record.news)))?;
    let existing = news_link::Entity::find()
        .filter(news_link::Column::NewsItemId.eq(news.id))
        .filter(news_link::Column::CaseId.eq(case.id))
        .one(txn)
        .await?;
    if let Some(link) = existing {
        // The file's kind and visibility, and its note when it gives one, replace the
        // link's (an audited update). A decision made (confirmed or rejected) stands; a
        // suggestion the file confirms is confirmed.
        let mut outcome = RecordOutcome::Unchanged;
        let patch = LinkPatch {
            update_kind: (record.update_kind != link.update_kind).then_some(record.update_kind),
            note: record
                .note
                .filter(|note| link.note.as_ref() != Some(note))
                .map(Some),
            visibility: (record.visibility != link.visibility).then_some(record.visibility),
        };
        let confirm = link.state == LinkState::Suggested && record.confirmed;
        claims.check(
            "link",
            link.id,
            patch != LinkPatch::default() || confirm,
            "news",
        )?;
        claims.claim("link", link.id, line);
        if patch != LinkPatch::default() {
            Store::update_link_in(txn, author, link.id, patch).await?;
            outcome = RecordOutcome::Updated;
        }
        if confirm {
            Store::decide_link_in(txn, author, link.id, LinkState::Confirmed).await?;
            outcome = RecordOutcome::Updated;
        }
        return Ok(outcome);
    }
    let event = match &record.event {
        Some(body) => Some(resolve_event(txn, "event.", case.id, body).await?),
        None => None,
    };
    if !record.confirmed && event.is_some() {
        return Err(Reject::new("event", "only a confirmed link records an event").into());
    }
    let link = NewLink {
        news_item_id: news.id,
        case_id: case.id,
        update_kind: record.update_kind,
        reported_status: record.reported_status,
        reported_phase: record.reported_phase,
        reported_status_on: record.reported_status_on,
        event,
        note: record.note,
        state: if record.confirmed {
            LinkState::Confirmed
        } else {
            LinkState::Suggested
        },
        confidence: None,
        matched_terms: Vec::new(),
        visibility: record.visibility,
    };
    let linked = Store::link_news_item_in(txn, author, link).await?;
    claims.claim("link", linked.id, line);
    Ok(RecordOutcome::New)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_names_match_whatever_the_legal_form_case_and_accents() {
        assert_eq!(
            actor_name_key("Minera Las Bambas S.A."),
            actor_name_key("MINERA LAS BAMBAS")
        );
        assert_eq!(
            actor_name_key("Compañía Minera Raura S.A"),
            actor_name_key("Compania  Minera Raura S.A.")
        );
        assert_eq!(
            actor_name_key("Compañía\u{a0}de\u{a0}Minas\u{a0}Buenaventura\u{a0}S.A.A.\u{a0}"),
            "compania de minas buenaventura"
        );
        assert_ne!(
            actor_name_key("Minera Yanacocha"),
            actor_name_key("Minera Las Bambas")
        );
        // A legal form alone is a name, not nothing.
        assert_eq!(actor_name_key("S.A."), "sa");
    }

    #[test]
    fn slugs_are_folded_lower_case_and_hyphenated() {
        assert_eq!(
            slug_from_name("Río Blanco (ex Majaz)"),
            "rio-blanco-ex-majaz"
        );
        assert_eq!(
            slug_from_name("Tres Tingos – Quinua Totora - Minera Yanacocha"),
            "tres-tingos-quinua-totora-minera-yanacocha"
        );
        assert_eq!(slug_from_name("“ECOSAMIN”"), "ecosamin");
        assert_eq!(slug_from_name("¡!"), "unnamed");
        assert!(slug_from_name(&"a ".repeat(200)).len() <= 80);
    }
}
