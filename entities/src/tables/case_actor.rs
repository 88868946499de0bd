//! An actor's role in a case, with dates when known.
use crate::date::DatePrecision;
use crate::vocabulary::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "case_actors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub actor_id: i64,
    pub role: ActorRole,
    pub started_on: Option<Date>,
    pub started_precision: Option<DatePrecision>,
    pub ended_on: Option<Date>,
    pub ended_precision: Option<DatePrecision>,
    pub note: Option<String>,
    pub visibility: Visibility,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
