//! The store: every read and write chasqui makes, as plain async functions over a
//! sea-orm connection. GraphQL resolvers, the importers, the demo loader and the CLI all
//! go through it, so the rules (visibility, archiving, transactions, derived columns) live
//! in one place. It knows nothing of GraphQL; the pure rules it applies (input checks,
//! text folding, search analysis, geometry) come from `chasqui-domain`.
//!
//! Reads take an [`Access`] and never return what it may not see. Writes run in one
//! transaction each and validate before they touch the database.

mod actor;
mod archive;
mod audit;
mod case;
mod detail;
mod dump;
mod effective;
mod event;
mod event_stats;
mod history;
mod import;
mod import_records;
mod link;
mod location;
mod news;
mod query;
mod register;
mod report;
mod search;
mod source;
mod spatial;
mod sql;
mod stamp;
mod stats;
mod suggestions;
mod tables;
mod timeline;
mod tokens;
mod tx;
mod visibility;

pub use actor::{ActorFilter, ActorPatch, NewActor};
pub use archive::Archivable;
pub use audit::{AuditFilter, Author};
pub use case::{
    CaseCursor, CaseFilter, CaseOrderKey, CasePatch, NewCase, NewPlacement, NewRole,
    NewStatusChange,
};
/// The statement that marks the placements derived before they recorded their site, in a
/// dump written then: the migration's own (one home), run again by `load_dump`.
pub use chasqui_migrations::MARK_DERIVED_PLACEMENTS;
pub use detail::{CaseDetail, CaseKey, DetailSpec, TimelineRecord};
pub use dump::TABLES;
pub use event::{EventFilter, NewEvent};
pub use event_stats::{
    EventStatBucket, EventStatDimension, MAX_EVENT_STAT_BUCKETS, MAX_EVENT_STAT_MONTHS,
    MAX_EVENT_STAT_YEARS,
};
pub use history::{StatusAsOf, in_effect as status_in_effect, sort_history};
pub use import::{ImportItem, ImportLink, ImportOutcome, ItemOutcome, NewsImport};
pub use import_records::{
    ActorRecord, ActorRef, CaseRecord, EventBody, EventRecord, ImportRecord, LinkRecord, NewsRef,
    PlaceSpec, PlacementRecord, RecordEntry, RecordOutcome, RecordsReport, RoleRecord,
    SourceRecord, actor_name_key, slug_from_name,
};
pub use link::{LinkPatch, NewLink};
pub use location::{LocationFilter, LocationPatch, NewLocation};
pub use news::{NewNewsItem, NewsFilter, NewsItemPatch};
pub use query::{Named, Page};
pub use register::{AbsentCase, RegisterColumns};
pub use report::{Movement, MovementKind, ReportGroup, StatusReport};
pub use search::{PG_SEARCH_VECTOR, SearchCursor, SearchDocument, SearchEntity, SearchRow};
pub use source::{NewSource, Provenance, Sourced, digest};
pub use spatial::{LocatedCases, PlaceRecord, PlacesReport, SpatialCache, near_filter};
pub use sql::Sql;
pub use stats::{MAX_STAT_MONTHS, StatBucket, StatDimension};
pub use suggestions::DEFAULT_SUGGESTION_THRESHOLD;
pub use tables::CasePlaceNames;
pub use timeline::{
    TimelineCursor, TimelineKind, TimelineRow, TimelineWindow, event_row, news_row, precision_rank,
    status_row,
};
pub use tokens::{TOKEN_PREFIX, token_hash};
pub use visibility::{Access, LinkStates};

use sea_orm::{DatabaseConnection, DbErr, SqlErr};

/// The current time to the microsecond: what both engines store, so that a record reads
/// back (and exports) the same on SQLite and PostgreSQL.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// The database connection, cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub db: DatabaseConnection,
    /// The spatial index, shared by clones (see `spatial.rs`).
    pub spatial: std::sync::Arc<SpatialCache>,
}

impl Store {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            spatial: Default::default(),
        }
    }
}

/// Why a store operation did not happen. Nothing was written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input is wrong; `field` is its path in the request (`input.startedOn`).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A referenced record does not exist (or the caller may not see it).
    #[error("{what} not found")]
    NotFound { what: String },
    /// The write clashes with existing data (a duplicate slug, a stale version).
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

impl StoreError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// Sorts a database error: unique-key violations become conflicts.
    pub fn from_db(err: DbErr, conflict_message: impl FnOnce() -> String) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Conflict(conflict_message()),
            _ => Self::Database(err),
        }
    }
}

impl From<chasqui_domain::validate::Invalid> for StoreError {
    fn from(err: chasqui_domain::validate::Invalid) -> Self {
        Self::Invalid {
            field: err.field,
            message: err.message,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
