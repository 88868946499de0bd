//! One audited write: who, when, what, and the record before and after (JSON).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// The token that made the change; `None` for the command line.
    pub token_id: Option<i64>,
    /// The token's name (kept when the token is revoked), or `cli`.
    pub author: String,
    /// The operation: `createCase`, `linkNewsItem`, `archive`, `purge`…
    pub action: String,
    /// The kind of record: `case`, `actor`, `location`, `news_item`, `news_link`, `event`…
    pub entity: String,
    pub entity_id: i64,
    /// The case the record belongs to, when it belongs to one (for `Case.revisions`).
    pub case_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
