//! Connecting and migrating: the same code for SQLite and PostgreSQL.

use chasqui_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// How much of a SQLite file the pool's connections map into memory, together. Reads of
/// mapped pages skip the copy out of the kernel (`pread`) into each connection's page
/// cache, but every connection maps the file on its own and RSS counts each mapping (the
/// measurements are in bench/perf/README.md). The budget keeps the mappings under 128 MB.
const SQLITE_MMAP_BUDGET: u64 = 128 * 1024 * 1024;

/// The most one connection maps.
const SQLITE_MMAP_MAX: u64 = 64 * 1024 * 1024;

/// Pool size when none is given. SQLite readers share the machine's cores with the
/// server itself (and its one writer at a time): a few connections serve as many pages
/// per second as 16 on two cores, and each maps a share of the file. PostgreSQL works in
/// its own processes.
fn default_pool_size(sqlite: bool) -> u32 {
    if sqlite { 4 } else { 16 }
}

/// Connects and brings the schema up to date. SQLite runs in WAL mode with a busy timeout
/// and foreign keys on, so concurrent readers and a writer do not fail each other.
pub async fn connect(url: &str, pool_size: Option<u32>) -> Result<DatabaseConnection, DbErr> {
    let sqlite = url.starts_with("sqlite:");
    let pool_size = pool_size.unwrap_or(default_pool_size(sqlite)).max(1);
    let mmap_bytes = (SQLITE_MMAP_BUDGET / u64::from(pool_size)).min(SQLITE_MMAP_MAX);
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(pool_size)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings every connection it hands out by default: a round trip to PostgreSQL
        // (or to SQLite's worker thread) before each request's statement. Only a connection
        // idle long enough to have been dropped on the way is pinged.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                // Reads map the file instead of copying each page out of the kernel with
                // `pread` into every connection's own page cache.
                .pragma("mmap_size", mmap_bytes.to_string())
        });
    let db = Database::connect(options).await?;
    Migrator::up(&db, None).await?;
    chasqui_store::Store::new(db.clone())
        .after_migrations()
        .await
        .map_err(|e| DbErr::Custom(format!("after migrations: {e}")))?;
    Ok(db)
}

/// Checks that the database answers.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}
