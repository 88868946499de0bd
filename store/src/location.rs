//! Locations: the place hierarchy and its materialised paths. A location's `path` is the
//! ids from the top down to it (`/1/7/42/`): the region filters and the spatial rows find
//! everything below a place by its prefix. The path is written, checked and moved here
//! only, for the API's location writes and the places import alike.

use super::audit::{self, Author, Entry};
use super::query::{Named, Page, all_limited, name_contains, pointing_at, without};
use super::spatial::{CasePlaces, refresh_case_places};
use super::stamp::{Stamped, Versioned};
use super::tx::{LockForWrite, check_version};
use super::visibility::visible_locations;
use super::{Access, Store, StoreError, StoreResult};
use chasqui_entities::tables::location;
use chasqui_entities::*;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, *,
};
use std::collections::HashMap;

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

#[derive(Clone, Debug)]
pub struct NewLocation {
    pub code: Option<String>,
    pub name: String,
    pub level: LocationLevel,
    pub parent_id: Option<i64>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub geometry: Option<String>,
    pub visibility: Visibility,
}

#[derive(Clone, Debug, Default)]
pub struct LocationPatch {
    pub code: Option<Option<String>>,
    pub name: Option<String>,
    pub level: Option<LocationLevel>,
    pub parent_id: Option<Option<i64>>,
    pub latitude: Option<Option<f64>>,
    pub longitude: Option<Option<f64>>,
    pub geometry: Option<Option<String>>,
    pub visibility: Option<Visibility>,
}

/// The visible locations a region filter matches: the region's places and everything
/// below them (`places`, from the spatial index), and the sites whose point lies inside
/// one of them (`site_places`, recorded at write time). Both are indexed lookups; the
/// region's polygon is never tested at query time. `None` (a filter not resolved against
/// the index) matches nothing.
pub(crate) fn region_locations(
    places: Option<&[i64]>,
    access: Access,
) -> sea_orm::sea_query::SelectStatement {
    let list = super::spatial::id_list(places.unwrap_or_default());
    let mut sub = Query::select();
    sub.column((location::Entity, location::Column::Id))
        .from(location::Entity)
        .cond_where(
            Condition::all().add(visible_locations(access)).add(
                Condition::any()
                    .add(Expr::cust(format!(r#""locations"."id" IN ({list})"#)))
                    .add(Expr::cust(format!(
                        r#""locations"."id" IN (SELECT site_id FROM site_places WHERE place_id IN ({list}))"#
                    ))),
            ),
        );
    sub
}

#[derive(Clone, Debug, Default)]
pub struct LocationFilter {
    pub levels: Vec<LocationLevel>,
    pub within_path: Option<String>,
    pub parent_id: Option<i64>,
    pub name_contains: Option<String>,
}

impl Store {
    pub async fn create_location(
        &self,
        author: &Author,
        new: NewLocation,
    ) -> StoreResult<location::Model> {
        // A located site is given its place from the index (read before the write).
        let located_site =
            new.level == LocationLevel::Site && new.latitude.is_some() && new.longitude.is_some();
        let index = match located_site {
            true => Some(self.spatial_index().await?),
            false => None,
        };
        self.write(async |txn| {
            let model = Self::create_location_in(txn, author, new).await?;
            if let Some(index) = index {
                Self::place_sites(txn, &index, &[model.id]).await?;
            }
            Ok(model)
        })
        .await
    }

    /// `create_location` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn create_location_in(
        txn: &DatabaseTransaction,
        author: &Author,
        new: NewLocation,
    ) -> StoreResult<location::Model> {
        let parent_path = match new.parent_id {
            Some(parent) => Some(
                location::Entity::find_by_id(parent)
                    .filter(location::Column::ArchivedAt.is_null())
                    .one(txn)
                    .await?
                    .ok_or_else(|| StoreError::invalid("input.parent", "no such location"))?
                    .path,
            ),
            None => None,
        };
        let now = super::now();
        let code = new.code.clone().unwrap_or_default();
        let model = location::ActiveModel {
            id: NotSet,
            code: Set(new.code),
            name: Set(new.name),
            level: Set(new.level),
            parent_id: Set(new.parent_id),
            path: Set(String::new()),
            latitude: Set(new.latitude),
            longitude: Set(new.longitude),
            geometry: Set(new.geometry),
            visibility: Set(new.visibility),
            archived_at: Set(None),
            ..Default::default()
        }
        .created(now)
        .insert(txn)
        .await
        .map_err(|e| {
            StoreError::from_db(e, || {
                format!("input.code: a location with code `{code}` already exists")
            })
        })?;
        let model = set_new_path(txn, model, parent_path.as_deref()).await?;
        let entry = Entry {
            action: "createLocation",
            entity: "location",
            id: model.id,
            case_id: None,
            before: None,
            after: Some(audit::snapshot(&model)?),
        };
        audit::record(txn, author, entry).await?;
        Ok(model)
    }

    pub async fn update_location(
        &self,
        author: &Author,
        id: i64,
        patch: LocationPatch,
        expected_version: Option<i32>,
    ) -> StoreResult<location::Model> {
        // A site may move: its place comes from the index, read before the write.
        let index = self.spatial_index().await?;
        self.write(async |txn| {
            let current = location::Entity::find_by_id(id)
                .lock_for_write()
                .one(txn)
                .await?
                .ok_or_else(|| StoreError::not_found("location"))?;
            check_version("the location", current.version, expected_version)?;
            let mut active: location::ActiveModel = current.clone().into();
            let code = patch.code.clone().flatten().unwrap_or_default();
            if let Some(v) = patch.code {
                active.code = Set(v);
            }
            if let Some(v) = patch.name {
                active.name = Set(v);
            }
            if let Some(v) = patch.level {
                active.level = Set(v);
            }
            if let Some(v) = patch.latitude {
                active.latitude = Set(v);
            }
            if let Some(v) = patch.longitude {
                active.longitude = Set(v);
            }
            if let Some(v) = patch.geometry {
                active.geometry = Set(v);
            }
            if let Some(v) = patch.visibility {
                active.visibility = Set(v);
            }
            let mut moved_to: Option<String> = None;
            if let Some(parent) = patch.parent_id {
                let parent_path = match parent {
                    Some(parent_id) => {
                        let parent = location::Entity::find_by_id(parent_id)
                            .filter(location::Column::ArchivedAt.is_null())
                            .one(txn)
                            .await?
                            .ok_or_else(|| {
                                StoreError::invalid("input.parent", "no such location")
                            })?;
                        if below_itself(&parent.path, &current.path) {
                            return Err(StoreError::invalid(
                                "input.parent",
                                "a location cannot be placed below itself or its own descendants",
                            ));
                        }
                        Some(parent.path)
                    }
                    None => None,
                };
                active.parent_id = Set(parent);
                let new_path = child_path(parent_path.as_deref(), id);
                active.path = Set(new_path.clone());
                moved_to = Some(new_path);
            }
            active.next_version(current.version);
            let model = active.update(txn).await.map_err(|e| {
                StoreError::from_db(e, || {
                    format!("input.code: a location with code `{code}` already exists")
                })
            })?;
            if let Some(new_path) = moved_to.filter(|p| *p != current.path) {
                move_descendants(txn, id, &current.path, &new_path).await?;
            }
            if model.geometry != current.geometry {
                // A new shape moves sites between places: place them all again, from the
                // places as this transaction sees them.
                let index = super::spatial::load_index(txn).await?;
                Self::place_all_sites(txn, &index, true).await?;
                refresh_case_places(txn, CasePlaces::All).await?;
            } else {
                let resited = model.latitude != current.latitude
                    || model.longitude != current.longitude
                    || model.level != current.level;
                if resited {
                    Self::place_sites(txn, &index, &[id]).await?;
                }
                if resited
                    || model.parent_id != current.parent_id
                    || model.visibility != current.visibility
                {
                    refresh_case_places(txn, CasePlaces::Below(id)).await?;
                }
            }
            let entry = Entry {
                action: "updateLocation",
                entity: "location",
                id,
                case_id: None,
                before: Some(audit::snapshot(&current)?),
                after: Some(audit::snapshot(&model)?),
            };
            audit::record(txn, author, entry).await?;
            Ok(model)
        })
        .await
    }

    /// The materialised path of a location given by code or id, for region filters.
    pub async fn location_path(
        &self,
        access: Access,
        code: Option<&str>,
        id: Option<i64>,
    ) -> StoreResult<Option<String>> {
        let mut query = without(location::Entity::find(), location::Column::Geometry)
            .filter(visible_locations(access));
        if let Some(code) = code {
            query = query.filter(location::Column::Code.eq(code));
        }
        if let Some(id) = id {
            query = query.filter(location::Column::Id.eq(id));
        }
        Ok(query.one(&self.db).await?.map(|l| l.path))
    }

    /// The geometries of these locations (visible ones only), which lists leave out.
    pub async fn location_geometries(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, Option<String>>> {
        let rows: Vec<(i64, Option<String>)> = location::Entity::find()
            .select_only()
            .column(location::Column::Id)
            .column(location::Column::Geometry)
            .filter(location::Column::Id.is_in(ids.iter().copied()))
            .filter(visible_locations(access))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().collect())
    }

    pub async fn locations_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, location::Model>> {
        self.by_ids::<location::Entity>(
            ids,
            location::Column::Id,
            visible_locations(access),
            Some(location::Column::Geometry),
            |m| m.id,
        )
        .await
    }

    pub async fn location_by_code(
        &self,
        access: Access,
        code: &str,
    ) -> StoreResult<Option<location::Model>> {
        Ok(location::Entity::find()
            .filter(location::Column::Code.eq(code))
            .filter(visible_locations(access))
            .one(&self.db)
            .await?)
    }

    pub async fn children_by_location(
        &self,
        access: Access,
        parent_ids: &[i64],
    ) -> StoreResult<Vec<location::Model>> {
        self.rows_of::<location::Entity>(
            location::Column::ParentId,
            parent_ids,
            visible_locations(access),
            &[location::Column::Name],
        )
        .await
    }

    pub async fn list_locations(
        &self,
        access: Access,
        filter: &LocationFilter,
        after: Option<i64>,
        limit: u64,
    ) -> StoreResult<Page<location::Model>> {
        let mut query = without(location::Entity::find(), location::Column::Geometry)
            .filter(visible_locations(access));
        if !filter.levels.is_empty() {
            query = query.filter(location::Column::Level.is_in(filter.levels.clone()));
        }
        if let Some(path) = &filter.within_path {
            query = query.filter(location::Column::Path.starts_with(path.as_str()));
        }
        if let Some(parent) = filter.parent_id {
            query = query.filter(pointing_at::<location::Entity>(
                location::Column::ParentId,
                &Named::Id(parent),
                visible_locations(access),
            ));
        }
        if let Some(name) = &filter.name_contains {
            query = query.filter(name_contains(location::Column::Name, name));
        }
        if let Some(after) = after {
            query = query.filter(location::Column::Id.gt(after));
        }
        let query = query.order_by_asc(location::Column::Id);
        let rows = all_limited(&self.db, query, limit + 1).await?;
        Ok(Page::from_overfetch(rows, limit))
    }
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
