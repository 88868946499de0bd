//! The audit log: every write records, in its own transaction, who made it, when, what it
//! was, and the record before and after. Reading it back is for admins
//! (`auditLog`, `Case.revisions`).

use super::{Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::*;
use serde::Serialize;
use serde_json::{Value, json};

/// Who makes a change: an API token, or the command line; and, for an import, the file it
/// imports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    pub token_id: Option<i64>,
    pub name: String,
    /// The imported file (a `sources` row) the change comes from: the status changes,
    /// events and placements it writes point to it. `None` for an edit.
    pub source_id: Option<i64>,
}

impl Author {
    /// Changes made by `chasqui` commands on the server itself (demo, imports).
    pub fn command_line() -> Self {
        Self {
            token_id: None,
            name: "cli".to_owned(),
            source_id: None,
        }
    }

    /// The same author, writing what the imported file `source_id` says.
    pub fn importing(&self, source_id: i64) -> Self {
        Self {
            source_id: Some(source_id),
            ..self.clone()
        }
    }
}

/// A record as JSON, for the log.
pub(crate) fn snapshot<T: Serialize>(value: &T) -> StoreResult<Value> {
    serde_json::to_value(value)
        .map_err(|e| StoreError::Database(DbErr::Custom(format!("snapshot: {e}"))))
}

/// What one write did.
pub(crate) struct Entry<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub id: i64,
    pub case_id: Option<i64>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Appends an entry in the write's transaction.
pub(crate) async fn record(
    txn: &DatabaseTransaction,
    author: &Author,
    entry: Entry<'_>,
) -> StoreResult<()> {
    let text = |v: Option<Value>| v.map(|v| v.to_string());
    audit_entry::ActiveModel {
        id: NotSet,
        at: Set(super::now()),
        token_id: Set(author.token_id),
        author: Set(author.name.clone()),
        action: Set(entry.action.to_owned()),
        entity: Set(entry.entity.to_owned()),
        entity_id: Set(entry.id),
        case_id: Set(entry.case_id),
        before: Set(text(entry.before)),
        after: Set(text(entry.after)),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Appends many entries at once (an import's), in the write's transaction: one entry per
/// record, as [`record`] would write them, in multi-row statements.
pub(crate) async fn record_many(
    txn: &DatabaseTransaction,
    author: &Author,
    entries: Vec<Entry<'_>>,
) -> StoreResult<()> {
    let at = super::now();
    let text = |v: Option<Value>| v.map(|v| v.to_string());
    let rows: Vec<audit_entry::ActiveModel> = entries
        .into_iter()
        .map(|entry| audit_entry::ActiveModel {
            id: NotSet,
            at: Set(at),
            token_id: Set(author.token_id),
            author: Set(author.name.clone()),
            action: Set(entry.action.to_owned()),
            entity: Set(entry.entity.to_owned()),
            entity_id: Set(entry.id),
            case_id: Set(entry.case_id),
            before: Set(text(entry.before)),
            after: Set(text(entry.after)),
        })
        .collect();
    // 10 values a row: 1 000 rows stay under every engine's limit on bound values.
    for chunk in super::sql::fixed_chunks_owned(rows, 1_000) {
        audit_entry::Entity::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// A case with everything that belongs to its record: topics, external ids, actor roles
/// and placements.
pub(crate) async fn case_snapshot(txn: &DatabaseTransaction, id: i64) -> StoreResult<Value> {
    let case = case::Entity::find_by_id(id).one(txn).await?;
    let topics: Vec<String> = case_topic::Entity::find()
        .filter(case_topic::Column::CaseId.eq(id))
        .order_by_asc(case_topic::Column::Topic)
        .all(txn)
        .await?
        .into_iter()
        .map(|t| t.topic)
        .collect();
    let external_ids =
        rows_pointing_at::<case_external_id::Entity>(txn, case_external_id::Column::CaseId, id)
            .await?;
    let roles = rows_pointing_at::<case_actor::Entity>(txn, case_actor::Column::CaseId, id).await?;
    let placements =
        rows_pointing_at::<case_location::Entity>(txn, case_location::Column::CaseId, id).await?;
    Ok(json!({
        "case": snapshot(&case)?,
        "topics": topics,
        "externalIds": snapshot(&external_ids)?,
        "actors": snapshot(&roles)?,
        "locations": snapshot(&placements)?,
    }))
}

/// An actor with its aliases.
pub(crate) async fn actor_snapshot(txn: &DatabaseTransaction, id: i64) -> StoreResult<Value> {
    let actor = actor::Entity::find_by_id(id).one(txn).await?;
    let aliases: Vec<String> =
        rows_pointing_at::<actor_alias::Entity>(txn, actor_alias::Column::ActorId, id)
            .await?
            .into_iter()
            .map(|a| a.alias)
            .collect();
    Ok(json!({ "actor": snapshot(&actor)?, "aliases": aliases }))
}

/// Rows per `IN` list when a snapshot reads what belongs to many records.
const SNAPSHOT_CHUNK: usize = 500;

/// Events with what belongs to them: each as `{"event", "actors" (actor ids), "sources"
/// (rows)}`, in the order given.
async fn events_with_content(
    txn: &DatabaseTransaction,
    events: Vec<event::Model>,
) -> StoreResult<Vec<Value>> {
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    let mut actors: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    let mut sources: std::collections::HashMap<i64, Vec<event_source::Model>> = Default::default();
    for chunk in super::sql::fixed_chunks(&ids, SNAPSHOT_CHUNK) {
        for row in event_actor::Entity::find()
            .filter(event_actor::Column::EventId.is_in(chunk.iter().copied()))
            .order_by_asc(event_actor::Column::Id)
            .all(txn)
            .await?
        {
            actors.entry(row.event_id).or_default().push(row.actor_id);
        }
        for row in event_source::Entity::find()
            .filter(event_source::Column::EventId.is_in(chunk.iter().copied()))
            .order_by_asc(event_source::Column::Id)
            .all(txn)
            .await?
        {
            sources.entry(row.event_id).or_default().push(row);
        }
    }
    events
        .into_iter()
        .map(|event| {
            let actors = actors.remove(&event.id).unwrap_or_default();
            let sources = sources.remove(&event.id).unwrap_or_default();
            Ok(json!({
                "event": snapshot(&event)?,
                "actors": actors,
                "sources": snapshot(&sources)?,
            }))
        })
        .collect()
}

/// An event with its actors (ids) and sources; `null` when it does not exist.
pub(crate) async fn event_snapshot(txn: &DatabaseTransaction, id: i64) -> StoreResult<Value> {
    let Some(event) = event::Entity::find_by_id(id).one(txn).await? else {
        return Ok(Value::Null);
    };
    Ok(events_with_content(txn, vec![event])
        .await?
        .pop()
        .unwrap_or(Value::Null))
}

/// A link with the status change and the event it recorded, with their content:
/// `{"link", "statusChange", "event"}`.
pub(crate) async fn link_snapshot(txn: &DatabaseTransaction, id: i64) -> StoreResult<Value> {
    let Some(link) = news_link::Entity::find_by_id(id).one(txn).await? else {
        return Ok(Value::Null);
    };
    link_with_reports(txn, &link).await
}

async fn link_with_reports(
    txn: &DatabaseTransaction,
    link: &news_link::Model,
) -> StoreResult<Value> {
    let change = match link.status_change_id {
        Some(id) => status_change::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let event = match link.event_id {
        Some(id) => event_snapshot(txn, id).await?,
        None => Value::Null,
    };
    Ok(json!({ "link": snapshot(link)?, "statusChange": snapshot(&change)?, "event": event }))
}

/// A link that recorded no status change and no event (an imported one), in the shape of
/// [`link_snapshot`], without reading anything.
pub(crate) fn plain_link_snapshot(link: &news_link::Model) -> StoreResult<Value> {
    Ok(json!({ "link": snapshot(link)?, "statusChange": null, "event": null }))
}

/// A case with everything a purge deletes with it: the [`case_snapshot`], its events
/// (with their actors and sources), its status history, its news links, its relations
/// in both directions and what registers said of it.
pub(crate) async fn case_purge_snapshot(txn: &DatabaseTransaction, id: i64) -> StoreResult<Value> {
    let mut value = case_snapshot(txn, id).await?;
    let events = rows_pointing_at::<event::Entity>(txn, event::Column::CaseId, id).await?;
    let changes =
        rows_pointing_at::<status_change::Entity>(txn, status_change::Column::CaseId, id).await?;
    let links = rows_pointing_at::<news_link::Entity>(txn, news_link::Column::CaseId, id).await?;
    let relations = case_relation::Entity::find()
        .filter(
            Condition::any()
                .add(case_relation::Column::CaseId.eq(id))
                .add(case_relation::Column::RelatedCaseId.eq(id)),
        )
        .order_by_asc(case_relation::Column::Id)
        .all(txn)
        .await?;
    value["events"] = Value::Array(events_with_content(txn, events).await?);
    value["statusChanges"] = snapshot(&changes)?;
    value["links"] = snapshot(&links)?;
    value["relations"] = snapshot(&relations)?;
    let entries =
        rows_pointing_at::<register_entry::Entity>(txn, register_entry::Column::CaseId, id).await?;
    value["registerEntries"] = snapshot(&entries)?;
    Ok(value)
}

/// A news item with everything a purge deletes or changes with it: its links with what
/// they reported (deleted with them), the event sources that cite it (deleted) and the
/// status changes no link of it reported that cite it as their source (which lose it).
pub(crate) async fn news_purge_snapshot(txn: &DatabaseTransaction, id: i64) -> StoreResult<Value> {
    let item = news_item::Entity::find_by_id(id).one(txn).await?;
    let links =
        rows_pointing_at::<news_link::Entity>(txn, news_link::Column::NewsItemId, id).await?;
    let mut reported = Vec::with_capacity(links.len());
    for link in &links {
        reported.push(link_with_reports(txn, link).await?);
    }
    let recorded: Vec<i64> = links.iter().filter_map(|l| l.status_change_id).collect();
    let citing: Vec<status_change::Model> =
        rows_pointing_at::<status_change::Entity>(txn, status_change::Column::NewsItemId, id)
            .await?
            .into_iter()
            .filter(|c| !recorded.contains(&c.id))
            .collect();
    let sources =
        rows_pointing_at::<event_source::Entity>(txn, event_source::Column::NewsItemId, id).await?;
    Ok(json!({
        "newsItem": snapshot(&item)?,
        "links": reported,
        "eventSources": snapshot(&sources)?,
        "citingStatusChanges": snapshot(&citing)?,
    }))
}

/// An actor with everything a purge deletes with it: the [`actor_snapshot`], its roles in
/// cases and its places among events' actors.
pub(crate) async fn actor_purge_snapshot(txn: &DatabaseTransaction, id: i64) -> StoreResult<Value> {
    let mut value = actor_snapshot(txn, id).await?;
    let roles =
        rows_pointing_at::<case_actor::Entity>(txn, case_actor::Column::ActorId, id).await?;
    let event_actors =
        rows_pointing_at::<event_actor::Entity>(txn, event_actor::Column::ActorId, id).await?;
    value["roles"] = snapshot(&roles)?;
    value["eventActors"] = snapshot(&event_actors)?;
    Ok(value)
}

/// A place with everything a purge deletes or changes with it: the cases placed on it
/// (placements, deleted) and the events that happened there (ids; they lose their place).
pub(crate) async fn location_purge_snapshot(
    txn: &DatabaseTransaction,
    location: &location::Model,
) -> StoreResult<Value> {
    let placements = case_location::Entity::find()
        .filter(case_location::Column::LocationId.eq(location.id))
        .order_by_asc(case_location::Column::Id)
        .all(txn)
        .await?;
    let events: Vec<i64> = event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .filter(event::Column::LocationId.eq(location.id))
        .order_by_asc(event::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    Ok(json!({
        "location": snapshot(location)?,
        "placements": snapshot(&placements)?,
        "events": events,
    }))
}

/// An event with everything a purge deletes or changes with it: its [`event_snapshot`]
/// and the links that reported it (which lose it).
pub(crate) async fn event_purge_snapshot(txn: &DatabaseTransaction, id: i64) -> StoreResult<Value> {
    let mut value = event_snapshot(txn, id).await?;
    let links = rows_pointing_at::<news_link::Entity>(txn, news_link::Column::EventId, id).await?;
    value["links"] = snapshot(&links)?;
    Ok(value)
}

/// Filters for the audit log. Empty means any.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub case_id: Option<i64>,
    pub author: Option<String>,
    pub action: Option<String>,
}

impl Store {
    /// Audit entries, newest first, keyset-paged on the entry id.
    pub async fn audit_entries(
        &self,
        filter: &AuditFilter,
        before_id: Option<i64>,
        limit: u64,
    ) -> StoreResult<super::Page<audit_entry::Model>> {
        let mut query = audit_entry::Entity::find();
        if let Some(entity) = &filter.entity {
            query = query.filter(audit_entry::Column::Entity.eq(entity.as_str()));
        }
        if let Some(id) = filter.entity_id {
            query = query.filter(audit_entry::Column::EntityId.eq(id));
        }
        if let Some(case_id) = filter.case_id {
            query = query.filter(audit_entry::Column::CaseId.eq(case_id));
        }
        if let Some(author) = &filter.author {
            query = query.filter(audit_entry::Column::Author.eq(author.as_str()));
        }
        if let Some(action) = &filter.action {
            query = query.filter(audit_entry::Column::Action.eq(action.as_str()));
        }
        if let Some(before) = before_id {
            query = query.filter(audit_entry::Column::Id.lt(before));
        }
        let rows = query
            .order_by_desc(audit_entry::Column::Id)
            .limit(limit + 1)
            .all(&self.db)
            .await?;
        Ok(super::Page::from_overfetch_pub(rows, limit))
    }
}

/// The rows of `E` whose `column` points at the record `id`, oldest first: what a
/// snapshot lists of a record's dependents. `E`'s primary key is its `id` column.
async fn rows_pointing_at<E>(
    txn: &DatabaseTransaction,
    column: E::Column,
    id: i64,
) -> StoreResult<Vec<E::Model>>
where
    E: EntityTrait,
{
    let mut query = E::find().filter(column.eq(id));
    for key in E::PrimaryKey::iter() {
        query = query.order_by_asc(key.into_column());
    }
    Ok(query.all(txn).await?)
}
