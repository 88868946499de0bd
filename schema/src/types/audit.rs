//! The audit log as the API shows it (to admins).

use crate::auth::require;
use crate::error::ApiResult;
use crate::pagination::{decode_cursor, encode_cursor, page_connection};
use crate::types::common::{page_limits, store};
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, InputObject, Json, Object};
use chasqui_entities::Role;
use chasqui_entities::tables::audit_entry;
use chasqui_store::AuditFilter;
use chrono::{DateTime, Utc};

/// One audited write.
pub struct AuditEntry(pub audit_entry::Model);

#[Object]
impl AuditEntry {
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// The name of the token that made the change, or `cli`.
    async fn author(&self) -> &str {
        &self.0.author
    }

    /// The operation: `createCase`, `linkNewsItem`, `archive`, `purge`…
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The kind of record: `case`, `actor`, `location`, `news_item`, `news_link`, `event`,
    /// `status_change`, `case_relation`, `api_token`.
    async fn entity(&self) -> &str {
        &self.0.entity
    }

    /// The record's row id (the number inside its global id).
    async fn entity_id(&self) -> i64 {
        self.0.entity_id
    }

    /// The record as it was before the write (none for creations), as JSON, with every
    /// other record the write changed or deleted with it: a link with the status change and
    /// the event it recorded, a purged case with its events, status history, links and
    /// relations (see the README's "Audit history").
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0
            .before
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
            .map(Json)
    }

    /// The record as the write left it (none for purges), with every other record the
    /// write created or changed with it (a link's status change and event, an event's
    /// actors and sources, a new case's first status change).
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0
            .after
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .map(Json)
    }
}

/// Filters for `auditLog`.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub author: Option<String>,
    pub action: Option<String>,
}

pub type AuditConnection = Connection<String, AuditEntry, EmptyFields, EmptyFields>;

/// The tag of the audit log's cursors.
const CURSOR_TAG: &str = "au";

/// `Query.auditLog`: every audited write, newest first (admins only).
pub async fn audit_log(
    ctx: &Context<'_>,
    filter: Option<AuditLogFilter>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<AuditConnection> {
    let filter = filter.unwrap_or_default().into_store();
    audit_page(ctx, filter, first, after).await
}

/// A page of the audit log, newest first (admins only).
pub async fn audit_page(
    ctx: &Context<'_>,
    filter: AuditFilter,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<AuditConnection> {
    require(ctx, Role::Admin)?;
    let limit = page_limits(ctx).size(first)?;
    let before_id = decode_cursor(after.as_deref(), CURSOR_TAG, 1, |p| {
        p[0].parse::<i64>().ok()
    })?;
    let page = store(ctx)?.audit_entries(&filter, before_id, limit).await?;
    Ok(page_connection(
        before_id.is_some(),
        page,
        EmptyFields,
        |row| (encode_cursor(CURSOR_TAG, &[&row.id]), AuditEntry(row)),
    ))
}

impl AuditLogFilter {
    pub fn into_store(self) -> AuditFilter {
        AuditFilter {
            entity: self.entity,
            entity_id: self.entity_id,
            case_id: None,
            author: self.author,
            action: self.action,
        }
    }
}
