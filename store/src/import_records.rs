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

use super::actor::{ActorPatch, NewActor};
use super::audit::{self, Author, Entry};
use super::case::{CasePatch, NewCase, NewPlacement, NewRole, NewStatusChange, refresh_case};
use super::event::NewEvent;
use super::link::{LinkPatch, NewLink};
use super::location::NewLocation;
use super::stamp::Versioned;
use super::tx::date_parts;
use super::{Store, StoreError, StoreResult};
use chasqui_domain::text::{fold, fold_name, fold_words, normalise_title};
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

/// The precision of a placement on a place of `level`.
fn precision_of(level: LocationLevel) -> PlacementPrecision {
    match level {
        LocationLevel::Country => PlacementPrecision::Country,
        LocationLevel::Region => PlacementPrecision::Region,
        LocationLevel::Province => PlacementPrecision::Province,
        LocationLevel::District => PlacementPrecision::District,
        LocationLevel::Site => PlacementPrecision::Exact,
    }
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
    /// Imports a batch of records in one transaction: actors first, then cases, events and
    /// links, each kind in file order. Returns each record's line and outcome, in that
    /// order. A store error rolls everything back and is returned.
    pub async fn import_records(
        &self,
        author: &Author,
        entries: Vec<RecordEntry>,
    ) -> StoreResult<Vec<(usize, RecordOutcome)>> {
        let rank = |r: &ImportRecord| match r {
            ImportRecord::Actor(_) => 0,
            ImportRecord::Case(_) => 1,
            ImportRecord::Event(_) => 2,
            ImportRecord::Link(_) => 3,
        };
        let mut entries = entries;
        entries.sort_by_key(|e| rank(&e.record));
        let txn = self.begin_write().await?;
        let mut outcomes = Vec::with_capacity(entries.len());
        let mut claims = Claims::default();
        for entry in entries {
            let at = (&mut claims, entry.line);
            let result = match entry.record {
                ImportRecord::Actor(record) => import_actor(&txn, author, record, at).await,
                ImportRecord::Case(record) => import_case_once(&txn, author, record, at).await,
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
        txn.commit().await?;
        Ok(outcomes)
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

async fn import_actor(
    txn: &DatabaseTransaction,
    author: &Author,
    record: ActorRecord,
    (claims, line): At<'_>,
) -> Step<RecordOutcome> {
    let Some(current) = find_actor(txn, record.slug.as_deref(), &record.name).await? else {
        let created = create_actor(txn, author, record).await?;
        claims.claim("actor", created.id, line);
        return Ok(RecordOutcome::New);
    };
    let field = if record.slug.is_some() {
        "slug"
    } else {
        "name"
    };
    let mut patch = ActorPatch::default();
    let mut changed = false;
    if current.name != record.name {
        patch.name = Some(record.name.clone());
        changed = true;
    }
    if current.kind != record.kind {
        patch.kind = Some(record.kind);
        changed = true;
    }
    if let Some(description) = &record.description
        && current.description != *description
    {
        patch.description = Some(description.clone());
        changed = true;
    }
    if current.visibility != record.visibility {
        patch.visibility = Some(record.visibility);
        changed = true;
    }
    if let Some(aliases) = &record.aliases {
        let stored = aliases_of(txn, current.id).await?;
        let mut wanted: Vec<String> = aliases.iter().map(|a| a.to_lowercase()).collect();
        wanted.sort();
        wanted.dedup();
        let mut have: Vec<String> = stored.iter().map(|a| a.to_lowercase()).collect();
        have.sort();
        if wanted != have {
            patch.aliases = Some(aliases.clone());
            changed = true;
        }
    }
    claims.check("actor", current.id, changed, field)?;
    claims.claim("actor", current.id, line);
    if !changed {
        return Ok(RecordOutcome::Unchanged);
    }
    Store::update_actor_in(txn, author, current.id, patch, None).await?;
    Ok(RecordOutcome::Updated)
}

async fn aliases_of(txn: &DatabaseTransaction, actor_id: i64) -> StoreResult<Vec<String>> {
    Ok(actor_alias::Entity::find()
        .filter(actor_alias::Column::ActorId.eq(actor_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| a.alias)
        .collect())
}

/// An actor by slug; without a slug, by name or alias (see [`actor_name_key`]).
async fn find_actor(
    txn: &DatabaseTransaction,
    slug: Option<&str>,
    name: &str,
) -> StoreResult<Option<actor::Model>> {
    if let Some(slug) = slug {
        return Ok(actor::Entity::find()
            .filter(actor::Column::Slug.eq(slug))
            .one(txn)
            .await?);
    }
    let key = actor_name_key(name);
    let by_slug = actor::Entity::find()
        .filter(actor::Column::Slug.eq(slug_from_name(&key)))
        .one(txn)
        .await?;
    if let Some(found) = by_slug.filter(|a| actor_name_key(&a.name) == key) {
        return Ok(Some(found));
    }
    // Names and aliases are few next to news items; compare them folded in Rust, the same
    // way on both engines.
    let actors = actor::Entity::find()
        .order_by_asc(actor::Column::Id)
        .all(txn)
        .await?;
    if let Some(found) = actors.iter().find(|a| actor_name_key(&a.name) == key) {
        return Ok(Some(found.clone()));
    }
    let aliases = actor_alias::Entity::find()
        .order_by_asc(actor_alias::Column::Id)
        .all(txn)
        .await?;
    let by_alias = aliases
        .iter()
        .find(|a| actor_name_key(&a.alias) == key)
        .and_then(|alias| actors.iter().find(|a| a.id == alias.actor_id));
    Ok(by_alias.cloned())
}

async fn create_actor(
    txn: &DatabaseTransaction,
    author: &Author,
    record: ActorRecord,
) -> Step<actor::Model> {
    let slug = match record.slug {
        Some(slug) => slug,
        None => free_actor_slug(txn, &slug_from_name(&actor_name_key(&record.name))).await?,
    };
    let new = NewActor {
        slug,
        name: record.name,
        kind: record.kind,
        description: record.description.flatten(),
        aliases: record.aliases.unwrap_or_default(),
        visibility: record.visibility,
    };
    Ok(Store::create_actor_in(txn, author, new).await?)
}

/// `base`, or `base-2`, `base-3`… whichever no actor has.
async fn free_actor_slug(txn: &DatabaseTransaction, base: &str) -> StoreResult<String> {
    let mut candidate = base.to_owned();
    let mut n = 1;
    while actor::Entity::find()
        .filter(actor::Column::Slug.eq(candidate.as_str()))
        .one(txn)
        .await?
        .is_some()
    {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

/// [`import_case`], refusing a second record of the file for the same case that would
/// change it: that one runs inside a savepoint, rolled back when it changed anything
/// (what a case record changes is known only once its actors and places are resolved).
async fn import_case_once(
    txn: &DatabaseTransaction,
    author: &Author,
    record: CaseRecord,
    (claims, line): At<'_>,
) -> Step<RecordOutcome> {
    let stored = case::Entity::find()
        .filter(case::Column::Slug.eq(record.slug.as_str()))
        .one(txn)
        .await?;
    let Some(earlier) = stored.as_ref().and_then(|c| claims.claimed("case", c.id)) else {
        let (outcome, id) = import_case(txn, author, record).await?;
        claims.claim("case", id, line);
        return Ok(outcome);
    };
    let savepoint = txn.begin().await?;
    match import_case(&savepoint, author, record).await {
        Ok((RecordOutcome::Unchanged, _)) => {
            savepoint.commit().await?;
            Ok(RecordOutcome::Unchanged)
        }
        Ok(_) => {
            savepoint.rollback().await?;
            Err(Claims::conflict("case", earlier, "slug").into())
        }
        Err(failure) => {
            savepoint.rollback().await?;
            Err(failure)
        }
    }
}

async fn import_case(
    txn: &DatabaseTransaction,
    author: &Author,
    record: CaseRecord,
) -> Step<(RecordOutcome, i64)> {
    // Dates of what happened are checked with the store's rule, so that a record dated
    // in the future is rejected with its line before anything is written.
    if let Some(Some(date)) = record.started_on {
        happened("startedOn", date)?;
    }
    if let Some(date) = record.status_since {
        happened("statusSince", date)?;
    }
    if let Some(date) = record.details.as_ref().and_then(|d| d.issued_on) {
        happened("details.issuedOn", date)?;
    }
    // Resolve every reference first, so that a rejection leaves nothing behind.
    let roles = match &record.actors {
        Some(roles) => Some(resolve_roles(txn, roles).await?),
        None => None,
    };
    let places = match &record.places {
        Some(places) => Some(check_places(txn, places).await?),
        None => None,
    };
    let current = case::Entity::find()
        .filter(case::Column::Slug.eq(record.slug.as_str()))
        .one(txn)
        .await?;
    if let Some(current) = &current
        && current.kind != record.kind
    {
        return Err(Reject::new(
            "kind",
            format!(
                "case `{}` is a {}; a case's kind cannot change",
                current.slug, current.kind
            ),
        )
        .into());
    }
    // Now write: actors and places that are missing, then the case.
    let roles = match roles {
        Some(roles) => Some(ensure_roles(txn, author, roles).await?),
        None => None,
    };
    let placements = match (&record.places, places) {
        (Some(specs), Some(_)) => Some(ensure_places(txn, author, specs).await?),
        _ => None,
    };
    let status_change = |case_id: i64| NewStatusChange {
        case_id,
        status: record.status,
        phase: record.phase,
        date: record.status_since,
        news_item_id: None,
        source_url: None,
        note: record.status_note.clone(),
        visibility: Visibility::Public,
    };
    let Some(current) = current else {
        let new = NewCase {
            slug: record.slug.clone(),
            kind: record.kind,
            title: record.title.clone(),
            summary: record.summary.clone().flatten(),
            status: record.status,
            phase: record.phase,
            conflict_type: record.conflict_type.flatten(),
            started_on: record.started_on.flatten(),
            details: record.details.clone().unwrap_or_default(),
            topics: record.topics.clone().unwrap_or_default(),
            external_ids: record.external_ids.clone().unwrap_or_default(),
            actors: roles.unwrap_or_default(),
            locations: placements.unwrap_or_default(),
            visibility: record.visibility,
            status_since: record.status_since.map(|_| status_change(0)),
        };
        let created = Store::create_case_in(txn, author, new).await?;
        return Ok((RecordOutcome::New, created.id));
    };
    let id = current.id;
    let mut patch = CasePatch::default();
    let mut changed = false;
    if current.title != record.title {
        patch.title = Some(record.title.clone());
        changed = true;
    }
    if let Some(summary) = &record.summary
        && current.summary != *summary
    {
        patch.summary = Some(summary.clone());
        changed = true;
    }
    if let Some(conflict_type) = record.conflict_type
        && current.conflict_type != conflict_type
    {
        patch.conflict_type = Some(conflict_type);
        changed = true;
    }
    if let Some(started) = record.started_on {
        let stored = current
            .started_on
            .zip(current.started_precision)
            .and_then(|(on, p)| PartialDate::from_parts(on, p).ok());
        if stored != started {
            patch.started_on = Some(started);
            changed = true;
        }
    }
    if let Some(details) = &record.details {
        let stored: CaseDetails = serde_json::from_str(&current.details).unwrap_or_default();
        if &stored != details {
            patch.details = Some(details.clone());
            changed = true;
        }
    }
    if current.visibility != record.visibility {
        patch.visibility = Some(record.visibility);
        changed = true;
    }
    if let Some(topics) = &record.topics {
        let mut wanted = topics.clone();
        wanted.sort();
        wanted.dedup();
        let mut have: Vec<String> = case_topic::Entity::find()
            .filter(case_topic::Column::CaseId.eq(id))
            .all(txn)
            .await?
            .into_iter()
            .map(|t| t.topic)
            .collect();
        have.sort();
        if wanted != have {
            patch.topics = Some(topics.clone());
            changed = true;
        }
    }
    if let Some(ids) = &record.external_ids {
        let mut wanted: Vec<(String, String)> = ids
            .iter()
            .map(|(s, v)| (s.as_str().to_owned(), v.clone()))
            .collect();
        wanted.sort();
        let mut have: Vec<(String, String)> = case_external_id::Entity::find()
            .filter(case_external_id::Column::CaseId.eq(id))
            .all(txn)
            .await?
            .into_iter()
            .map(|e| (e.scheme.as_str().to_owned(), e.value))
            .collect();
        have.sort();
        if wanted != have {
            patch.external_ids = Some(ids.clone());
            changed = true;
        }
    }
    if let Some(roles) = roles {
        let key = |r: &NewRole| {
            let (s, sp) = date_parts(r.started_on);
            let (e, ep) = date_parts(r.ended_on);
            (
                r.actor_id,
                r.role,
                s,
                sp,
                e,
                ep,
                r.note.clone(),
                r.visibility,
            )
        };
        let mut wanted: Vec<_> = roles.iter().map(key).collect();
        wanted.sort_by_key(|k| format!("{k:?}"));
        let mut have: Vec<_> = case_actor::Entity::find()
            .filter(case_actor::Column::CaseId.eq(id))
            .all(txn)
            .await?
            .into_iter()
            .map(|r| {
                (
                    r.actor_id,
                    r.role,
                    r.started_on,
                    r.started_precision,
                    r.ended_on,
                    r.ended_precision,
                    r.note,
                    r.visibility,
                )
            })
            .collect();
        have.sort_by_key(|k| format!("{k:?}"));
        if wanted != have {
            patch.actors = Some(roles);
            changed = true;
        }
    }
    if let Some(placements) = placements {
        let mut wanted: Vec<(i64, PlacementPrecision)> = placements
            .iter()
            .map(|p| (p.location_id, p.precision))
            .collect();
        wanted.sort();
        // The placements the store derived are not the record's to compare.
        let mut have: Vec<(i64, PlacementPrecision)> = case_location::Entity::find()
            .filter(case_location::Column::CaseId.eq(id))
            .filter(case_location::Column::ViaSiteId.is_null())
            .all(txn)
            .await?
            .into_iter()
            .map(|p| (p.location_id, p.precision))
            .collect();
        have.sort();
        if wanted != have {
            patch.locations = Some(placements);
            changed = true;
        }
    }
    if changed {
        Store::update_case_in(txn, author, id, patch, None).await?;
    }
    // Status and phase are derived from the status history: the record's status is a new,
    // dated status change, not an edit of the case. A dated status is known when the
    // history holds it on that date (later changes, from news links say, leave it be); an
    // undated one when it is the case's current status.
    let status_known = match record.status_since {
        Some(since) => status_change::Entity::find()
            .filter(status_change::Column::CaseId.eq(id))
            .filter(status_change::Column::Status.eq(record.status))
            .filter(status_change::Column::OccurredOn.eq(since.first_day()))
            .filter(status_change::Column::OccurredPrecision.eq(since.precision()))
            .all(txn)
            .await?
            .iter()
            .any(|c| record.phase.is_none() || c.phase == record.phase),
        None => case::Entity::find_by_id(id)
            .one(txn)
            .await?
            .is_some_and(|c| {
                c.status == record.status && (record.phase.is_none() || c.phase == record.phase)
            }),
    };
    if !status_known {
        Store::record_status_change_in(txn, author, status_change(id)).await?;
        changed = true;
    }
    let outcome = if changed {
        RecordOutcome::Updated
    } else {
        RecordOutcome::Unchanged
    };
    Ok((outcome, id))
}

/// A role whose actor is known, or will be created from its record.
enum ResolvedRole {
    Known(i64, ActorRole),
    ToCreate(ActorRecord, ActorRole),
}

async fn resolve_roles(txn: &DatabaseTransaction, roles: &[RoleRecord]) -> Step<Vec<ResolvedRole>> {
    let mut resolved = Vec::with_capacity(roles.len());
    for (i, role) in roles.iter().enumerate() {
        match &role.actor {
            ActorRef::Slug(slug) => {
                let found = actor::Entity::find()
                    .filter(actor::Column::Slug.eq(slug.as_str()))
                    .filter(actor::Column::ArchivedAt.is_null())
                    .one(txn)
                    .await?
                    .ok_or_else(|| {
                        Reject::new(
                            &format!("actors[{i}]"),
                            format!("no actor with slug `{slug}`"),
                        )
                    })?;
                resolved.push(ResolvedRole::Known(found.id, role.role));
            }
            ActorRef::Named(record) => match find_actor(txn, None, &record.name).await? {
                Some(found) => resolved.push(ResolvedRole::Known(found.id, role.role)),
                None => resolved.push(ResolvedRole::ToCreate(record.clone(), role.role)),
            },
        }
    }
    Ok(resolved)
}

async fn ensure_roles(
    txn: &DatabaseTransaction,
    author: &Author,
    roles: Vec<ResolvedRole>,
) -> Step<Vec<NewRole>> {
    let mut out: Vec<NewRole> = Vec::with_capacity(roles.len());
    for role in roles {
        let (actor_id, role) = match role {
            ResolvedRole::Known(id, role) => (id, role),
            ResolvedRole::ToCreate(record, role) => {
                // Two cells of one record may name the same new company.
                match find_actor(txn, None, &record.name).await? {
                    Some(found) => (found.id, role),
                    None => (create_actor(txn, author, record).await?.id, role),
                }
            }
        };
        if out.iter().any(|r| r.actor_id == actor_id && r.role == role) {
            continue;
        }
        out.push(NewRole {
            actor_id,
            role,
            started_on: None,
            ended_on: None,
            note: None,
            visibility: Visibility::Public,
        });
    }
    Ok(out)
}

/// A place by code, else by folded name under `parent` (`None`: a top-level place).
async fn find_place(
    txn: &DatabaseTransaction,
    spec: &PlaceSpec,
    parent: Option<i64>,
) -> StoreResult<Option<location::Model>> {
    if let Some(code) = &spec.code {
        let found = location::Entity::find()
            .filter(location::Column::Code.eq(code.as_str()))
            .one(txn)
            .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    let Some(name) = &spec.name else {
        return Ok(None);
    };
    let wanted = fold_name(name);
    let siblings = location::Entity::find()
        .filter(match parent {
            Some(parent) => location::Column::ParentId.eq(parent),
            None => location::Column::ParentId.is_null(),
        })
        .filter(location::Column::Level.eq(spec.level))
        .order_by_asc(location::Column::Id)
        .all(txn)
        .await?;
    Ok(siblings.into_iter().find(|l| fold_name(&l.name) == wanted))
}

/// Checks that every placement can be resolved or created: a place missing from the
/// database needs a name.
async fn check_places(txn: &DatabaseTransaction, places: &[PlacementRecord]) -> Step<()> {
    for (i, placement) in places.iter().enumerate() {
        let mut parent = None;
        for spec in &placement.path {
            match find_place(txn, spec, parent).await? {
                Some(found) if found.archived_at.is_none() => parent = Some(found.id),
                Some(_) => {
                    return Err(Reject::new(
                        &format!("places[{i}]"),
                        format!("place {} is archived", describe(spec)),
                    )
                    .into());
                }
                None if spec.name.is_some() => break,
                None => {
                    return Err(Reject::new(
                        &format!("places[{i}]"),
                        format!("no place {}", describe(spec)),
                    )
                    .into());
                }
            }
        }
    }
    Ok(())
}

fn describe(spec: &PlaceSpec) -> String {
    match (&spec.code, &spec.name) {
        (Some(code), _) => format!("with code `{code}`"),
        (None, Some(name)) => format!("named `{name}`"),
        (None, None) => "without code or name".to_owned(),
    }
}

/// Finds or creates every place of every placement path; returns the placements.
async fn ensure_places(
    txn: &DatabaseTransaction,
    author: &Author,
    places: &[PlacementRecord],
) -> Step<Vec<NewPlacement>> {
    let mut out: Vec<NewPlacement> = Vec::with_capacity(places.len());
    for placement in places {
        let mut parent: Option<i64> = None;
        let mut level = None;
        for spec in &placement.path {
            let id = match find_place(txn, spec, parent).await? {
                Some(found) => {
                    level = Some(found.level);
                    found.id
                }
                None => {
                    let name = spec.name.clone().ok_or_else(|| {
                        Reject::new("places", format!("no place {}", describe(spec)))
                    })?;
                    let new = NewLocation {
                        code: spec.code.clone(),
                        name,
                        level: spec.level,
                        parent_id: parent,
                        latitude: spec.latitude,
                        longitude: spec.longitude,
                        geometry: None,
                        visibility: Visibility::Public,
                    };
                    level = Some(spec.level);
                    Store::create_location_in(txn, author, new).await?.id
                }
            };
            parent = Some(id);
        }
        if let (Some(location_id), Some(level)) = (parent, level)
            && !out.iter().any(|p| p.location_id == location_id)
        {
            out.push(NewPlacement {
                location_id,
                precision: placement.precision.unwrap_or_else(|| precision_of(level)),
            });
        }
    }
    Ok(out)
}

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
