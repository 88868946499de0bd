//! chasqui's database migrations: one [`Migrator`] for SQLite and PostgreSQL.
//!
//! A migration that has shipped is never edited; a change is a new file.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_initial;
mod m20261123_000002_trust;
mod m20261123_000003_search;

/// The weighted text PostgreSQL's search index covers; the store's queries must use it as is.
pub use m20261123_000003_search::PG_SEARCH_VECTOR;
mod m20261123_000004_places;
mod m20261123_000005_site_places;
mod m20261124_000006_case_places;
mod m20261124_000007_case_points;
mod m20261125_000008_effective_visibility;
mod m20261126_000009_derived_placements;
mod m20261203_000010_status_dates;
mod m20261203_000011_sources;

/// Finds the placements the store derived before it recorded their source; the store runs
/// it again on a dump written before then.
pub use m20261126_000009_derived_placements::MARK_DERIVED_PLACEMENTS;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::Migration),
            Box::new(m20261123_000002_trust::Migration),
            Box::new(m20261123_000003_search::Migration),
            Box::new(m20261123_000004_places::Migration),
            Box::new(m20261123_000005_site_places::Migration),
            Box::new(m20261124_000006_case_places::Migration),
            Box::new(m20261124_000007_case_points::Migration),
            Box::new(m20261125_000008_effective_visibility::Migration),
            Box::new(m20261126_000009_derived_placements::Migration),
            Box::new(m20261203_000010_status_dates::Migration),
            Box::new(m20261203_000011_sources::Migration),
        ]
    }
}
