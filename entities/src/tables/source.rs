//! An imported file, recorded once: what the rows it wrote point to (`source_id`).
use crate::vocabulary::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "sources")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: SourceKind,
    /// The file's name, without its directory.
    pub file_name: String,
    /// The SHA-256 of the file's bytes, in lower-case hex.
    pub digest: String,
    /// For a register, the first day of the month it describes; `None` when not known.
    pub as_of: Option<Date>,
    pub imported_at: DateTimeUtc,
    /// The token that imported it (`None`: the command line).
    pub token_id: Option<i64>,
    /// The token's name, or `cli`.
    pub author: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
