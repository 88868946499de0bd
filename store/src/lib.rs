//! The store: every read and write chasqui makes, as plain async functions over a
//! sea-orm connection. GraphQL resolvers, the importers, the demo loader and the CLI all
//! go through it, so the rules (visibility, archiving, transactions, derived columns) live
//! in one place. It knows nothing of GraphQL; the pure rules it applies (input checks,
//! text folding, search analysis, geometry) come from `chasqui-domain`.
//!
//! Reads take an [`Access`] and never return what it may not see. Writes run in one
//! transaction each and validate before they touch the database.

mod audit;
mod detail;
mod dump;
mod effective;
mod import;
mod import_records;
mod read;
mod search;
mod spatial;
mod sql;
mod stats;
mod suggestions;
mod timeline;
mod tokens;
mod write;

pub use audit::{AuditFilter, Author};
pub use detail::{
    CaseDetail, CaseKey, DetailSpec, TimelineRecord, event_row, news_row, precision_rank,
};
pub use dump::TABLES;
pub use import::{ImportItem, ImportLink, ImportOutcome, ItemOutcome, NewsImport};
pub use import_records::{
    ActorRecord, ActorRef, CaseRecord, EventBody, EventRecord, ImportRecord, LinkRecord, NewsRef,
    PlaceSpec, PlacementRecord, RecordEntry, RecordOutcome, RoleRecord, SourceRecord,
    actor_name_key, slug_from_name,
};
pub use read::{
    ActorFilter, CaseCursor, CaseFilter, CaseOrderKey, EventFilter, LocationFilter, NewsFilter,
    Page,
};
pub use search::{PG_SEARCH_VECTOR, SearchCursor, SearchDocument, SearchEntity, SearchRow};
pub use spatial::{
    LocatedCases, MARK_DERIVED_PLACEMENTS, PlaceRecord, PlacesReport, SpatialCache, near_filter,
};
pub use sql::Sql;
pub use stats::{MAX_STAT_MONTHS, StatBucket, StatDimension};
pub use suggestions::DEFAULT_SUGGESTION_THRESHOLD;
pub use timeline::{TimelineCursor, TimelineKind, TimelineRow, TimelineWindow};
pub use tokens::{TOKEN_PREFIX, token_hash};
pub use write::{
    ActorPatch, Archivable, CasePatch, LinkPatch, LocationPatch, NewActor, NewCase, NewEvent,
    NewLink, NewLocation, NewNewsItem, NewPlacement, NewRole, NewStatusChange, NewsItemPatch,
};

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqlErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

/// The current time to the microsecond: what both engines store, so that a record reads
/// back (and exports) the same on SQLite and PostgreSQL.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// What the caller may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// Whether RESTRICTED records are visible.
    pub see_restricted: bool,
}

impl Access {
    /// Anonymous readers: public records only.
    pub const PUBLIC: Access = Access {
        see_restricted: false,
    };
    /// Readers trusted with restricted records.
    pub const FULL: Access = Access {
        see_restricted: true,
    };
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

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a transaction that reads first and writes later would otherwise fail
    /// with "database is locked" when another writer got there in between, instead of
    /// waiting its turn. On PostgreSQL, writes lock the rows they derive from
    /// (`SELECT … FOR NO KEY UPDATE`, `write::LockForWrite`) instead.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        self.db.begin_with_options(options).await
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
