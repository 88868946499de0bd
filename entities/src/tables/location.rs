//! A place in the hierarchy COUNTRY > REGION > PROVINCE > DISTRICT > SITE.
use crate::vocabulary::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "locations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// An official code, unique when present (Peru: UBIGEO, 2/4/6 digits).
    #[sea_orm(unique)]
    pub code: Option<String>,
    pub name: String,
    pub level: LocationLevel,
    pub parent_id: Option<i64>,
    /// Materialised path of ids from the root, self included: `/1/7/42/`. Everything
    /// below a place has a path starting with the place's path.
    pub path: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// A GeoJSON geometry (WGS84), when the place has a shape.
    pub geometry: Option<String>,
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
