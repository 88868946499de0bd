//! A dated happening in a case's timeline.
use crate::date::DatePrecision;
use crate::vocabulary::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub kind: EventKind,
    pub title: String,
    pub description: Option<String>,
    pub occurred_on: Date,
    pub occurred_precision: DatePrecision,
    pub ended_on: Option<Date>,
    pub ended_precision: Option<DatePrecision>,
    pub location_id: Option<i64>,
    pub deaths: Option<i32>,
    pub injuries: Option<i32>,
    pub visibility: Visibility,
    /// Who may see the event: its own visibility and archiving, and those of the link
    /// that reported it and of the link's news item (derived by the store).
    #[serde(default)]
    pub effective_visibility: EffectiveVisibility,
    /// Optimistic-concurrency counter: bumped by every update.
    pub version: i32,
    /// Set when archived (soft delete); archived records are hidden from reads.
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The imported file the row comes from (`sources`); `None` when it was written
    /// through the API or the demo (the audit log says by whom).
    #[serde(default)]
    pub source_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
