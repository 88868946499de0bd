//! Actors: people, companies, state bodies, communities and organisations.

use super::case::CaseActor;
use super::common::loaders;
use super::enums::*;
use crate::error::ApiResult;
use crate::ids::{NodeType, encode};
use crate::loaders::*;
use async_graphql::{Context, ID, Object};
use chasqui_entities::tables::actor;

#[derive(Clone)]
pub struct Actor(pub actor::Model);

impl Actor {
    pub fn new(model: actor::Model) -> Self {
        Self(model)
    }

    pub async fn load(ctx: &Context<'_>, id: i64) -> ApiResult<Option<Actor>> {
        let loader = loaders(ctx)?;
        if let Some(model) = loader.loader().primed.actor(id) {
            return Ok(Some(Actor(model)));
        }
        Ok(loader.load_one(ActorById(id)).await?.map(Actor))
    }
}

/// A person, company, state body, community or organisation that takes part in cases.
#[Object]
impl Actor {
    pub(crate) async fn id(&self) -> ID {
        encode(NodeType::Actor, self.0.id)
    }

    async fn slug(&self) -> &str {
        &self.0.slug
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> ActorKind {
        self.0.kind.into()
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Other names: "MMG", "Minera Las Bambas".
    async fn aliases(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        let rows = loaders(ctx)?
            .load_one(AliasesOfActor(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(|a| a.alias).collect())
    }

    /// The actor's roles in cases.
    async fn cases(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        let rows = loaders(ctx)?
            .load_one(RolesOfActor(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(CaseActor).collect())
    }

    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }

    async fn version(&self) -> i32 {
        self.0.version
    }
}
