//! Actors: their writes (with aliases) and reads (lookups, the actor list, their roles).

use super::audit::{self, Author, Entry};
use super::query::{Named, Page, all_limited, name_contains, through};
use super::search;
use super::stamp::{Stamped, Versioned};
use super::tx::{LockForWrite, check_version, replace_rows};
use super::visibility::{visible_actors, visible_roles};
use super::{Access, Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Query;
use sea_orm::*;
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct NewActor {
    pub slug: String,
    pub name: String,
    pub kind: ActorKind,
    pub description: Option<String>,
    pub aliases: Vec<String>,
    pub visibility: Visibility,
}

#[derive(Clone, Debug, Default)]
pub struct ActorPatch {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub kind: Option<ActorKind>,
    pub description: Option<Option<String>>,
    pub aliases: Option<Vec<String>>,
    pub visibility: Option<Visibility>,
}

/// Replaces an actor's aliases (case-insensitively unique).
pub(crate) async fn write_aliases(
    txn: &DatabaseTransaction,
    actor_id: i64,
    aliases: &[String],
) -> StoreResult<()> {
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<actor_alias::ActiveModel> = aliases
        .iter()
        .filter(|a| seen.insert(a.to_lowercase()))
        .map(|alias| actor_alias::ActiveModel {
            id: NotSet,
            actor_id: Set(actor_id),
            alias: Set(alias.clone()),
        })
        .collect();
    let conflict = "input.aliases: an alias is given twice";
    replace_rows(txn, actor_alias::Column::ActorId, actor_id, rows, conflict).await
}

#[derive(Clone, Debug, Default)]
pub struct ActorFilter {
    pub kinds: Vec<ActorKind>,
    pub name_contains: Option<String>,
    /// Actors with a role in this case (by id or slug).
    pub case: Option<Named>,
}

impl Store {
    pub async fn create_actor(&self, author: &Author, new: NewActor) -> StoreResult<actor::Model> {
        self.write(async |txn| Self::create_actor_in(txn, author, new).await)
            .await
    }

    /// `create_actor` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn create_actor_in(
        txn: &DatabaseTransaction,
        author: &Author,
        new: NewActor,
    ) -> StoreResult<actor::Model> {
        let now = super::now();
        let slug = new.slug.clone();
        let model = actor::ActiveModel {
            id: NotSet,
            slug: Set(new.slug),
            name: Set(new.name),
            kind: Set(new.kind),
            description: Set(new.description),
            visibility: Set(new.visibility),
            archived_at: Set(None),
            ..Default::default()
        }
        .created(now)
        .insert(txn)
        .await
        .map_err(|e| {
            StoreError::from_db(e, || {
                format!("input.slug: an actor with slug `{slug}` already exists")
            })
        })?;
        write_aliases(txn, model.id, &new.aliases).await?;
        let after = audit::actor_snapshot(txn, model.id).await?;
        search::reindex_actor(txn, model.id).await?;
        let entry = Entry {
            action: "createActor",
            entity: "actor",
            id: model.id,
            case_id: None,
            before: None,
            after: Some(after),
        };
        audit::record(txn, author, entry).await?;
        Ok(model)
    }

    pub async fn update_actor(
        &self,
        author: &Author,
        id: i64,
        patch: ActorPatch,
        expected_version: Option<i32>,
    ) -> StoreResult<actor::Model> {
        self.write(async |txn| {
            Self::update_actor_in(txn, author, id, patch, expected_version).await
        })
        .await
    }

    /// `update_actor` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn update_actor_in(
        txn: &DatabaseTransaction,
        author: &Author,
        id: i64,
        patch: ActorPatch,
        expected_version: Option<i32>,
    ) -> StoreResult<actor::Model> {
        let current = actor::Entity::find_by_id(id)
            .lock_for_write()
            .one(txn)
            .await?
            .ok_or_else(|| StoreError::not_found("actor"))?;
        check_version("the actor", current.version, expected_version)?;
        let before = audit::actor_snapshot(txn, id).await?;
        let mut active: actor::ActiveModel = current.clone().into();
        let slug = patch.slug.clone().unwrap_or_default();
        if let Some(v) = patch.slug {
            active.slug = Set(v);
        }
        if let Some(v) = patch.name {
            active.name = Set(v);
        }
        if let Some(v) = patch.kind {
            active.kind = Set(v);
        }
        if let Some(v) = patch.description {
            active.description = Set(v);
        }
        if let Some(v) = patch.visibility {
            active.visibility = Set(v);
        }
        active.next_version(current.version);
        let model = active.update(txn).await.map_err(|e| {
            StoreError::from_db(e, || {
                format!("input.slug: an actor with slug `{slug}` already exists")
            })
        })?;
        if let Some(aliases) = patch.aliases {
            write_aliases(txn, id, &aliases).await?;
        }
        let after = audit::actor_snapshot(txn, id).await?;
        search::reindex_actor(txn, id).await?;
        let entry = Entry {
            action: "updateActor",
            entity: "actor",
            id,
            case_id: None,
            before: Some(before),
            after: Some(after),
        };
        audit::record(txn, author, entry).await?;
        Ok(model)
    }

    pub async fn actors_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, actor::Model>> {
        self.by_ids::<actor::Entity>(ids, actor::Column::Id, visible_actors(access), None, |m| {
            m.id
        })
        .await
    }

    pub async fn actor_by_slug(
        &self,
        access: Access,
        slug: &str,
    ) -> StoreResult<Option<actor::Model>> {
        Ok(actor::Entity::find()
            .filter(actor::Column::Slug.eq(slug))
            .filter(visible_actors(access))
            .one(&self.db)
            .await?)
    }

    /// Case roles of these actors (roles in invisible cases left out).
    pub async fn roles_by_actor(
        &self,
        access: Access,
        actor_ids: &[i64],
    ) -> StoreResult<Vec<case_actor::Model>> {
        self.rows_of::<case_actor::Entity>(
            case_actor::Column::ActorId,
            actor_ids,
            visible_roles(access),
            &[case_actor::Column::Id],
        )
        .await
    }

    pub async fn aliases_by_actor(
        &self,
        actor_ids: &[i64],
    ) -> StoreResult<Vec<actor_alias::Model>> {
        self.rows_of::<actor_alias::Entity>(
            actor_alias::Column::ActorId,
            actor_ids,
            Condition::all(),
            &[actor_alias::Column::Id],
        )
        .await
    }

    pub async fn list_actors(
        &self,
        access: Access,
        filter: &ActorFilter,
        after: Option<&str>,
        limit: u64,
    ) -> StoreResult<Page<actor::Model>> {
        let mut query = actor::Entity::find().filter(visible_actors(access));
        if !filter.kinds.is_empty() {
            query = query.filter(actor::Column::Kind.is_in(filter.kinds.clone()));
        }
        if let Some(name) = &filter.name_contains {
            let mut aliases = Query::select();
            aliases
                .column(actor_alias::Column::ActorId)
                .from(actor_alias::Entity)
                .and_where(name_contains(actor_alias::Column::Alias, name));
            query = query.filter(
                Condition::any()
                    .add(name_contains(actor::Column::Name, name))
                    .add(actor::Column::Id.in_subquery(aliases)),
            );
        }
        if let Some(case) = &filter.case {
            query = query.filter(through::<case_actor::Entity, case::Entity>(
                actor::Column::Id,
                case_actor::Column::ActorId,
                case_actor::Column::CaseId,
                case,
                visible_roles(access),
            ));
        }
        if let Some(after) = after {
            query = query.filter(actor::Column::Slug.gt(after));
        }
        let query = query.order_by_asc(actor::Column::Slug);
        let rows = all_limited(&self.db, query, limit + 1).await?;
        Ok(Page::from_overfetch(rows, limit))
    }
}
