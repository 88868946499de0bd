//! Where a case is placed, and how precisely.
use crate::vocabulary::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "case_locations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub location_id: i64,
    pub precision: PlacementPrecision,
    /// For a placement the store derived, the site it comes from: the DISTRICT a site
    /// without a parent place lies in, added to a case placed only on EXACT sites. Such a
    /// placement is seen only while that site is. `None` for a placement an editor gave.
    #[serde(default)]
    pub via_site_id: Option<i64>,
    /// The imported file the row comes from (`sources`); `None` when it was written
    /// through the API or the demo (the audit log says by whom).
    #[serde(default)]
    pub source_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
