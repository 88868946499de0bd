//! Batched lookups. Every relation a list can ask for goes through the one per-request
//! [`DataLoader`] over [`Batch`], keyed by a newtype per lookup, so a page of 50 cases
//! asks the database once per relation, not once per case.

use crate::error::ApiError;
use async_graphql::dataloader::{DataLoader, Loader};
use chasqui_entities::tables::*;
use chasqui_store::{
    Access, LinkStates, Page, Provenance, Sourced, Store, StoreError, TimelineRow, TimelineWindow,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The store as seen by one request (with that request's access).
pub struct Batch {
    pub store: Store,
    pub access: Access,
    /// Records a query has already read with this request's access (see [`Primed`]).
    pub primed: Primed,
}

/// Records read ahead for this request by a statement that applied the same visibility
/// rules as their loaders (the case page, `store/detail.rs`), so that the fields below
/// it find them here instead of waiting for a batch and a statement of their own. Only
/// queries prime: a query's reads all see the same data, so a primed record is what its
/// loader would return.
#[derive(Default)]
pub struct Primed {
    actors: Mutex<HashMap<i64, actor::Model>>,
    locations: Mutex<HashMap<i64, location::Model>>,
    news_items: Mutex<HashMap<i64, news_item::Model>>,
}

fn prime<M>(map: &Mutex<HashMap<i64, M>>, rows: impl IntoIterator<Item = (i64, M)>) {
    if let Ok(mut map) = map.lock() {
        map.extend(rows);
    }
}

fn primed<M: Clone>(map: &Mutex<HashMap<i64, M>>, id: i64) -> Option<M> {
    map.lock().ok().and_then(|map| map.get(&id).cloned())
}

impl Primed {
    pub fn prime_actors(&self, rows: impl IntoIterator<Item = actor::Model>) {
        prime(&self.actors, rows.into_iter().map(|m| (m.id, m)));
    }
    pub fn prime_locations(&self, rows: impl IntoIterator<Item = location::Model>) {
        prime(&self.locations, rows.into_iter().map(|m| (m.id, m)));
    }
    pub fn prime_news_items(&self, rows: impl IntoIterator<Item = news_item::Model>) {
        prime(&self.news_items, rows.into_iter().map(|m| (m.id, m)));
    }
    pub fn actor(&self, id: i64) -> Option<actor::Model> {
        primed(&self.actors, id)
    }
    pub fn location(&self, id: i64) -> Option<location::Model> {
        primed(&self.locations, id)
    }
    pub fn news_item(&self, id: i64) -> Option<news_item::Model> {
        primed(&self.news_items, id)
    }
}

pub type Loaders = DataLoader<Batch>;

/// Scheduler rounds a batch waits before its window opens (see [`loaders`]).
const BATCH_START_YIELDS: usize = 4;

/// A request's loader. The batch window is short: resolvers at one level of a query are
/// polled together, so a wait of a fraction of a millisecond collects them. The window
/// opens only after the batch task has let the scheduler go round a few times: a list
/// resolves its items through `FuturesUnordered`, which yields to the scheduler after every
/// 32 items, and a window that opened at the first item could close before the last of a
/// 100-item page had joined it, splitting one statement into several.
pub fn loaders(store: Store, access: Access, delay: Duration) -> Loaders {
    DataLoader::new(
        Batch {
            store,
            access,
            primed: Primed::default(),
        },
        |task| {
            tokio::spawn(async move {
                for _ in 0..BATCH_START_YIELDS {
                    tokio::task::yield_now().await;
                }
                task.await
            })
        },
    )
    .delay(delay)
}

/// A load failure, shared by every resolver waiting on the batch.
pub type LoadError = Arc<StoreError>;

impl From<LoadError> for ApiError {
    fn from(err: LoadError) -> Self {
        match Arc::try_unwrap(err) {
            Ok(err) => err.into(),
            Err(shared) => {
                tracing::error!(error = %shared, "batched load failed");
                ApiError::Internal
            }
        }
    }
}

/// A loader of records by id: `by_id!(KeyType, Model, store_method)`. With a fourth
/// argument, a loader of one value by id that the store may not have, `Option<Value>` per
/// id: `by_id!(KeyType, Value, store_method, optional)` (one heavy text column that lists
/// leave out).
macro_rules! by_id {
    ($key:ident, $value:ty, $method:ident) => {
        by_id!($key, $value, $method, Some);
    };
    ($key:ident, $value:ty, $method:ident, optional) => {
        by_id!($key, $value, $method, std::convert::identity);
    };
    ($key:ident, $value:ty, $method:ident, $present:expr) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl Loader<$key> for Batch {
            type Value = $value;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                let rows = self
                    .store
                    .$method(self.access, &ids)
                    .await
                    .map_err(Arc::new)?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(id, row)| $present(row).map(|value| ($key(id), value)))
                    .collect())
            }
        }
    };
}

by_id!(NewsBodyById, String, news_bodies, optional);
by_id!(LocationGeometryById, String, location_geometries, optional);

/// A loader of the rows belonging to a parent: `children!(KeyType, Model, |row| parent id, |batch, ids| query)`.
macro_rules! children {
    ($key:ident, $model:ty, |$row:ident| $parent:expr, |$batch:ident, $ids:ident| $query:expr) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl Loader<$key> for Batch {
            type Value = Vec<$model>;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let $batch = self;
                let $ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                let rows: Vec<$model> = $query.await.map_err(Arc::new)?;
                let mut grouped: HashMap<$key, Vec<$model>> =
                    keys.iter().map(|k| (*k, Vec::new())).collect();
                for $row in rows {
                    grouped.entry($key($parent)).or_default().push($row);
                }
                Ok(grouped)
            }
        }
    };
}

by_id!(CaseById, case::Model, cases_by_ids);
by_id!(ActorById, actor::Model, actors_by_ids);
by_id!(LocationById, location::Model, locations_by_ids);
by_id!(PlaceOfSite, location::Model, places_of_sites);
by_id!(NewsItemById, news_item::Model, news_items_by_ids);
by_id!(EventById, event::Model, events_by_ids);
by_id!(NewsLinkById, news_link::Model, news_links_by_ids);
by_id!(
    StatusChangeById,
    status_change::Model,
    status_changes_by_ids
);

children!(
    RolesOfCase,
    case_actor::Model,
    |row| row.case_id,
    |b, ids| b.store.roles_by_case(b.access, &ids)
);
children!(
    RolesOfActor,
    case_actor::Model,
    |row| row.actor_id,
    |b, ids| b.store.roles_by_actor(b.access, &ids)
);
children!(
    PlacementsOfCase,
    case_location::Model,
    |row| row.case_id,
    |b, ids| b.store.placements_by_case(b.access, &ids)
);
children!(
    TopicsOfCase,
    case_topic::Model,
    |row| row.case_id,
    |b, ids| b.store.topics_by_case(&ids)
);
children!(
    ExternalIdsOfCase,
    case_external_id::Model,
    |row| row.case_id,
    |b, ids| b.store.external_ids_by_case(&ids)
);
children!(
    StatusHistoryOfCase,
    status_change::Model,
    |row| row.case_id,
    |b, ids| b.store.status_changes_by_case(b.access, &ids)
);
children!(
    AliasesOfActor,
    actor_alias::Model,
    |row| row.actor_id,
    |b, ids| b.store.aliases_by_actor(&ids)
);
children!(
    ActorsOfEvent,
    event_actor::Model,
    |row| row.event_id,
    |b, ids| b.store.event_actors_by_event(b.access, &ids)
);
children!(
    SourcesOfEvent,
    event_source::Model,
    |row| row.event_id,
    |b, ids| b.store.event_sources_by_event(b.access, &ids)
);
children!(
    ChildrenOfLocation,
    location::Model,
    |row| row.parent_id.unwrap_or(0),
    |b, ids| b.store.children_by_location(b.access, &ids)
);

/// The links of a news item in some states (`NewsItem.cases(states:)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinksOfNewsItem(pub i64, pub LinkStates);

impl Loader<LinksOfNewsItem> for Batch {
    type Value = Vec<news_link::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[LinksOfNewsItem],
    ) -> Result<HashMap<LinksOfNewsItem, Self::Value>, Self::Error> {
        // Keys asking for the same states are one statement; other states, one each.
        let mut by_states: HashMap<LinkStates, Vec<i64>> = HashMap::new();
        for key in keys {
            by_states.entry(key.1).or_default().push(key.0);
        }
        let mut out: HashMap<LinksOfNewsItem, Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (states, ids) in by_states {
            let rows = self
                .store
                .links_by_news_item(self.access, &ids, states)
                .await
                .map_err(Arc::new)?;
            for row in rows {
                out.entry(LinksOfNewsItem(row.news_item_id, states))
                    .or_default()
                    .push(row);
            }
        }
        Ok(out)
    }
}

/// Relations touching a case, in either direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RelationsOfCase(pub i64);

impl Loader<RelationsOfCase> for Batch {
    type Value = Vec<case_relation::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[RelationsOfCase],
    ) -> Result<HashMap<RelationsOfCase, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let rows = self
            .store
            .relations_by_case(self.access, &ids)
            .await
            .map_err(Arc::new)?;
        let mut grouped: HashMap<RelationsOfCase, Vec<case_relation::Model>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            for side in [row.case_id, row.related_case_id] {
                if let Some(list) = grouped.get_mut(&RelationsOfCase(side)) {
                    list.push(row.clone());
                }
            }
        }
        Ok(grouped)
    }
}

/// Where a status change, an event or a placement came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProvenanceOf(pub Sourced);

impl Loader<ProvenanceOf> for Batch {
    type Value = Provenance;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProvenanceOf],
    ) -> Result<HashMap<ProvenanceOf, Self::Value>, Self::Error> {
        let rows: Vec<Sourced> = keys.iter().map(|k| k.0).collect();
        let found = self
            .store
            .provenance(self.access, &rows)
            .await
            .map_err(Arc::new)?;
        Ok(found
            .into_iter()
            .map(|(row, provenance)| (ProvenanceOf(row), provenance))
            .collect())
    }
}

/// A window of a case's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimelineOf(pub i64, pub TimelineWindow);

impl Loader<TimelineOf> for Batch {
    type Value = Arc<Page<TimelineRow>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TimelineOf],
    ) -> Result<HashMap<TimelineOf, Self::Value>, Self::Error> {
        // Keys with the same window are one statement; different windows, one each.
        let mut by_window: HashMap<&TimelineWindow, Vec<i64>> = HashMap::new();
        for key in keys {
            by_window.entry(&key.1).or_default().push(key.0);
        }
        let mut out = HashMap::new();
        for (window, case_ids) in by_window {
            let pages = self
                .store
                .timelines(self.access, &case_ids, window)
                .await
                .map_err(Arc::new)?;
            for (case_id, page) in pages {
                out.insert(TimelineOf(case_id, window.clone()), Arc::new(page));
            }
        }
        Ok(out)
    }
}
