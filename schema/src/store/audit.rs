//! The audit log: every write records, in its own transaction, who made it, when, what it
//! was, and the record before and after. Reading it back is for admins
//! (`auditLog`, `Case.revisions`).

use super::{Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::*;
use serde::Serialize;
use serde_json::{Value, json};

/// Who makes a change: an API token, or the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    pub token_id: Option<i64>,
    pub name: String,
}

impl Author {
    /// Changes made by `chasqui` commands on the server itself (demo, imports).
    pub fn command_line() -> Self {
        Self {
            token_id: None,
            name: "cli".to_owned(),
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
    let external_ids = case_external_id::Entity::find()
        .filter(case_external_id::Column::CaseId.eq(id))
        .order_by_asc(case_external_id::Column::Id)
        .all(txn)
        .await?;
    let roles = case_actor::Entity::find()
        .filter(case_actor::Column::CaseId.eq(id))
        .order_by_asc(case_actor::Column::Id)
        .all(txn)
        .await?;
    let placements = case_location::Entity::find()
        .filter(case_location::Column::CaseId.eq(id))
        .order_by_asc(case_location::Column::Id)
        .all(txn)
        .await?;
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
    let aliases: Vec<String> = actor_alias::Entity::find()
        .filter(actor_alias::Column::ActorId.eq(id))
        .order_by_asc(actor_alias::Column::Id)
        .all(txn)
        .await?
        .into_iter()
        .map(|a| a.alias)
        .collect();
    Ok(json!({ "actor": snapshot(&actor)?, "aliases": aliases }))
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
