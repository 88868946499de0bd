//! Connecting and migrating: the same code for SQLite and PostgreSQL.

use chasqui_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// How much of a SQLite file each connection maps into memory. The pages are the kernel's
/// page cache, but every connection maps them again, and RSS counts each mapping: with
/// 256 MB the server's PSS at 1M news items was 302 MB, with 64 MB 165 MB at the same
/// req/s (bench/perf/README.md).
const SQLITE_MMAP_BYTES: u64 = 64 * 1024 * 1024;

/// Connects and brings the schema up to date. SQLite runs in WAL mode with a busy timeout
/// and foreign keys on, so concurrent readers and a writer do not fail each other.
pub async fn connect(url: &str, pool_size: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(pool_size.max(1))
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings every connection it hands out by default: a round trip to PostgreSQL
        // (or to SQLite's worker thread) before each request's statement. Only a connection
        // idle long enough to have been dropped on the way is pinged.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                // Reads map the file instead of copying each page out of the kernel with
                // `pread` into every connection's own page cache.
                .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
        });
    let db = Database::connect(options).await?;
    Migrator::up(&db, None).await?;
    chasqui_schema::store::Store::new(db.clone())
        .after_migrations()
        .await
        .map_err(|e| DbErr::Custom(format!("after migrations: {e}")))?;
    Ok(db)
}

/// Checks that the database answers.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}
