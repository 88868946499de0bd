//! Actors: people, companies, state bodies, communities and organisations; the
//! `actor`/`actors` root fields and the actor inputs.

use super::case::CaseActor;
use super::common::{access, loaders, page_limits, store};
use super::enums::*;
use super::input::{any_of, maybe_text, non_blank, opt_text};
use crate::error::ApiResult;
use crate::ids::{Lookup, NodeType, decode, decode_named_opt, encode, lookup};
use crate::loaders::{ActorById, AliasesOfActor, RolesOfActor};
use crate::pagination::{decode_cursor, encode_cursor, page_connection};
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chasqui_domain::validate;
use chasqui_entities::tables::actor;
use chasqui_store::{ActorPatch, Author, NewActor};

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

    /// `Query.actor`: by id or slug.
    pub async fn by_key(
        ctx: &Context<'_>,
        id: Option<&ID>,
        slug: Option<&str>,
    ) -> ApiResult<Option<Actor>> {
        match lookup(NodeType::Actor, id, slug, "slug")? {
            Some(Lookup::Id(id)) => Actor::load(ctx, id).await,
            Some(Lookup::Key(slug)) => Ok(store(ctx)?
                .actor_by_slug(access(ctx), slug)
                .await?
                .map(Actor::new)),
            None => Ok(None),
        }
    }

    /// `Query.actors`: a page of actors by slug.
    pub async fn paginate(
        ctx: &Context<'_>,
        filter: Option<ActorFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Actor, EmptyFields, EmptyFields>> {
        let limit = page_limits(ctx).size(first)?;
        let filter = filter.unwrap_or_default();
        let store_filter = chasqui_store::ActorFilter {
            kinds: any_of(&filter.kinds),
            name_contains: non_blank(filter.name),
            case: decode_named_opt(NodeType::Case, filter.case.as_ref(), "filter.case")?,
        };
        let after = decode_cursor(after.as_deref(), CURSOR_TAG, 1, |p| Some(p[0].to_owned()))?;
        let page = store(ctx)?
            .list_actors(access(ctx), &store_filter, after.as_deref(), limit)
            .await?;
        Ok(page_connection(
            after.is_some(),
            page,
            EmptyFields,
            |model| (encode_cursor(CURSOR_TAG, &[&model.slug]), Actor::new(model)),
        ))
    }

    /// `Mutation.createActor`.
    pub async fn create(
        ctx: &Context<'_>,
        author: &Author,
        input: CreateActorInput,
    ) -> ApiResult<Actor> {
        Ok(Actor::new(
            store(ctx)?.create_actor(author, input.resolve()?).await?,
        ))
    }

    /// `Mutation.updateActor`.
    pub async fn update(
        ctx: &Context<'_>,
        author: &Author,
        id: &ID,
        expected_version: Option<i32>,
        input: UpdateActorInput,
    ) -> ApiResult<Actor> {
        let actor_id = decode(NodeType::Actor, id, "id")?;
        Ok(Actor::new(
            store(ctx)?
                .update_actor(author, actor_id, input.resolve()?, expected_version)
                .await?,
        ))
    }
}

/// The tag of the actor list's cursors.
const CURSOR_TAG: &str = "ac";

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

#[derive(InputObject, Default)]
pub struct ActorFilter {
    pub kinds: Option<Vec<ActorKind>>,
    /// Part of the name or an alias, any case, taken literally (`%` and `_` are not
    /// wildcards).
    pub name: Option<String>,
    /// Actors with a role in this case (by id or slug).
    pub case: Option<ID>,
}

#[derive(InputObject, Clone)]
pub struct CreateActorInput {
    pub slug: String,
    pub name: String,
    pub kind: ActorKind,
    pub description: Option<String>,
    pub aliases: Option<Vec<String>>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

fn resolve_aliases(aliases: &[String]) -> ApiResult<Vec<String>> {
    aliases
        .iter()
        .enumerate()
        .map(|(i, a)| Ok(validate::name(&format!("input.aliases[{i}]"), a)?))
        .collect()
}

impl CreateActorInput {
    pub fn resolve(&self) -> ApiResult<NewActor> {
        Ok(NewActor {
            slug: validate::slug("input.slug", &self.slug)?,
            name: validate::name("input.name", &self.name)?,
            kind: self.kind.into(),
            description: opt_text(
                "input",
                "description",
                self.description.as_ref(),
                validate::MAX_TEXT,
            )?,
            aliases: resolve_aliases(self.aliases.as_deref().unwrap_or_default())?,
            visibility: self.visibility.into(),
        })
    }
}

#[derive(InputObject, Clone, Default)]
pub struct UpdateActorInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub kind: Option<ActorKind>,
    pub description: MaybeUndefined<String>,
    /// Replaces the aliases.
    pub aliases: Option<Vec<String>>,
    pub visibility: Option<Visibility>,
}

impl UpdateActorInput {
    pub fn resolve(&self) -> ApiResult<ActorPatch> {
        Ok(ActorPatch {
            slug: self
                .slug
                .as_deref()
                .map(|s| validate::slug("input.slug", s))
                .transpose()?,
            name: self
                .name
                .as_deref()
                .map(|s| validate::name("input.name", s))
                .transpose()?,
            kind: self.kind.map(Into::into),
            description: maybe_text(
                "input",
                "description",
                &self.description,
                validate::MAX_TEXT,
            )?,
            aliases: self.aliases.as_deref().map(resolve_aliases).transpose()?,
            visibility: self.visibility.map(Into::into),
        })
    }
}
