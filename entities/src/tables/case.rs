//! Anything followed over time: a mine, a decree, a court case, a campaign…
use crate::date::DatePrecision;
use crate::vocabulary::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub kind: CaseKind,
    pub title: String,
    pub summary: Option<String>,
    /// The current status: the status of the latest status change.
    pub status: CaseStatus,
    pub phase: Option<ConflictPhase>,
    pub conflict_type: Option<ConflictType>,
    pub started_on: Option<Date>,
    pub started_precision: Option<DatePrecision>,
    /// The first day of the case's first dated record: its start, or else its earliest
    /// event, linked news item or dated status change (derived by the store).
    #[serde(default)]
    pub first_activity_on: Option<Date>,
    /// The last day of the latest dated record in the case (start, event, news, dated status
    /// change), with its precision (derived by the store).
    pub last_activity_on: Option<Date>,
    #[serde(default)]
    pub last_activity_precision: Option<DatePrecision>,
    /// What the latest register that lists the case says (derived from its
    /// `register_entries`): violence reported, dialogue under way, and the level of
    /// government responsible. `None` when no register lists the case.
    #[serde(default)]
    pub violence_reported: Option<bool>,
    #[serde(default)]
    pub dialogue_under_way: Option<bool>,
    #[serde(default)]
    pub responsible_level: Option<GovernmentLevel>,
    /// Kind-specific facts as JSON ([`crate::CaseDetails`]).
    pub details: String,
    pub visibility: Visibility,
    /// Optimistic-concurrency counter: bumped by every update.
    pub version: i32,
    /// Set when archived (soft delete); archived records are hidden from reads.
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
