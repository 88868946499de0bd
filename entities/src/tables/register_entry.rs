//! What a register (a monthly case table) said of one case, on its row.
use crate::vocabulary::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "register_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The register (a `sources` row of kind REGISTER).
    pub source_id: i64,
    pub case_id: i64,
    /// The row's line in the file.
    pub line: i32,
    pub status: CaseStatus,
    pub phase: Option<ConflictPhase>,
    pub violence_reported: Option<bool>,
    pub dialogue_under_way: Option<bool>,
    pub responsible_level: Option<GovernmentLevel>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
