//! Cases of a file of records: each record's actors and places resolved first (so that a
//! rejection leaves nothing behind), then the case created or brought in line with it,
//! and its status recorded. A register's row (a monthly case table) is recorded as of
//! the register's month (`register.rs`); a register of an older month than one that
//! already lists the case adds to its history and leaves the case's fields alone.

use super::actors::{create_actor, find_actor};
use super::{
    ActorRecord, ActorRef, At, CaseRecord, Claims, PlaceSpec, PlacementRecord, RecordOutcome,
    Reject, RoleRecord, Step, happened,
};
use crate::audit::Author;
use crate::case::{CasePatch, NewCase, NewPlacement, NewRole, NewStatusChange};
use crate::location::NewLocation;
use crate::register::{self, RegisterRow};
use crate::tx::date_parts;
use crate::{Store, StoreResult};
use chasqui_domain::text::fold_name;
use chasqui_entities::tables::*;
use chasqui_entities::*;
use sea_orm::*;

/// The precision of a placement on a place of `level`.
fn precision_of(level: LocationLevel) -> PlacementPrecision {
    match level {
        LocationLevel::Country => PlacementPrecision::Country,
        LocationLevel::Region => PlacementPrecision::Region,
        LocationLevel::Province => PlacementPrecision::Province,
        LocationLevel::District => PlacementPrecision::District,
        LocationLevel::Site => PlacementPrecision::Exact,
    }
}

/// [`import_case`], refusing a second record of the file for the same case that would
/// change it: that one runs inside a savepoint, rolled back when it changed anything
/// (what a case record changes is known only once its actors and places are resolved).
pub(super) async fn import_case_once(
    txn: &DatabaseTransaction,
    author: &Author,
    register: Option<&source::Model>,
    record: CaseRecord,
    (claims, line): At<'_>,
) -> Step<RecordOutcome> {
    let stored = case::Entity::find()
        .filter(case::Column::Slug.eq(record.slug.as_str()))
        .one(txn)
        .await?;
    let Some(earlier) = stored.as_ref().and_then(|c| claims.claimed("case", c.id)) else {
        let (outcome, id) = import_case(txn, author, register, record, line).await?;
        claims.claim("case", id, line);
        return Ok(outcome);
    };
    let savepoint = txn.begin().await?;
    match import_case(&savepoint, author, register, record, line).await {
        Ok((RecordOutcome::Unchanged, _)) => {
            savepoint.commit().await?;
            Ok(RecordOutcome::Unchanged)
        }
        Ok(_) => {
            savepoint.rollback().await?;
            Err(Claims::conflict("case", earlier, "slug").into())
        }
        Err(failure) => {
            savepoint.rollback().await?;
            Err(failure)
        }
    }
}

async fn import_case(
    txn: &DatabaseTransaction,
    author: &Author,
    register: Option<&source::Model>,
    record: CaseRecord,
    line: usize,
) -> Step<(RecordOutcome, i64)> {
    // Dates of what happened are checked with the store's rule, so that a record dated
    // in the future is rejected with its line before anything is written.
    if let Some(Some(date)) = record.started_on {
        happened("startedOn", date)?;
    }
    if let Some(date) = record.status_since {
        happened("statusSince", date)?;
    }
    if let Some(date) = record.details.as_ref().and_then(|d| d.issued_on) {
        happened("details.issuedOn", date)?;
    }
    // Resolve every reference first, so that a rejection leaves nothing behind.
    let roles = match &record.actors {
        Some(roles) => Some(resolve_roles(txn, roles).await?),
        None => None,
    };
    let places = match &record.places {
        Some(places) => Some(check_places(txn, places).await?),
        None => None,
    };
    let current = case::Entity::find()
        .filter(case::Column::Slug.eq(record.slug.as_str()))
        .one(txn)
        .await?;
    if let Some(current) = &current
        && current.kind != record.kind
    {
        return Err(Reject::new(
            "kind",
            format!(
                "case `{}` is a {}; a case's kind cannot change",
                current.slug, current.kind
            ),
        )
        .into());
    }
    // A register of an older month than one that already lists the case adds to its
    // history and says nothing of what the case is now: its fields are left as they are.
    let superseded = match (register, &current) {
        (Some(register), Some(current)) => {
            register::listed_later(txn, register, current.id).await?
        }
        _ => false,
    };
    // Now write: actors and places that are missing, then the case.
    let roles = match roles.filter(|_| !superseded) {
        Some(roles) => Some(ensure_roles(txn, author, roles).await?),
        None => None,
    };
    let placements = match (&record.places, places) {
        (Some(specs), Some(_)) if !superseded => Some(ensure_places(txn, author, specs).await?),
        _ => None,
    };
    let status_change = |case_id: i64| NewStatusChange {
        case_id,
        status: record.status,
        phase: record.phase,
        date: record.status_since,
        news_item_id: None,
        source_url: None,
        note: record.status_note.clone(),
        visibility: Visibility::Public,
    };
    let Some(current) = current else {
        let new = NewCase {
            slug: record.slug.clone(),
            kind: record.kind,
            title: record.title.clone(),
            summary: record.summary.clone().flatten(),
            status: record.status,
            phase: record.phase,
            conflict_type: record.conflict_type.flatten(),
            started_on: record.started_on.flatten(),
            details: record.details.clone().unwrap_or_default(),
            topics: record.topics.clone().unwrap_or_default(),
            external_ids: record.external_ids.clone().unwrap_or_default(),
            actors: roles.unwrap_or_default(),
            locations: placements.unwrap_or_default(),
            visibility: record.visibility,
            status_since: record.status_since.map(|_| status_change(0)),
        };
        let created = Store::create_case_in(txn, author, new).await?;
        if let (Some(register), Some(columns)) = (register, record.register) {
            let row = RegisterRow {
                status: record.status,
                phase: record.phase,
                columns,
            };
            register::record_entry(txn, author, register, created.id, line, row).await?;
        }
        return Ok((RecordOutcome::New, created.id));
    };
    let id = current.id;
    if let (Some(register), Some(columns)) = (register, record.register) {
        let row = RegisterRow {
            status: record.status,
            phase: record.phase,
            columns,
        };
        if register::already_listed(txn, register, id, row).await? {
            return Ok((RecordOutcome::Unchanged, id));
        }
    }
    let mut patch = CasePatch::default();
    let mut changed = false;
    if current.title != record.title {
        patch.title = Some(record.title.clone());
        changed = true;
    }
    if let Some(summary) = &record.summary
        && current.summary != *summary
    {
        patch.summary = Some(summary.clone());
        changed = true;
    }
    if let Some(conflict_type) = record.conflict_type
        && current.conflict_type != conflict_type
    {
        patch.conflict_type = Some(conflict_type);
        changed = true;
    }
    if let Some(started) = record.started_on {
        let stored = current
            .started_on
            .zip(current.started_precision)
            .and_then(|(on, p)| PartialDate::from_parts(on, p).ok());
        if stored != started {
            patch.started_on = Some(started);
            changed = true;
        }
    }
    if let Some(details) = &record.details {
        let stored: CaseDetails = serde_json::from_str(&current.details).unwrap_or_default();
        if &stored != details {
            patch.details = Some(details.clone());
            changed = true;
        }
    }
    if current.visibility != record.visibility {
        patch.visibility = Some(record.visibility);
        changed = true;
    }
    if let Some(topics) = &record.topics {
        let mut wanted = topics.clone();
        wanted.sort();
        wanted.dedup();
        let mut have: Vec<String> = case_topic::Entity::find()
            .filter(case_topic::Column::CaseId.eq(id))
            .all(txn)
            .await?
            .into_iter()
            .map(|t| t.topic)
            .collect();
        have.sort();
        if wanted != have {
            patch.topics = Some(topics.clone());
            changed = true;
        }
    }
    if let Some(ids) = &record.external_ids {
        let mut wanted: Vec<(String, String)> = ids
            .iter()
            .map(|(s, v)| (s.as_str().to_owned(), v.clone()))
            .collect();
        wanted.sort();
        let mut have: Vec<(String, String)> = case_external_id::Entity::find()
            .filter(case_external_id::Column::CaseId.eq(id))
            .all(txn)
            .await?
            .into_iter()
            .map(|e| (e.scheme.as_str().to_owned(), e.value))
            .collect();
        have.sort();
        if wanted != have {
            patch.external_ids = Some(ids.clone());
            changed = true;
        }
    }
    if let Some(roles) = roles {
        let key = |r: &NewRole| {
            let (s, sp) = date_parts(r.started_on);
            let (e, ep) = date_parts(r.ended_on);
            (
                r.actor_id,
                r.role,
                s,
                sp,
                e,
                ep,
                r.note.clone(),
                r.visibility,
            )
        };
        let mut wanted: Vec<_> = roles.iter().map(key).collect();
        wanted.sort_by_key(|k| format!("{k:?}"));
        let mut have: Vec<_> = case_actor::Entity::find()
            .filter(case_actor::Column::CaseId.eq(id))
            .all(txn)
            .await?
            .into_iter()
            .map(|r| {
                (
                    r.actor_id,
                    r.role,
                    r.started_on,
                    r.started_precision,
                    r.ended_on,
                    r.ended_precision,
                    r.note,
                    r.visibility,
                )
            })
            .collect();
        have.sort_by_key(|k| format!("{k:?}"));
        if wanted != have {
            patch.actors = Some(roles);
            changed = true;
        }
    }
    if let Some(placements) = placements {
        let mut wanted: Vec<(i64, PlacementPrecision)> = placements
            .iter()
            .map(|p| (p.location_id, p.precision))
            .collect();
        wanted.sort();
        // The placements the store derived are not the record's to compare.
        let mut have: Vec<(i64, PlacementPrecision)> = case_location::Entity::find()
            .filter(case_location::Column::CaseId.eq(id))
            .filter(case_location::Column::ViaSiteId.is_null())
            .all(txn)
            .await?
            .into_iter()
            .map(|p| (p.location_id, p.precision))
            .collect();
        have.sort();
        if wanted != have {
            patch.locations = Some(placements);
            changed = true;
        }
    }
    if changed && !superseded {
        Store::update_case_in(txn, author, id, patch, None).await?;
    }
    let changed = changed && !superseded;
    // Status and phase are derived from the status history: the record's status is a new,
    // dated status change, not an edit of the case.
    let register_row = register.zip(record.register);
    if let Some((register, columns)) = register_row
        && register::month_of(register).is_some()
    {
        // A register's status is recorded as of its month, when the history does not say
        // so then; what the register says is kept.
        let row = RegisterRow {
            status: record.status,
            phase: record.phase,
            columns,
        };
        let recorded = register::record_register_status(
            txn,
            author,
            register,
            id,
            record.status,
            record.phase,
        )
        .await?;
        let columns = register::record_entry(txn, author, register, id, line, row).await?;
        let outcome = if changed || recorded || columns {
            RecordOutcome::Updated
        } else {
            RecordOutcome::Unchanged
        };
        return Ok((outcome, id));
    }
    // A dated status is known when the history holds it on that date (later changes, from
    // news links say, leave it be); an undated one (a register without a month's among
    // them) when it is the case's current status, else it is recorded undated.
    let status_known = match record.status_since {
        Some(since) => status_change::Entity::find()
            .filter(status_change::Column::CaseId.eq(id))
            .filter(status_change::Column::Status.eq(record.status))
            .filter(status_change::Column::OccurredOn.eq(since.first_day()))
            .filter(status_change::Column::OccurredPrecision.eq(since.precision()))
            .all(txn)
            .await?
            .iter()
            .any(|c| record.phase.is_none() || c.phase == record.phase),
        None => case::Entity::find_by_id(id)
            .one(txn)
            .await?
            .is_some_and(|c| {
                c.status == record.status && (record.phase.is_none() || c.phase == record.phase)
            }),
    };
    let mut changed = changed;
    if !status_known {
        Store::record_status_change_in(txn, author, status_change(id)).await?;
        changed = true;
    }
    if let Some((register, columns)) = register_row {
        let row = RegisterRow {
            status: record.status,
            phase: record.phase,
            columns,
        };
        changed |= register::record_entry(txn, author, register, id, line, row).await?;
    }
    let outcome = if changed {
        RecordOutcome::Updated
    } else {
        RecordOutcome::Unchanged
    };
    Ok((outcome, id))
}

/// A role whose actor is known, or will be created from its record.
enum ResolvedRole {
    Known(i64, ActorRole),
    ToCreate(ActorRecord, ActorRole),
}

async fn resolve_roles(txn: &DatabaseTransaction, roles: &[RoleRecord]) -> Step<Vec<ResolvedRole>> {
    let mut resolved = Vec::with_capacity(roles.len());
    for (i, role) in roles.iter().enumerate() {
        match &role.actor {
            ActorRef::Slug(slug) => {
                let found = actor::Entity::find()
                    .filter(actor::Column::Slug.eq(slug.as_str()))
                    .filter(actor::Column::ArchivedAt.is_null())
                    .one(txn)
                    .await?
                    .ok_or_else(|| {
                        Reject::new(
                            &format!("actors[{i}]"),
                            format!("no actor with slug `{slug}`"),
                        )
                    })?;
                resolved.push(ResolvedRole::Known(found.id, role.role));
            }
            ActorRef::Named(record) => match find_actor(txn, None, &record.name).await? {
                Some(found) => resolved.push(ResolvedRole::Known(found.id, role.role)),
                None => resolved.push(ResolvedRole::ToCreate(record.clone(), role.role)),
            },
        }
    }
    Ok(resolved)
}

async fn ensure_roles(
    txn: &DatabaseTransaction,
    author: &Author,
    roles: Vec<ResolvedRole>,
) -> Step<Vec<NewRole>> {
    let mut out: Vec<NewRole> = Vec::with_capacity(roles.len());
    for role in roles {
        let (actor_id, role) = match role {
            ResolvedRole::Known(id, role) => (id, role),
            ResolvedRole::ToCreate(record, role) => {
                // Two cells of one record may name the same new company.
                match find_actor(txn, None, &record.name).await? {
                    Some(found) => (found.id, role),
                    None => (create_actor(txn, author, record).await?.id, role),
                }
            }
        };
        if out.iter().any(|r| r.actor_id == actor_id && r.role == role) {
            continue;
        }
        out.push(NewRole {
            actor_id,
            role,
            started_on: None,
            ended_on: None,
            note: None,
            visibility: Visibility::Public,
        });
    }
    Ok(out)
}

/// A place by code, else by folded name under `parent` (`None`: a top-level place).
async fn find_place(
    txn: &DatabaseTransaction,
    spec: &PlaceSpec,
    parent: Option<i64>,
) -> StoreResult<Option<location::Model>> {
    if let Some(code) = &spec.code {
        let found = location::Entity::find()
            .filter(location::Column::Code.eq(code.as_str()))
            .one(txn)
            .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    let Some(name) = &spec.name else {
        return Ok(None);
    };
    let wanted = fold_name(name);
    let siblings = location::Entity::find()
        .filter(match parent {
            Some(parent) => location::Column::ParentId.eq(parent),
            None => location::Column::ParentId.is_null(),
        })
        .filter(location::Column::Level.eq(spec.level))
        .order_by_asc(location::Column::Id)
        .all(txn)
        .await?;
    Ok(siblings.into_iter().find(|l| fold_name(&l.name) == wanted))
}

/// Checks that every placement can be resolved or created: a place missing from the
/// database needs a name.
async fn check_places(txn: &DatabaseTransaction, places: &[PlacementRecord]) -> Step<()> {
    for (i, placement) in places.iter().enumerate() {
        let mut parent = None;
        for spec in &placement.path {
            match find_place(txn, spec, parent).await? {
                Some(found) if found.archived_at.is_none() => parent = Some(found.id),
                Some(_) => {
                    return Err(Reject::new(
                        &format!("places[{i}]"),
                        format!("place {} is archived", describe(spec)),
                    )
                    .into());
                }
                None if spec.name.is_some() => break,
                None => {
                    return Err(Reject::new(
                        &format!("places[{i}]"),
                        format!("no place {}", describe(spec)),
                    )
                    .into());
                }
            }
        }
    }
    Ok(())
}

fn describe(spec: &PlaceSpec) -> String {
    match (&spec.code, &spec.name) {
        (Some(code), _) => format!("with code `{code}`"),
        (None, Some(name)) => format!("named `{name}`"),
        (None, None) => "without code or name".to_owned(),
    }
}

/// Finds or creates every place of every placement path; returns the placements.
async fn ensure_places(
    txn: &DatabaseTransaction,
    author: &Author,
    places: &[PlacementRecord],
) -> Step<Vec<NewPlacement>> {
    let mut out: Vec<NewPlacement> = Vec::with_capacity(places.len());
    for placement in places {
        let mut parent: Option<i64> = None;
        let mut level = None;
        for spec in &placement.path {
            let id = match find_place(txn, spec, parent).await? {
                Some(found) => {
                    level = Some(found.level);
                    found.id
                }
                None => {
                    let name = spec.name.clone().ok_or_else(|| {
                        Reject::new("places", format!("no place {}", describe(spec)))
                    })?;
                    let new = NewLocation {
                        code: spec.code.clone(),
                        name,
                        level: spec.level,
                        parent_id: parent,
                        latitude: spec.latitude,
                        longitude: spec.longitude,
                        geometry: None,
                        visibility: Visibility::Public,
                    };
                    level = Some(spec.level);
                    Store::create_location_in(txn, author, new).await?.id
                }
            };
            parent = Some(id);
        }
        if let (Some(location_id), Some(level)) = (parent, level)
            && !out.iter().any(|p| p.location_id == location_id)
        {
            out.push(NewPlacement {
                location_id,
                precision: placement.precision.unwrap_or_else(|| precision_of(level)),
            });
        }
    }
    Ok(out)
}
