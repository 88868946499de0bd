//! Writes. Each public function is one transaction: it validates references, writes every
//! row, refreshes the case's derived columns (current status, last activity) and commits,
//! or writes nothing.

use super::audit::{self, Author, Entry};
use super::effective::{self, Scope};
use super::location as location_path;
use super::news::{cases_of_news, refresh_cases_of_news};
use super::search::{self, SearchDocument, SearchEntity};
use super::spatial::{CasePlaces, refresh_case_places};
use super::stamp::{Stamped, Versioned};
use super::visibility::{visible_events, visible_link_rows, visible_status_changes};
use super::{Access, Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::*;

/// A role for an actor in a case.
#[derive(Clone, Debug)]
pub struct NewRole {
    pub actor_id: i64,
    pub role: ActorRole,
    pub started_on: Option<PartialDate>,
    pub ended_on: Option<PartialDate>,
    pub note: Option<String>,
    pub visibility: Visibility,
}

/// Where a case is placed.
#[derive(Clone, Copy, Debug)]
pub struct NewPlacement {
    pub location_id: i64,
    pub precision: PlacementPrecision,
}

#[derive(Clone, Debug)]
pub struct NewCase {
    pub slug: String,
    pub kind: CaseKind,
    pub title: String,
    pub summary: Option<String>,
    pub status: CaseStatus,
    pub phase: Option<ConflictPhase>,
    pub conflict_type: Option<ConflictType>,
    pub started_on: Option<PartialDate>,
    pub details: CaseDetails,
    pub topics: Vec<String>,
    pub external_ids: Vec<(ExternalIdScheme, String)>,
    pub actors: Vec<NewRole>,
    pub locations: Vec<NewPlacement>,
    pub visibility: Visibility,
    /// When the initial status took effect, and its source; `None` records it as of today.
    pub status_since: Option<NewStatusChange>,
}

/// Changes to a case; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct CasePatch {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub summary: Option<Option<String>>,
    pub phase: Option<Option<ConflictPhase>>,
    pub conflict_type: Option<Option<ConflictType>>,
    pub started_on: Option<Option<PartialDate>>,
    pub details: Option<CaseDetails>,
    pub topics: Option<Vec<String>>,
    pub external_ids: Option<Vec<(ExternalIdScheme, String)>>,
    pub actors: Option<Vec<NewRole>>,
    pub locations: Option<Vec<NewPlacement>>,
    pub visibility: Option<Visibility>,
}

/// A status change (the case is given separately where it is implied).
#[derive(Clone, Debug)]
pub struct NewStatusChange {
    pub case_id: i64,
    pub status: CaseStatus,
    pub phase: Option<ConflictPhase>,
    pub date: PartialDate,
    pub news_item_id: Option<i64>,
    pub source_url: Option<String>,
    pub note: Option<String>,
    pub visibility: Visibility,
}

#[derive(Clone, Debug)]
pub struct NewActor {
    pub slug: String,
    pub name: String,
    pub kind: ActorKind,
    pub description: Option<String>,
    pub aliases: Vec<String>,
    pub visibility: Visibility,
}

#[derive(Clone, Debug, Default)]
pub struct ActorPatch {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub kind: Option<ActorKind>,
    pub description: Option<Option<String>>,
    pub aliases: Option<Vec<String>>,
    pub visibility: Option<Visibility>,
}

#[derive(Clone, Debug)]
pub struct NewLocation {
    pub code: Option<String>,
    pub name: String,
    pub level: LocationLevel,
    pub parent_id: Option<i64>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub geometry: Option<String>,
    pub visibility: Visibility,
}

#[derive(Clone, Debug, Default)]
pub struct LocationPatch {
    pub code: Option<Option<String>>,
    pub name: Option<String>,
    pub level: Option<LocationLevel>,
    pub parent_id: Option<Option<i64>>,
    pub latitude: Option<Option<f64>>,
    pub longitude: Option<Option<f64>>,
    pub geometry: Option<Option<String>>,
    pub visibility: Option<Visibility>,
}

/// An event; `sources` are (news item, URL) pairs, at least one of each pair set.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub case_id: i64,
    pub kind: EventKind,
    pub title: String,
    pub description: Option<String>,
    pub date: PartialDate,
    pub end_date: Option<PartialDate>,
    pub location_id: Option<i64>,
    pub actor_ids: Vec<i64>,
    pub deaths: Option<i32>,
    pub injuries: Option<i32>,
    pub sources: Vec<(Option<i64>, Option<String>)>,
    pub visibility: Visibility,
}

/// A news item → case link. A reported status becomes a status change sourced by the news
/// item; a reported event is recorded and sourced by it; all in the link's transaction.
#[derive(Clone, Debug)]
pub struct NewLink {
    pub news_item_id: i64,
    pub case_id: i64,
    pub update_kind: UpdateKind,
    pub reported_status: Option<CaseStatus>,
    pub reported_phase: Option<ConflictPhase>,
    pub event: Option<NewEvent>,
    pub note: Option<String>,
    pub state: LinkState,
    pub confidence: Option<f64>,
    pub matched_terms: Vec<String>,
    pub visibility: Visibility,
}

/// Changes to a link's own fields; `None` leaves a field as it is, `Some(None)` clears the
/// note. The news item, the case, the reported status and the decision are changed by
/// other calls (a new link, `confirm_link`, `reject_link`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkPatch {
    pub update_kind: Option<UpdateKind>,
    pub note: Option<Option<String>>,
    pub visibility: Option<Visibility>,
}

/// The records whose archiving can be undone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Archivable {
    Case,
    Actor,
    Location,
    NewsItem,
    Event,
}

impl Archivable {
    /// The record's name in the audit log.
    pub fn entity(self) -> &'static str {
        match self {
            Self::Case => "case",
            Self::Actor => "actor",
            Self::Location => "location",
            Self::NewsItem => "news_item",
            Self::Event => "event",
        }
    }
}

pub(crate) fn check_version(what: &str, current: i32, expected: Option<i32>) -> StoreResult<()> {
    match expected {
        Some(expected) if expected != current => Err(StoreError::Conflict(format!(
            "{what} was changed by someone else (version {current}, your copy is version {expected}); reload it and apply your change again"
        ))),
        _ => Ok(()),
    }
}

/// The row lock a write takes on PostgreSQL on the records it changes or derives from
/// (SQLite has one writer at a time): `FOR NO KEY UPDATE`, which excludes every other
/// writer of the row as `FOR UPDATE` does, but not the key-share lock a foreign key takes
/// when another transaction inserts a row that points at it. With `FOR UPDATE`, a case
/// write waiting for the spatial change marker held the case against a location write
/// that held the marker and was inserting the case's `case_places` or derived
/// placements: each waited on the other.
pub(crate) trait LockForWrite: QuerySelect + Sized {
    fn lock_for_write(self) -> Self {
        self.lock(sea_orm::sea_query::LockType::NoKeyUpdate)
    }
}

impl<T: QuerySelect> LockForWrite for T {}

async fn require_case(txn: &DatabaseTransaction, field: &str, id: i64) -> StoreResult<case::Model> {
    case::Entity::find_by_id(id)
        .filter(case::Column::ArchivedAt.is_null())
        .lock_for_write()
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::invalid(field, "no such case"))
}

async fn require_ids<E>(
    txn: &DatabaseTransaction,
    field: &str,
    what: &str,
    ids: &[i64],
    id_col: E::Column,
    archived: Option<E::Column>,
) -> StoreResult<()>
where
    E: EntityTrait,
    E::Model: Sync,
{
    if ids.is_empty() {
        return Ok(());
    }
    let mut unique: Vec<i64> = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut query = E::find().filter(id_col.is_in(unique.iter().copied()));
    if let Some(archived) = archived {
        query = query.filter(archived.is_null());
    }
    let found = query.count(txn).await?;
    if found as usize != unique.len() {
        return Err(StoreError::invalid(
            field,
            format!("refers to a {what} that does not exist"),
        ));
    }
    Ok(())
}

pub(super) fn date_parts(
    date: Option<PartialDate>,
) -> (Option<chrono::NaiveDate>, Option<DatePrecision>) {
    (date.map(|d| d.first_day()), date.map(|d| d.precision()))
}

/// Dates that record something that happened (a status change, a publication, a case's
/// start, an event, a role, a decree's issue) may not lie in the future: a date is refused
/// when the period it names begins after tomorrow (UTC; a day's slack for places ahead of
/// UTC). The one check every entrance goes through: the store's writes call it, and the
/// importers call it first to reject a record with its line.
pub(crate) fn happened(field: &str, date: PartialDate) -> StoreResult<()> {
    let latest = super::now().date_naive() + chrono::Days::new(1);
    if date.first_day() > latest {
        return Err(StoreError::invalid(
            field,
            format!(
                "{date} is in the future: a date of something that happened may be at most one day ahead ({latest})"
            ),
        ));
    }
    Ok(())
}

/// [`happened`] for the dates of a case: its start, when its status took effect, its
/// roles' dates and a decree's issue date.
pub(crate) fn case_dates_happened(
    started_on: Option<PartialDate>,
    status_since: Option<PartialDate>,
    roles: Option<&[NewRole]>,
    details: Option<&CaseDetails>,
) -> StoreResult<()> {
    if let Some(date) = started_on {
        happened("input.startedOn", date)?;
    }
    if let Some(date) = status_since {
        happened("input.statusSince", date)?;
    }
    for (i, role) in roles.into_iter().flatten().enumerate() {
        if let Some(date) = role.started_on {
            happened(&format!("input.actors[{i}].startedOn"), date)?;
        }
        if let Some(date) = role.ended_on {
            happened(&format!("input.actors[{i}].endedOn"), date)?;
        }
    }
    if let Some(date) = details.and_then(|d| d.issued_on) {
        happened("input.details.issuedOn", date)?;
    }
    Ok(())
}

fn details_json(details: &CaseDetails) -> StoreResult<String> {
    serde_json::to_string(details).map_err(|e| StoreError::invalid("input.details", e.to_string()))
}

impl Store {
    pub async fn create_case(&self, author: &Author, new: NewCase) -> StoreResult<case::Model> {
        self.write(async |txn| Self::create_case_in(txn, author, new).await)
            .await
    }

    /// `create_case` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn create_case_in(
        txn: &DatabaseTransaction,
        author: &Author,
        new: NewCase,
    ) -> StoreResult<case::Model> {
        case_dates_happened(
            new.started_on,
            new.status_since.as_ref().map(|s| s.date),
            Some(&new.actors),
            Some(&new.details),
        )?;
        let now = super::now();
        let (started_on, started_precision) = date_parts(new.started_on);
        let model = case::ActiveModel {
            id: NotSet,
            slug: Set(new.slug.clone()),
            kind: Set(new.kind),
            title: Set(new.title),
            summary: Set(new.summary),
            status: Set(new.status),
            phase: Set(new.phase),
            conflict_type: Set(new.conflict_type),
            started_on: Set(started_on),
            started_precision: Set(started_precision),
            last_activity_on: Set(new.started_on.map(|d| d.last_day())),
            details: Set(details_json(&new.details)?),
            visibility: Set(new.visibility),
            archived_at: Set(None),
            ..Default::default()
        }
        .created(now)
        .insert(txn)
        .await
        .map_err(|e| {
            StoreError::from_db(e, || {
                format!("input.slug: a case with slug `{}` already exists", new.slug)
            })
        })?;
        write_case_sets(
            txn,
            model.id,
            Some(&new.topics),
            Some(&new.external_ids),
            Some(&new.actors),
            Some(&new.locations),
        )
        .await?;
        // A case placed only on sites gets the districts of those without a parent place.
        refresh_case_places(txn, CasePlaces::Cases(&[model.id])).await?;
        search::insert_documents(txn, &[SearchDocument::of_case(&model, &new.topics)]).await?;
        let initial = new.status_since.unwrap_or(NewStatusChange {
            case_id: model.id,
            status: new.status,
            phase: new.phase,
            date: PartialDate::day(now.date_naive()),
            news_item_id: None,
            source_url: None,
            note: Some("status when the case was recorded".to_owned()),
            visibility: Visibility::Public,
        });
        let initial = insert_status_change(
            txn,
            NewStatusChange {
                case_id: model.id,
                ..initial
            },
        )
        .await?;
        effective::refresh(txn, Scope::StatusChange(initial.id)).await?;
        let model = refresh_case(txn, model.id).await?;
        let mut after = audit::case_snapshot(txn, model.id).await?;
        let initial = reread::<status_change::Entity>(txn, initial.id).await?;
        after["statusChange"] = audit::snapshot(&initial)?;
        let entry = Entry {
            action: "createCase",
            entity: "case",
            id: model.id,
            case_id: Some(model.id),
            before: None,
            after: Some(after),
        };
        audit::record(txn, author, entry).await?;
        Ok(model)
    }

    pub async fn update_case(
        &self,
        author: &Author,
        id: i64,
        patch: CasePatch,
        expected_version: Option<i32>,
    ) -> StoreResult<case::Model> {
        self.write(async |txn| Self::update_case_in(txn, author, id, patch, expected_version).await)
            .await
    }

    /// `update_case` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn update_case_in(
        txn: &DatabaseTransaction,
        author: &Author,
        id: i64,
        patch: CasePatch,
        expected_version: Option<i32>,
    ) -> StoreResult<case::Model> {
        case_dates_happened(
            patch.started_on.flatten(),
            None,
            patch.actors.as_deref(),
            patch.details.as_ref(),
        )?;
        let current = case::Entity::find_by_id(id)
            .lock_for_write()
            .one(txn)
            .await?
            .ok_or_else(|| StoreError::not_found("case"))?;
        check_version("the case", current.version, expected_version)?;
        let before = audit::case_snapshot(txn, id).await?;
        let mut active: case::ActiveModel = current.clone().into();
        if let Some(slug) = patch.slug.clone() {
            active.slug = Set(slug);
        }
        if let Some(title) = patch.title {
            active.title = Set(title);
        }
        if let Some(summary) = patch.summary {
            active.summary = Set(summary);
        }
        if let Some(phase) = patch.phase {
            active.phase = Set(phase);
        }
        if let Some(conflict_type) = patch.conflict_type {
            active.conflict_type = Set(conflict_type);
        }
        if let Some(started_on) = patch.started_on {
            let (on, precision) = date_parts(started_on);
            active.started_on = Set(on);
            active.started_precision = Set(precision);
        }
        if let Some(details) = &patch.details {
            active.details = Set(details_json(details)?);
        }
        if let Some(visibility) = patch.visibility {
            active.visibility = Set(visibility);
        }
        active.next_version(current.version);
        let slug = patch.slug.unwrap_or_default();
        active.update(txn).await.map_err(|e| {
            StoreError::from_db(e, || {
                format!("input.slug: a case with slug `{slug}` already exists")
            })
        })?;
        write_case_sets(
            txn,
            id,
            patch.topics.as_deref(),
            patch.external_ids.as_deref(),
            patch.actors.as_deref(),
            patch.locations.as_deref(),
        )
        .await?;
        if patch.locations.is_some() {
            refresh_case_places(txn, CasePlaces::Cases(&[id])).await?;
        }
        let model = refresh_case(txn, id).await?;
        let after = audit::case_snapshot(txn, id).await?;
        search::reindex_case(txn, id).await?;
        let entry = Entry {
            action: "updateCase",
            entity: "case",
            id,
            case_id: Some(id),
            before: Some(before),
            after: Some(after),
        };
        audit::record(txn, author, entry).await?;
        Ok(model)
    }

    pub async fn record_status_change(
        &self,
        author: &Author,
        change: NewStatusChange,
    ) -> StoreResult<status_change::Model> {
        self.write(async |txn| Self::record_status_change_in(txn, author, change).await)
            .await
    }

    /// `record_status_change` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn record_status_change_in(
        txn: &DatabaseTransaction,
        author: &Author,
        change: NewStatusChange,
    ) -> StoreResult<status_change::Model> {
        happened("input.date", change.date)?;
        require_case(txn, "input.case", change.case_id).await?;
        if let Some(news) = change.news_item_id {
            require_ids::<news_item::Entity>(
                txn,
                "input.source.newsItem",
                "news item",
                &[news],
                news_item::Column::Id,
                Some(news_item::Column::ArchivedAt),
            )
            .await?;
        }
        let case_id = change.case_id;
        let id = insert_status_change(txn, change).await?.id;
        effective::refresh(txn, Scope::StatusChange(id)).await?;
        let model = reread::<status_change::Entity>(txn, id).await?;
        refresh_case(txn, case_id).await?;
        let entry = Entry {
            action: "recordStatusChange",
            entity: "status_change",
            id: model.id,
            case_id: Some(case_id),
            before: None,
            after: Some(audit::snapshot(&model)?),
        };
        audit::record(txn, author, entry).await?;
        Ok(model)
    }

    pub async fn create_actor(&self, author: &Author, new: NewActor) -> StoreResult<actor::Model> {
        self.write(async |txn| Self::create_actor_in(txn, author, new).await)
            .await
    }

    /// `create_actor` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn create_actor_in(
        txn: &DatabaseTransaction,
        author: &Author,
        new: NewActor,
    ) -> StoreResult<actor::Model> {
        let now = super::now();
        let slug = new.slug.clone();
        let model = actor::ActiveModel {
            id: NotSet,
            slug: Set(new.slug),
            name: Set(new.name),
            kind: Set(new.kind),
            description: Set(new.description),
            visibility: Set(new.visibility),
            archived_at: Set(None),
            ..Default::default()
        }
        .created(now)
        .insert(txn)
        .await
        .map_err(|e| {
            StoreError::from_db(e, || {
                format!("input.slug: an actor with slug `{slug}` already exists")
            })
        })?;
        write_aliases(txn, model.id, &new.aliases).await?;
        let after = audit::actor_snapshot(txn, model.id).await?;
        search::reindex_actor(txn, model.id).await?;
        let entry = Entry {
            action: "createActor",
            entity: "actor",
            id: model.id,
            case_id: None,
            before: None,
            after: Some(after),
        };
        audit::record(txn, author, entry).await?;
        Ok(model)
    }

    pub async fn update_actor(
        &self,
        author: &Author,
        id: i64,
        patch: ActorPatch,
        expected_version: Option<i32>,
    ) -> StoreResult<actor::Model> {
        self.write(async |txn| {
            Self::update_actor_in(txn, author, id, patch, expected_version).await
        })
        .await
    }

    /// `update_actor` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn update_actor_in(
        txn: &DatabaseTransaction,
        author: &Author,
        id: i64,
        patch: ActorPatch,
        expected_version: Option<i32>,
    ) -> StoreResult<actor::Model> {
        let current = actor::Entity::find_by_id(id)
            .lock_for_write()
            .one(txn)
            .await?
            .ok_or_else(|| StoreError::not_found("actor"))?;
        check_version("the actor", current.version, expected_version)?;
        let before = audit::actor_snapshot(txn, id).await?;
        let mut active: actor::ActiveModel = current.clone().into();
        let slug = patch.slug.clone().unwrap_or_default();
        if let Some(v) = patch.slug {
            active.slug = Set(v);
        }
        if let Some(v) = patch.name {
            active.name = Set(v);
        }
        if let Some(v) = patch.kind {
            active.kind = Set(v);
        }
        if let Some(v) = patch.description {
            active.description = Set(v);
        }
        if let Some(v) = patch.visibility {
            active.visibility = Set(v);
        }
        active.next_version(current.version);
        let model = active.update(txn).await.map_err(|e| {
            StoreError::from_db(e, || {
                format!("input.slug: an actor with slug `{slug}` already exists")
            })
        })?;
        if let Some(aliases) = patch.aliases {
            write_aliases(txn, id, &aliases).await?;
        }
        let after = audit::actor_snapshot(txn, id).await?;
        search::reindex_actor(txn, id).await?;
        let entry = Entry {
            action: "updateActor",
            entity: "actor",
            id,
            case_id: None,
            before: Some(before),
            after: Some(after),
        };
        audit::record(txn, author, entry).await?;
        Ok(model)
    }

    pub async fn create_location(
        &self,
        author: &Author,
        new: NewLocation,
    ) -> StoreResult<location::Model> {
        // A located site is given its place from the index (read before the write).
        let located_site =
            new.level == LocationLevel::Site && new.latitude.is_some() && new.longitude.is_some();
        let index = match located_site {
            true => Some(self.spatial_index().await?),
            false => None,
        };
        self.write(async |txn| {
            let model = Self::create_location_in(txn, author, new).await?;
            if let Some(index) = index {
                Self::place_sites(txn, &index, &[model.id]).await?;
            }
            Ok(model)
        })
        .await
    }

    /// `create_location` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn create_location_in(
        txn: &DatabaseTransaction,
        author: &Author,
        new: NewLocation,
    ) -> StoreResult<location::Model> {
        let parent_path = match new.parent_id {
            Some(parent) => Some(
                location::Entity::find_by_id(parent)
                    .filter(location::Column::ArchivedAt.is_null())
                    .one(txn)
                    .await?
                    .ok_or_else(|| StoreError::invalid("input.parent", "no such location"))?
                    .path,
            ),
            None => None,
        };
        let now = super::now();
        let code = new.code.clone().unwrap_or_default();
        let model = location::ActiveModel {
            id: NotSet,
            code: Set(new.code),
            name: Set(new.name),
            level: Set(new.level),
            parent_id: Set(new.parent_id),
            path: Set(String::new()),
            latitude: Set(new.latitude),
            longitude: Set(new.longitude),
            geometry: Set(new.geometry),
            visibility: Set(new.visibility),
            archived_at: Set(None),
            ..Default::default()
        }
        .created(now)
        .insert(txn)
        .await
        .map_err(|e| {
            StoreError::from_db(e, || {
                format!("input.code: a location with code `{code}` already exists")
            })
        })?;
        let model = location_path::set_new_path(txn, model, parent_path.as_deref()).await?;
        let entry = Entry {
            action: "createLocation",
            entity: "location",
            id: model.id,
            case_id: None,
            before: None,
            after: Some(audit::snapshot(&model)?),
        };
        audit::record(txn, author, entry).await?;
        Ok(model)
    }

    pub async fn update_location(
        &self,
        author: &Author,
        id: i64,
        patch: LocationPatch,
        expected_version: Option<i32>,
    ) -> StoreResult<location::Model> {
        // A site may move: its place comes from the index, read before the write.
        let index = self.spatial_index().await?;
        self.write(async |txn| {
            let current = location::Entity::find_by_id(id)
                .lock_for_write()
                .one(txn)
                .await?
                .ok_or_else(|| StoreError::not_found("location"))?;
            check_version("the location", current.version, expected_version)?;
            let mut active: location::ActiveModel = current.clone().into();
            let code = patch.code.clone().flatten().unwrap_or_default();
            if let Some(v) = patch.code {
                active.code = Set(v);
            }
            if let Some(v) = patch.name {
                active.name = Set(v);
            }
            if let Some(v) = patch.level {
                active.level = Set(v);
            }
            if let Some(v) = patch.latitude {
                active.latitude = Set(v);
            }
            if let Some(v) = patch.longitude {
                active.longitude = Set(v);
            }
            if let Some(v) = patch.geometry {
                active.geometry = Set(v);
            }
            if let Some(v) = patch.visibility {
                active.visibility = Set(v);
            }
            let mut moved_to: Option<String> = None;
            if let Some(parent) = patch.parent_id {
                let parent_path = match parent {
                    Some(parent_id) => {
                        let parent = location::Entity::find_by_id(parent_id)
                            .filter(location::Column::ArchivedAt.is_null())
                            .one(txn)
                            .await?
                            .ok_or_else(|| {
                                StoreError::invalid("input.parent", "no such location")
                            })?;
                        if location_path::below_itself(&parent.path, &current.path) {
                            return Err(StoreError::invalid(
                                "input.parent",
                                "a location cannot be placed below itself or its own descendants",
                            ));
                        }
                        Some(parent.path)
                    }
                    None => None,
                };
                active.parent_id = Set(parent);
                let new_path = location_path::child_path(parent_path.as_deref(), id);
                active.path = Set(new_path.clone());
                moved_to = Some(new_path);
            }
            active.next_version(current.version);
            let model = active.update(txn).await.map_err(|e| {
                StoreError::from_db(e, || {
                    format!("input.code: a location with code `{code}` already exists")
                })
            })?;
            if let Some(new_path) = moved_to.filter(|p| *p != current.path) {
                location_path::move_descendants(txn, id, &current.path, &new_path).await?;
            }
            if model.geometry != current.geometry {
                // A new shape moves sites between places: place them all again, from the
                // places as this transaction sees them.
                let index = super::spatial::load_index(txn).await?;
                Self::place_all_sites(txn, &index, true).await?;
                refresh_case_places(txn, CasePlaces::All).await?;
            } else {
                let resited = model.latitude != current.latitude
                    || model.longitude != current.longitude
                    || model.level != current.level;
                if resited {
                    Self::place_sites(txn, &index, &[id]).await?;
                }
                if resited
                    || model.parent_id != current.parent_id
                    || model.visibility != current.visibility
                {
                    refresh_case_places(txn, CasePlaces::Below(id)).await?;
                }
            }
            let entry = Entry {
                action: "updateLocation",
                entity: "location",
                id,
                case_id: None,
                before: Some(audit::snapshot(&current)?),
                after: Some(audit::snapshot(&model)?),
            };
            audit::record(txn, author, entry).await?;
            Ok(model)
        })
        .await
    }

    pub async fn record_event(&self, author: &Author, new: NewEvent) -> StoreResult<event::Model> {
        self.write(async |txn| Self::record_event_in(txn, author, new).await)
            .await
    }

    /// `record_event` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn record_event_in(
        txn: &DatabaseTransaction,
        author: &Author,
        new: NewEvent,
    ) -> StoreResult<event::Model> {
        require_case(txn, "input.case", new.case_id).await?;
        let case_id = new.case_id;
        let id = insert_event(txn, new, "input").await?.id;
        effective::refresh(txn, Scope::Event(id)).await?;
        let model = reread::<event::Entity>(txn, id).await?;
        refresh_case(txn, case_id).await?;
        let entry = Entry {
            action: "recordEvent",
            entity: "event",
            id: model.id,
            case_id: Some(case_id),
            before: None,
            after: Some(audit::event_snapshot(txn, id).await?),
        };
        audit::record(txn, author, entry).await?;
        Ok(model)
    }

    pub async fn link_news_item(
        &self,
        author: &Author,
        link: NewLink,
    ) -> StoreResult<news_link::Model> {
        self.write(async |txn| Self::link_news_item_in(txn, author, link).await)
            .await
    }

    /// `link_news_item` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn link_news_item_in(
        txn: &DatabaseTransaction,
        author: &Author,
        link: NewLink,
    ) -> StoreResult<news_link::Model> {
        // The link derives its effective visibility from the news item: on PostgreSQL the
        // item is locked (shared) first, so that a concurrent restriction of the item
        // either waits for this link or is seen by it; first, in the order of
        // `patch_news_item` (item, then its cases), so the two cannot deadlock.
        let news = news_item::Entity::find_by_id(link.news_item_id)
            .filter(news_item::Column::ArchivedAt.is_null())
            .lock_shared()
            .one(txn)
            .await?;
        let case = require_case(txn, "input.case", link.case_id).await?;
        let news =
            news.ok_or_else(|| StoreError::invalid("input.newsItem", "no such news item"))?;
        let exists = news_link::Entity::find()
            .filter(news_link::Column::NewsItemId.eq(news.id))
            .filter(news_link::Column::CaseId.eq(case.id))
            .one(txn)
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!(
                "input.case: news item {} is already linked to case `{}`",
                news.id, case.slug
            )));
        }
        let confirmed = link.state == LinkState::Confirmed;
        if !confirmed && link.event.is_some() {
            return Err(StoreError::invalid(
                "input.event",
                "only a confirmed link records an event; confirm the link first",
            ));
        }
        // A suggestion keeps the status it reports but changes nothing until confirmed.
        let status_change_id = match link.reported_status {
            Some(status) if confirmed => {
                let change = reported_change(
                    &news,
                    case.id,
                    status,
                    link.reported_phase,
                    &link.note,
                    link.visibility,
                );
                Some(insert_status_change(txn, change).await?.id)
            }
            _ => None,
        };
        let event_id = match link.event {
            Some(mut event) => {
                event.case_id = case.id;
                if !event.sources.iter().any(|(n, _)| *n == Some(news.id)) {
                    event.sources.push((Some(news.id), None));
                }
                Some(insert_event(txn, event, "input.event").await?.id)
            }
            None => None,
        };
        let now = super::now();
        let terms = if link.matched_terms.is_empty() {
            None
        } else {
            serde_json::to_string(&link.matched_terms).ok()
        };
        let model = news_link::ActiveModel {
            id: NotSet,
            news_item_id: Set(news.id),
            case_id: Set(case.id),
            update_kind: Set(link.update_kind),
            reported_status: Set(link.reported_status),
            status_change_id: Set(status_change_id),
            event_id: Set(event_id),
            note: Set(link.note),
            state: Set(link.state),
            confidence: Set(link.confidence),
            matched_terms: Set(terms),
            visibility: Set(link.visibility),
            effective_visibility: Set(EffectiveVisibility::default()),
            ..Default::default()
        }
        .created(now)
        .insert(txn)
        .await
        .map_err(|e| {
            StoreError::from_db(e, || {
                "input.case: the news item is already linked to this case".to_owned()
            })
        })?;
        effective::refresh(txn, Scope::Links(&[model.id])).await?;
        let model = reread::<news_link::Entity>(txn, model.id).await?;
        refresh_case(txn, case.id).await?;
        let entry = Entry {
            action: "linkNewsItem",
            entity: "news_link",
            id: model.id,
            case_id: Some(case.id),
            before: None,
            after: Some(audit::link_snapshot(txn, model.id).await?),
        };
        audit::record(txn, author, entry).await?;
        Ok(model)
    }

    /// Confirms a suggested (or rejected) link: a status it reports becomes a status
    /// change of the case, sourced by the news item.
    pub async fn confirm_link(
        &self,
        author: &Author,
        link_id: i64,
    ) -> StoreResult<news_link::Model> {
        self.decide_link(author, link_id, LinkState::Confirmed)
            .await
    }

    /// Rejects a link; a status change it had recorded is withdrawn with it.
    pub async fn reject_link(
        &self,
        author: &Author,
        link_id: i64,
    ) -> StoreResult<news_link::Model> {
        self.decide_link(author, link_id, LinkState::Rejected).await
    }

    async fn decide_link(
        &self,
        author: &Author,
        link_id: i64,
        state: LinkState,
    ) -> StoreResult<news_link::Model> {
        self.write(async |txn| Self::decide_link_in(txn, author, link_id, state).await)
            .await
    }

    /// `decide_link` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn decide_link_in(
        txn: &DatabaseTransaction,
        author: &Author,
        link_id: i64,
        state: LinkState,
    ) -> StoreResult<news_link::Model> {
        let link = lock_link(txn, link_id).await?;
        if link.state == state {
            return Ok(link);
        }
        let before = audit::link_snapshot(txn, link_id).await?;
        let mut status_change_id = link.status_change_id;
        match (state, link.reported_status, link.status_change_id) {
            (LinkState::Confirmed, Some(status), None) => {
                let news = news_item::Entity::find_by_id(link.news_item_id)
                    .one(txn)
                    .await?
                    .ok_or_else(|| StoreError::not_found("news item"))?;
                let change = reported_change(
                    &news,
                    link.case_id,
                    status,
                    None,
                    &link.note,
                    link.visibility,
                );
                status_change_id = Some(insert_status_change(txn, change).await?.id);
            }
            (LinkState::Rejected, _, Some(change_id)) => {
                status_change::Entity::delete_by_id(change_id)
                    .exec(txn)
                    .await?;
                status_change_id = None;
            }
            _ => {}
        }
        let action = if state == LinkState::Confirmed {
            "confirmLink"
        } else {
            "rejectLink"
        };
        save_link(txn, author, action, (link, before), |active| {
            active.state = Set(state);
            active.status_change_id = Set(status_change_id);
        })
        .await
    }

    /// Changes a link's update kind, note or visibility. The status change the link
    /// recorded carries the link's note and visibility, so it follows them; the case's
    /// derived status and last activity are refreshed. A patch that changes nothing
    /// writes nothing.
    pub async fn update_link(
        &self,
        author: &Author,
        link_id: i64,
        patch: LinkPatch,
    ) -> StoreResult<news_link::Model> {
        self.write(async |txn| Self::update_link_in(txn, author, link_id, patch).await)
            .await
    }

    /// `update_link` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn update_link_in(
        txn: &DatabaseTransaction,
        author: &Author,
        link_id: i64,
        patch: LinkPatch,
    ) -> StoreResult<news_link::Model> {
        let link = lock_link(txn, link_id).await?;
        let update_kind = patch.update_kind.unwrap_or(link.update_kind);
        let note = patch.note.unwrap_or_else(|| link.note.clone());
        let visibility = patch.visibility.unwrap_or(link.visibility);
        if update_kind == link.update_kind && note == link.note && visibility == link.visibility {
            return Ok(link);
        }
        if update_kind == UpdateKind::StatusChange && link.reported_status.is_none() {
            return Err(StoreError::invalid(
                "input.updateKind",
                "a STATUS_CHANGE update must report a status, and this link reports none",
            ));
        }
        let before = audit::link_snapshot(txn, link_id).await?;
        if let Some(change_id) = link.status_change_id
            && (note != link.note || visibility != link.visibility)
            && let Some(change) = status_change::Entity::find_by_id(change_id)
                .one(txn)
                .await?
        {
            let mut change: status_change::ActiveModel = change.into();
            change.note = Set(note.clone());
            change.visibility = Set(visibility);
            change.update(txn).await?;
        }
        save_link(txn, author, "updateLink", (link, before), |active| {
            active.update_kind = Set(update_kind);
            active.note = Set(note);
            active.visibility = Set(visibility);
        })
        .await
    }

    pub async fn relate_cases(
        &self,
        author: &Author,
        case_id: i64,
        related_case_id: i64,
        kind: CaseRelationKind,
        note: Option<String>,
    ) -> StoreResult<case_relation::Model> {
        if case_id == related_case_id {
            return Err(StoreError::invalid(
                "input.relatedCase",
                "a case cannot be related to itself",
            ));
        }
        self.write(async |txn| {
            // Lock the two cases in id order, so that two opposite relations cannot deadlock.
            let mut both = [
                (case_id, "input.case"),
                (related_case_id, "input.relatedCase"),
            ];
            both.sort();
            for (id, field) in both {
                require_case(txn, field, id).await?;
            }
            let model = case_relation::ActiveModel {
                id: NotSet,
                case_id: Set(case_id),
                related_case_id: Set(related_case_id),
                kind: Set(kind),
                note: Set(note),
                created_at: Set(super::now()),
            }
            .insert(txn)
            .await
            .map_err(|e| {
                StoreError::from_db(e, || {
                    "input.relatedCase: the cases are already related this way".to_owned()
                })
            })?;
            let entry = Entry {
                action: "relateCases",
                entity: "case_relation",
                id: model.id,
                case_id: Some(case_id),
                before: None,
                after: Some(audit::snapshot(&model)?),
            };
            audit::record(txn, author, entry).await?;
            Ok(model)
        })
        .await
    }

    pub async fn unrelate_cases(&self, author: &Author, relation_id: i64) -> StoreResult<bool> {
        self.write(async |txn| {
            let Some(relation) = case_relation::Entity::find_by_id(relation_id)
                .one(txn)
                .await?
            else {
                return Ok(false);
            };
            case_relation::Entity::delete_by_id(relation_id)
                .exec(txn)
                .await?;
            let entry = Entry {
                action: "unrelateCases",
                entity: "case_relation",
                id: relation_id,
                case_id: Some(relation.case_id),
                before: Some(audit::snapshot(&relation)?),
                after: None,
            };
            audit::record(txn, author, entry).await?;
            Ok(true)
        })
        .await
    }

    /// Archives (soft-deletes) or restores a record. Returns false when it does not exist.
    /// Archiving an archived record, or restoring one that is not, changes nothing and
    /// writes no audit entry (like a patch that changes nothing).
    pub async fn set_archived(
        &self,
        author: &Author,
        what: Archivable,
        id: i64,
        archived: bool,
    ) -> StoreResult<bool> {
        self.write(async |txn| {
            let when = if archived { Some(super::now()) } else { None };
            macro_rules! flip {
                ($entity:ident) => {{
                    let Some(current) = $entity::Entity::find_by_id(id)
                        .lock_for_write()
                        .one(txn)
                        .await?
                    else {
                        return Ok(false);
                    };
                    if current.archived_at.is_some() == archived {
                        return Ok(true);
                    }
                    let before = audit::snapshot(&current)?;
                    let version = current.version;
                    let mut active: $entity::ActiveModel = current.into();
                    active.archived_at = Set(when);
                    active.next_version(version);
                    let model = active.update(txn).await?;
                    (before, audit::snapshot(&model)?, model)
                }};
            }
            let (before, after, case_id) = match what {
                Archivable::Case => {
                    let (before, after, model) = flip!(case);
                    (before, after, Some(model.id))
                }
                Archivable::Actor => {
                    let (before, after, _) = flip!(actor);
                    (before, after, None)
                }
                Archivable::Location => {
                    let (before, after, _) = flip!(location);
                    refresh_case_places(txn, CasePlaces::Below(id)).await?;
                    (before, after, None)
                }
                Archivable::NewsItem => {
                    let (before, after, _) = flip!(news_item);
                    effective::refresh(txn, Scope::NewsItem(id)).await?;
                    refresh_cases_of_news(txn, id).await?;
                    (before, after, None)
                }
                Archivable::Event => {
                    let (before, _, model) = flip!(event);
                    effective::refresh(txn, Scope::Event(id)).await?;
                    refresh_case(txn, model.case_id).await?;
                    let after = audit::snapshot(&reread::<event::Entity>(txn, id).await?)?;
                    (before, after, Some(model.case_id))
                }
            };
            let action = if archived { "archive" } else { "restore" };
            let entry = Entry {
                action,
                entity: what.entity(),
                id,
                case_id,
                before: Some(before),
                after: Some(after),
            };
            audit::record(txn, author, entry).await?;
            Ok(true)
        })
        .await
    }

    /// Deletes an archived record for good, with everything that belongs only to it (a
    /// case's events, links and history; a news item's links). The deletion is audited
    /// with the record as it was. Returns false when it does not exist.
    pub async fn purge(&self, author: &Author, what: Archivable, id: i64) -> StoreResult<bool> {
        self.write(async |txn| {
            macro_rules! archived_or_refuse {
                ($entity:ident) => {{
                    let Some(current) = $entity::Entity::find_by_id(id)
                        .lock_for_write()
                        .one(txn)
                        .await?
                    else {
                        return Ok(false);
                    };
                    if current.archived_at.is_none() {
                        return Err(StoreError::Conflict(
                            "archive the record before purging it".to_owned(),
                        ));
                    }
                    current
                }};
            }
            // The entry keeps everything the purge deletes or changes, with its content.
            let (before, case_id) = match what {
                Archivable::Case => {
                    archived_or_refuse!(case);
                    (audit::case_purge_snapshot(txn, id).await?, Some(id))
                }
                Archivable::Actor => {
                    archived_or_refuse!(actor);
                    (audit::actor_purge_snapshot(txn, id).await?, None)
                }
                Archivable::Location => {
                    let current = archived_or_refuse!(location);
                    let children = location::Entity::find()
                        .filter(location::Column::ParentId.eq(id))
                        .count(txn)
                        .await?;
                    if children > 0 {
                        return Err(StoreError::Conflict(format!(
                            "the location has {children} places below it; move or purge them first"
                        )));
                    }
                    (audit::location_purge_snapshot(txn, &current).await?, None)
                }
                Archivable::NewsItem => {
                    archived_or_refuse!(news_item);
                    (audit::news_purge_snapshot(txn, id).await?, None)
                }
                Archivable::Event => {
                    let current = archived_or_refuse!(event);
                    let before = audit::event_purge_snapshot(txn, id).await?;
                    (before, Some(current.case_id))
                }
            };
            let linked_cases = match what {
                Archivable::NewsItem => cases_of_news(txn, id).await?,
                _ => Vec::new(),
            };
            if what == Archivable::NewsItem {
                // What the item's links reported belongs to them: it goes with them, rather
                // than outliving the item as records no link hides any more.
                let links = news_link::Entity::find()
                    .filter(news_link::Column::NewsItemId.eq(id))
                    .all(txn)
                    .await?;
                let changes: Vec<i64> = links.iter().filter_map(|l| l.status_change_id).collect();
                let events: Vec<i64> = links.iter().filter_map(|l| l.event_id).collect();
                if !changes.is_empty() {
                    status_change::Entity::delete_many()
                        .filter(status_change::Column::Id.is_in(changes))
                        .exec(txn)
                        .await?;
                }
                if !events.is_empty() {
                    event::Entity::delete_many()
                        .filter(event::Column::Id.is_in(events))
                        .exec(txn)
                        .await?;
                }
            }
            match what {
                Archivable::Case => case::Entity::delete_by_id(id).exec(txn).await?,
                Archivable::Actor => actor::Entity::delete_by_id(id).exec(txn).await?,
                Archivable::Location => location::Entity::delete_by_id(id).exec(txn).await?,
                Archivable::NewsItem => news_item::Entity::delete_by_id(id).exec(txn).await?,
                Archivable::Event => event::Entity::delete_by_id(id).exec(txn).await?,
            };
            for case in linked_cases {
                refresh_case(txn, case).await?;
            }
            let searchable = match what {
                Archivable::Case => Some(SearchEntity::Case),
                Archivable::Actor => Some(SearchEntity::Actor),
                Archivable::NewsItem => Some(SearchEntity::NewsItem),
                Archivable::Location | Archivable::Event => None,
            };
            if let Some(entity) = searchable {
                search::remove_document(txn, entity, id).await?;
            }
            if let (Archivable::Event, Some(case)) = (what, case_id) {
                refresh_case(txn, case).await?;
            }
            let entry = Entry {
                action: "purge",
                entity: what.entity(),
                id,
                case_id,
                before: Some(before),
                after: None,
            };
            audit::record(txn, author, entry).await?;
            Ok(true)
        })
        .await
    }
}

/// A row read again after the transaction derived some of its columns.
pub(crate) async fn reread<E>(txn: &DatabaseTransaction, id: i64) -> StoreResult<E::Model>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    E::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::not_found(E::default().table_name().to_owned()))
}

/// Replaces an actor's aliases (case-insensitively unique).
async fn write_aliases(
    txn: &DatabaseTransaction,
    actor_id: i64,
    aliases: &[String],
) -> StoreResult<()> {
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<actor_alias::ActiveModel> = aliases
        .iter()
        .filter(|a| seen.insert(a.to_lowercase()))
        .map(|alias| actor_alias::ActiveModel {
            id: NotSet,
            actor_id: Set(actor_id),
            alias: Set(alias.clone()),
        })
        .collect();
    let conflict = "input.aliases: an alias is given twice";
    replace_rows(txn, actor_alias::Column::ActorId, actor_id, rows, conflict).await
}

/// Replaces the rows of `E` whose `owner` column is `owner_id` with `rows`; a unique-key
/// violation among the new rows becomes a conflict with `conflict` as its message.
async fn replace_rows<E, A>(
    txn: &DatabaseTransaction,
    owner: E::Column,
    owner_id: i64,
    rows: Vec<A>,
    conflict: &str,
) -> StoreResult<()>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + Send,
{
    E::delete_many()
        .filter(owner.eq(owner_id))
        .exec(txn)
        .await?;
    if !rows.is_empty() {
        E::insert_many(rows)
            .exec(txn)
            .await
            .map_err(|e| StoreError::from_db(e, || conflict.to_owned()))?;
    }
    Ok(())
}

/// Replaces whichever of a case's sets are given.
async fn write_case_sets(
    txn: &DatabaseTransaction,
    case_id: i64,
    topics: Option<&[String]>,
    external_ids: Option<&[(ExternalIdScheme, String)]>,
    actors: Option<&[NewRole]>,
    locations: Option<&[NewPlacement]>,
) -> StoreResult<()> {
    if let Some(topics) = topics {
        let mut unique: Vec<&String> = topics.iter().collect();
        unique.sort();
        unique.dedup();
        let rows = unique
            .into_iter()
            .map(|t| case_topic::ActiveModel {
                id: NotSet,
                case_id: Set(case_id),
                topic: Set(t.clone()),
            })
            .collect();
        replace_rows(
            txn,
            case_topic::Column::CaseId,
            case_id,
            rows,
            "input.topics: a topic is given twice",
        )
        .await?;
    }
    if let Some(ids) = external_ids {
        let rows = ids
            .iter()
            .map(|(scheme, value)| case_external_id::ActiveModel {
                id: NotSet,
                case_id: Set(case_id),
                scheme: Set(*scheme),
                value: Set(value.clone()),
            })
            .collect();
        let conflict =
            "input.externalIds: that identifier already belongs to a case (or is given twice)";
        replace_rows(
            txn,
            case_external_id::Column::CaseId,
            case_id,
            rows,
            conflict,
        )
        .await?;
    }
    if let Some(roles) = actors {
        let ids: Vec<i64> = roles.iter().map(|r| r.actor_id).collect();
        require_ids::<actor::Entity>(
            txn,
            "input.actors",
            "actor",
            &ids,
            actor::Column::Id,
            Some(actor::Column::ArchivedAt),
        )
        .await?;
        let rows = roles
            .iter()
            .map(|r| {
                let (started_on, started_precision) = date_parts(r.started_on);
                let (ended_on, ended_precision) = date_parts(r.ended_on);
                case_actor::ActiveModel {
                    id: NotSet,
                    case_id: Set(case_id),
                    actor_id: Set(r.actor_id),
                    role: Set(r.role),
                    started_on: Set(started_on),
                    started_precision: Set(started_precision),
                    ended_on: Set(ended_on),
                    ended_precision: Set(ended_precision),
                    note: Set(r.note.clone()),
                    visibility: Set(r.visibility),
                }
            })
            .collect();
        let conflict = "input.actors: the same actor is given twice with the same role";
        replace_rows(txn, case_actor::Column::CaseId, case_id, rows, conflict).await?;
    }
    if let Some(places) = locations {
        // The marker before the placements, as location writes take it (see there).
        super::spatial::lock_spatial_changes(txn).await?;
        let ids: Vec<i64> = places.iter().map(|p| p.location_id).collect();
        require_ids::<location::Entity>(
            txn,
            "input.locations",
            "location",
            &ids,
            location::Column::Id,
            Some(location::Column::ArchivedAt),
        )
        .await?;
        let rows = places
            .iter()
            .map(|p| case_location::ActiveModel {
                id: NotSet,
                case_id: Set(case_id),
                location_id: Set(p.location_id),
                precision: Set(p.precision),
                via_site_id: Set(None),
            })
            .collect();
        let conflict = "input.locations: the same location is given twice";
        replace_rows(txn, case_location::Column::CaseId, case_id, rows, conflict).await?;
    }
    Ok(())
}

/// A link, locked for the rest of the transaction on PostgreSQL. A link of an archived
/// case or of an archived news item is out of every read, and a decision on it is refused
/// as on a link that does not exist (like any write to an archived case).
async fn lock_link(txn: &DatabaseTransaction, link_id: i64) -> StoreResult<news_link::Model> {
    let not_found = || StoreError::not_found("link");
    let link = news_link::Entity::find_by_id(link_id)
        .lock_for_write()
        .one(txn)
        .await?
        .ok_or_else(not_found)?;
    let case_live = case::Entity::find_by_id(link.case_id)
        .filter(case::Column::ArchivedAt.is_null())
        .count(txn)
        .await?
        > 0;
    let news_live = news_item::Entity::find_by_id(link.news_item_id)
        .filter(news_item::Column::ArchivedAt.is_null())
        .count(txn)
        .await?
        > 0;
    if !(case_live && news_live) {
        return Err(not_found());
    }
    Ok(link)
}

/// Writes the changes `change` makes to `link`, refreshes its case's derived columns
/// and records the audit entry `action` with the link (and the status change and event
/// it recorded) before (`before`, taken when the write began) and after.
async fn save_link(
    txn: &DatabaseTransaction,
    author: &Author,
    action: &str,
    (link, before): (news_link::Model, serde_json::Value),
    change: impl FnOnce(&mut news_link::ActiveModel),
) -> StoreResult<news_link::Model> {
    let (link_id, case_id) = (link.id, link.case_id);
    let mut active: news_link::ActiveModel = link.into();
    change(&mut active);
    active.changed();
    active.update(txn).await?;
    effective::refresh(txn, Scope::Links(&[link_id])).await?;
    let model = reread::<news_link::Entity>(txn, link_id).await?;
    refresh_case(txn, case_id).await?;
    let entry = Entry {
        action,
        entity: "news_link",
        id: link_id,
        case_id: Some(case_id),
        before: Some(before),
        after: Some(audit::link_snapshot(txn, link_id).await?),
    };
    audit::record(txn, author, entry).await?;
    Ok(model)
}

/// The status change a news item reports for a case, dated by the item.
fn reported_change(
    news: &news_item::Model,
    case_id: i64,
    status: CaseStatus,
    phase: Option<ConflictPhase>,
    note: &Option<String>,
    visibility: Visibility,
) -> NewStatusChange {
    NewStatusChange {
        case_id,
        status,
        phase,
        date: PartialDate::from_parts(news.published_on, news.published_precision)
            .unwrap_or_else(|_| PartialDate::day(news.published_on)),
        news_item_id: Some(news.id),
        source_url: None,
        note: note.clone(),
        visibility,
    }
}

async fn insert_status_change(
    txn: &DatabaseTransaction,
    change: NewStatusChange,
) -> StoreResult<status_change::Model> {
    Ok(status_change::ActiveModel {
        id: NotSet,
        case_id: Set(change.case_id),
        status: Set(change.status),
        phase: Set(change.phase),
        occurred_on: Set(change.date.first_day()),
        occurred_precision: Set(change.date.precision()),
        news_item_id: Set(change.news_item_id),
        source_url: Set(change.source_url),
        note: Set(change.note),
        created_at: Set(super::now()),
        visibility: Set(change.visibility),
        effective_visibility: Set(EffectiveVisibility::default()),
    }
    .insert(txn)
    .await?)
}

async fn insert_event(
    txn: &DatabaseTransaction,
    new: NewEvent,
    path: &str,
) -> StoreResult<event::Model> {
    happened(&format!("{path}.date"), new.date)?;
    if let Some(end) = new.end_date {
        happened(&format!("{path}.endDate"), end)?;
    }
    if let Some(end) = new.end_date
        && end.last_day() < new.date.first_day()
    {
        return Err(StoreError::invalid(
            format!("{path}.endDate"),
            format!("{end} is before the start {}", new.date),
        ));
    }
    if let Some(location) = new.location_id {
        require_ids::<location::Entity>(
            txn,
            &format!("{path}.location"),
            "location",
            &[location],
            location::Column::Id,
            Some(location::Column::ArchivedAt),
        )
        .await?;
    }
    require_ids::<actor::Entity>(
        txn,
        &format!("{path}.actors"),
        "actor",
        &new.actor_ids,
        actor::Column::Id,
        Some(actor::Column::ArchivedAt),
    )
    .await?;
    let news_ids: Vec<i64> = new.sources.iter().filter_map(|(n, _)| *n).collect();
    require_ids::<news_item::Entity>(
        txn,
        &format!("{path}.sources"),
        "news item",
        &news_ids,
        news_item::Column::Id,
        Some(news_item::Column::ArchivedAt),
    )
    .await?;
    let now = super::now();
    let (ended_on, ended_precision) = date_parts(new.end_date);
    let model = event::ActiveModel {
        id: NotSet,
        case_id: Set(new.case_id),
        kind: Set(new.kind),
        title: Set(new.title),
        description: Set(new.description),
        occurred_on: Set(new.date.first_day()),
        occurred_precision: Set(new.date.precision()),
        ended_on: Set(ended_on),
        ended_precision: Set(ended_precision),
        location_id: Set(new.location_id),
        deaths: Set(new.deaths),
        injuries: Set(new.injuries),
        visibility: Set(new.visibility),
        effective_visibility: Set(EffectiveVisibility::default()),
        archived_at: Set(None),
        ..Default::default()
    }
    .created(now)
    .insert(txn)
    .await?;
    let mut actor_ids = new.actor_ids.clone();
    actor_ids.sort_unstable();
    actor_ids.dedup();
    let actors: Vec<event_actor::ActiveModel> = actor_ids
        .into_iter()
        .map(|actor_id| event_actor::ActiveModel {
            id: NotSet,
            event_id: Set(model.id),
            actor_id: Set(actor_id),
        })
        .collect();
    if !actors.is_empty() {
        event_actor::Entity::insert_many(actors).exec(txn).await?;
    }
    let sources: Vec<event_source::ActiveModel> = new
        .sources
        .into_iter()
        .map(|(news_item_id, url)| event_source::ActiveModel {
            id: NotSet,
            event_id: Set(model.id),
            news_item_id: Set(news_item_id),
            url: Set(url),
        })
        .collect();
    if !sources.is_empty() {
        event_source::Entity::insert_many(sources).exec(txn).await?;
    }
    Ok(model)
}

/// Recomputes a case's derived columns: its current status and phase (from the latest
/// status change) and its last activity (the latest day of anything dated in it).
pub(crate) async fn refresh_case(
    txn: &DatabaseTransaction,
    case_id: i64,
) -> StoreResult<case::Model> {
    // The row lock serialises concurrent writers to one case, so each recomputation sees
    // what the others committed.
    let case = case::Entity::find_by_id(case_id)
        .lock_for_write()
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::not_found("case"))?;
    // Derived columns are public: only what an anonymous caller sees may move them (by
    // effective visibility: a status change, an event or a link that a restricted news
    // item reported counts for nothing), or a restricted record would show through the
    // case's status or last activity.
    let public = Access::PUBLIC;
    let changes = status_change::Entity::find()
        .filter(status_change::Column::CaseId.eq(case_id))
        .filter(visible_status_changes(public))
        .all(txn)
        .await?;
    let dated = |on, precision| {
        PartialDate::from_parts(on, precision).unwrap_or_else(|_| PartialDate::day(on))
    };
    let latest = changes
        .iter()
        .max_by_key(|c| (dated(c.occurred_on, c.occurred_precision), c.id));
    let mut last: Option<chrono::NaiveDate> = case
        .started_on
        .zip(case.started_precision)
        .map(|(on, p)| dated(on, p).last_day());
    let mut consider = |day: chrono::NaiveDate| {
        if last.is_none_or(|l| day > l) {
            last = Some(day);
        }
    };
    for change in &changes {
        consider(dated(change.occurred_on, change.occurred_precision).last_day());
    }
    // The latest day of events and news, as a few aggregate rows (one per precision)
    // rather than every row: a case can have a hundred thousand linked news items. For
    // one precision, a later first day means a later last day, so the maximum of each
    // group is enough. An event counts by its end when it has one.
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    let has_end = Expr::col(event::Column::EndedOn)
        .is_not_null()
        .and(Expr::col(event::Column::EndedPrecision).is_not_null());
    let event_day = Expr::case(has_end.clone(), Expr::col(event::Column::EndedOn))
        .finally(Expr::col(event::Column::OccurredOn));
    let event_precision = Expr::case(has_end, Expr::col(event::Column::EndedPrecision))
        .finally(Expr::col(event::Column::OccurredPrecision));
    let event_days: Vec<(DatePrecision, Option<chrono::NaiveDate>)> = event::Entity::find()
        .select_only()
        .column_as(Into::<Expr>::into(event_precision), "precision")
        .column_as(Expr::from(Func::max(event_day)), "latest")
        .filter(event::Column::CaseId.eq(case_id))
        .filter(visible_events(public))
        .group_by(Expr::col(sea_orm::sea_query::Alias::new("precision")))
        .into_tuple()
        .all(txn)
        .await?;
    let mut linked = sea_orm::sea_query::Query::select();
    linked
        .column(news_link::Column::NewsItemId)
        .from(news_link::Entity)
        .and_where(news_link::Column::CaseId.eq(case_id))
        .and_where(news_link::Column::State.eq(LinkState::Confirmed))
        .cond_where(visible_link_rows(public));
    let news_days: Vec<(DatePrecision, Option<chrono::NaiveDate>)> = news_item::Entity::find()
        .select_only()
        .column(news_item::Column::PublishedPrecision)
        .column_as(
            Expr::from(Func::max(Expr::col(news_item::Column::PublishedOn))),
            "latest",
        )
        .filter(news_item::Column::Id.in_subquery(linked))
        .group_by(news_item::Column::PublishedPrecision)
        .into_tuple()
        .all(txn)
        .await?;
    for (precision, day) in event_days.into_iter().chain(news_days) {
        if let Some(day) = day {
            consider(dated(day, precision).last_day());
        }
    }
    let mut active: case::ActiveModel = case.clone().into();
    if let Some(latest) = latest {
        active.status = Set(latest.status);
        if latest.phase.is_some() {
            active.phase = Set(latest.phase);
        }
    }
    active.last_activity_on = Set(last);
    Ok(active.update(txn).await?)
}
