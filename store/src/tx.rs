//! Write transactions: how every write begins, and the one shape of a write that runs in
//! a transaction of its own ([`Store::write`]): begin, write (with its audit entries),
//! commit; an error at any step rolls everything back, the audit entries included.

use super::{Store, StoreResult};
use sea_orm::{
    DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

impl Store {
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

    /// Runs `write` in a write transaction of its own ([`Store::begin_write`]) and commits
    /// it, returning what `write` returned. When `write` (or the commit) fails, the
    /// transaction is dropped unfinished, which rolls back everything it wrote.
    pub(crate) async fn write<T>(
        &self,
        write: impl AsyncFnOnce(&DatabaseTransaction) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let txn = self.begin_write().await?;
        let value = write(&txn).await?;
        txn.commit().await?;
        Ok(value)
    }
}
