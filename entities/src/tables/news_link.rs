//! The record that a news item updates a case: how, and who says so.
use crate::vocabulary::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "news_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub news_item_id: i64,
    pub case_id: i64,
    pub update_kind: UpdateKind,
    pub reported_status: Option<CaseStatus>,
    /// The status change this link recorded, when it reported a status.
    pub status_change_id: Option<i64>,
    /// The event this link reports, if any.
    pub event_id: Option<i64>,
    pub note: Option<String>,
    pub state: LinkState,
    /// For suggestions: how sure the matcher is, 0..=1.
    pub confidence: Option<f64>,
    /// For suggestions: the terms that matched, as a JSON array of strings.
    pub matched_terms: Option<String>,
    pub visibility: Visibility,
    /// Who may see the link: its own visibility and its news item's (derived by the store;
    /// not in dumps of older versions, hence the default).
    #[serde(default)]
    pub effective_visibility: EffectiveVisibility,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
