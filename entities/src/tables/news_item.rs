//! A dated publication that updates one or more cases.
use crate::date::DatePrecision;
use crate::vocabulary::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "news_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub published_on: Date,
    pub published_precision: DatePrecision,
    pub summary: Option<String>,
    pub body: Option<String>,
    #[sea_orm(unique)]
    pub url: Option<String>,
    pub publisher: Option<String>,
    pub language: Option<String>,
    pub visibility: Visibility,
    /// The title normalised (case, accents, punctuation and spacing aside): with the date,
    /// what identifies an item that has no URL when it is imported again.
    #[serde(default)]
    pub title_key: Option<String>,
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
