//! Actors of a file of records: found by slug, else by name or alias (legal form, case
//! and accents aside), updated when the file says otherwise, created when missing.

use super::{ActorRecord, At, RecordOutcome, Step, actor_name_key, slug_from_name};
use crate::actor::{ActorPatch, NewActor};
use crate::audit::Author;
use crate::{Store, StoreResult};
use chasqui_entities::tables::*;
use sea_orm::*;

pub(super) async fn import_actor(
    txn: &DatabaseTransaction,
    author: &Author,
    record: ActorRecord,
    (claims, line): At<'_>,
) -> Step<RecordOutcome> {
    let Some(current) = find_actor(txn, record.slug.as_deref(), &record.name).await? else {
        let created = create_actor(txn, author, record).await?;
        claims.claim("actor", created.id, line);
        return Ok(RecordOutcome::New);
    };
    let field = if record.slug.is_some() {
        "slug"
    } else {
        "name"
    };
    let mut patch = ActorPatch::default();
    let mut changed = false;
    if current.name != record.name {
        patch.name = Some(record.name.clone());
        changed = true;
    }
    if current.kind != record.kind {
        patch.kind = Some(record.kind);
        changed = true;
    }
    if let Some(description) = &record.description
        && current.description != *description
    {
        patch.description = Some(description.clone());
        changed = true;
    }
    if current.visibility != record.visibility {
        patch.visibility = Some(record.visibility);
        changed = true;
    }
    if let Some(aliases) = &record.aliases {
        let stored = aliases_of(txn, current.id).await?;
        let mut wanted: Vec<String> = aliases.iter().map(|a| a.to_lowercase()).collect();
        wanted.sort();
        wanted.dedup();
        let mut have: Vec<String> = stored.iter().map(|a| a.to_lowercase()).collect();
        have.sort();
        if wanted != have {
            patch.aliases = Some(aliases.clone());
            changed = true;
        }
    }
    claims.check("actor", current.id, changed, field)?;
    claims.claim("actor", current.id, line);
    if !changed {
        return Ok(RecordOutcome::Unchanged);
    }
    Store::update_actor_in(txn, author, current.id, patch, None).await?;
    Ok(RecordOutcome::Updated)
}

async fn aliases_of(txn: &DatabaseTransaction, actor_id: i64) -> StoreResult<Vec<String>> {
    Ok(actor_alias::Entity::find()
        .filter(actor_alias::Column::ActorId.eq(actor_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| a.alias)
        .collect())
}

/// An actor by slug; without a slug, by name or alias (see [`actor_name_key`]).
pub(super) async fn find_actor(
    txn: &DatabaseTransaction,
    slug: Option<&str>,
    name: &str,
) -> StoreResult<Option<actor::Model>> {
    if let Some(slug) = slug {
        return Ok(actor::Entity::find()
            .filter(actor::Column::Slug.eq(slug))
            .one(txn)
            .await?);
    }
    let key = actor_name_key(name);
    let by_slug = actor::Entity::find()
        .filter(actor::Column::Slug.eq(slug_from_name(&key)))
        .one(txn)
        .await?;
    if let Some(found) = by_slug.filter(|a| actor_name_key(&a.name) == key) {
        return Ok(Some(found));
    }
    // Names and aliases are few next to news items; compare them folded in Rust, the same
    // way on both engines.
    let actors = actor::Entity::find()
        .order_by_asc(actor::Column::Id)
        .all(txn)
        .await?;
    if let Some(found) = actors.iter().find(|a| actor_name_key(&a.name) == key) {
        return Ok(Some(found.clone()));
    }
    let aliases = actor_alias::Entity::find()
        .order_by_asc(actor_alias::Column::Id)
        .all(txn)
        .await?;
    let by_alias = aliases
        .iter()
        .find(|a| actor_name_key(&a.alias) == key)
        .and_then(|alias| actors.iter().find(|a| a.id == alias.actor_id));
    Ok(by_alias.cloned())
}

pub(super) async fn create_actor(
    txn: &DatabaseTransaction,
    author: &Author,
    record: ActorRecord,
) -> Step<actor::Model> {
    let slug = match record.slug {
        Some(slug) => slug,
        None => free_actor_slug(txn, &slug_from_name(&actor_name_key(&record.name))).await?,
    };
    let new = NewActor {
        slug,
        name: record.name,
        kind: record.kind,
        description: record.description.flatten(),
        aliases: record.aliases.unwrap_or_default(),
        visibility: record.visibility,
    };
    Ok(Store::create_actor_in(txn, author, new).await?)
}

/// `base`, or `base-2`, `base-3`… whichever no actor has.
async fn free_actor_slug(txn: &DatabaseTransaction, base: &str) -> StoreResult<String> {
    let mut candidate = base.to_owned();
    let mut n = 1;
    while actor::Entity::find()
        .filter(actor::Column::Slug.eq(candidate.as_str()))
        .one(txn)
        .await?
        .is_some()
    {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}
