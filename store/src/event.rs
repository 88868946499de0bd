//! Events: their writes (with actors and sources) and reads (lookups, the event list and
//! its filters, an event's actors and sources).

use super::audit::{self, Author, Entry};
use super::case::refresh_case;
use super::effective::{self, Scope};
use super::location::region_locations;
use super::query::{
    Named, Page, after_condition, all_limited, period_ends_on_or_after, pointing_at, through,
};
use super::stamp::Stamped;
use super::tx::{date_parts, happened, require_case, require_ids, reread};
use super::visibility::{in_visible, visible_actors, visible_cases, visible_events, visible_news};
use super::{Access, Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use chrono::NaiveDate;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::*;
use std::collections::HashMap;

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

pub(crate) async fn insert_event(
    txn: &DatabaseTransaction,
    author: &Author,
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
        source_id: Set(author.source_id),
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

/// Filters for the event list. Empty lists mean "any".
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Events of this case (by id or slug).
    pub case: Option<Named>,
    pub kinds: Vec<EventKind>,
    /// Events at a location on or below one of these places (materialised paths), or at
    /// a site inside one of them.
    pub region_paths: Vec<String>,
    /// Spatial conditions on the event's location, all of which must hold (resolved by
    /// `Store::resolve_event_spatial`).
    pub spatial: Vec<chasqui_domain::spatial::SpatialFilter>,
    /// The locations that satisfy `spatial`, from the index.
    pub spatial_location_ids: Option<super::spatial::IndexIds>,
    /// The places at or below `region_paths`, from the index.
    pub region_places: Option<Vec<i64>>,
    /// Events whose period (from their date to the end of their end date, or of their
    /// date when they have none) ends on or after this day.
    pub from: Option<NaiveDate>,
    /// Events whose period begins on or before this day.
    pub to: Option<NaiveDate>,
    /// Events with any of these actors (by id or slug), through roles the caller may see:
    /// an actor the caller may not see matches nothing, as one that does not exist (the
    /// one rule of `query::through`). Empty: no condition.
    pub actors: Vec<Named>,
    /// Events of cases whose current status is one of these.
    pub case_statuses: Vec<CaseStatus>,
}

/// The rows of `event_actors` a caller may see or go through: those of actors it may see.
fn visible_event_actors(access: Access) -> Condition {
    Condition::all().add(in_visible::<actor::Entity>(
        event_actor::Column::ActorId,
        actor::Column::Id,
        visible_actors(access),
    ))
}

impl EventFilter {
    pub(crate) fn condition(&self, access: Access) -> Condition {
        let mut cond =
            Condition::all()
                .add(visible_events(access))
                .add(in_visible::<case::Entity>(
                    event::Column::CaseId,
                    case::Column::Id,
                    visible_cases(access),
                ));
        if let Some(case) = &self.case {
            cond = cond.add(pointing_at::<case::Entity>(
                event::Column::CaseId,
                case,
                visible_cases(access),
            ));
        }
        if !self.kinds.is_empty() {
            cond = cond.add(event::Column::Kind.is_in(self.kinds.clone()));
        }
        if !self.region_paths.is_empty() {
            cond = cond.add(
                event::Column::LocationId
                    .in_subquery(region_locations(self.region_places.as_deref(), access)),
            );
        }
        if let Some(ids) = &self.spatial_location_ids {
            // The index answers with the locations the caller may see (unarchived, and
            // restricted ones only for callers who may read them).
            cond = cond.add(ids.condition(r#""events"."location_id""#));
        }
        if let Some(to) = self.to {
            cond = cond.add(event::Column::OccurredOn.lte(to));
        }
        if let Some(from) = self.from {
            // An event ends with its end date's period, or with its date's when it has none.
            cond = cond.add(
                Condition::any()
                    .add(Condition::all().add(event::Column::EndedOn.is_null()).add(
                        period_ends_on_or_after(
                            event::Column::OccurredOn,
                            event::Column::OccurredPrecision,
                            from,
                        ),
                    ))
                    .add(period_ends_on_or_after(
                        event::Column::EndedOn,
                        event::Column::EndedPrecision,
                        from,
                    )),
            );
        }
        if !self.actors.is_empty() {
            let mut any = Condition::any();
            for actor in &self.actors {
                any = any.add(through::<event_actor::Entity, actor::Entity>(
                    event::Column::Id,
                    event_actor::Column::EventId,
                    event_actor::Column::ActorId,
                    actor,
                    visible_event_actors(access),
                ));
            }
            cond = cond.add(any);
        }
        if !self.case_statuses.is_empty() {
            cond = cond.add(in_visible::<case::Entity>(
                event::Column::CaseId,
                case::Column::Id,
                visible_cases(access).add(case::Column::Status.is_in(self.case_statuses.clone())),
            ));
        }
        cond
    }
}

impl Store {
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
        let id = insert_event(txn, author, new, "input").await?.id;
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

    pub async fn events_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, event::Model>> {
        self.by_ids::<event::Entity>(
            ids,
            event::Column::Id,
            Condition::all()
                .add(visible_events(access))
                .add(in_visible::<case::Entity>(
                    event::Column::CaseId,
                    case::Column::Id,
                    visible_cases(access),
                )),
            None,
            |m| m.id,
        )
        .await
    }

    pub async fn event_actors_by_event(
        &self,
        access: Access,
        event_ids: &[i64],
    ) -> StoreResult<Vec<event_actor::Model>> {
        self.rows_of::<event_actor::Entity>(
            event_actor::Column::EventId,
            event_ids,
            visible_event_actors(access),
            &[event_actor::Column::Id],
        )
        .await
    }

    pub async fn event_sources_by_event(
        &self,
        access: Access,
        event_ids: &[i64],
    ) -> StoreResult<Vec<event_source::Model>> {
        self.rows_of::<event_source::Entity>(
            event_source::Column::EventId,
            event_ids,
            Condition::any()
                .add(event_source::Column::NewsItemId.is_null())
                .add(in_visible::<news_item::Entity>(
                    event_source::Column::NewsItemId,
                    news_item::Column::Id,
                    visible_news(access),
                )),
            &[event_source::Column::Id],
        )
        .await
    }

    /// Events, latest first (by date, then id).
    pub async fn list_events(
        &self,
        access: Access,
        filter: &EventFilter,
        after: Option<(NaiveDate, i64)>,
        limit: u64,
    ) -> StoreResult<Page<event::Model>> {
        let mut query = event::Entity::find().filter(filter.condition(access));
        if let Some((date, id)) = after {
            query = query.filter(after_condition(
                Expr::col(event::Column::OccurredOn),
                event::Column::Id,
                date.into(),
                id,
                true,
            ));
        }
        let query = query
            .order_by_desc(event::Column::OccurredOn)
            .order_by_desc(event::Column::Id);
        let rows = all_limited(&self.db, query, limit + 1).await?;
        Ok(Page::from_overfetch(rows, limit))
    }

    /// How many events match the filter.
    pub async fn count_events(&self, access: Access, filter: &EventFilter) -> StoreResult<u64> {
        Ok(event::Entity::find()
            .filter(filter.condition(access))
            .count(&self.db)
            .await?)
    }
}
