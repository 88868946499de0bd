//! Locations: the place hierarchy and its materialised paths. A location's `path` is the
//! ids from the top down to it (`/1/7/42/`): the region filters and the spatial rows find
//! everything below a place by its prefix. The path is written, checked and moved here
//! only, for the API's location writes and the places import alike.

use super::StoreResult;
use chasqui_entities::tables::location;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

/// The path of location `id` below a parent whose path is `parent_path` (`None` for a
/// location at the top).
pub(crate) fn child_path(parent_path: Option<&str>, id: i64) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// Whether a parent whose path is `parent_path` is the location whose path is
/// `current_path` or lies below it: the move would make a cycle.
pub(crate) fn below_itself(parent_path: &str, current_path: &str) -> bool {
    parent_path.starts_with(current_path)
}

/// Gives a location just inserted (its id known only now) its path below `parent_path`.
pub(crate) async fn set_new_path(
    db: &impl ConnectionTrait,
    inserted: location::Model,
    parent_path: Option<&str>,
) -> StoreResult<location::Model> {
    let path = child_path(parent_path, inserted.id);
    let mut active = inserted.into_active_model();
    active.path = Set(path);
    Ok(active.update(db).await?)
}

/// Moves the descendants of the location `id`, whose path was `old_path` and is now
/// `new_path`, along with it; returns them as written.
pub(crate) async fn move_descendants(
    db: &impl ConnectionTrait,
    id: i64,
    old_path: &str,
    new_path: &str,
) -> StoreResult<Vec<location::Model>> {
    let descendants = location::Entity::find()
        .filter(location::Column::Path.starts_with(old_path))
        .filter(location::Column::Id.ne(id))
        .all(db)
        .await?;
    let mut moved = Vec::with_capacity(descendants.len());
    for child in descendants {
        let rest = child.path[old_path.len()..].to_owned();
        let mut child = child.into_active_model();
        child.path = Set(format!("{new_path}{rest}"));
        moved.push(child.update(db).await?);
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_run_from_the_top_and_a_cycle_is_seen() {
        assert_eq!(child_path(None, 7), "/7/");
        assert_eq!(child_path(Some("/1/7/"), 42), "/1/7/42/");
        assert!(below_itself("/1/7/", "/1/7/"));
        assert!(below_itself("/1/7/42/", "/1/7/"));
        assert!(!below_itself("/1/", "/1/7/"));
        assert!(!below_itself("/1/70/", "/1/7/"));
    }
}
