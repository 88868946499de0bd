//! Archiving, restoring and purging records of every kind.

use super::audit::{self, Author, Entry};
use super::case::refresh_case;
use super::effective::{self, Scope};
use super::news::{cases_of_news, refresh_cases_of_news};
use super::search::{self, SearchEntity};
use super::spatial::{CasePlaces, refresh_case_places};
use super::stamp::Versioned;
use super::tx::{LockForWrite, reread};
use super::{Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use sea_orm::ActiveValue::Set;
use sea_orm::*;

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

impl Store {
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
