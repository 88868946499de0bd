//! The records hanging off a case: its actors' roles, its placements and its identifiers
//! in other registers, each with the input that writes it.

use super::{Case, CaseData};
use crate::error::ApiResult;
use crate::ids::{NodeType, decode};
use crate::loaders::RolesOfCase;
use crate::scalars::PartialDate;
use crate::types::actor::Actor;
use crate::types::common::{FuzzyDate, loaders};
use crate::types::enums::{ActorRole, ExternalIdScheme, PlacementPrecision, Visibility};
use crate::types::input::opt_text;
use crate::types::location::Location;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chasqui_domain::validate;
use chasqui_entities::tables::{case_actor, case_location};
use chasqui_store::{NewPlacement, NewRole};

/// Loads the roles of a case with the given roles (all roles when `roles` is empty).
pub(super) async fn roles_of(
    ctx: &Context<'_>,
    case: &CaseData,
    roles: &[chasqui_entities::ActorRole],
) -> ApiResult<Vec<CaseActor>> {
    let rows = match case.roles_read_ahead() {
        Some(rows) => rows,
        None => loaders(ctx)?
            .load_one(RolesOfCase(case.model.id))
            .await?
            .unwrap_or_default(),
    };
    Ok(rows
        .into_iter()
        .filter(|r| roles.is_empty() || roles.contains(&r.role))
        .map(CaseActor)
        .collect())
}

/// An identifier of the case in another register.
#[derive(SimpleObject)]
pub struct ExternalId {
    pub scheme: ExternalIdScheme,
    pub value: String,
}

#[derive(InputObject, Clone)]
pub struct ExternalIdInput {
    pub scheme: ExternalIdScheme,
    pub value: String,
}

pub(super) fn resolve_external_ids(
    values: &[ExternalIdInput],
    prefix: &str,
) -> ApiResult<Vec<(chasqui_entities::ExternalIdScheme, String)>> {
    values
        .iter()
        .enumerate()
        .map(|(i, e)| {
            Ok((
                e.scheme.into(),
                validate::name(&format!("{prefix}.externalIds[{i}].value"), &e.value)?,
            ))
        })
        .collect()
}

/// An actor's role in a case.
pub struct CaseActor(pub case_actor::Model);

#[Object]
impl CaseActor {
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Actor>> {
        Actor::load(ctx, self.0.actor_id).await
    }

    async fn case(&self, ctx: &Context<'_>) -> ApiResult<Option<Case>> {
        Case::load(ctx, self.0.case_id).await
    }

    async fn role(&self) -> ActorRole {
        self.0.role.into()
    }

    async fn started_on(&self) -> Option<FuzzyDate> {
        FuzzyDate::from_optional(self.0.started_on, self.0.started_precision)
    }

    async fn ended_on(&self) -> Option<FuzzyDate> {
        FuzzyDate::from_optional(self.0.ended_on, self.0.ended_precision)
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
}

#[derive(InputObject, Clone)]
pub struct CaseActorInput {
    pub actor: ID,
    pub role: ActorRole,
    pub started_on: Option<PartialDate>,
    pub ended_on: Option<PartialDate>,
    pub note: Option<String>,
    /// RESTRICTED hides the role (not the actor or the case) from anonymous readers.
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

pub(super) fn resolve_roles(values: &[CaseActorInput], prefix: &str) -> ApiResult<Vec<NewRole>> {
    values
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let at = format!("{prefix}.actors[{i}]");
            if let Some(start) = r.started_on {
                validate::period(&format!("{at}.endedOn"), start.0, r.ended_on.map(|d| d.0))?;
            }
            Ok(NewRole {
                actor_id: decode(NodeType::Actor, &r.actor, &format!("{at}.actor"))?,
                role: r.role.into(),
                started_on: r.started_on.map(|d| d.0),
                ended_on: r.ended_on.map(|d| d.0),
                note: opt_text(&at, "note", r.note.as_ref(), validate::MAX_TEXT)?,
                visibility: r.visibility.into(),
            })
        })
        .collect()
}

/// Where a case is placed and how precisely.
pub struct CasePlacement {
    id: i64,
    location_id: i64,
    precision: PlacementPrecision,
    via_site_id: Option<i64>,
}

impl CasePlacement {
    pub(super) fn new(row: case_location::Model) -> Self {
        Self {
            id: row.id,
            location_id: row.location_id,
            precision: row.precision.into(),
            via_site_id: row.via_site_id,
        }
    }
}

#[Object]
impl CasePlacement {
    async fn location(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        Location::load(ctx, self.location_id).await
    }

    async fn precision(&self) -> PlacementPrecision {
        self.precision
    }

    /// For a placement chasqui derived, the site it comes from: a case placed only on
    /// exact sites is also placed on the district each site without a parent place lies
    /// in. Such a placement follows its site: it is seen only while the site is, and it
    /// moves or goes when the site moves, gets a parent or is archived. Null for a
    /// placement an editor gave; leave derived placements out when writing a case's
    /// placements back.
    async fn derived_from(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        Location::load_opt(ctx, self.via_site_id).await
    }

    /// Where the placement came from: the file it was imported from, or the edit that
    /// gave it (a derived placement's: its site's).
    async fn provenance(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<crate::types::source::Provenance>> {
        crate::types::source::provenance_of(ctx, chasqui_store::Sourced::Placement(self.id)).await
    }
}

#[derive(InputObject, Clone)]
pub struct CasePlacementInput {
    pub location: ID,
    pub precision: PlacementPrecision,
}

pub(super) fn resolve_placements(
    values: &[CasePlacementInput],
    prefix: &str,
) -> ApiResult<Vec<NewPlacement>> {
    values
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Ok(NewPlacement {
                location_id: decode(
                    NodeType::Location,
                    &p.location,
                    &format!("{prefix}.locations[{i}].location"),
                )?,
                precision: p.precision.into(),
            })
        })
        .collect()
}
