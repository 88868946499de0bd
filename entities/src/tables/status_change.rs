//! A dated, sourced change of a case's status.
use crate::date::DatePrecision;
use crate::vocabulary::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "status_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub status: CaseStatus,
    pub phase: Option<ConflictPhase>,
    /// The first day of the date of the change (for an undated change, the day it was
    /// recorded, kept only to order undated changes among themselves).
    pub occurred_on: Date,
    pub occurred_precision: DatePrecision,
    /// The date of the change is unknown: it gives the case its status when no dated change
    /// does, and is never placed in time (timeline, last activity, "as of").
    #[serde(default)]
    pub undated: bool,
    /// The news item that reports the change, if any.
    pub news_item_id: Option<i64>,
    /// A source outside the database, if any.
    pub source_url: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    /// RESTRICTED when recorded by a restricted link or marked so.
    pub visibility: Visibility,
    /// Who may see the change: its own visibility, and those of the link that reported it
    /// and of the link's news item (derived by the store).
    #[serde(default)]
    pub effective_visibility: EffectiveVisibility,
    /// The imported file the row comes from (`sources`); `None` when it was written
    /// through the API or the demo (the audit log says by whom).
    #[serde(default)]
    pub source_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
