//! Effective visibility kept current: the `effective_visibility` column of news links,
//! events and status changes is derived in the transaction of every write that can change
//! it. The rule (a link follows its news item, what a link reported follows the link) and
//! the statements that derive it live in `visibility.rs` (`DERIVE_LINKS`, `DERIVE_EVENTS`,
//! `DERIVE_STATUS_CHANGES`); this module decides which rows to derive again.
//!
//! The case is not part of it: every read joins its case's own rule (`visible_cases`).
//! `refresh_case` derives a case's status and last activity from the PUBLIC rows only, so
//! a restricted or archived news item moves nothing public through the links that cite it.
//!
//! Writes call [`refresh`] with the rows they touched, after writing them and before
//! `refresh_case`; [`refresh`] with [`Scope::All`] recomputes everything (a dump load,
//! and the test that holds the kept values equal to a recomputation).

use super::visibility::{DERIVE_EVENTS, DERIVE_LINKS, DERIVE_STATUS_CHANGES};
use super::{Sql, StoreResult};
use sea_orm::ConnectionTrait;

/// The rows to derive again.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scope<'a> {
    /// Every row.
    All,
    /// The links of a news item, and what they reported.
    NewsItem(i64),
    /// These links, and what they reported.
    Links(&'a [i64]),
    /// One event (no link reported it, or its links did not change).
    Event(i64),
    /// One status change (likewise).
    StatusChange(i64),
}

/// `news_links.<links of scope>`: the links a scope names (for `NewsItem` and `Links`).
fn links_of(sql: &mut Sql, scope: Scope<'_>) {
    match scope {
        Scope::NewsItem(id) => {
            sql.push("news_links.news_item_id = ").bind(id);
        }
        Scope::Links(ids) => {
            sql.push("news_links.id IN ").bind_list(ids);
        }
        Scope::All | Scope::Event(_) | Scope::StatusChange(_) => {
            sql.push("TRUE");
        }
    }
}

/// Derives `effective_visibility` again for the rows of `scope`: links first, then the
/// events and status changes that depend on them.
pub(crate) async fn refresh(db: &impl ConnectionTrait, scope: Scope<'_>) -> StoreResult<()> {
    let backend = db.get_database_backend();
    let statement = |text: &str, condition: &dyn Fn(&mut Sql)| {
        let mut sql = Sql::new(backend);
        sql.push(text);
        condition(&mut sql);
        sql.build()
    };
    match scope {
        Scope::All => {
            for text in [DERIVE_LINKS, DERIVE_EVENTS, DERIVE_STATUS_CHANGES] {
                db.execute_raw(statement(text, &|_| {})).await?;
            }
        }
        Scope::Event(id) => {
            let one = statement(DERIVE_EVENTS, &|sql| {
                sql.push(" WHERE events.id = ").bind(id);
            });
            db.execute_raw(one).await?;
        }
        Scope::StatusChange(id) => {
            let one = statement(DERIVE_STATUS_CHANGES, &|sql| {
                sql.push(" WHERE status_changes.id = ").bind(id);
            });
            db.execute_raw(one).await?;
        }
        Scope::Links([]) => {}
        Scope::NewsItem(_) | Scope::Links(_) => {
            let links = statement(DERIVE_LINKS, &|sql| {
                sql.push(" WHERE ");
                links_of(sql, scope);
            });
            db.execute_raw(links).await?;
            for (text, table, column) in [
                (DERIVE_EVENTS, "events", "event_id"),
                (DERIVE_STATUS_CHANGES, "status_changes", "status_change_id"),
            ] {
                let reported = statement(text, &|sql| {
                    sql.push(&format!(
                        " WHERE {table}.id IN (SELECT news_links.{column} FROM news_links WHERE "
                    ));
                    links_of(sql, scope);
                    sql.push(")");
                });
                db.execute_raw(reported).await?;
            }
        }
    }
    Ok(())
}

impl super::Store {
    /// Derives the effective visibility of every link, event and status change again, in
    /// one transaction. The store keeps it current in every write; this is for checking
    /// that it does (the values must not change).
    pub async fn recompute_effective_visibility(&self) -> StoreResult<()> {
        self.write(async |txn| {
            refresh(txn, Scope::All).await?;
            Ok(())
        })
        .await
    }
}
