//! Write transactions: how every write begins, the one shape of a write that runs in a
//! transaction of its own ([`Store::write`]: begin, write with its audit entries, commit;
//! an error at any step rolls everything back, the audit entries included), and the checks
//! every write shares: row locks ([`LockForWrite`]), the expected version, references
//! that must exist, and dates of things that happened.

use super::{Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use sea_orm::{
    DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait, *,
};

impl Store {
    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a transaction that reads first and writes later would otherwise fail
    /// with "database is locked" when another writer got there in between, instead of
    /// waiting its turn. On PostgreSQL, writes lock the rows they derive from
    /// (`SELECT … FOR NO KEY UPDATE`, `tx::LockForWrite`) instead.
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

pub(crate) fn check_version(what: &str, current: i32, expected: Option<i32>) -> StoreResult<()> {
    match expected {
        Some(expected) if expected != current => Err(StoreError::Conflict(format!(
            "{what} was changed by someone else (version {current}, your copy is version {expected}); reload it and apply your change again"
        ))),
        _ => Ok(()),
    }
}

/// The row lock a write takes on PostgreSQL on the records it changes or derives from
/// (SQLite has one writer at a time): `FOR NO KEY UPDATE`, which excludes every other
/// writer of the row as `FOR UPDATE` does, but not the key-share lock a foreign key takes
/// when another transaction inserts a row that points at it. With `FOR UPDATE`, a case
/// write waiting for the spatial change marker held the case against a location write
/// that held the marker and was inserting the case's `case_places` or derived
/// placements: each waited on the other.
pub(crate) trait LockForWrite: QuerySelect + Sized {
    fn lock_for_write(self) -> Self {
        self.lock(sea_orm::sea_query::LockType::NoKeyUpdate)
    }
}

impl<T: QuerySelect> LockForWrite for T {}

pub(crate) async fn require_case(
    txn: &DatabaseTransaction,
    field: &str,
    id: i64,
) -> StoreResult<case::Model> {
    case::Entity::find_by_id(id)
        .filter(case::Column::ArchivedAt.is_null())
        .lock_for_write()
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::invalid(field, "no such case"))
}

pub(crate) async fn require_ids<E>(
    txn: &DatabaseTransaction,
    field: &str,
    what: &str,
    ids: &[i64],
    id_col: E::Column,
    archived: Option<E::Column>,
) -> StoreResult<()>
where
    E: EntityTrait,
    E::Model: Sync,
{
    if ids.is_empty() {
        return Ok(());
    }
    let mut unique: Vec<i64> = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut query = E::find().filter(id_col.is_in(unique.iter().copied()));
    if let Some(archived) = archived {
        query = query.filter(archived.is_null());
    }
    let found = query.count(txn).await?;
    if found as usize != unique.len() {
        return Err(StoreError::invalid(
            field,
            format!("refers to a {what} that does not exist"),
        ));
    }
    Ok(())
}

pub(crate) fn date_parts(
    date: Option<PartialDate>,
) -> (Option<chrono::NaiveDate>, Option<DatePrecision>) {
    (date.map(|d| d.first_day()), date.map(|d| d.precision()))
}

/// Dates that record something that happened (a status change, a publication, a case's
/// start, an event, a role, a decree's issue) may not lie in the future: a date is refused
/// when the period it names begins after tomorrow (UTC; a day's slack for places ahead of
/// UTC). The one check every entrance goes through: the store's writes call it, and the
/// importers call it first to reject a record with its line.
pub(crate) fn happened(field: &str, date: PartialDate) -> StoreResult<()> {
    let latest = super::now().date_naive() + chrono::Days::new(1);
    if date.first_day() > latest {
        return Err(StoreError::invalid(
            field,
            format!(
                "{date} is in the future: a date of something that happened may be at most one day ahead ({latest})"
            ),
        ));
    }
    Ok(())
}

/// A row read again after the transaction derived some of its columns.
pub(crate) async fn reread<E>(txn: &DatabaseTransaction, id: i64) -> StoreResult<E::Model>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    E::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::not_found(E::default().table_name().to_owned()))
}

/// Replaces the rows of `E` whose `owner` column is `owner_id` with `rows`; a unique-key
/// violation among the new rows becomes a conflict with `conflict` as its message.
pub(crate) async fn replace_rows<E, A>(
    txn: &DatabaseTransaction,
    owner: E::Column,
    owner_id: i64,
    rows: Vec<A>,
    conflict: &str,
) -> StoreResult<()>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + Send,
{
    E::delete_many()
        .filter(owner.eq(owner_id))
        .exec(txn)
        .await?;
    if !rows.is_empty() {
        E::insert_many(rows)
            .exec(txn)
            .await
            .map_err(|e| StoreError::from_db(e, || conflict.to_owned()))?;
    }
    Ok(())
}
