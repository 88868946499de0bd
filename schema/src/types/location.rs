//! Places: a hierarchy COUNTRY > REGION > PROVINCE > DISTRICT > SITE with codes and
//! coordinates; the `location`/`locations` root fields and the location inputs.

use super::common::{access, loaders, page_limits, store};
use super::enums::*;
use super::input::{any_of, non_blank, patch};
use super::spatial::region_paths;
use crate::error::{ApiError, ApiResult};
use crate::ids::{Lookup, NodeType, decode, decode_opt, encode, lookup};
use crate::loaders::{ChildrenOfLocation, LocationById, LocationGeometryById, PlaceOfSite};
use crate::pagination::{decode_cursor, encode_cursor, page_connection};
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object};
use chasqui_domain::validate::{self, LocationCode};
use chasqui_entities::tables::location;
use chasqui_store::{Author, LocationPatch, NewLocation};

#[derive(Clone)]
pub struct Location(pub location::Model);

/// The tag of the location list's cursors.
const CURSOR_TAG: &str = "lo";

impl Location {
    pub async fn load(ctx: &Context<'_>, id: i64) -> ApiResult<Option<Location>> {
        let loader = loaders(ctx)?;
        if let Some(model) = loader.loader().primed.location(id) {
            return Ok(Some(Location(model)));
        }
        Ok(loader.load_one(LocationById(id)).await?.map(Location))
    }

    /// [`Location::load`] for a reference that may be absent.
    pub async fn load_opt(ctx: &Context<'_>, id: Option<i64>) -> ApiResult<Option<Location>> {
        match id {
            Some(id) => Location::load(ctx, id).await,
            None => Ok(None),
        }
    }

    /// `Query.location`: by id or code.
    pub async fn by_key(
        ctx: &Context<'_>,
        id: Option<&ID>,
        code: Option<&str>,
    ) -> ApiResult<Option<Location>> {
        match lookup(NodeType::Location, id, code, "code")? {
            Some(Lookup::Id(id)) => Location::load(ctx, id).await,
            Some(Lookup::Key(code)) => Ok(store(ctx)?
                .location_by_code(access(ctx), code)
                .await?
                .map(Location)),
            None => Ok(None),
        }
    }

    /// `Query.locations`: a page of places in the order they were recorded.
    pub async fn paginate(
        ctx: &Context<'_>,
        filter: Option<LocationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Location, EmptyFields, EmptyFields>> {
        let store = store(ctx)?;
        let access = access(ctx);
        let limit = page_limits(ctx).size(first)?;
        let filter = filter.unwrap_or_default();
        let within_path = match &filter.within {
            Some(within) => region_paths(store, access, std::slice::from_ref(within))
                .await?
                .pop(),
            None => None,
        };
        let store_filter = chasqui_store::LocationFilter {
            levels: any_of(&filter.levels),
            within_path,
            parent_id: decode_opt(NodeType::Location, filter.parent.as_ref(), "filter.parent")?,
            name_contains: non_blank(filter.name),
        };
        let after = decode_cursor(after.as_deref(), CURSOR_TAG, 1, |p| {
            p[0].parse::<i64>().ok()
        })?;
        let page = store
            .list_locations(access, &store_filter, after, limit)
            .await?;
        Ok(page_connection(
            after.is_some(),
            page,
            EmptyFields,
            |model| (encode_cursor(CURSOR_TAG, &[&model.id]), Location(model)),
        ))
    }

    /// `Mutation.createLocation`.
    pub async fn create(
        ctx: &Context<'_>,
        author: &Author,
        input: CreateLocationInput,
    ) -> ApiResult<Location> {
        Ok(Location(
            store(ctx)?
                .create_location(author, input.resolve()?)
                .await?,
        ))
    }

    /// `Mutation.updateLocation`.
    pub async fn update(
        ctx: &Context<'_>,
        author: &Author,
        id: &ID,
        expected_version: Option<i32>,
        input: UpdateLocationInput,
    ) -> ApiResult<Location> {
        let location_id = decode(NodeType::Location, id, "id")?;
        Ok(Location(
            store(ctx)?
                .update_location(
                    author,
                    location_id,
                    input.resolve(location_id)?,
                    expected_version,
                )
                .await?,
        ))
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
        Location::load_opt(ctx, self.0.parent_id).await
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

#[derive(InputObject, Default)]
pub struct LocationFilter {
    pub levels: Option<Vec<LocationLevel>>,
    /// Locations below this one (code or id), itself included.
    pub within: Option<String>,
    /// Direct children of this location (id).
    pub parent: Option<ID>,
    /// Part of the name, any case, taken literally (`%` and `_` are not wildcards).
    pub name: Option<String>,
}

#[derive(InputObject, Clone)]
pub struct CreateLocationInput {
    /// Official code, unique (UBIGEO "030506").
    pub code: Option<String>,
    pub name: String,
    pub level: LocationLevel,
    pub parent: Option<ID>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// A GeoJSON geometry (WGS84).
    pub geometry: Option<Json<serde_json::Value>>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

fn resolve_geometry(value: Option<&Json<serde_json::Value>>) -> ApiResult<Option<String>> {
    let Some(Json(value)) = value else {
        return Ok(None);
    };
    let kind = value
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or_default();
    const KINDS: [&str; 6] = [
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
    ];
    if !KINDS.contains(&kind) || value.get("coordinates").is_none() {
        return Err(ApiError::bad_input(
            "input.geometry",
            "must be a GeoJSON geometry with a type and coordinates",
        ));
    }
    Ok(Some(value.to_string()))
}

fn resolve_code(code: &str) -> ApiResult<String> {
    Ok(LocationCode::parse("input.code", code)?.into_string())
}

impl CreateLocationInput {
    pub fn resolve(&self) -> ApiResult<NewLocation> {
        let point = validate::point(
            "input.latitude",
            self.latitude,
            "input.longitude",
            self.longitude,
        )?;
        Ok(NewLocation {
            code: self.code.as_deref().map(resolve_code).transpose()?,
            name: validate::name("input.name", &self.name)?,
            level: self.level.into(),
            parent_id: decode_opt(NodeType::Location, self.parent.as_ref(), "input.parent")?,
            latitude: point.map(|(lat, _)| lat),
            longitude: point.map(|(_, lon)| lon),
            geometry: resolve_geometry(self.geometry.as_ref())?,
            visibility: self.visibility.into(),
        })
    }
}

#[derive(InputObject, Clone, Default)]
pub struct UpdateLocationInput {
    pub code: MaybeUndefined<String>,
    pub name: Option<String>,
    pub level: Option<LocationLevel>,
    pub parent: MaybeUndefined<ID>,
    pub latitude: MaybeUndefined<f64>,
    pub longitude: MaybeUndefined<f64>,
    pub geometry: MaybeUndefined<Json<serde_json::Value>>,
    pub visibility: Option<Visibility>,
}

impl UpdateLocationInput {
    pub fn resolve(&self, id: i64) -> ApiResult<LocationPatch> {
        let parent_id = patch(&self.parent, |p| {
            let parent = decode(NodeType::Location, p, "input.parent")?;
            if parent == id {
                return Err(ApiError::bad_input(
                    "input.parent",
                    "a location cannot be its own parent",
                ));
            }
            Ok(Some(parent))
        })?;
        Ok(LocationPatch {
            code: patch(&self.code, |c| Ok(Some(resolve_code(c)?)))?,
            name: self
                .name
                .as_deref()
                .map(|n| validate::name("input.name", n))
                .transpose()?,
            level: self.level.map(Into::into),
            parent_id,
            latitude: patch(&self.latitude, |v| {
                Ok(validate::latitude("input.latitude", Some(*v))?)
            })?,
            longitude: patch(&self.longitude, |v| {
                Ok(validate::longitude("input.longitude", Some(*v))?)
            })?,
            geometry: patch(&self.geometry, |g| resolve_geometry(Some(g)))?,
            visibility: self.visibility.map(Into::into),
        })
    }
}
