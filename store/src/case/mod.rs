//! Cases: what a case is made of (its roles, placements, topics, external ids, status
//! changes and relations), its writes, the derived columns every write refreshes
//! (`refresh_case`), and its reads: lookups and the batched rows of a case the loaders ask
//! for. The filtered and counted case list is in [`list`].

mod list;

pub use list::{CaseCursor, CaseFilter, CaseOrderKey};

use crate::audit::{self, Author, Entry};
use crate::effective::{self, Scope};
use crate::search::{self, SearchDocument};
use crate::spatial::{CasePlaces, refresh_case_places};
use crate::stamp::{Stamped, Versioned};
use crate::tx::{
    LockForWrite, check_version, date_parts, happened, replace_rows, require_case, require_ids,
    reread,
};
use crate::visibility::{
    in_visible, visible_cases, visible_events, visible_link_rows, visible_placements,
    visible_roles, visible_status_changes,
};
use crate::{Access, Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::*;
use std::collections::HashMap;

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
    /// When the status took effect; `None` when that is unknown (an undated change, see
    /// `history.rs`): it is never dated by the day it was recorded.
    pub date: Option<PartialDate>,
    pub news_item_id: Option<i64>,
    pub source_url: Option<String>,
    pub note: Option<String>,
    pub visibility: Visibility,
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

pub(crate) fn details_json(details: &CaseDetails) -> StoreResult<String> {
    serde_json::to_string(details).map_err(|e| StoreError::invalid("input.details", e.to_string()))
}

/// Replaces whichever of a case's sets are given.
pub(crate) async fn write_case_sets(
    txn: &DatabaseTransaction,
    case_id: i64,
    topics: Option<&[String]>,
    external_ids: Option<&[(ExternalIdScheme, String)]>,
    actors: Option<&[NewRole]>,
    locations: Option<&[NewPlacement]>,
    source_id: Option<i64>,
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
        crate::spatial::lock_spatial_changes(txn).await?;
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
                source_id: Set(source_id),
            })
            .collect();
        let conflict = "input.locations: the same location is given twice";
        replace_rows(txn, case_location::Column::CaseId, case_id, rows, conflict).await?;
    }
    Ok(())
}

/// Inserts a status change; it points to the file `author` imports, if any.
pub(crate) async fn insert_status_change(
    txn: &DatabaseTransaction,
    author: &Author,
    change: NewStatusChange,
) -> StoreResult<status_change::Model> {
    Ok(status_change::ActiveModel {
        id: NotSet,
        case_id: Set(change.case_id),
        status: Set(change.status),
        phase: Set(change.phase),
        // An undated change keeps the day it was recorded only to order undated changes.
        occurred_on: Set(change
            .date
            .map_or_else(|| super::now().date_naive(), |d| d.first_day())),
        occurred_precision: Set(change.date.map_or(DatePrecision::Day, |d| d.precision())),
        undated: Set(change.date.is_none()),
        news_item_id: Set(change.news_item_id),
        source_url: Set(change.source_url),
        note: Set(change.note),
        created_at: Set(super::now()),
        visibility: Set(change.visibility),
        effective_visibility: Set(EffectiveVisibility::default()),
        source_id: Set(author.source_id),
    }
    .insert(txn)
    .await?)
}

/// Recomputes a case's derived columns: its current status and phase (the change in
/// effect now, `history::current`), and its first and last activity (the earliest and the
/// latest of its dated records: its start, events, confirmed news items, dated status
/// changes; undated changes never count).
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
    // Every dated record, as partial dates; the first and the latest are kept.
    let mut records: Vec<PartialDate> = Vec::new();
    if let Some(start) = case
        .started_on
        .zip(case.started_precision)
        .map(|(on, p)| dated(on, p))
    {
        records.push(start);
    }
    records.extend(
        changes
            .iter()
            .filter(|c| !c.undated)
            .map(|c| dated(c.occurred_on, c.occurred_precision)),
    );
    // The earliest and latest dates of events and news, as a few aggregate rows (one per
    // precision) rather than every row: a case can have a hundred thousand linked news
    // items. An event counts by its start for the first activity and by its end, when it
    // has one, for the last.
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    let has_end = Expr::col(event::Column::EndedOn)
        .is_not_null()
        .and(Expr::col(event::Column::EndedPrecision).is_not_null());
    let event_day = Expr::case(has_end.clone(), Expr::col(event::Column::EndedOn))
        .finally(Expr::col(event::Column::OccurredOn));
    let event_precision = Expr::case(has_end, Expr::col(event::Column::EndedPrecision))
        .finally(Expr::col(event::Column::OccurredPrecision));
    let event_ends: Vec<(DatePrecision, Option<chrono::NaiveDate>)> = event::Entity::find()
        .select_only()
        .column_as(Into::<Expr>::into(event_precision), "precision")
        .column_as(Expr::from(Func::max(event_day)), "latest")
        .filter(event::Column::CaseId.eq(case_id))
        .filter(visible_events(public))
        .group_by(Expr::col(sea_orm::sea_query::Alias::new("precision")))
        .into_tuple()
        .all(txn)
        .await?;
    let event_starts: Vec<(DatePrecision, Option<chrono::NaiveDate>)> = event::Entity::find()
        .select_only()
        .column(event::Column::OccurredPrecision)
        .column_as(
            Expr::from(Func::min(Expr::col(event::Column::OccurredOn))),
            "earliest",
        )
        .filter(event::Column::CaseId.eq(case_id))
        .filter(visible_events(public))
        .group_by(event::Column::OccurredPrecision)
        .into_tuple()
        .all(txn)
        .await?;
    let linked = || {
        let mut linked = sea_orm::sea_query::Query::select();
        linked
            .column(news_link::Column::NewsItemId)
            .from(news_link::Entity)
            .and_where(news_link::Column::CaseId.eq(case_id))
            .and_where(news_link::Column::State.eq(LinkState::Confirmed))
            .cond_where(visible_link_rows(public));
        linked
    };
    let news_days: Vec<(
        DatePrecision,
        Option<chrono::NaiveDate>,
        Option<chrono::NaiveDate>,
    )> = news_item::Entity::find()
        .select_only()
        .column(news_item::Column::PublishedPrecision)
        .column_as(
            Expr::from(Func::min(Expr::col(news_item::Column::PublishedOn))),
            "earliest",
        )
        .column_as(
            Expr::from(Func::max(Expr::col(news_item::Column::PublishedOn))),
            "latest",
        )
        .filter(news_item::Column::Id.in_subquery(linked()))
        .group_by(news_item::Column::PublishedPrecision)
        .into_tuple()
        .all(txn)
        .await?;
    for (precision, day) in event_ends.into_iter().chain(event_starts) {
        if let Some(day) = day {
            records.push(dated(day, precision));
        }
    }
    for (precision, earliest, latest) in news_days {
        for day in earliest.into_iter().chain(latest) {
            records.push(dated(day, precision));
        }
    }
    // The latest record: by first day, and at the same first day the more precise (a day
    // of February is later news than "February"); the order `PartialDate` has, reversed
    // for precision.
    let last = records.iter().max_by_key(|d| {
        (
            d.first_day(),
            super::timeline::precision_rank(d.precision()),
        )
    });
    let first = records.iter().map(|d| d.first_day()).min();
    let mut active: case::ActiveModel = case.clone().into();
    if let Some(latest) = super::history::current(&changes) {
        active.status = Set(latest.status);
        active.phase = Set(latest.phase);
    }
    active.first_activity_on = Set(first);
    active.last_activity_on = Set(last.map(|d| d.last_day()));
    active.last_activity_precision = Set(last.map(|d| d.precision()));
    Ok(active.update(txn).await?)
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
            new.status_since.as_ref().and_then(|s| s.date),
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
            author.source_id,
        )
        .await?;
        // A case placed only on sites gets the districts of those without a parent place.
        refresh_case_places(txn, CasePlaces::Cases(&[model.id])).await?;
        search::insert_documents(txn, &[SearchDocument::of_case(&model, &new.topics)]).await?;
        // A status given without a date is recorded undated: the day the case was recorded
        // is not when the status took effect.
        let initial = new.status_since.unwrap_or(NewStatusChange {
            case_id: model.id,
            status: new.status,
            phase: new.phase,
            date: None,
            news_item_id: None,
            source_url: None,
            note: Some("status when the case was recorded".to_owned()),
            visibility: Visibility::Public,
        });
        let initial = insert_status_change(
            txn,
            author,
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
            author.source_id,
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
        if let Some(date) = change.date {
            happened("input.date", date)?;
        }
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
        let id = insert_status_change(txn, author, change).await?.id;
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

    pub async fn case_by_id(&self, access: Access, id: i64) -> StoreResult<Option<case::Model>> {
        Ok(case::Entity::find_by_id(id)
            .filter(visible_cases(access))
            .one(&self.db)
            .await?)
    }

    pub async fn case_by_slug(
        &self,
        access: Access,
        slug: &str,
    ) -> StoreResult<Option<case::Model>> {
        Ok(case::Entity::find()
            .filter(case::Column::Slug.eq(slug))
            .filter(visible_cases(access))
            .one(&self.db)
            .await?)
    }

    pub async fn cases_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, case::Model>> {
        self.by_ids::<case::Entity>(ids, case::Column::Id, visible_cases(access), None, |m| m.id)
            .await
    }

    pub async fn status_changes_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, status_change::Model>> {
        self.by_ids::<status_change::Entity>(
            ids,
            status_change::Column::Id,
            visible_status_changes(access).add(in_visible::<case::Entity>(
                status_change::Column::CaseId,
                case::Column::Id,
                visible_cases(access),
            )),
            None,
            |m| m.id,
        )
        .await
    }

    /// Actor roles of these cases (roles of invisible actors left out), oldest role first.
    pub async fn roles_by_case(
        &self,
        access: Access,
        case_ids: &[i64],
    ) -> StoreResult<Vec<case_actor::Model>> {
        self.rows_of::<case_actor::Entity>(
            case_actor::Column::CaseId,
            case_ids,
            visible_roles(access),
            &[case_actor::Column::Id],
        )
        .await
    }

    pub async fn placements_by_case(
        &self,
        access: Access,
        case_ids: &[i64],
    ) -> StoreResult<Vec<case_location::Model>> {
        self.rows_of::<case_location::Entity>(
            case_location::Column::CaseId,
            case_ids,
            visible_placements(access),
            &[case_location::Column::Id],
        )
        .await
    }

    pub async fn topics_by_case(&self, case_ids: &[i64]) -> StoreResult<Vec<case_topic::Model>> {
        self.rows_of::<case_topic::Entity>(
            case_topic::Column::CaseId,
            case_ids,
            Condition::all(),
            &[case_topic::Column::Topic],
        )
        .await
    }

    pub async fn external_ids_by_case(
        &self,
        case_ids: &[i64],
    ) -> StoreResult<Vec<case_external_id::Model>> {
        self.rows_of::<case_external_id::Entity>(
            case_external_id::Column::CaseId,
            case_ids,
            Condition::all(),
            &[case_external_id::Column::Id],
        )
        .await
    }

    /// Relations touching these cases, in either direction, to visible cases only.
    pub async fn relations_by_case(
        &self,
        access: Access,
        case_ids: &[i64],
    ) -> StoreResult<Vec<case_relation::Model>> {
        let ids = || case_ids.iter().copied();
        Ok(case_relation::Entity::find()
            .filter(
                Condition::any()
                    .add(case_relation::Column::CaseId.is_in(ids()))
                    .add(case_relation::Column::RelatedCaseId.is_in(ids())),
            )
            .filter(in_visible::<case::Entity>(
                case_relation::Column::CaseId,
                case::Column::Id,
                visible_cases(access),
            ))
            .filter(in_visible::<case::Entity>(
                case_relation::Column::RelatedCaseId,
                case::Column::Id,
                visible_cases(access),
            ))
            .order_by_asc(case_relation::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Status history of these cases, oldest first.
    pub async fn status_changes_by_case(
        &self,
        access: Access,
        case_ids: &[i64],
    ) -> StoreResult<Vec<status_change::Model>> {
        self.rows_of::<status_change::Entity>(
            status_change::Column::CaseId,
            case_ids,
            visible_status_changes(access),
            &[status_change::Column::OccurredOn, status_change::Column::Id],
        )
        .await
    }
}

impl Store {
    /// Recomputes the derived columns of the cases whose activity predates
    /// `last_activity_precision` (a database written before the column existed): one
    /// transaction, nothing logged. Cheap when there is nothing to do.
    pub(crate) async fn refresh_stale_cases(&self) -> StoreResult<()> {
        let stale: Vec<i64> = case::Entity::find()
            .select_only()
            .column(case::Column::Id)
            .filter(case::Column::LastActivityOn.is_not_null())
            .filter(case::Column::LastActivityPrecision.is_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        if stale.is_empty() {
            return Ok(());
        }
        let txn = self.begin_write().await?;
        for id in &stale {
            refresh_case(&txn, *id).await?;
        }
        txn.commit().await?;
        tracing::info!(cases = stale.len(), "case activity brought up to date");
        Ok(())
    }
}
