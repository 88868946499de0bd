//! Archiving, restoring and purging: one id of any record that can be archived.

use super::common::store;
use crate::error::{ApiError, ApiResult};
use crate::ids::{NodeType, decode_any};
use async_graphql::{Context, ID};
use chasqui_store::{Archivable, Author};

/// The record an id names, if it is of a kind that can be archived.
fn archivable(id: &ID) -> ApiResult<(Archivable, i64)> {
    match decode_any(id) {
        Some((NodeType::Case, n)) => Ok((Archivable::Case, n)),
        Some((NodeType::Actor, n)) => Ok((Archivable::Actor, n)),
        Some((NodeType::Location, n)) => Ok((Archivable::Location, n)),
        Some((NodeType::NewsItem, n)) => Ok((Archivable::NewsItem, n)),
        Some((NodeType::Event, n)) => Ok((Archivable::Event, n)),
        _ => Err(ApiError::bad_input(
            "id",
            "not the id of a case, actor, location, news item or event",
        )),
    }
}

/// The id back when the store found the record, NOT_FOUND otherwise.
fn found(id: ID, done: bool) -> ApiResult<ID> {
    if done {
        Ok(id)
    } else {
        Err(ApiError::NotFound("record".into()))
    }
}

/// `Mutation.archive` (`archived: true`) and `Mutation.restore` (`archived: false`).
pub async fn set_archived(
    ctx: &Context<'_>,
    author: &Author,
    id: ID,
    archived: bool,
) -> ApiResult<ID> {
    let (what, n) = archivable(&id)?;
    let done = store(ctx)?.set_archived(author, what, n, archived).await?;
    found(id, done)
}

/// `Mutation.purge`.
pub async fn purge(ctx: &Context<'_>, author: &Author, id: ID) -> ApiResult<ID> {
    let (what, n) = archivable(&id)?;
    let done = store(ctx)?.purge(author, what, n).await?;
    found(id, done)
}
