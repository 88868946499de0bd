//! Places: a hierarchy COUNTRY > REGION > PROVINCE > DISTRICT > SITE with codes and
//! coordinates.

use super::common::loaders;
use super::enums::*;
use crate::error::ApiResult;
use crate::ids::{NodeType, encode};
use crate::loaders::*;
use async_graphql::{Context, ID, Json, Object};
use chasqui_entities::tables::location;

#[derive(Clone)]
pub struct Location(pub location::Model);

impl Location {
    pub async fn load(ctx: &Context<'_>, id: i64) -> ApiResult<Option<Location>> {
        let loader = loaders(ctx)?;
        if let Some(model) = loader.loader().primed.location(id) {
            return Ok(Some(Location(model)));
        }
        Ok(loader.load_one(LocationById(id)).await?.map(Location))
    }

    fn ancestor_ids(&self) -> Vec<i64> {
        self.0
            .path
            .split('/')
            .filter_map(|p| p.parse::<i64>().ok())
            .filter(|id| *id != self.0.id)
            .collect()
    }
}

/// A place. Codes are official where they exist (Peru: UBIGEO, 2/4/6 digits).
#[Object]
impl Location {
    pub(crate) async fn id(&self) -> ID {
        encode(NodeType::Location, self.0.id)
    }

    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn level(&self) -> LocationLevel {
        self.0.level.into()
    }

    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }

    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }

    /// The shape as a GeoJSON geometry (WGS84), when the place has one (read only when
    /// asked for: shapes are large).
    async fn geometry(&self, ctx: &Context<'_>) -> ApiResult<Option<Json<serde_json::Value>>> {
        let text = match &self.0.geometry {
            Some(text) => Some(text.clone()),
            None => {
                loaders(ctx)?
                    .load_one(LocationGeometryById(self.0.id))
                    .await?
            }
        };
        Ok(text.and_then(|g| serde_json::from_str(&g).ok()).map(Json))
    }

    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        match self.0.parent_id {
            Some(id) => Location::load(ctx, id).await,
            None => Ok(None),
        }
    }

    /// For a site with coordinates: the most precise place whose boundary holds its point
    /// (a district, say), recorded when the site is written or at the next `places
    /// import`. Its `ancestors` then give the province and the region. Null for places,
    /// and for a site without coordinates or outside every boundary.
    async fn placed_in(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        if self.0.level != chasqui_entities::LocationLevel::Site || self.0.latitude.is_none() {
            return Ok(None);
        }
        Ok(loaders(ctx)?
            .load_one(PlaceOfSite(self.0.id))
            .await?
            .map(Location))
    }

    /// From the root down to the parent: Peru, Apurímac, Cotabambas.
    async fn ancestors(&self, ctx: &Context<'_>) -> ApiResult<Vec<Location>> {
        let ids = self.ancestor_ids();
        let found = loaders(ctx)?
            .load_many(ids.iter().map(|id| LocationById(*id)))
            .await?;
        Ok(ids
            .iter()
            .filter_map(|id| found.get(&LocationById(*id)).cloned().map(Location))
            .collect())
    }

    async fn children(&self, ctx: &Context<'_>) -> ApiResult<Vec<Location>> {
        let rows = loaders(ctx)?
            .load_one(ChildrenOfLocation(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Location).collect())
    }

    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }

    async fn version(&self) -> i32 {
        self.0.version
    }
}
