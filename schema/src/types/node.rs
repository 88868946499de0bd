//! The `Node` interface: anything with a global id, fetched by `node(id)`.

use super::actor::Actor;
use super::case::{
    CampaignCase, Case, CourtCase, DecreeCase, InfrastructureCase, InvestigationCase, MineCase,
    OilAndGasCase, OtherCase,
};
use super::event::Event;
use super::location::Location;
use super::news::NewsItem;
use super::news_link::NewsLink;
use super::status_change::StatusChange;
use crate::error::ApiResult;
use crate::ids::{NodeType, decode_any};
use crate::loaders::{EventById, NewsLinkById, StatusChangeById};
use async_graphql::{Context, ID, Interface};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    MineCase(MineCase),
    OilAndGasCase(OilAndGasCase),
    InfrastructureCase(InfrastructureCase),
    DecreeCase(DecreeCase),
    CourtCase(CourtCase),
    CampaignCase(CampaignCase),
    InvestigationCase(InvestigationCase),
    OtherCase(OtherCase),
    Actor(Actor),
    Location(Location),
    NewsItem(NewsItem),
    NewsLink(NewsLink),
    Event(Event),
    StatusChange(StatusChange),
}

impl From<Case> for Node {
    fn from(case: Case) -> Self {
        match case {
            Case::Mine(c) => Node::MineCase(c),
            Case::OilAndGas(c) => Node::OilAndGasCase(c),
            Case::Infrastructure(c) => Node::InfrastructureCase(c),
            Case::Decree(c) => Node::DecreeCase(c),
            Case::CourtCase(c) => Node::CourtCase(c),
            Case::Campaign(c) => Node::CampaignCase(c),
            Case::Investigation(c) => Node::InvestigationCase(c),
            Case::Other(c) => Node::OtherCase(c),
        }
    }
}

/// `Query.nodes`: each id in order, through the same loads as [`load_node`]. (The number
/// of ids is checked before the request runs, by `admission`.)
pub async fn load_nodes(ctx: &Context<'_>, ids: &[ID]) -> ApiResult<Vec<Option<Node>>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(load_node(ctx, id).await?);
    }
    Ok(out)
}

/// Resolves a global id; anything malformed, unknown or not visible is `None`.
pub async fn load_node(ctx: &Context<'_>, id: &ID) -> ApiResult<Option<Node>> {
    let Some((kind, id)) = decode_any(id.as_str()) else {
        return Ok(None);
    };
    let loader = super::common::loaders(ctx)?;
    Ok(match kind {
        NodeType::Case => Case::load(ctx, id).await?.map(Node::from),
        NodeType::Actor => Actor::load(ctx, id).await?.map(Node::Actor),
        NodeType::Location => Location::load(ctx, id).await?.map(Node::Location),
        NodeType::NewsItem => NewsItem::load(ctx, id).await?.map(Node::NewsItem),
        NodeType::NewsLink => loader
            .load_one(NewsLinkById(id))
            .await?
            .map(|m| Node::NewsLink(NewsLink(m))),
        NodeType::Event => loader
            .load_one(EventById(id))
            .await?
            .map(|m| Node::Event(Event::new(m))),
        NodeType::StatusChange => loader
            .load_one(StatusChangeById(id))
            .await?
            .map(|m| Node::StatusChange(StatusChange::new(m))),
        NodeType::CaseRelation => None,
    })
}
